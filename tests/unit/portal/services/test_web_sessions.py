"""The browser login session and the binding of Salesforce sign-ins to it: the cookie is
signed and handed over once, expires, ends at logout, and a sign-in's ``state`` is accepted
once, before it expires, and only by the session that started it."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from portal.adapters.clock import ShiftedClock
from portal.adapters.web_sessions import InMemoryWebSessionStore
from portal.services.web_sessions import (
    SESSION_LIFETIME,
    TICKET_LIFETIME,
    ReturnTo,
    WebSessions,
)

BACK_TO_STEP_4 = ReturnTo(page="", step=4)


@pytest.fixture
def clock() -> ShiftedClock:
    return ShiftedClock()


@pytest.fixture
def store() -> InMemoryWebSessionStore:
    return InMemoryWebSessionStore()


@pytest.fixture
def sessions(store: InMemoryWebSessionStore, clock: ShiftedClock) -> WebSessions:
    return WebSessions(store=store, clock=clock, key=b"k" * 32)


def logged_in(sessions: WebSessions) -> tuple[str, str]:
    """A new login: its server-side key and the browser's cookie value."""
    opened, ticket = sessions.open(username="admin")
    handover = sessions.redeem(ticket)
    assert handover is not None
    return opened.key, handover.cookie_value


def soon(clock: ShiftedClock, minutes: int = 10) -> datetime:
    return clock.now() + timedelta(minutes=minutes)


def test_the_cookie_resumes_the_login_it_was_issued_for(sessions: WebSessions) -> None:
    key, cookie = logged_in(sessions)

    resumed = sessions.resume(cookie)

    assert resumed is not None
    assert (resumed.key, resumed.username) == (key, "admin")


def test_the_ticket_hands_the_cookie_over_once_and_only_for_a_minute(
    sessions: WebSessions, clock: ShiftedClock
) -> None:
    _, ticket = sessions.open(username="admin")
    assert sessions.redeem(ticket) is not None
    assert sessions.redeem(ticket) is None  # used

    _, late = sessions.open(username="admin")
    clock.advance(TICKET_LIFETIME + timedelta(seconds=1))
    assert sessions.redeem(late) is None
    assert sessions.redeem("made-up") is None
    assert sessions.redeem("") is None


def test_the_handed_over_cookie_lasts_as_long_as_the_session(sessions: WebSessions) -> None:
    _, ticket = sessions.open(username="admin")
    handover = sessions.redeem(ticket)

    assert handover is not None
    assert handover.max_age_seconds == int(SESSION_LIFETIME.total_seconds())


@pytest.mark.parametrize(
    "forge",
    [
        lambda cookie: cookie.split(".")[0] + ".AAAA",  # a signature that does not match
        lambda cookie: cookie.split(".")[0],  # no signature
        lambda cookie: "x" + cookie,  # another id under the same signature
        lambda cookie: cookie + ".more",
        lambda cookie: "",
        lambda cookie: "ünïcode.ßig",
    ],
)
def test_a_forged_or_damaged_cookie_logs_nobody_in(sessions: WebSessions, forge) -> None:
    _, cookie = logged_in(sessions)

    assert sessions.resume(forge(cookie)) is None


def test_a_cookie_signed_with_another_key_logs_nobody_in(
    store: InMemoryWebSessionStore, clock: ShiftedClock, sessions: WebSessions
) -> None:
    _, cookie = logged_in(sessions)
    restarted = WebSessions(store=store, clock=clock, key=b"o" * 32)

    assert restarted.resume(cookie) is None


def test_the_login_expires(sessions: WebSessions, clock: ShiftedClock) -> None:
    key, cookie = logged_in(sessions)
    clock.advance(SESSION_LIFETIME + timedelta(seconds=1))

    assert sessions.resume(cookie) is None
    assert not sessions.is_live(key)


def test_logging_out_ends_the_session_and_its_sign_ins(sessions: WebSessions) -> None:
    key, cookie = logged_in(sessions)
    sessions.bind(
        key,
        state="s1",
        expires_at=datetime.now(UTC) + timedelta(minutes=10),
        return_to=BACK_TO_STEP_4,
    )

    sessions.end(key)

    assert sessions.resume(cookie) is None
    assert not sessions.is_live(key)
    assert sessions.claim(key, state="s1") is None


