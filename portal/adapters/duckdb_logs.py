"""DuckDB repositories for the logs: third-party integration errors, sync log and audit log.

Filtering, paging and counting of the error log happen in SQL, so a page costs the same
however long the log grows.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

import duckdb

from portal.adapters.db import Row, SqlRunner, decode_enum, from_db_time, to_db_time
from portal.adapters.duckdb_exports import DuckDbRunningExport, copy_statement
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.exports import CsvShape, ExportCancelled, ExportControl
from portal.domain.integration_errors import (
    BUCKET,
    BucketCount,
    CodeCount,
    DayCount,
    ErrorLogFilter,
    ErrorLogPage,
    ErrorSource,
    HighWaterMark,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.ports import check_limit, check_page_bounds
from portal.domain.sync_log import SyncLogEntry, SyncOutcome

_EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
_BUCKET_MICROSECONDS: Final = BUCKET // timedelta(microseconds=1)
_ERROR_COLUMNS = (
    "id, occurred_at, source, miitel_record_id, sobject, operation, status_code, message, "
    "fields, org_id"
)


def _where(
    filter: ErrorLogFilter | None, *, text_match: str = "contains(lower(message), lower(?))"
) -> tuple[str, list[object]]:
    """The WHERE clause (possibly empty) and its parameters for ``filter``; ``text_match`` is
    the SQL dialect's case-insensitive "message contains ?" test."""
    if filter is None:
        return "", []
    clauses: list[str] = []
    params: list[object] = []
    if filter.since is not None:
        clauses.append("occurred_at >= ?")
        params.append(to_db_time(filter.since))
    if filter.until is not None:
        clauses.append("occurred_at < ?")
        params.append(to_db_time(filter.until))
    if filter.source is not None:
        clauses.append("source = ?")
        params.append(filter.source.value)
    if filter.status_code is not None:
        clauses.append("status_code = ?")
        params.append(filter.status_code)
    if filter.sobject is not None:
        clauses.append("sobject = ?")
        params.append(filter.sobject)
    if filter.org_id is not None:
        clauses.append("org_id = ?")
        params.append(filter.org_id)
    if filter.text is not None:
        # contains() instead of LIKE: the search text needs no escaping of % and _.
        clauses.append(text_match)
        params.append(filter.text)
    return ("WHERE " + " AND ".join(clauses) if clauses else ""), params


