"""Issue 15, replicas: the browser login sessions live in the portal's database. A login
survives a restarted portal (DuckDB and PostgreSQL); two hostings on one PostgreSQL, as two
replicas behind a load balancer, share it: a session opened on one resumes on the other, a
ticket is redeemed once across both (also by two processes at the same moment), a sign-in
started on one is finished on the other, and logging out on one ends it on both. The cookie's
signing key comes from the configured encryption key, so another key resumes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from tenancy_support import PASSWORD, USERS

from portal.adapters.clock import ShiftedClock
from portal.adapters.crypto import derived_key, generate_key
from portal.bootstrap import COOKIE_KEY_PURPOSE, Hosting, build_hosting
from portal.domain.config import PortalConfig
from portal.domain.secret import SecretStr
from portal.services.web_sessions import ReturnTo, WebSessions

ROOT = Path(__file__).resolve().parents[3]


def _logged_in(hosting: Hosting, username: str = "admin-b") -> tuple[str, str]:
    """A password login on ``hosting`` and its browser session: the key and the cookie."""
    actor = hosting.access.login(username=username, password=PASSWORD, client_key="127.0.0.1")
    opened, ticket = hosting.web_sessions.open(username=actor.username)
    handover = hosting.web_sessions.redeem(ticket)
    assert handover is not None
    return opened.key, handover.cookie_value


def test_a_login_survives_a_restart(hosted_config: PortalConfig, clock: ShiftedClock) -> None:
    before = build_hosting(config=hosted_config, clock=clock)
    key, cookie = _logged_in(before)
    before.web_sessions.bind(
        key,
        state="signing-in",
        expires_at=clock.now() + timedelta(minutes=10),
        return_to=ReturnTo(page="salesforce_integration", step=None),
    )
    before.close()

    after = build_hosting(config=hosted_config, clock=clock)
    try:
        resumed = after.web_sessions.resume(cookie)
        assert resumed is not None and (resumed.key, resumed.username) == (key, "admin-b")
        assert after.access.actor_for(resumed.username) is not None
        # Salesforce's redirect back reached the restarted portal: the sign-in is still bound.
        assert after.web_sessions.claim(key, state="signing-in") == ReturnTo(
            page="salesforce_integration", step=None
        )
    finally:
        after.close()


def test_another_encryption_key_resumes_no_login(
    hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    before = build_hosting(config=hosted_config, clock=clock)
    _, cookie = _logged_in(before)
    before.close()
    # The same storage (no tokens in it yet, so the portal starts), another key.
    other = replace(hosted_config, encryption_key=generate_key())

    after = build_hosting(config=other, clock=clock)
    try:
        assert after.web_sessions.resume(cookie) is None
    finally:
        after.close()


@pytest.fixture
def postgres_config(config: PortalConfig, postgres_url: str) -> PortalConfig:
    """The hosted configuration on PostgreSQL (replicas need a server; a DuckDB file has one
    process)."""
    return replace(config, users=USERS, database_url=SecretStr(postgres_url))


@pytest.fixture
def replicas(
    postgres_config: PortalConfig, clock: ShiftedClock
) -> Iterator[tuple[Hosting, Hosting]]:
    """Two portals on one PostgreSQL, as two replicas behind a load balancer."""
    first = build_hosting(config=postgres_config, clock=clock)
    second = build_hosting(config=postgres_config, clock=clock)
    yield first, second
    second.close()
    first.close()


def test_a_session_opened_on_one_replica_resumes_on_the_other(
    replicas: tuple[Hosting, Hosting],
) -> None:
    first, second = replicas
    actor = first.access.login(username="viewer-b", password=PASSWORD, client_key="127.0.0.1")
    opened, ticket = first.web_sessions.open(username=actor.username)

    handover = second.web_sessions.redeem(ticket)  # the cookie request reached the other one
    assert handover is not None
    assert first.web_sessions.redeem(ticket) is None  # once, across both

    for replica in (first, second):
        resumed = replica.web_sessions.resume(handover.cookie_value)
        assert resumed is not None and resumed.key == opened.key


def test_a_sign_in_started_on_one_replica_finishes_on_the_other_once(
    replicas: tuple[Hosting, Hosting], clock: ShiftedClock
) -> None:
    first, second = replicas
    key, _ = _logged_in(first)
    first.web_sessions.bind(
        key, state="s-1", expires_at=clock.now() + timedelta(minutes=10), return_to=ReturnTo("", 5)
    )

    assert second.web_sessions.claim(key, state="s-1") == ReturnTo("", 5)
    assert first.web_sessions.claim(key, state="s-1") is None


def test_logging_out_on_one_replica_ends_the_login_on_both(
    replicas: tuple[Hosting, Hosting],
) -> None:
    first, second = replicas
    key, cookie = _logged_in(first)
    assert second.web_sessions.is_live(key)

    second.web_sessions.end_cookie(cookie)  # the logout route, on the other replica

    for replica in (first, second):
        assert not replica.web_sessions.is_live(key)
        assert replica.web_sessions.resume(cookie) is None


def test_two_replicas_redeeming_one_ticket_at_once_hand_one_cookie(
    replicas: tuple[Hosting, Hosting],
) -> None:
    first, second = replicas
    for _ in range(5):
        _, ticket = first.web_sessions.open(username="admin-b")
        got = _redeemed_at_once([first.web_sessions, second.web_sessions] * 3, ticket)
        assert len(got) == 6
        assert sum(result is not None for result in got) == 1


def _redeemed_at_once(takers: list[WebSessions], ticket: str) -> list[object]:
    barrier = threading.Barrier(len(takers))
    got: list[object] = []

    def redeem(sessions: WebSessions) -> None:
        barrier.wait()
        got.append(sessions.redeem(ticket))

    threads = [threading.Thread(target=redeem, args=(sessions,)) for sessions in takers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return got


# A portal process that redeems one ticket when told to: its own pool on the same database.
_REDEEMER = """
import sys
from portal.adapters.clock import SystemClock
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.web_sessions import SqlWebSessionStore
from portal.services.web_sessions import WebSessions

