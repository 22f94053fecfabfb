"""The portal's DuckDB file: schema and migrations (versioned, applied at open), a cursor per
thread, and retries of write conflicts.

One process writes the file (DuckDB locks it); inside that process every thread gets its own
cursor, because a DuckDB connection object must not be shared between threads. Single
statements outside a transaction take turns to write, and are retried with backoff when they
meet a write-write conflict with an open transaction; a transaction (:meth:`Database.begin`)
is all-or-nothing and reports a conflict as :class:`WriteConflictError` after rolling back.

A failure of the storage itself (disk full, read-only or unwritable file, permission denied,
a database DuckDB invalidated) is never taken for a conflict: it is :class:`StorageFailure`,
logged with its cause under a reference the person's message repeats, and never retried.
The file, its write-ahead log and any directory created for it are the owner's alone
(:mod:`portal.adapters.file_modes`).
"""

from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
import uuid
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, Final, Protocol, TypeVar

import duckdb

from portal.adapters.file_modes import make_private_dir, make_private_file
from portal.domain.failures import StorageError, StorageFailure, WriteConflictError
from portal.domain.text import msg
from portal.domain.timestamps import require_aware

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
E = TypeVar("E", bound=Enum)


class DatabaseUnavailableError(StorageError):
    """The database file cannot be opened."""


class SchemaVersionError(StorageError):
    """The database file was written by a newer version of the portal."""


class CorruptRecordError(StorageError):
    """A stored record cannot be read back."""


class SqlRunner(Protocol):
    """Runs one SQL statement and returns all its rows. Repositories depend only on this."""

    def execute(
        self, sql: str, params: Sequence[object] = (), *, retry_duplicate_key: bool = False
    ) -> list[Row]: ...


