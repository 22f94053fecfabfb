"""The portal's storage on PostgreSQL (``PORTAL_DATABASE_URL=postgresql://…``): the same
ports and the same contract suite as the DuckDB file.

The repositories are the DuckDB ones (``duckdb_*.py``): their SQL is the portable subset both
engines speak, run through :class:`~portal.adapters.postgres.PostgresDatabase`. Where the
dialects differ, a subclass here says it the PostgreSQL way: the error log's text search and
time buckets, its export (a server-side cursor streamed into the DuckDB file writer, so the
files are the same byte for byte), a duplicate OAuth state, and the sync's waiting reasons.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Final

import psycopg

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import TransactionRunner, to_db_time
from portal.adapters.duckdb_auth import DuckDbPendingAuthorizationRepository
from portal.adapters.duckdb_exports import copy_statement
from portal.adapters.duckdb_logs import _BUCKET_MICROSECONDS, DuckDbIntegrationErrorRepository
from portal.adapters.duckdb_sync import DuckDbSyncStore, DuckDbSyncTransaction
from portal.adapters.postgres import PostgresDatabase, PostgresTransaction, to_psycopg
from portal.adapters.storage import SqlPortalStorage
from portal.adapters.unit_of_work import DuckDbUnitOfWork, RepositorySet, duckdb_repositories
from portal.domain.calls import ActivityKind
from portal.domain.clock import Clock
from portal.domain.exports import CsvShape, ExportCancelled, ExportControl
from portal.domain.integration_errors import ErrorLogFilter, HighWaterMark
from portal.domain.oauth import PendingAuthorization
from portal.domain.ports import PortalStorage, Repositories, UnitOfWork
from portal.domain.sync.outbox import WaitingReason
from portal.domain.tenancy import HOME_COMPANY, CompanyId

if TYPE_CHECKING:
    import pyarrow as pa

#: How many rows the error log's tally may reach before the high-water mark folds them.
TALLY_FOLD_ROWS: Final = 1000
#: Rows fetched from the server per round trip while exporting.
EXPORT_BATCH_ROWS: Final = 10_000
_EXPORT_COLUMNS: Final = (
    "id, occurred_at AT TIME ZONE 'UTC', source, miitel_record_id, sobject, operation, "
    "status_code, message, fields, org_id"
)


class PostgresIntegrationErrorRepository(DuckDbIntegrationErrorRepository):
    """The error log on PostgreSQL."""

    # strpos, like DuckDB's contains(): the search text needs no escaping of % and _.
    _TEXT_MATCH = "strpos(lower(message), lower(?)) > 0"
    _BUCKET = (
        f"div((extract(epoch FROM occurred_at) * 1000000)::numeric, {_BUCKET_MICROSECONDS})::bigint"
    )

    def __init__(self, runner: PostgresDatabase | PostgresTransaction) -> None:
        super().__init__(runner)
        self._pg = runner

    def high_water_mark(self) -> HighWaterMark:
        # The tally (migration 0002) instead of count(*): one short sum, not a scan of the log.
        rows = self._runner.execute(
            "SELECT (SELECT coalesce(sum(delta), 0) FROM integration_errors_tally), "
            "(SELECT coalesce(max(id), 0) FROM integration_errors), "
            "(SELECT count(*) FROM integration_errors_tally)"
        )
        total, last_id, tally_rows = rows[0]
        if int(tally_rows) > TALLY_FOLD_ROWS and isinstance(self._pg, PostgresDatabase):
            # Outside a transaction only: one statement, so the sum stays exact meanwhile.
            self._runner.execute(
                "WITH gone AS (DELETE FROM integration_errors_tally RETURNING delta) "
                "INSERT INTO integration_errors_tally SELECT coalesce(sum(delta), 0) FROM gone"
            )
        return HighWaterMark(rows=int(total), last_id=int(last_id))

    def export(
        self,
        target: Path,
        *,
        filter: ErrorLogFilter | None = None,
        parquet: bool = False,
        shape: CsvShape | None = None,
        control: ExportControl | None = None,
    ) -> None:
        # The rows leave the server through a server-side cursor, a batch at a time, into the
        # same DuckDB COPY the DuckDB file uses: the same files, and memory stays flat.
        import duckdb
        import pyarrow as pa

        if control is not None and control.cancelled:
            raise ExportCancelled
        where, params = self._where(filter)
        total = int(
            self._runner.execute(f"SELECT count(*) FROM integration_errors {where}", params)[0][0]
        )
        running = _RunningExport(total)
        sql = (
            f"SELECT {_EXPORT_COLUMNS} FROM integration_errors {where} "
            "ORDER BY occurred_at DESC, id DESC"
        )
        schema = _export_schema()

        def batches() -> Iterator[pa.RecordBatch]:
            with (
                self._connection() as connection,
                connection.cursor(name=f"export_{uuid.uuid4().hex}") as cursor,
            ):
                cursor.execute(to_psycopg(sql), params)
                while True:
                    if running.interrupted:
                        raise ExportCancelled
                    rows = cursor.fetchmany(EXPORT_BATCH_ROWS)
                    if not rows:
                        return
                    running.done += len(rows)
                    yield pa.RecordBatch.from_arrays(
                        [pa.array(column) for column in zip(*rows, strict=True)],
                        schema=schema,
                    )

        copy, copy_params = copy_statement(
            where="", params=[], target=target, parquet=parquet, shape=shape, ordered=False
        )
        if control is not None:
            control.attach(running)
        try:
            with duckdb.connect() as writer:
                # One thread: the rows are written in the order the server sorted them.
                writer.execute("SET threads = 1")
                writer.register(
                    "integration_errors", pa.RecordBatchReader.from_batches(schema, batches())
                )
                writer.execute(copy, copy_params)
        except (duckdb.Error, ExportCancelled):
            if running.interrupted:
                target.unlink(missing_ok=True)
                raise ExportCancelled from None
            raise
        finally:
            if control is not None:
                control.detach()

    @contextmanager
    def _connection(self) -> Iterator[psycopg.Connection]:
        if isinstance(self._pg, PostgresTransaction):
            yield self._pg.connection
            return
        with self._pg.connection() as connection, connection.transaction():
            yield connection


def _export_schema() -> pa.Schema:
    import pyarrow

    return pyarrow.schema(
        [
            ("id", pyarrow.int64()),
            ("occurred_at", pyarrow.timestamp("us")),
            ("source", pyarrow.string()),
            ("miitel_record_id", pyarrow.string()),
            ("sobject", pyarrow.string()),
            ("operation", pyarrow.string()),
            ("status_code", pyarrow.string()),
            ("message", pyarrow.string()),
            ("fields", pyarrow.list_(pyarrow.string())),
            ("org_id", pyarrow.string()),
        ]
    )


class _RunningExport:
    """An export's rows so far out of all it writes; interrupting it stops at the next batch."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.done = 0
        self.interrupted = False

    def progress(self) -> float:
        return self.done / self.total if self.total else 0.0

    def interrupt(self) -> None:
        self.interrupted = True


