"""The portal's PostgreSQL database: schema migrations (yoyo, applied at open), a connection
pool shared by every thread, and the same conflict and failure rules as the DuckDB file
(:mod:`portal.adapters.db`).

The repositories speak the SQL of :mod:`portal.adapters.db`'s :class:`~portal.adapters.db.
SqlRunner` (``?`` placeholders); this runner turns them into psycopg's. Single statements run
in autocommit (each its own transaction) and are retried with backoff when they meet a
serialization failure, a deadlock or a lock held too long. A transaction (:meth:`PostgresDatabase.
begin`) runs at REPEATABLE READ, PostgreSQL's snapshot isolation, as DuckDB's transactions do:
a row another open transaction changed is a :class:`WriteConflictError` (after at most
``lock_timeout`` of waiting), never a silent overwrite.

One database holds every company (tenancy): :meth:`PostgresDatabase.for_company` is a view
on the same pool whose connections set ``portal.company_id`` first, and the row-level
security of migration 0003 shows and accepts only that company's rows. The plain database (no
company) is for the directory of companies and users and for migrations. The portal's role
must be bound by row-level security (no superuser, no BYPASSRLS): it refuses to start
otherwise.

A failure of the server or the connection (unreachable, disk full, shut down, no connection
free in time) is :class:`StorageFailure`, logged with its cause under a reference.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import logging
import random
import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import psycopg
import psycopg.errors
from psycopg_pool import ConnectionPool, PoolTimeout

from portal.adapters.db import DatabaseUnavailableError, Row, storage_failure
from portal.domain.failures import StorageError, WriteConflictError
from portal.domain.text import msg

log = logging.getLogger(__name__)

#: The URL schemes that name a PostgreSQL server (``PORTAL_DATABASE_URL``).
POSTGRES_SCHEMES: Final = ("postgresql", "postgres")
# yoyo's migrations: one SQL file each, applied in the order of their names.
MIGRATIONS_DIR: Final = Path(__file__).with_name("postgres_migrations")
_MAX_BACKOFF_SECONDS: Final = 0.5
# How another open transaction's hold on a row ends for a writer: a conflict, as on DuckDB.
_CONFLICTS: Final = (
    psycopg.errors.SerializationFailure,
    psycopg.errors.DeadlockDetected,
    psycopg.errors.LockNotAvailable,
)
# A key written by another transaction meanwhile: a conflict too (DuckDB reports it at commit).
_DUPLICATE_KEY: Final = psycopg.errors.UniqueViolation
# The server, the connection or the pool failing under the portal.
_STORAGE_EXCEPTIONS: Final = (
    psycopg.OperationalError,
    psycopg.InternalError,
    PoolTimeout,
    OSError,
)
# In a company's rows every natural key is led by company_id, so an upsert's target names it.
_CONFLICT_TARGET: Final = re.compile(r"ON CONFLICT \((\w[\w, ]*)\)")
_COMPANY_SETTING: Final = "SELECT set_config('portal.company_id', %s, false)"
_CONFLICT_MESSAGE: Final = msg(
    "Another change to the same data was saved at the same moment, so this change was not "
    "saved. Try again."
)


def is_postgres_url(url: str) -> bool:
    """Whether ``url`` names a PostgreSQL server (``postgresql://…``)."""
    return urlsplit(url).scheme.lower() in POSTGRES_SCHEMES


def redacted(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    user = parts.username or ""
    netloc = f"{user}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@functools.lru_cache(maxsize=1024)
def to_psycopg(sql: str) -> str:
    """``sql`` with ``?`` placeholders as psycopg's ``%s`` (and every ``%`` doubled, which
    psycopg reads as a literal ``%``); a ``?`` inside a quoted literal stays."""
    out: list[str] = []
    quoted = False
    for char in sql:
        if char == "'":
            quoted = not quoted
            out.append(char)
        elif char == "%":
            out.append("%%")
        elif char == "?" and not quoted:
            out.append("%s")
        else:
            out.append(char)
    return "".join(out)


@functools.lru_cache(maxsize=512)
def to_company_psycopg(sql: str) -> str:
    """:func:`to_psycopg` for a company's connection: ``ON CONFLICT (key)`` becomes
    ``ON CONFLICT (company_id, key)``, the key the company tables have (migration 0003)."""
    return _CONFLICT_TARGET.sub(r"ON CONFLICT (company_id, \1)", to_psycopg(sql))


def _instants(params: Sequence[object]) -> list[object]:
    # The repositories pass times as naive UTC (the DuckDB file's TIMESTAMP columns); sent as
    # such they would be `timestamp` parameters, which PostgreSQL compares with the
    # `timestamptz` columns by a cast the company-led indexes cannot use (a time-window page
    # read 135 ms instead of 0.1 ms at 1M rows). As instants they are `timestamptz`.
    return [
        value.replace(tzinfo=UTC) if isinstance(value, datetime) and value.tzinfo is None else value
        for value in params
    ]


def _forget_company(connection: psycopg.Connection) -> None:
    # Back in the pool, a connection belongs to no company until the next one sets it.
    connection.execute(_COMPANY_SETTING, [""])


def _configurer(lock_timeout_ms: int) -> Callable[[psycopg.Connection], None]:
    def configure(connection: psycopg.Connection) -> None:
        # Stored times are instants and come back in UTC, whatever the server's default zone;
        # a row another transaction holds is waited for at most lock_timeout.
        connection.execute("SET TimeZone TO 'UTC'")
        connection.execute(f"SET lock_timeout = {lock_timeout_ms}")

    return configure


def _unavailable(url: str, error: str) -> DatabaseUnavailableError:
    return DatabaseUnavailableError(
        msg(
            "The portal database {url} cannot be reached ({error}). Check that the server is "
            "running and the URL in {key} is right.",
            url=redacted(url),
            error=error,
            key="PORTAL_DATABASE_URL",
        )
    )


def _check_reachable(url: str, *, timeout: timedelta) -> None:
    # One plain connection first: a wrong host, database or password is said at once, with
    # the server's reason (libpq never repeats the password), instead of a pool timing out.
    # The same connection asks whether the role is bound by row-level security.
    seconds = max(1, round(timeout.total_seconds()))
    try:
        with psycopg.connect(url, connect_timeout=seconds) as connection:
            row = connection.execute(
                "SELECT current_user, rolsuper OR rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            ).fetchone()
    except psycopg.Error as exc:
        lines = str(exc).strip().splitlines()
        raise _unavailable(url, lines[0].strip() if lines else type(exc).__name__) from None
    if row is not None and row[1]:
        raise DatabaseUnavailableError(
            msg(
                "The portal database role {role} is a superuser or bypasses row-level "
                "security, so one company's data would not be kept from another's. Connect as "
                "an ordinary role that owns the portal's database (see the README's hosted "
                "deployment) in {key}.",
                role=row[0],
                key="PORTAL_DATABASE_URL",
            )
        )


class PostgresDatabase:
    """A PostgreSQL database with the portal's schema, through a pool; thread-safe."""

    def __init__(
        self,
        *,
        url: str,
        min_connections: int = 1,
        max_connections: int = 10,
        connect_timeout: timedelta = timedelta(seconds=10),
        lock_timeout: timedelta = timedelta(seconds=1),
        max_attempts: int = 10,
        backoff_seconds: float = 0.005,
        company_id: int | None = None,
    ) -> None:
        """``company_id``: scope every connection to that company (as :meth:`for_company`);
        None for the directory's and the migrations' plain database."""
        self.url = url
        self._max_attempts = max_attempts
        self._backoff_seconds = backoff_seconds
        self._lock_timeout_ms = int(lock_timeout / timedelta(milliseconds=1))
        _check_reachable(url, timeout=connect_timeout)
        self._pool = ConnectionPool(
            url,
            min_size=min_connections,
            max_size=max_connections,
            kwargs={"autocommit": True},
            configure=_configurer(self._lock_timeout_ms),
            reset=_forget_company,
            check=ConnectionPool.check_connection,
            timeout=connect_timeout.total_seconds(),
            name="portal",
            open=False,
        )
        try:
            self._pool.open(wait=True, timeout=connect_timeout.total_seconds())
        except PoolTimeout:
            self._pool.close()
            raise _unavailable(url, "no connection in time") from None
        self._closed = False
        self._company = company_id
        self._owner = True
        try:
            self._migrate()
        except BaseException:
            self._pool.close()
            raise

    def for_company(self, company_id: int) -> PostgresDatabase:
        """This database as one company's storage sees it: the same pool, each connection
        scoped to ``company_id`` (closing the view leaves the pool open)."""
        view = copy.copy(self)
        view._company = company_id
        view._owner = False
        return view

    @property
    def company_id(self) -> int | None:
        """The company this view is scoped to; None for the plain database."""
        return self._company

    def _translate(self, sql: str) -> str:
        return to_psycopg(sql) if self._company is None else to_company_psycopg(sql)

    def _scope(self, connection: psycopg.Connection) -> None:
        if self._company is not None:
            connection.execute(_COMPANY_SETTING, [str(self._company)])

    # --- statements -------------------------------------------------------------------------

    def execute(
        self, sql: str, params: Sequence[object] = (), *, retry_duplicate_key: bool = False
    ) -> list[Row]:
        """Run one statement in its own transaction, retrying conflicts with backoff.

        ``retry_duplicate_key`` also retries a duplicate key (set it only for ``INSERT ... ON
        CONFLICT``); without it a duplicate key is a :class:`WriteConflictError` at once.
        """
        query = self._translate(sql)
        for attempt in range(1, self._max_attempts + 1):
            try:
                with self.connection() as connection:
                    cursor = connection.execute(query, _instants(params))
                    return list(cursor.fetchall()) if cursor.description is not None else []
            except _DUPLICATE_KEY as exc:
                if not retry_duplicate_key or attempt == self._max_attempts:
                    raise WriteConflictError(_CONFLICT_MESSAGE) from exc
                time.sleep(random.uniform(0, self._backoff_seconds))
            except _CONFLICTS as exc:
                if attempt == self._max_attempts:
                    raise WriteConflictError(_CONFLICT_MESSAGE) from exc
                ceiling = min(self._backoff_seconds * 2 ** (attempt - 1), _MAX_BACKOFF_SECONDS)
                time.sleep(random.uniform(ceiling / 4, ceiling))
            except _STORAGE_EXCEPTIONS as exc:
                raise storage_failure(exc) from exc
        raise AssertionError("unreachable")

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection]:
        """A pooled connection in autocommit, for this block only."""
        self._require_open()
        try:
            with self._pool.connection() as connection:
                self._scope(connection)
                yield connection
        except PoolTimeout as exc:
            raise storage_failure(exc) from exc

    @contextmanager
    def advisory_lock(self, namespace: int, key: int) -> Iterator[None]:
        """Hold PostgreSQL's session advisory lock (``namespace``, ``key``) for this block,
        waiting as long as another connection, in any process, holds it. A process that dies
        holding it loses its connection, and the lock with it."""
        with self.connection() as connection:
            try:
                connection.execute("SET lock_timeout = 0")
                connection.execute("SELECT pg_advisory_lock(%s, %s)", [namespace, key])
            except _STORAGE_EXCEPTIONS as exc:
                raise storage_failure(exc) from exc
            try:
                yield
            finally:
                with contextlib.suppress(*_STORAGE_EXCEPTIONS):
                    connection.execute("SELECT pg_advisory_unlock(%s, %s)", [namespace, key])
                    connection.execute(f"SET lock_timeout = {self._lock_timeout_ms}")

    @property
    def pool(self) -> ConnectionPool:
        """The pool itself, for a library that runs its own statements on the portal's
        connections (the sync's job queue)."""
        self._require_open()
        return self._pool

    def begin(self) -> PostgresTransaction:
        """A transaction on a pooled connection of its own; see :class:`PostgresTransaction`."""
        self._require_open()
        try:
            connection = self._pool.getconn()
        except PoolTimeout as exc:
            raise storage_failure(exc) from exc
        try:
            self._scope(connection)
            return PostgresTransaction(
                connection, give_back=self._pool.putconn, translate=self._translate
            )
        except BaseException:
            self._pool.putconn(connection)
            raise

    @property
    def schema_version(self) -> int:
        """How many of the portal's migrations the database has."""
        rows = self.execute("SELECT count(*) FROM _yoyo_migration")
        return int(rows[0][0])

    # --- lifecycle --------------------------------------------------------------------------

    def close(self) -> None:
        """Close the pool (a company's view only stops itself); later calls raise
        :class:`StorageError`."""
        if self._closed:
            return
        self._closed = True
        if self._owner:
            self._pool.close()

    def __enter__(self) -> PostgresDatabase:
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PostgresDatabase(url={redacted(self.url)!r})"

    def _require_open(self) -> None:
        if self._closed:
            raise StorageError(msg("The portal database is closed."))

    # --- schema -----------------------------------------------------------------------------

    def _migrate(self) -> None:
        # yoyo takes a lock in the database, so replicas starting together migrate once.
        from yoyo import get_backend, read_migrations

        parts = urlsplit(self.url)
        yoyo_url = urlunsplit(parts._replace(scheme="postgresql+psycopg"))
        migrations = read_migrations(str(MIGRATIONS_DIR))
        try:
            backend = get_backend(yoyo_url)
        except psycopg.Error as exc:
            raise storage_failure(exc) from exc
        try:
            with backend.lock():
                backend.apply_migrations(backend.to_apply(migrations))
        except psycopg.Error as exc:
            raise storage_failure(exc) from exc
        finally:
            with contextlib.suppress(psycopg.Error):
                backend.connection.close()


class PostgresTransaction:
    """Statements on one connection inside BEGIN ... COMMIT (REPEATABLE READ); nothing is
    retried. Like :class:`portal.adapters.db.Transaction`: :meth:`commit` makes the work so far
    permanent and starts a new transaction; :meth:`close` rolls back whatever was not
    committed and gives the connection back to the pool."""

    def __init__(
        self,
        connection: psycopg.Connection,
        *,
        give_back: Callable[[psycopg.Connection], None],
        translate: Callable[[str], str] = to_psycopg,
    ) -> None:
        self._connection = connection
        self._translate = translate
        self._give_back = give_back
        self._open = True
        self._begin()

    @property
    def connection(self) -> psycopg.Connection:
        self._require_open()
        return self._connection

    def execute(
        self, sql: str, params: Sequence[object] = (), *, retry_duplicate_key: bool = False
    ) -> list[Row]:
        del retry_duplicate_key
        self._require_open()
        try:
            cursor = self._connection.execute(self._translate(sql), _instants(params))
            return list(cursor.fetchall()) if cursor.description is not None else []
        except (*_CONFLICTS, _DUPLICATE_KEY) as exc:
            raise WriteConflictError(_CONFLICT_MESSAGE) from exc
        except _STORAGE_EXCEPTIONS as exc:
            raise storage_failure(exc) from exc

    def commit(self) -> None:
        self._require_open()
        try:
            self._connection.execute("COMMIT")
        except (*_CONFLICTS, _DUPLICATE_KEY) as exc:
            self._safe("ROLLBACK")
            self._safe_begin()
            raise WriteConflictError(_CONFLICT_MESSAGE) from exc
        except _STORAGE_EXCEPTIONS as exc:
            self._safe("ROLLBACK")
            self._safe_begin()
            raise storage_failure(exc) from exc
        self._begin()

    def rollback(self) -> None:
        self._require_open()
        self._safe("ROLLBACK")
        self._begin()

    def close(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            self._safe("ROLLBACK")
        finally:
            self._give_back(self._connection)

    def _begin(self) -> None:
        try:
            self._connection.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        except _STORAGE_EXCEPTIONS as exc:
            raise storage_failure(exc) from exc

    def _safe_begin(self) -> None:
        with contextlib.suppress(psycopg.Error, StorageError):
            self._begin()

    def _safe(self, sql: str) -> None:
        # After a failure of the server the connection may refuse everything; the failure is
        # reported either way, and the pool discards a broken connection when it comes back.
        with contextlib.suppress(psycopg.Error):
            self._connection.execute(sql)

    def _require_open(self) -> None:
        if not self._open:
            raise StorageError(msg("This unit of work has ended; start a new one."))
