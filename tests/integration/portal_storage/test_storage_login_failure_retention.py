"""Failed logins are kept only as long as a limit can count them (a day), so an attacker
guessing for weeks cannot grow the portal's database without bound (issue 11.2)."""

from __future__ import annotations

from datetime import timedelta

from portal_storage_support import START, Storage


def test_failures_older_than_a_day_are_dropped_when_a_new_one_is_recorded(
    storage: Storage,
) -> None:
    failures = storage.repos.login_failures
    for hour in range(30):
        failures.add(username="u", client_key="c", at=START + timedelta(hours=hour))

    kept = failures.times_since(since=START - timedelta(days=365), client_key="c")

    # Every failure ever stored, since a year before the first: the older ones are gone.
    assert kept[0] == START + timedelta(hours=5) and len(kept) == 25
