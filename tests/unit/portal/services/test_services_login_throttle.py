"""Issue 11.2: the login limit cannot be turned into a lockout of a real user.

Growing delays per username and client and per client (never a hard lock); failures for
unknown usernames never count against a real account; the admin's own browser is never slowed
by another client's failures; the message is the same for an unknown user and a wrong
password, and the delay message says how long to wait.
"""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import pytest
from service_fakes import World, make_world, portal_user

from portal.domain.audit import AuditOutcome
from portal.domain.config import PortalRole
from portal.services import access
from portal.services.access import (
    ACCOUNT_FREE_FAILURES,
    CLIENT_FREE_FAILURES,
    MAX_DELAY,
    UNKNOWN_USERNAME,
)
from portal.services.errors import LoginFailed, LoginLocked

ADMIN_PASSWORD = "correct horse"
ATTACKER = "198.51.100.66"
ADMIN_BROWSER = "203.0.113.10"


@pytest.fixture(autouse=True)
def _cheap_dummy_hash(monkeypatch: pytest.MonkeyPatch) -> None:
    # Unknown usernames are checked against a cost-12 hash in production; cost 4 here.
    monkeypatch.setattr(access, "_DUMMY_HASH", bcrypt.hashpw(b"x", bcrypt.gensalt(rounds=4)))


@pytest.fixture
def gate() -> World:
    return make_world(
        users=(
            portal_user("admin", ADMIN_PASSWORD, PortalRole.ADMIN),
            portal_user("victor", "battery staple", PortalRole.VIEWER),
        )
    )


def attempt(gate: World, username: str, password: str, client: str) -> str:
    """``ok``, ``failed`` or ``wait N`` for one login attempt."""
    try:
        gate.portal.access.login(username=username, password=password, client_key=client)
    except LoginFailed:
        return "failed"
    except LoginLocked as locked:
        return f"wait {locked.wait_seconds}"
    return "ok"


def hammer(gate: World, username: str, client: str, *, failures: int) -> list[int]:
    """``failures`` wrong passwords for ``username`` from ``client``, each after waiting as
    long as the portal asks; the waits asked for, in order."""
    waits: list[int] = []
    done = 0
    while done < failures:
        outcome = attempt(gate, username, f"guess-{done}", client)
        if outcome.startswith("wait"):
            waits.append(int(outcome.split()[1]))
            gate.clock.advance(timedelta(seconds=waits[-1]))
            continue
        assert outcome == "failed"
        done += 1
    return waits


def test_hammering_the_admins_name_from_another_client_never_slows_the_admin(
    gate: World,
) -> None:
    waits = hammer(gate, "admin", ATTACKER, failures=30)

    # The attacker waits longer and longer, up to the cap, never locked for good.
    assert waits[:4] == [2, 4, 8, 16]
    assert max(waits) == MAX_DELAY.total_seconds()
    # The admin's browser: straight in, with the right password, first try.
    assert attempt(gate, "admin", ADMIN_PASSWORD, ADMIN_BROWSER) == "ok"
    # The admin logging in did not wipe the attacker's delay.
    outcome = attempt(gate, "admin", ADMIN_PASSWORD, ATTACKER)
    assert outcome.startswith("wait")
    # Even from the attacker's address the right password works after a bounded wait.
    assert int(outcome.split()[1]) <= MAX_DELAY.total_seconds()
    gate.clock.advance(MAX_DELAY)
    assert attempt(gate, "admin", ADMIN_PASSWORD, ATTACKER) == "ok"


def test_spraying_unknown_usernames_slows_only_the_sprayer(gate: World) -> None:
    refused = 0
    for n in range(40):
        outcome = attempt(gate, f"user{n}", "password1", ATTACKER)
        if outcome.startswith("wait"):
            refused += 1
            gate.clock.advance(timedelta(seconds=int(outcome.split()[1])))
    assert refused > 0, "a client spraying usernames is slowed down"
    assert attempt(gate, "admin", ADMIN_PASSWORD, ADMIN_BROWSER) == "ok"
    assert attempt(gate, "victor", "battery staple", ADMIN_BROWSER) == "ok"
    # The delays of unknown usernames never reached the real accounts' own counters.
    for _ in range(ACCOUNT_FREE_FAILURES - 1):
        assert attempt(gate, "admin", "typo", ADMIN_BROWSER) == "failed"
    assert attempt(gate, "admin", ADMIN_PASSWORD, ADMIN_BROWSER) == "ok"


def test_behind_one_proxy_address_only_the_forwarded_client_decides(gate: World) -> None:
    # With trusted_proxies configured, each browser behind the proxy is its own client
    # (see test_client_address.py); without it they all share the proxy's address, and the
    # per-client limit is what an attacker behind it would reach, bounded as well.
    hammer(gate, "admin", "10.0.0.1", failures=CLIENT_FREE_FAILURES + 2)
    outcome = attempt(gate, "admin", ADMIN_PASSWORD, "10.0.0.1")
    assert outcome.startswith("wait") and int(outcome.split()[1]) <= MAX_DELAY.total_seconds()
    assert attempt(gate, "admin", ADMIN_PASSWORD, ADMIN_BROWSER) == "ok"


def test_an_unknown_username_and_a_wrong_password_look_the_same_delays_included(
    gate: World,
) -> None:
    real = [attempt(gate, "admin", "wrong", "192.0.2.1") for _ in range(5)]
    unknown = [attempt(gate, "nobody", "wrong", "192.0.2.2") for _ in range(5)]

    assert real == unknown == ["failed"] * ACCOUNT_FREE_FAILURES + ["wait 2", "wait 2"]
    with pytest.raises(LoginFailed) as wrong_password:
        gate.portal.access.login(username="victor", password="nope", client_key="192.0.2.3")
    with pytest.raises(LoginFailed) as wrong_user:
        gate.portal.access.login(username="mallory", password="nope", client_key="192.0.2.4")
    assert wrong_password.value.user_message == wrong_user.value.user_message


def test_the_wait_message_says_how_long(gate: World) -> None:
    for _ in range(ACCOUNT_FREE_FAILURES):
        attempt(gate, "admin", "wrong", ATTACKER)

    with pytest.raises(LoginLocked) as locked:
        gate.portal.access.login(username="admin", password=ADMIN_PASSWORD, client_key=ATTACKER)

    assert locked.value.wait_seconds == 2
    assert "Wait 2 seconds before trying again" in locked.value.user_message


def test_attempts_during_a_delay_are_not_counted_and_do_not_check_the_password(
    gate: World,
) -> None:
    for _ in range(ACCOUNT_FREE_FAILURES):
        attempt(gate, "admin", "wrong", ATTACKER)
    for _ in range(20):  # impatient clicking while told to wait
        assert attempt(gate, "admin", ADMIN_PASSWORD, ATTACKER) == "wait 2"
    gate.clock.advance(timedelta(seconds=2))
    assert attempt(gate, "admin", ADMIN_PASSWORD, ATTACKER) == "ok"


def test_the_audit_log_never_records_an_unknown_typed_username(gate: World) -> None:
    attempt(gate, "my-secret-password", "x", ATTACKER)

    entry = gate.portal.audit.recent()[0]
    assert entry.actor == UNKNOWN_USERNAME and entry.outcome is AuditOutcome.FAILED
    assert all("my-secret-password" not in (e.actor + e.detail) for e in gate.portal.audit.recent())