class DuckDbIntegrationErrorRepository:
    # The two pieces of SQL that differ on PostgreSQL (portal.adapters.postgres_repositories).
    _TEXT_MATCH = "contains(lower(message), lower(?))"
    _BUCKET = f"epoch_us(occurred_at) // {_BUCKET_MICROSECONDS}"

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def _where(self, filter: ErrorLogFilter | None) -> tuple[str, list[object]]:
        return _where(filter, text_match=self._TEXT_MATCH)

    def append(self, entry: IntegrationErrorEntry) -> IntegrationErrorEntry:
        rows = self._runner.execute(
            """INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,
                                               operation, status_code, message, fields, org_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                to_db_time(entry.occurred_at),
                entry.source.value,
                entry.miitel_record_id,
                entry.sobject,
                entry.operation.value,
                entry.status_code,
                entry.message,
                list(entry.fields),
                entry.org_id,
            ],
        )
        return replace(entry, id=int(rows[0][0]))

    def page(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> ErrorLogPage:
        check_page_bounds(limit=limit, offset=offset)
        where, params = self._where(filter)
        total_rows = self._runner.execute(
            f"SELECT count(*) FROM integration_errors {where}", params
        )
        rows = self._runner.execute(
            f"SELECT {_ERROR_COLUMNS} FROM integration_errors {where} "
            "ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return ErrorLogPage(
            entries=tuple(_error_entry(row) for row in rows),
            total=int(total_rows[0][0]),
            limit=limit,
            offset=offset,
        )

    def counts_by_code(self, *, filter: ErrorLogFilter | None = None) -> list[CodeCount]:
        where, params = self._where(filter)
        rows = self._runner.execute(
            f"SELECT status_code, count(*) AS n FROM integration_errors {where} "
            "GROUP BY status_code ORDER BY n DESC, status_code",
            params,
        )
        return [CodeCount(status_code=code, count=int(n)) for code, n in rows]

    def counts_by_day(self, *, filter: ErrorLogFilter | None = None) -> list[DayCount]:
        where, params = self._where(filter)
        rows = self._runner.execute(
            f"SELECT CAST(occurred_at AS DATE) AS day, count(*) FROM integration_errors {where} "
            "GROUP BY day ORDER BY day",
            params,
        )
        return [DayCount(day=day, count=int(n)) for day, n in rows]

    def distinct_objects(self, *, filter: ErrorLogFilter | None = None) -> list[str]:
        where, params = self._where(filter)
        rows = self._runner.execute(
            f"SELECT DISTINCT sobject FROM integration_errors {where} ORDER BY sobject", params
        )
        return [sobject for (sobject,) in rows]

    def distinct_codes_since(self, since: datetime) -> list[str]:
        rows = self._runner.execute(
            "SELECT DISTINCT status_code FROM integration_errors WHERE occurred_at >= ? "
            "ORDER BY status_code",
            [to_db_time(since)],
        )
        return [code for (code,) in rows]

    def new_codes_since(self, since: datetime) -> list[str]:
        # One grouped scan: a code is new when its first occurrence is at or after ``since``
        # (7-16x faster than "NOT IN (codes before)").
        rows = self._runner.execute(
            "SELECT status_code FROM integration_errors GROUP BY status_code "
            "HAVING min(occurred_at) >= ? ORDER BY status_code",
            [to_db_time(since)],
        )
        return [code for (code,) in rows]

    def entries(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[IntegrationErrorEntry, ...]:
        check_page_bounds(limit=limit, offset=offset)
        where, params = self._where(filter)
        rows = self._runner.execute(
            f"SELECT {_ERROR_COLUMNS} FROM integration_errors {where} "
            "ORDER BY occurred_at DESC, id DESC LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return tuple(_error_entry(row) for row in rows)

    def counts_by_bucket(self, *, filter: ErrorLogFilter | None = None) -> list[BucketCount]:
        where, params = self._where(filter)
        rows = self._runner.execute(
            f"SELECT {self._BUCKET} AS bucket, count(*) "
            f"FROM integration_errors {where} GROUP BY bucket ORDER BY bucket",
            params,
        )
        return [
            BucketCount(
                start=_EPOCH + int(bucket) * BUCKET,
                count=int(n),
            )
            for bucket, n in rows
        ]

    def export(
        self,
        target: Path,
        *,
        filter: ErrorLogFilter | None = None,
        parquet: bool = False,
        shape: CsvShape | None = None,
        control: ExportControl | None = None,
    ) -> None:
        where, params = self._where(filter)
        sql, all_params = copy_statement(
            where=where, params=params, target=target, parquet=parquet, shape=shape
        )
        cursor_of = getattr(self._runner, "cursor", None)
        if control is None or not callable(cursor_of):
            self._runner.execute(sql, all_params)
            return
        # This thread's own cursor, so another thread can read its progress or interrupt it.
        cursor: duckdb.DuckDBPyConnection = cursor_of()
        cursor.execute("SET enable_progress_bar = true")
        cursor.execute("SET enable_progress_bar_print = false")
        if control.cancelled:
            raise ExportCancelled
        control.attach(DuckDbRunningExport(cursor))
        try:
            cursor.execute(sql, all_params)
        except duckdb.InterruptException:
            target.unlink(missing_ok=True)
            raise ExportCancelled from None
        finally:
            control.detach()

    def high_water_mark(self) -> HighWaterMark:
        rows = self._runner.execute(
            "SELECT count(*), coalesce(max(id), 0) FROM integration_errors", []
        )
        return HighWaterMark(rows=int(rows[0][0]), last_id=int(rows[0][1]))


def _error_entry(row: Row) -> IntegrationErrorEntry:
    (
        entry_id,
        occurred_at,
        source,
        miitel_record_id,
        sobject,
        operation,
        status_code,
        message,
        fields,
        org_id,
    ) = row
    return IntegrationErrorEntry(
        id=int(entry_id),
        occurred_at=from_db_time(occurred_at),
        source=decode_enum(ErrorSource, source, table="integration_errors"),
        miitel_record_id=miitel_record_id,
        sobject=sobject,
        operation=decode_enum(SyncOperation, operation, table="integration_errors"),
        status_code=status_code,
        message=message,
        fields=tuple(fields),
        org_id=org_id,
    )


class DuckDbSyncLogRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def append(self, entry: SyncLogEntry) -> SyncLogEntry:
        rows = self._runner.execute(
            """INSERT INTO sync_log (occurred_at, source, miitel_record_id, sobject, outcome,
                                     salesforce_id, detail, org_id)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                to_db_time(entry.occurred_at),
                entry.source.value,
                entry.miitel_record_id,
                entry.sobject,
                entry.outcome.value,
                entry.salesforce_id,
                entry.detail,
                entry.org_id,
            ],
        )
        return replace(entry, id=int(rows[0][0]))

    def recent(self, *, limit: int = 100, source: ErrorSource | None = None) -> list[SyncLogEntry]:
        check_limit(limit)
        where, params = ("WHERE source = ?", [source.value]) if source else ("", [])
        rows = self._runner.execute(
            "SELECT id, occurred_at, source, miitel_record_id, sobject, outcome, salesforce_id, "
            f"detail, org_id FROM sync_log {where} ORDER BY occurred_at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [
            SyncLogEntry(
                id=int(entry_id),
                occurred_at=from_db_time(occurred_at),
                source=decode_enum(ErrorSource, source_value, table="sync_log"),
                miitel_record_id=record_id,
                sobject=sobject,
                outcome=decode_enum(SyncOutcome, outcome, table="sync_log"),
                salesforce_id=salesforce_id,
                detail=detail,
                org_id=org_id,
            )
            for (
                entry_id,
                occurred_at,
                source_value,
                record_id,
                sobject,
                outcome,
                salesforce_id,
                detail,
                org_id,
            ) in rows
        ]


class DuckDbAuditRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def append(self, entry: AuditEntry) -> AuditEntry:
        rows = self._runner.execute(
            """INSERT INTO audit_log (occurred_at, actor, action, outcome, detail)
               VALUES (?, ?, ?, ?, ?) RETURNING id""",
            [
                to_db_time(entry.occurred_at),
                entry.actor,
                entry.action.value,
                entry.outcome.value,
                entry.detail,
            ],
        )
        return replace(entry, id=int(rows[0][0]))

    def recent(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        check_limit(limit)
        where, params = ("WHERE actor = ?", [actor]) if actor is not None else ("", [])
        rows = self._runner.execute(
            f"SELECT id, occurred_at, actor, action, outcome, detail FROM audit_log {where} "
            "ORDER BY occurred_at DESC, id DESC LIMIT ?",
            [*params, limit],
        )
        return [
            AuditEntry(
                id=int(entry_id),
                occurred_at=from_db_time(occurred_at),
                actor=actor_,
                action=decode_enum(AuditAction, action, table="audit_log"),
                outcome=decode_enum(AuditOutcome, outcome, table="audit_log"),
                detail=detail,
            )
            for entry_id, occurred_at, actor_, action, outcome, detail in rows
        ]
