"""The mock org's DuckDB file: one table per sObject type (rows of every org, keyed by
``_org_id``) plus the mock's own bookkeeping tables, all behind one lock.

Physical columns are the union of every schema profile's fields (``physical_schema``); which
fields an org *has* is decided by its :class:`~mock_salesforce.schema.OrgSchema`.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from mock_salesforce.file_modes import make_private_dir, restrict
from mock_salesforce.ids import make_id
from mock_salesforce.schema import ObjectDef, physical_schema

#: The mock's own tables (not sObjects). Other modules add theirs via ``ensure_table``.
_INTERNAL_TABLES = {
    "_orgs": """
        org_id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, schema_profile VARCHAR NOT NULL,
        instance_name VARCHAR, created_at TIMESTAMP NOT NULL
    """,
    "_id_counters": "prefix VARCHAR PRIMARY KEY, next_value BIGINT NOT NULL",
    "_meta": "key VARCHAR PRIMARY KEY, value VARCHAR",
}
#: Statements that cannot change an sObject row: reads, and writes whose target is one of the
#: mock's own ``_`` tables (API usage, sessions...). Every other statement counts as a write.
_NO_RECORD_CHANGE = re.compile(
    r'\s*(?:select\b|(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+"?_)',
    re.IGNORECASE,
)


class Store:
    """Thread-safe access to the mock's DuckDB database (a file, or in memory without ``path``).

    Every statement runs under one re-entrant lock: the mock is a single writer, and a request's
    read-check-write sequence (``transaction()``) is atomic with respect to other requests.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        if path is not None:
            make_private_dir(path.parent)
        self._conn = duckdb.connect(str(path) if path else ":memory:")
        self._restrict_files()
        self.lock = threading.RLock()
        self._in_tx = 0
        self._writes = 0
        self._wipe_hooks: list[Callable[[], None]] = []
        self._create_tables()

    # -- schema --------------------------------------------------------------------------
    def _create_tables(self) -> None:
        with self.lock:
            for name, columns in _INTERNAL_TABLES.items():
                self._conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")
            for obj in physical_schema():
                self._ensure_object_table(obj)

    def _ensure_object_table(self, obj: ObjectDef) -> None:
        cols = ", ".join(f'"{f.name}" {f.sql_type}' for f in obj.fields)
        self._conn.execute(
            f"CREATE TABLE IF NOT EXISTS {obj.table} (_org_id VARCHAR NOT NULL, {cols})"
        )
        existing = {
            r[0].lower()
            for r in self._conn.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                [obj.table.strip('"')],
            ).fetchall()
        }
        for f in obj.fields:
            if f.name.lower() not in existing:
                self._conn.execute(f'ALTER TABLE {obj.table} ADD COLUMN "{f.name}" {f.sql_type}')
        index = obj.table.strip('"') + "_id_idx"
        self._conn.execute(f'CREATE INDEX IF NOT EXISTS "{index}" ON {obj.table} ("Id")')

    def ensure_table(self, name: str, columns: str) -> None:
        """Create one of the mock's own bookkeeping tables (``name`` starts with ``_``)."""
        if not name.startswith("_"):
            raise ValueError("internal table names start with '_'")
        with self.lock:
            self._conn.execute(f"CREATE TABLE IF NOT EXISTS {name} ({columns})")

    # -- statements ----------------------------------------------------------------------
    @property
    def writes(self) -> int:
        """How many statements may have changed sObject rows so far (read caches compare it)."""
        return self._writes

    def _count_write(self, sql: str) -> None:
        if not _NO_RECORD_CHANGE.match(sql):
            self._writes += 1

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self.lock:
            self._count_write(sql)
            cursor = self._conn.execute(sql, list(params))
            return cursor.fetchall() if cursor.description else []

    def execute_with_columns(
        self, sql: str, params: Sequence[Any] = ()
    ) -> tuple[list[str], list[tuple[Any, ...]]]:
        with self.lock:
            self._count_write(sql)
            cursor = self._conn.execute(sql, list(params))
            names = [d[0] for d in cursor.description or []]
            return names, cursor.fetchall()

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self.lock:
            self._count_write(sql)
            self._conn.executemany(sql, [list(r) for r in rows])

    def insert_arrow(self, table: str, data: Any) -> None:
        """Bulk insert a pandas DataFrame / Arrow table whose columns name table columns."""
        with self.lock:
            self._writes += 1
            self._conn.register("_bulk_rows", data)
            try:
                cols = ", ".join(f'"{c}"' for c in data.columns)
                self._conn.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _bulk_rows")
            finally:
                self._conn.unregister("_bulk_rows")

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All statements inside run atomically: committed together or rolled back on error."""
        with self.lock:
            if self._in_tx:
                self._in_tx += 1
                try:
                    yield
                finally:
                    self._in_tx -= 1
                return
            self._conn.execute("BEGIN TRANSACTION")
            self._in_tx = 1
            try:
                yield
            except BaseException:
                self._writes += 1
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")
            finally:
                self._in_tx = 0

    def raw_connection(self) -> duckdb.DuckDBPyConnection:
        """The underlying connection, for benchmarks comparing against raw DuckDB."""
        return self._conn

    def close(self) -> None:
        with self.lock:
            self._conn.close()
            self._restrict_files()

    def _restrict_files(self) -> None:
        """The database file and its write-ahead log are the owner's alone (``0600``)."""
        if self.path is not None:
            restrict(self.path)
            restrict(self.path.with_name(self.path.name + ".wal"))

    # -- ids -----------------------------------------------------------------------------
    def next_ids(self, prefix: str, count: int = 1) -> list[str]:
        """``count`` fresh 18-character ids with this key prefix, never reused."""
        with self.lock:
            row = self._conn.execute(
                "INSERT INTO _id_counters VALUES (?, ?) ON CONFLICT (prefix) DO UPDATE "
                "SET next_value = _id_counters.next_value + ? RETURNING next_value",
                [prefix, 1 + count, count],
            ).fetchone()
            assert row is not None
            end = int(row[0])
        return [make_id(prefix, n) for n in range(end - count, end)]

    # -- meta ----------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        rows = self.execute("SELECT value FROM _meta WHERE key = ?", [key])
        return rows[0][0] if rows else None

    def set_meta(self, key: str, value: str) -> None:
        self.execute(
            "INSERT INTO _meta VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            [key, value],
        )

    def wipe(self) -> None:
        """Delete every row of every table (``/mock-api/reset`` then seeds again)."""
        with self.lock:
            tables = [
                r[0]
                for r in self._conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                ).fetchall()
            ]
            self._writes += 1
            for t in tables:
                self._conn.execute(f'DELETE FROM "{t}"')
            for hook in self._wipe_hooks:
                hook()

    def on_wipe(self, hook: Callable[[], None]) -> None:
        """Call ``hook`` after every :meth:`wipe`: components drop what they cache in memory."""
        self._wipe_hooks.append(hook)
