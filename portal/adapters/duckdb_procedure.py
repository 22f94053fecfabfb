"""DuckDB repositories for the procedure: each step's latest outcome, and what the checks
found that later checks read."""

from __future__ import annotations

from portal.adapters.db import Row, SqlRunner, decode_enum, from_db_time, to_db_time
from portal.domain.ports import Finding, ProgressEntry
from portal.domain.steps import StepStatus


class DuckDbProgressRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def record(self, entry: ProgressEntry) -> None:
        self._runner.execute(
            """INSERT INTO procedure_progress
                   (step, status, branch, next_step, message, updated_at, updated_by)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (step) DO UPDATE SET
                   status = excluded.status, branch = excluded.branch,
                   next_step = excluded.next_step, message = excluded.message,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
            [
                entry.step,
                entry.status.value,
                entry.branch,
                entry.next_step,
                entry.message,
                to_db_time(entry.updated_at),
                entry.updated_by,
            ],
            retry_duplicate_key=True,
        )

    def all(self) -> dict[int, ProgressEntry]:
        rows = self._runner.execute(
            "SELECT step, status, branch, next_step, message, updated_at, updated_by "
            "FROM procedure_progress ORDER BY step"
        )
        return {int(row[0]): _progress_entry(row) for row in rows}

    def clear(self, *, after: int = 0) -> None:
        self._runner.execute("DELETE FROM procedure_progress WHERE step > ?", [after])


def _progress_entry(row: Row) -> ProgressEntry:
    step, status, branch, next_step, message, updated_at, updated_by = row
    return ProgressEntry(
        step=int(step),
        status=decode_enum(StepStatus, status, table="procedure_progress"),
        branch=branch,
        next_step=int(next_step) if next_step is not None else None,
        message=message,
        updated_at=from_db_time(updated_at),
        updated_by=updated_by,
    )


class DuckDbFindingRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def put(self, finding: Finding) -> None:
        self._runner.execute(
            """INSERT INTO check_findings (name, value, recorded_at) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value,
                   recorded_at = excluded.recorded_at""",
            [finding.name, finding.value, to_db_time(finding.recorded_at)],
            retry_duplicate_key=True,
        )

    def get(self, name: str) -> Finding | None:
        rows = self._runner.execute(
            "SELECT name, value, recorded_at FROM check_findings WHERE name = ?", [name]
        )
        if not rows:
            return None
        found_name, value, recorded_at = rows[0]
        return Finding(name=found_name, value=value, recorded_at=from_db_time(recorded_at))

    def delete(self, name: str) -> bool:
        rows = self._runner.execute(
            "DELETE FROM check_findings WHERE name = ? RETURNING name", [name]
        )
        return bool(rows)
