"""Portal users' preferences in DuckDB (``user_preferences``, migration 5)."""

from __future__ import annotations

from datetime import datetime

from portal.adapters.db import SqlRunner, to_db_time


class DuckDbPreferenceRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def language_of(self, username: str) -> str | None:
        rows = self._runner.execute(
            "SELECT language FROM user_preferences WHERE username = ?", [username]
        )
        return str(rows[0][0]) if rows else None

    def set_language(self, username: str, language: str, *, at: datetime) -> None:
        self._runner.execute(
            """INSERT INTO user_preferences (username, language, updated_at) VALUES (?, ?, ?)
               ON CONFLICT (username) DO UPDATE SET language = excluded.language,
                   updated_at = excluded.updated_at""",
            [username, language, to_db_time(at)],
            retry_duplicate_key=True,
        )