class PostgresPendingAuthorizationRepository(DuckDbPendingAuthorizationRepository):
    def add(self, request: PendingAuthorization) -> None:
        # ON CONFLICT DO NOTHING: a duplicate state must not abort the caller's transaction.
        rows = self._runner.execute(
            """INSERT INTO pending_authorizations
                   (state, code_verifier_ciphertext, redirect_to, requested_by,
                    created_at, expires_at)
               VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (state) DO NOTHING RETURNING state""",
            [
                request.state,
                self._cipher.encrypt(request.code_verifier),
                request.redirect_to,
                request.requested_by,
                to_db_time(request.created_at),
                to_db_time(request.expires_at),
            ],
        )
        if not rows:
            raise ValueError("an authorization request with this state is already pending")


def postgres_repositories(
    *, runner: PostgresDatabase | PostgresTransaction, cipher: TokenCipher, clock: Clock
) -> RepositorySet:
    """The repositories over ``runner`` (the database for one transaction per call, or a
    transaction)."""
    shared = duckdb_repositories(runner=runner, cipher=cipher, clock=clock)
    return RepositorySet(
        settings=shared.settings,
        backups=shared.backups,
        authentication_history=shared.authentication_history,
        pending_authorizations=PostgresPendingAuthorizationRepository(
            runner, cipher=cipher, clock=clock
        ),
        tokens=shared.tokens,
        integration_errors=PostgresIntegrationErrorRepository(runner),
        sync_log=shared.sync_log,
        audit=shared.audit,
        token_slots=shared.token_slots,
        progress=shared.progress,
        findings=shared.findings,
        login_failures=shared.login_failures,
        preferences=shared.preferences,
    )