url, key, ticket = sys.argv[1], bytes.fromhex(sys.argv[2]), sys.stdin.readline().strip()
with PostgresDatabase(url=url, max_connections=2) as database:
    sessions = WebSessions(store=SqlWebSessionStore(database), clock=SystemClock(), key=key)
    sessions.is_live("warm-up")
    print("ready", flush=True)
    sys.stdin.readline()
    print("cookie" if sessions.redeem(ticket) is not None else "nothing", flush=True)
"""


def test_two_processes_redeeming_one_ticket_at_once_hand_one_cookie(
    replicas: tuple[Hosting, Hosting], postgres_config: PortalConfig
) -> None:
    first, _ = replicas
    _, ticket = first.web_sessions.open(username="admin-b")
    assert postgres_config.database_url is not None
    key = derived_key(postgres_config.encryption_key, purpose=COOKIE_KEY_PURPOSE).hex()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    children = [
        subprocess.Popen(
            [sys.executable, "-c", _REDEEMER, postgres_config.database_url.get_secret_value(), key],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    try:
        for child in children:  # the ticket on stdin, never on a command line
            assert child.stdin is not None and child.stdout is not None
            child.stdin.write(ticket + "\n")
            child.stdin.flush()
            assert child.stdout.readline().strip() == "ready"
        for child in children:
            assert child.stdin is not None
            child.stdin.write("go\n")
            child.stdin.flush()
        answers = []
        for child in children:
            assert child.stdout is not None
            answers.append(child.stdout.readline().strip())
    finally:
        for child in children:
            if child.stdin is not None:
                child.stdin.close()
            child.wait(timeout=60)

    assert sorted(answers) == ["cookie", "nothing"]
