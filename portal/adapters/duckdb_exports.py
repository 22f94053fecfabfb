"""The error log's downloads, written by DuckDB itself: ``COPY (query) TO`` a file, so rows
never become Python objects and memory stays flat whatever the row count.

A CSV cell that a spreadsheet would take for a formula (it starts with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return: OWASP's CSV injection list) gets a leading ``'`` in the
query itself; values come from Salesforce's error messages and MiiTel's records. The CSV starts
with a byte order mark (written as the start of the first header) so spreadsheet programs read
Japanese text; Parquet keeps the stored values, machine column names and UTC times.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Final

import duckdb

from portal.domain.exports import EXPORT_COLUMNS, CsvShape
from portal.domain.integration_errors import ErrorSource

BYTE_ORDER_MARK: Final = "\ufeff"
_ZONE_NAME: Final = re.compile(r"[A-Za-z0-9_+\-/]+")
# A leading = + - @ TAB or CR: the cell becomes text with a ' in front.
_FORMULA_START: Final = "^([=+\\-@\t\r])"


_PARQUET_EXPRESSIONS: Final = {
    # An instant (UTC-adjusted TIMESTAMP in Parquet), as the stored values are UTC.
    "occurred_at": "timezone('UTC', occurred_at) AS occurred_at",
    "fields": "array_to_string(fields, ';') AS fields",
}


def copy_statement(
    *,
    where: str,
    params: list[object],
    target: Path,
    parquet: bool,
    shape: CsvShape | None,
    ordered: bool = True,
) -> tuple[str, list[object]]:
    """``COPY (every matching error, newest first) TO target`` and its parameters; without
    ``ordered``, the rows are written in the order they come (already newest first)."""
    if parquet:
        columns = ", ".join(_PARQUET_EXPRESSIONS.get(c, c) for c in EXPORT_COLUMNS)
        select = f"SELECT {columns} FROM integration_errors {where}"
        options = "FORMAT parquet, COMPRESSION zstd"
        select_params = list(params)
    else:
        shape = shape or CsvShape()
        expressions, select_params = _csv_columns(shape)
        select = f"SELECT {expressions} FROM integration_errors {where}"
        select_params += params
        options = "FORMAT csv, HEADER true"
    order = " ORDER BY occurred_at DESC, id DESC" if ordered else ""
    sql = f"COPY ({select}{order}) TO '{_quoted(target)}' ({options})"
    return sql, select_params


def _csv_columns(shape: CsvShape) -> tuple[str, list[object]]:
    params: list[object] = []
    parts: list[str] = []
    for index, column in enumerate(EXPORT_COLUMNS):
        header = shape.headers.get(column, column)
        if index == 0:
            header = BYTE_ORDER_MARK + header
        if column == "occurred_at":
            expression = _local_time(shape.zone)
        elif column == "source":
            cases = " ".join("WHEN ? THEN ?" for _ in ErrorSource)
            for source in ErrorSource:
                params += [source.value, shape.source_labels.get(source.value, source.label)]
            expression = _neutralised(f"CASE source {cases} ELSE source END")
        elif column == "fields":
            expression = _neutralised("array_to_string(fields, ';')")
        elif column == "org_id":
            expression = _neutralised("coalesce(org_id, '')")
        else:
            expression = _neutralised(column)
        parts.append(f'{expression} AS "{header.replace(chr(34), chr(34) * 2)}"')
    return ", ".join(parts), params


def _neutralised(expression: str) -> str:
    """``expression`` with a ' before a leading formula character (one pass, no copy)."""
    return f"regexp_replace({expression}, '{_FORMULA_START}', '''\\1')"


def _local_time(zone: tzinfo) -> str:
    """The stored UTC time as the person's wall-clock time to the second, with its offset
    (``2026-04-01 23:30:00+09:00``)."""
    name = getattr(zone, "key", None)
    if isinstance(name, str) and _ZONE_NAME.fullmatch(name):
        local = f"timezone('{name}', timezone('UTC', occurred_at))"
    else:
        # A fixed offset (no zone name): the same offset all year.
        offset = zone.utcoffset(datetime.now(UTC)) or timedelta(0)
        local = f"(occurred_at + INTERVAL {int(offset.total_seconds())} SECOND)"
    minutes = f"((epoch({local}) - epoch(occurred_at)) // 60)::BIGINT"
    return (
        f"strftime({local}, '%Y-%m-%d %H:%M:%S') "
        f"|| CASE WHEN {minutes} < 0 THEN '-' ELSE '+' END "
        f"|| lpad((abs({minutes}) // 60)::VARCHAR, 2, '0') || ':' "
        f"|| lpad((abs({minutes}) % 60)::VARCHAR, 2, '0')"
    )


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


class DuckDbRunningExport:
    """A ``COPY`` running on ``cursor`` (its own thread's), as an export control follows it."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection) -> None:
        self._cursor = cursor

    def progress(self) -> float:
        """How far DuckDB says the query is, from 0 to 1 (0 while it says nothing)."""
        try:
            done = self._cursor.query_progress()
        except duckdb.Error:
            return 0.0
        return done / 100

    def interrupt(self) -> None:
        self._cursor.interrupt()
