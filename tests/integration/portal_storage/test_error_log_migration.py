"""Migration 6 rewrites the error log in time order without an index and keeps every row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb

from portal.adapters.db import MIGRATIONS, Database, to_db_time


def test_every_row_is_kept_in_time_order_and_ids_go_on(tmp_path: Path) -> None:
    path = tmp_path / "portal.duckdb"
    before_6 = [m for m in MIGRATIONS if m.version < 6]
    with duckdb.connect(str(path)) as connection:
        connection.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, description VARCHAR "
            "NOT NULL, applied_at TIMESTAMP NOT NULL)"
        )
        for migration in before_6:
            for statement in migration.statements:
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                [migration.version, migration.description],
            )
        start = datetime(2026, 3, 1, tzinfo=UTC)
        for n in range(500):  # arriving out of time order, with ties
            connection.execute(
                "INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,"
                " operation, status_code, message, fields, org_id) VALUES "
                "(?, 'activity', ?, 'Task', 'create', 'X', ?, ['Subject'], NULL)",
                [to_db_time(start + timedelta(minutes=(n * 37) % 97)), f"r{n}", f"m{n}"],
            )
        old = connection.execute("SELECT * FROM integration_errors ORDER BY id").fetchall()

    with Database(path=path) as database:
        kept = database.execute("SELECT * FROM integration_errors ORDER BY id")
        stored = database.execute("SELECT id, occurred_at FROM integration_errors")
        new = database.execute(
            "INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject, "
            "operation, status_code, message, fields, org_id) VALUES "
            "(?, 'activity', 'new', 'Task', 'create', 'X', 'm', ['Subject'], NULL) RETURNING id",
            [to_db_time(start)],
        )

    assert kept == old
    assert stored == sorted(stored, key=lambda row: (row[1], row[0]))
    assert new[0][0] == max(row[0] for row in old) + 1
