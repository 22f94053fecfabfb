"""Failed logins are kept only as long as a limit can count them (a day), so an attacker
guessing for weeks cannot grow the portal's database without bound (issue 11.2)."""

from __future__ import annotations

from datetime import timedelta

from portal_storage_support import START

from portal.adapters.db import Database
from portal.adapters.duckdb_auth import DuckDbLoginFailureRepository


def test_failures_older_than_a_day_are_dropped_when_a_new_one_is_recorded(
    database: Database,
) -> None:
    failures = DuckDbLoginFailureRepository(database)
    for hour in range(30):
        failures.add(username="u", client_key="c", at=START + timedelta(hours=hour))

    kept = failures.times_since(since=START - timedelta(days=365), client_key="c")

    assert kept[0] == START + timedelta(hours=5) and len(kept) == 25
    assert database.execute("SELECT count(*) FROM login_failures")[0][0] == 25