class PostgresUnitOfWork(DuckDbUnitOfWork):
    """A unit of work on one pooled connection, at REPEATABLE READ (see
    :meth:`PostgresDatabase.begin`), with the PostgreSQL repositories."""

    def __init__(self, database: PostgresDatabase, *, cipher: TokenCipher, clock: Clock) -> None:
        super().__init__(database, cipher=cipher, clock=clock)

    def _repositories(self, transaction: TransactionRunner) -> RepositorySet:
        if not isinstance(transaction, PostgresTransaction):
            raise TypeError("a PostgreSQL unit of work runs on a PostgresDatabase")
        return postgres_repositories(runner=transaction, cipher=self._cipher, clock=self._clock)


class PostgresSyncTransaction(DuckDbSyncTransaction):
    def __init__(self, transaction: PostgresTransaction) -> None:
        super().__init__(transaction)
        self.errors = PostgresIntegrationErrorRepository(transaction)


class PostgresSyncStore(DuckDbSyncStore):
    """The inbox and outbox in the portal's PostgreSQL database."""

    def __init__(self, database: PostgresDatabase) -> None:
        super().__init__(database)
        self._postgres = database
        self._company_id = int(database.company_id or HOME_COMPANY)

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One sender at a time for this company's outbox, across every process on the
        database (portal replicas and sync workers): an advisory lock on the company."""
        with self._postgres.advisory_lock(SYNC_LOCK_NAMESPACE, self._company_id):
            yield

    @contextmanager
    def transaction(self) -> Iterator[PostgresSyncTransaction]:
        transaction = self._postgres.begin()
        try:
            yield PostgresSyncTransaction(transaction)
        finally:
            transaction.close()

    def waiting_reasons(self) -> list[WaitingReason]:
        # min() for DuckDB's any_value (PostgreSQL has it from 16): one of the messages.
        rows = self._database.execute(
            """SELECT kind, last_code, min(last_message), count(*) FROM sync_outbox
               WHERE state IN ('pending', 'sending') GROUP BY kind, last_code
               ORDER BY 1, 4 DESC, 2 NULLS FIRST"""
        )
        return [WaitingReason(ActivityKind(k), c, m, int(n)) for k, c, m, n in rows]


#: The first key of the sync's advisory locks (the second is the company).
SYNC_LOCK_NAMESPACE: Final = 0x5359_4E43  # "SYNC"


class PostgresPortalStorage(SqlPortalStorage):
    """One company's rows of the portal's PostgreSQL database, as the services use them: every
    connection is scoped to ``company_id`` (row-level security), so nothing here can read or
    write another company's rows. Closing it closes ``database`` (a company's view leaves the
    pool to its owner)."""

    def __init__(
        self,
        *,
        database: PostgresDatabase,
        cipher: TokenCipher,
        clock: Clock,
        company_id: CompanyId = HOME_COMPANY,
    ) -> None:
        scoped = (
            database if database.company_id == company_id else database.for_company(int(company_id))
        )
        super().__init__(
            database=scoped,
            cipher=cipher,
            repositories=postgres_repositories(runner=scoped, cipher=cipher, clock=clock),
            unit_of_work=lambda: PostgresUnitOfWork(scoped, cipher=cipher, clock=clock),
            sync=PostgresSyncStore(scoped),
        )
        self.database = database
        self.company_id = company_id

    def close(self) -> None:
        self.database.close()


def _conforms(
    storage: PostgresPortalStorage,
) -> tuple[PortalStorage, Repositories, UnitOfWork]:
    # Type-checked only: the storage meets the ports' protocol.
    return storage, storage.repositories, storage.unit_of_work()