class TransactionRunner(SqlRunner, Protocol):
    """A transaction as units of work and the sync store use it (:class:`Transaction` and
    PostgreSQL's)."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...

    def close(self) -> None: ...


class TransactionalRunner(SqlRunner, Protocol):
    """Single statements and transactions (:class:`Database` and PostgreSQL's)."""

    def begin(self) -> TransactionRunner: ...


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    statements: tuple[str, ...]


# Append new migrations; never edit one that has shipped.
MIGRATIONS: Final[tuple[Migration, ...]] = (
    Migration(
        1,
        "settings, backups, authentication, tokens and logs",
        (
            """CREATE TABLE current_settings (
                area VARCHAR PRIMARY KEY,
                payload VARCHAR NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )""",
            "CREATE SEQUENCE backups_id_seq START 1",
            """CREATE TABLE backups (
                id BIGINT PRIMARY KEY DEFAULT nextval('backups_id_seq'),
                saved_at TIMESTAMP NOT NULL,
                taken_at TIMESTAMP NOT NULL,
                org_id VARCHAR NOT NULL,
                org_name VARCHAR NOT NULL,
                username VARCHAR NOT NULL,
                instance_url VARCHAR NOT NULL,
                format_version INTEGER NOT NULL,
                payload VARCHAR NOT NULL
            )""",
            "CREATE SEQUENCE authentication_history_id_seq START 1",
            """CREATE TABLE authentication_history (
                id BIGINT PRIMARY KEY DEFAULT nextval('authentication_history_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                event VARCHAR NOT NULL,
                org_id VARCHAR,
                org_name VARCHAR,
                username VARCHAR,
                instance_url VARCHAR,
                detail VARCHAR NOT NULL
            )""",
            """CREATE TABLE pending_authorizations (
                state VARCHAR PRIMARY KEY,
                code_verifier_ciphertext VARCHAR NOT NULL,
                redirect_to VARCHAR NOT NULL,
                requested_by VARCHAR,
                created_at TIMESTAMP NOT NULL,
                expires_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE oauth_tokens (
                slot VARCHAR PRIMARY KEY,
                access_token_ciphertext VARCHAR NOT NULL,
                refresh_token_ciphertext VARCHAR,
                instance_url VARCHAR NOT NULL,
                org_id VARCHAR NOT NULL,
                user_id VARCHAR NOT NULL,
                issued_at TIMESTAMP NOT NULL
            )""",
            "CREATE SEQUENCE integration_errors_id_seq START 1",
            """CREATE TABLE integration_errors (
                id BIGINT PRIMARY KEY DEFAULT nextval('integration_errors_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                source VARCHAR NOT NULL,
                miitel_record_id VARCHAR NOT NULL,
                sobject VARCHAR NOT NULL,
                operation VARCHAR NOT NULL,
                status_code VARCHAR NOT NULL,
                message VARCHAR NOT NULL,
                fields VARCHAR[] NOT NULL,
                org_id VARCHAR
            )""",
            "CREATE SEQUENCE sync_log_id_seq START 1",
            """CREATE TABLE sync_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('sync_log_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                source VARCHAR NOT NULL,
                miitel_record_id VARCHAR NOT NULL,
                sobject VARCHAR NOT NULL,
                outcome VARCHAR NOT NULL,
                salesforce_id VARCHAR,
                detail VARCHAR NOT NULL,
                org_id VARCHAR
            )""",
            "CREATE SEQUENCE audit_log_id_seq START 1",
            """CREATE TABLE audit_log (
                id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                actor VARCHAR NOT NULL,
                action VARCHAR NOT NULL,
                outcome VARCHAR NOT NULL,
                detail VARCHAR NOT NULL
            )""",
        ),
    ),
    # Added for the services (duckdb_procedure.py and duckdb_auth.py own the repositories).
    Migration(
        2,
        "procedure progress, check findings and login failures",
        (
            """CREATE TABLE procedure_progress (
                step INTEGER PRIMARY KEY,
                status VARCHAR NOT NULL,
                branch VARCHAR,
                next_step INTEGER,
                message VARCHAR NOT NULL,
                updated_at TIMESTAMP NOT NULL,
                updated_by VARCHAR NOT NULL
            )""",
            """CREATE TABLE check_findings (
                name VARCHAR PRIMARY KEY,
                value VARCHAR NOT NULL,
                recorded_at TIMESTAMP NOT NULL
            )""",
            "CREATE SEQUENCE login_failures_id_seq START 1",
            """CREATE TABLE login_failures (
                id BIGINT PRIMARY KEY DEFAULT nextval('login_failures_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                username VARCHAR NOT NULL,
                client_key VARCHAR NOT NULL
            )""",
        ),
    ),
    # Added by the calls and meetings sync (portal/adapters/duckdb_sync.py owns the repository).
    Migration(
        3,
        "calls and meetings inbox and outbox",
        (
            """CREATE TABLE sync_inbox (
                kind VARCHAR NOT NULL,
                record_id VARCHAR NOT NULL,
                payload VARCHAR NOT NULL,
                started_at TIMESTAMP NOT NULL,
                received_at TIMESTAMP NOT NULL,
                PRIMARY KEY (kind, record_id)
            )""",
            """CREATE TABLE sync_outbox (
                kind VARCHAR NOT NULL,
                record_id VARCHAR NOT NULL,
                state VARCHAR NOT NULL,
                attempts INTEGER NOT NULL,
                next_attempt_at TIMESTAMP,
                org_id VARCHAR,
                salesforce_id VARCHAR,
                last_code VARCHAR,
                last_message VARCHAR,
                updated_at TIMESTAMP NOT NULL,
                PRIMARY KEY (kind, record_id)
            )""",
        ),
    ),
    # A write whose answer never came may still land at Salesforce until this time.
    Migration(
        4,
        "outbox: when a record sent without an answer may be looked up",
        ("ALTER TABLE sync_outbox ADD COLUMN look_up_after TIMESTAMP",),
    ),
    Migration(
        5,
        "portal users' preferences (language)",
        (
            """CREATE TABLE user_preferences (
                username VARCHAR PRIMARY KEY,
                language VARCHAR NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
    # The error log as DuckDB recommends for time-range scans: rows stored in time order (each
    # row group's min/max of occurred_at then skips whole groups), no ART index on id (ids come
    # from the sequence; an index on 10M rows costs memory and every insert). Every row kept.
    Migration(
        6,
        "error log stored in time order, without an index",
        (
            """CREATE TABLE integration_errors_by_time (
                id BIGINT NOT NULL DEFAULT nextval('integration_errors_id_seq'),
                occurred_at TIMESTAMP NOT NULL,
                source VARCHAR NOT NULL,
                miitel_record_id VARCHAR NOT NULL,
                sobject VARCHAR NOT NULL,
                operation VARCHAR NOT NULL,
                status_code VARCHAR NOT NULL,
                message VARCHAR NOT NULL,
                fields VARCHAR[] NOT NULL,
                org_id VARCHAR
            )""",
            """INSERT INTO integration_errors_by_time
               SELECT id, occurred_at, source, miitel_record_id, sobject, operation, status_code,
                      message, fields, org_id
               FROM integration_errors ORDER BY occurred_at, id""",
            "DROP TABLE integration_errors",
            "ALTER TABLE integration_errors_by_time RENAME TO integration_errors",
        ),
    ),
    # Tenancy (issue 15): the directory of companies and portal users. The portal's own file
    # holds it and is the home company's storage; every other company has a file of its own
    # (portal/adapters/tenants.py), so no table needs a company column.
    Migration(
        7,
        "companies and portal users",
        (
            "CREATE SEQUENCE companies_id_seq START 2",
            """CREATE TABLE companies (
                id BIGINT PRIMARY KEY DEFAULT nextval('companies_id_seq'),
                slug VARCHAR NOT NULL UNIQUE,
                name VARCHAR NOT NULL
            )""",
            "INSERT INTO companies (id, slug, name) VALUES (1, 'default', 'Default company')",
            """CREATE TABLE portal_users (
                username VARCHAR PRIMARY KEY,
                company_id BIGINT NOT NULL,
                role VARCHAR NOT NULL,
                password_hash VARCHAR NOT NULL,
                disabled BOOLEAN NOT NULL,
                source VARCHAR NOT NULL,
                updated_at TIMESTAMP NOT NULL
            )""",
        ),
    ),
    # Browser login sessions (portal/adapters/web_sessions.py owns the repository): with the
    # directory, in the portal's own file, so a restarted portal resumes every login. Keys are
    # digests; a ticket's session id is sealed under the ticket: nothing here logs anyone in.
    Migration(
        8,
        "browser login sessions, cookie tickets and sign-in bindings",
        (
            """CREATE TABLE web_sessions (
                session_key VARCHAR PRIMARY KEY,
                username VARCHAR NOT NULL,
                created_at TIMESTAMP NOT NULL,
                expires_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE web_session_tickets (
                ticket_key VARCHAR PRIMARY KEY,
                session_key VARCHAR NOT NULL,
                sealed_session_id VARCHAR NOT NULL,
                max_age_seconds INTEGER NOT NULL,
                expires_at TIMESTAMP NOT NULL
            )""",
            """CREATE TABLE web_session_bindings (
                state_key VARCHAR PRIMARY KEY,
                session_key VARCHAR NOT NULL,
                expires_at TIMESTAMP NOT NULL,
                return_page VARCHAR,
                return_step INTEGER
            )""",
        ),
    ),
)

LATEST_SCHEMA_VERSION: Final = MIGRATIONS[-1].version

_MAX_BACKOFF_SECONDS: Final = 0.5
# How DuckDB words a write-write conflict (and a duplicate key found at commit); any other
# TransactionException, e.g. "Failed to commit: Could not write file ...", is the storage.
_CONFLICT_WORDING: Final = re.compile(r"conflict|constraint violation|duplicate key", re.I)
# Failures of the file or the disk under DuckDB.
_STORAGE_EXCEPTIONS: Final = (
    duckdb.IOException,
    duckdb.PermissionException,
    duckdb.FatalException,
    OSError,
)
_CONFLICT_MESSAGE: Final = msg(
    "Another change to the same data was saved at the same moment, so this change was not "
    "saved. Try again."
)


def to_db_time(value: datetime) -> datetime:
    """A timezone-aware time as the naive UTC timestamp the tables hold."""
    return require_aware(value, name="timestamp").replace(tzinfo=None)


def from_db_time(value: datetime) -> datetime:
    """A stored naive UTC timestamp as a timezone-aware time."""
    return value.replace(tzinfo=UTC)


class Database:
    """One DuckDB file with the portal's schema; safe to share between threads."""

    def __init__(
        self,
        *,
        path: Path,
        max_attempts: int = 10,
        backoff_seconds: float = 0.005,
    ) -> None:
        self.path = Path(path)
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self.wal_path = self.path.with_name(self.path.name + ".wal")
        self._mode_warned: set[Path] = set()
        try:
            make_private_dir(self.path.parent)
            self._root = duckdb.connect(str(self.path))
            self._make_files_private()
        except (duckdb.IOException, OSError) as exc:
            raise DatabaseUnavailableError(
                msg(
                    "The portal database {path} cannot be opened ({error}). Check that no other "
                    "portal process is running on it, that the directory is writable, or set "
                    "{key} to another file.",
                    path=str(self.path),
                    error=_first_line(exc),
                    key="PORTAL_DB_PATH",
                )
            ) from None
        self._local = threading.local()
        self._lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._cursors: list[tuple[weakref.ref[threading.Thread], duckdb.DuckDBPyConnection]] = []
        self._closed = False
        try:
            self._migrate()
            self._make_files_private()
        except BaseException:
            self._root.close()
            raise

    # --- connections ------------------------------------------------------------------------

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """This thread's cursor (created on first use, closed with the database)."""
        self._require_open()
        cursor: duckdb.DuckDBPyConnection | None = getattr(self._local, "cursor", None)
        if cursor is not None:
            return cursor
        with self._lock:
            self._require_open()
            self._close_cursors_of_finished_threads()
            cursor = self._root.cursor()
            self._cursors.append((weakref.ref(threading.current_thread()), cursor))
        self._local.cursor = cursor
        return cursor

    def _close_cursors_of_finished_threads(self) -> None:
        # Streamlit runs each script run on a new thread; without this, cursors would pile up.
        alive = []
        for thread_ref, cursor in self._cursors:
            thread = thread_ref()
            if thread is not None and thread.is_alive():
                alive.append((thread_ref, cursor))
            else:
                cursor.close()
        self._cursors = alive

    def _require_open(self) -> None:
        if self._closed:
            raise StorageError(msg("The portal database is closed."))

    # --- statements -------------------------------------------------------------------------

    def execute(
        self, sql: str, params: Sequence[object] = (), *, retry_duplicate_key: bool = False
    ) -> list[Row]:
        """Run one statement in its own transaction, retrying write conflicts with backoff.

        ``retry_duplicate_key`` also retries a duplicate-key error, which is how DuckDB reports
        two concurrent upserts of a new key; set it only for ``INSERT ... ON CONFLICT``.
        """
        retryable: tuple[type[Exception], ...] = (duckdb.TransactionException,)
        if retry_duplicate_key:
            retryable += (duckdb.ConstraintException,)
        cursor = self.cursor()
        # Writes from this process's threads take turns, so they never conflict with each
        # other; what remains is a conflict with an open transaction, which is retried.
        serialize = not sql.lstrip()[:6].upper().startswith("SELECT")
        for attempt in range(1, self._max_attempts + 1):
            try:
                if serialize:
                    with self._write_lock:
                        rows = cursor.execute(sql, list(params)).fetchall()
                        self._make_files_private()
                        return rows
                return cursor.execute(sql, list(params)).fetchall()
            except _STORAGE_EXCEPTIONS as exc:
                raise storage_failure(exc) from exc
            except retryable as exc:
                if not is_conflict(exc):
                    raise storage_failure(exc) from exc
                if attempt == self._max_attempts:
                    raise WriteConflictError(_CONFLICT_MESSAGE) from exc
                # Exponential backoff with full jitter, so writers do not collide again in step.
                ceiling = min(self._backoff_seconds * 2 ** (attempt - 1), _MAX_BACKOFF_SECONDS)
                time.sleep(random.uniform(ceiling / 4, ceiling))
        raise AssertionError("unreachable")

    def begin(self) -> Transaction:
        """A transaction on a cursor of its own; see :class:`Transaction`."""
        with self._lock:
            self._require_open()
            cursor = self._root.cursor()
        return Transaction(cursor, on_commit=self._make_files_private)

    def _make_files_private(self) -> None:
        # DuckDB creates the file and, after every checkpoint, a new write-ahead log with the
        # umask's mode; both are made the owner's as soon as they exist. A file the process
        # may write but not chmod (another owner's) is the operator's choice: said, not fatal.
        for path in (self.path, self.wal_path):
            try:
                make_private_file(path)
            except OSError as exc:
                if path not in self._mode_warned:
                    self._mode_warned.add(path)
                    log.warning("Cannot make %s private (mode 0600): %s", path, exc)

    def checkpoint(self) -> None:
        """Write everything to the database file (and empty the write-ahead log)."""
        self.execute("CHECKPOINT")

    @property
    def schema_version(self) -> int:
        rows = self.execute("SELECT coalesce(max(version), 0) FROM schema_version")
        return int(rows[0][0])

    # --- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close every cursor and the file; later calls raise :class:`StorageError`."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for _thread_ref, cursor in self._cursors:
                cursor.close()
            self._cursors = []
            self._root.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Database(path={str(self.path)!r})"

    # --- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        cursor = self._root.cursor()
        try:
            cursor.execute(
                """CREATE TABLE IF NOT EXISTS schema_version (
                    version INTEGER PRIMARY KEY,
                    description VARCHAR NOT NULL,
                    applied_at TIMESTAMP NOT NULL
                )"""
            )
            row = cursor.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
            current = int(row[0]) if row else 0
            if current > LATEST_SCHEMA_VERSION:
                raise SchemaVersionError(
                    msg(
                        "The portal database {path} has schema version {found}, newer than this "
                        "portal's {latest}. Run the newer portal, or set {key} to another file.",
                        path=str(self.path),
                        found=str(current),
                        latest=str(LATEST_SCHEMA_VERSION),
                        key="PORTAL_DB_PATH",
                    )
                )
            for migration in MIGRATIONS:
                if migration.version <= current:
                    continue
                cursor.begin()
                try:
                    for statement in migration.statements:
                        cursor.execute(statement)
                    cursor.execute(
                        "INSERT INTO schema_version VALUES (?, ?, ?)",
                        [
                            migration.version,
                            migration.description,
                            to_db_time(datetime.now(UTC)),
                        ],
                    )
                    cursor.commit()
                except BaseException:
                    cursor.rollback()
                    raise
        finally:
            cursor.close()


class Transaction:
    """Statements on one cursor inside BEGIN ... COMMIT; nothing is retried.

    :meth:`commit` makes the work so far permanent and starts a new transaction;
    :meth:`close` rolls back whatever was not committed and releases the cursor.
    """

    def __init__(
        self,
        cursor: duckdb.DuckDBPyConnection,
        *,
        on_commit: Callable[[], None] = lambda: None,
    ) -> None:
        self._cursor = cursor
        self._on_commit = on_commit
        self._cursor.begin()
        self._open = True

    def execute(
        self, sql: str, params: Sequence[object] = (), *, retry_duplicate_key: bool = False
    ) -> list[Row]:
        self._require_open()
        try:
            return self._cursor.execute(sql, list(params)).fetchall()
        except _STORAGE_EXCEPTIONS as exc:
            raise storage_failure(exc) from exc
        except duckdb.TransactionException as exc:
            if not is_conflict(exc):
                raise storage_failure(exc) from exc
            raise WriteConflictError(_CONFLICT_MESSAGE) from exc

    def commit(self) -> None:
        self._require_open()
        try:
            self._cursor.commit()
        except (
            duckdb.TransactionException,
            duckdb.ConstraintException,
            *_STORAGE_EXCEPTIONS,
        ) as exc:
            self._safe_rollback()
            self._safe_begin()
            if isinstance(exc, duckdb.ConstraintException) or is_conflict(exc):
                raise WriteConflictError(_CONFLICT_MESSAGE) from exc
            raise storage_failure(exc) from exc
        self._on_commit()
        self._cursor.begin()

    def rollback(self) -> None:
        self._require_open()
        self._safe_rollback()
        self._cursor.begin()

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self._safe_rollback()
        finally:
            self._cursor.close()

    def _safe_rollback(self) -> None:
        # After a failed COMMIT DuckDB may already have ended the transaction; after a failure
        # of the storage it may refuse everything (the failure is reported either way).
        with contextlib.suppress(duckdb.TransactionException, *_STORAGE_EXCEPTIONS):
            self._cursor.rollback()

    def _safe_begin(self) -> None:
        with contextlib.suppress(duckdb.TransactionException, *_STORAGE_EXCEPTIONS):
            self._cursor.begin()

    def _require_open(self) -> None:
        if not self._open:
            raise StorageError(msg("This unit of work has ended; start a new one."))


def decode_enum(enum_type: type[E], value: object, *, table: str) -> E:
    """A stored enum value, or :class:`CorruptRecordError` naming the table."""
    try:
        return enum_type(value)
    except ValueError:
        raise CorruptRecordError(
            msg(
                "The portal database table {table} holds an unknown value {value}; it was "
                "changed outside the portal. Remove that row, or restore the database file from "
                "a copy.",
                table=table,
                value=repr(value),
            )
        ) from None


def is_conflict(exc: BaseException) -> bool:
    """Whether DuckDB's ``exc`` is a write-write conflict (worth retrying), not the storage."""
    return isinstance(exc, duckdb.TransactionException) and bool(_CONFLICT_WORDING.search(str(exc)))


def storage_failure(exc: BaseException) -> StorageFailure:
    """:class:`StorageFailure` for ``exc``, its cause logged under the failure's reference."""
    reference = uuid.uuid4().hex[:8].upper()
    log.error(
        "Storage failure (reference %s): %s: %s",
        reference,
        type(exc).__name__,
        _first_line(exc),
    )
    return StorageFailure(reference=reference)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