def test_the_logout_route_ends_the_session_its_cookie_names(sessions: WebSessions) -> None:
    key, cookie = logged_in(sessions)

    sessions.end_cookie(cookie)

    assert not sessions.is_live(key)
    sessions.end_cookie("forged.cookie")  # nothing to end, nothing fails
    sessions.end_cookie(None)


def test_a_sign_in_comes_back_once_to_the_session_that_started_it(
    sessions: WebSessions, clock: ShiftedClock
) -> None:
    key, _ = logged_in(sessions)
    sessions.bind(key, state="state-1", expires_at=soon(clock), return_to=BACK_TO_STEP_4)

    assert sessions.claim(key, state="state-1") == BACK_TO_STEP_4
    assert sessions.claim(key, state="state-1") is None  # replayed


def test_another_browser_cannot_use_or_use_up_a_sign_in(
    sessions: WebSessions, clock: ShiftedClock
) -> None:
    mine, _ = logged_in(sessions)
    theirs, _ = logged_in(sessions)
    sessions.bind(mine, state="state-1", expires_at=soon(clock), return_to=BACK_TO_STEP_4)

    assert sessions.claim(theirs, state="state-1") is None
    assert sessions.claim(None, state="state-1") is None  # a browser without a login
    # The stranger used nothing up: the browser that started it still can.
    assert sessions.claim(mine, state="state-1") == BACK_TO_STEP_4


def test_a_sign_in_expires(sessions: WebSessions, clock: ShiftedClock) -> None:
    key, _ = logged_in(sessions)
    sessions.bind(key, state="state-1", expires_at=soon(clock, 10), return_to=BACK_TO_STEP_4)
    clock.advance(timedelta(minutes=10))

    assert sessions.claim(key, state="state-1") is None


def test_an_unknown_or_missing_state_is_refused(sessions: WebSessions, clock: ShiftedClock) -> None:
    key, _ = logged_in(sessions)
    sessions.bind(key, state="state-1", expires_at=soon(clock), return_to=BACK_TO_STEP_4)

    assert sessions.claim(key, state="state-2") is None
    assert sessions.claim(key, state=None) is None
    assert sessions.claim(key, state="") is None


def test_only_a_live_session_can_start_a_sign_in(
    sessions: WebSessions, clock: ShiftedClock
) -> None:
    key, _ = logged_in(sessions)
    sessions.end(key)

    with pytest.raises(ValueError):
        sessions.bind(key, state="state-1", expires_at=soon(clock), return_to=BACK_TO_STEP_4)


def test_the_store_keeps_digests_not_the_secrets(
    sessions: WebSessions, store: InMemoryWebSessionStore, clock: ShiftedClock
) -> None:
    opened, ticket = sessions.open(username="admin")
    handover = sessions.redeem(ticket)
    assert handover is not None
    session_id = handover.cookie_value.split(".")[0]
    sessions.bind(opened.key, state="state-1", expires_at=soon(clock), return_to=BACK_TO_STEP_4)

    kept = repr(vars(store))
    assert session_id not in kept
    assert ticket not in kept
    assert "state-1" not in kept


def test_a_ticket_waiting_for_its_browser_holds_no_way_to_log_in(
    sessions: WebSessions, store: InMemoryWebSessionStore
) -> None:
    opened, ticket = sessions.open(username="admin")
    kept = repr(vars(store))  # before the page redeems the ticket
    handover = sessions.redeem(ticket)
    assert handover is not None

    session_id, signature = handover.cookie_value.split(".")
    assert session_id not in kept and signature not in kept and ticket not in kept
    assert opened.key in kept  # a digest: the way to find the session, not to log in


def test_a_ticket_altered_in_the_store_hands_over_nothing(
    sessions: WebSessions, store: InMemoryWebSessionStore
) -> None:
    _, ticket = sessions.open(username="admin")
    [(key, stored)] = store._tickets.rows.items()
    flipped = f"{int(stored.sealed_session_id[:2], 16) ^ 1:02x}" + stored.sealed_session_id[2:]
    store._tickets.rows[key] = replace(stored, sealed_session_id=flipped)

    assert sessions.redeem(ticket) is None
