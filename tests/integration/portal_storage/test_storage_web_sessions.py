"""The browser login sessions' store, one contract over memory, the DuckDB file and a real
PostgreSQL server: sessions live until they expire or end (ending one takes its tickets and
sign-in bindings with it), a ticket and a binding are taken once (a binding only by its own
session), expired rows go, and taking is single-use under concurrency: of many threads (on
PostgreSQL: two pools, as two replicas) taking one ticket, exactly one gets it. Over the SQL
stores, nothing in the tables lets a reader log in."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal.adapters.clock import FixedClock
from portal.adapters.db import Database, SqlRunner
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.web_sessions import InMemoryWebSessionStore, SqlWebSessionStore
from portal.domain.web_sessions import (
    StoredBinding,
    StoredSession,
    StoredTicket,
    WebSessionStore,
)
from portal.services.web_sessions import ReturnTo, WebSessions

NOW = datetime(2026, 12, 6, 9, 0, 0, 123456, tzinfo=UTC)
HOUR = timedelta(hours=1)
TABLES = ("web_sessions", "web_session_tickets", "web_session_bindings")


@dataclass
class Stores:
    """The store under test, a second store on the same state (another replica's, where the
    engine has replicas), and the tables' raw rows (None in memory)."""

    kind: str
    store: WebSessionStore
    other: Callable[[], WebSessionStore]
    rows: Callable[[str], list[tuple[object, ...]]] | None


@pytest.fixture(params=["memory", "duckdb", "postgresql"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stores]:
    if request.param == "memory":
        memory = InMemoryWebSessionStore()
        yield Stores("memory", memory, lambda: memory, None)
    elif request.param == "duckdb":
        with Database(path=tmp_path / "portal.duckdb") as db:
            yield Stores(
                "duckdb", SqlWebSessionStore(db), lambda: SqlWebSessionStore(db), _rows(db)
            )
    else:
        url = request.getfixturevalue("postgres_url")
        opened: list[PostgresDatabase] = []

        def replica() -> WebSessionStore:
            opened.append(PostgresDatabase(url=url, max_connections=8))
            return SqlWebSessionStore(opened[-1])

        with PostgresDatabase(url=url, max_connections=8) as pg:
            try:
                yield Stores("postgresql", SqlWebSessionStore(pg), replica, _rows(pg))
            finally:
                for database in opened:
                    database.close()


def _rows(runner: SqlRunner) -> Callable[[str], list[tuple[object, ...]]]:
    return lambda table: runner.execute(f"SELECT * FROM {table}")


def _session(username: str = "admin", *, expires_at: datetime = NOW + HOUR) -> StoredSession:
    return StoredSession(username=username, created_at=NOW, expires_at=expires_at)


def _ticket(session_key: str, *, expires_at: datetime = NOW + HOUR) -> StoredTicket:
    return StoredTicket(
        session_key=session_key,
        sealed_session_id="0a1b2c",
        max_age_seconds=28800,
        expires_at=expires_at,
    )


def _binding(session_key: str, *, expires_at: datetime = NOW + HOUR) -> StoredBinding:
    return StoredBinding(
        session_key=session_key, expires_at=expires_at, return_page="salesforce", return_step=5
    )


class TestSessions:
    def test_a_session_is_kept_as_given_until_it_expires(self, stores: Stores) -> None:
        session = _session("ユーザー")
        stores.store.add_session("s1", session, now=NOW)

        assert stores.store.session("s1", now=NOW) == session
        assert stores.store.session("s1", now=NOW + HOUR) is None  # expired
        assert stores.store.session("unknown", now=NOW) is None

    def test_a_key_is_one_session(self, stores: Stores) -> None:
        stores.store.add_session("s1", _session(), now=NOW)

        with pytest.raises(ValueError):
            stores.store.add_session("s1", _session("someone-else"), now=NOW)
        assert stores.store.session("s1", now=NOW) == _session()

    def test_ending_a_session_takes_its_tickets_and_bindings(self, stores: Stores) -> None:
        store = stores.store
        store.add_session("mine", _session(), now=NOW)
        store.add_session("theirs", _session("viewer"), now=NOW)
        store.add_ticket("t-mine", _ticket("mine"), now=NOW)
        store.add_ticket("t-theirs", _ticket("theirs"), now=NOW)
        store.add_binding("b-mine", _binding("mine"), now=NOW)
        store.add_binding("b-theirs", _binding("theirs"), now=NOW)

        assert store.end_session("mine") is True
        assert store.end_session("mine") is False

        assert store.session("mine", now=NOW) is None
        assert store.take_ticket("t-mine", now=NOW) is None
        assert store.take_binding("b-mine", session_key="mine", now=NOW) is None
        assert store.session("theirs", now=NOW) is not None
        assert store.take_ticket("t-theirs", now=NOW) == _ticket("theirs")
        assert store.take_binding("b-theirs", session_key="theirs", now=NOW) == _binding("theirs")

    def test_expired_sessions_go_when_another_is_added(self, stores: Stores) -> None:
        stores.store.add_session("old", _session(expires_at=NOW + timedelta(minutes=1)), now=NOW)
        later = NOW + timedelta(minutes=2)
        stores.store.add_session("new", _session(expires_at=later + HOUR), now=later)

        if stores.rows is not None:
            assert [row[0] for row in stores.rows("web_sessions")] == ["new"]


class TestTickets:
    def test_a_ticket_is_taken_once(self, stores: Stores) -> None:
        stores.store.add_session("s1", _session(), now=NOW)
        stores.store.add_ticket("t1", _ticket("s1"), now=NOW)

        assert stores.store.take_ticket("t1", now=NOW) == _ticket("s1")
        assert stores.store.take_ticket("t1", now=NOW) is None
        assert stores.store.take_ticket("unknown", now=NOW) is None

    def test_an_expired_ticket_or_one_of_an_ended_session_gives_nothing(
        self, stores: Stores
    ) -> None:
        store = stores.store
        store.add_session("s1", _session(), now=NOW)
        store.add_ticket("late", _ticket("s1", expires_at=NOW + timedelta(minutes=1)), now=NOW)
        store.add_ticket("orphan", _ticket("s1"), now=NOW)
        store.add_session("short", _session(expires_at=NOW + timedelta(minutes=1)), now=NOW)
        store.add_ticket("outlived", _ticket("short"), now=NOW)

        later = NOW + timedelta(minutes=1)
        assert store.take_ticket("late", now=later) is None
        assert store.take_ticket("outlived", now=later) is None  # its session expired
        store.end_session("s1")
        assert store.take_ticket("orphan", now=NOW) is None

    def test_expired_tickets_go_when_another_is_added(self, stores: Stores) -> None:
        stores.store.add_session("s1", _session(), now=NOW)
        stores.store.add_ticket(
            "old", _ticket("s1", expires_at=NOW + timedelta(minutes=1)), now=NOW
        )
        stores.store.add_ticket("new", _ticket("s1"), now=NOW + timedelta(minutes=2))

        if stores.rows is not None:
            assert [row[0] for row in stores.rows("web_session_tickets")] == ["new"]
        assert stores.store.take_ticket("old", now=NOW) is None


class TestBindings:
    def test_a_binding_is_taken_once_and_only_by_its_session(self, stores: Stores) -> None:
        store = stores.store
        store.add_session("mine", _session(), now=NOW)
        store.add_binding("b1", _binding("mine"), now=NOW)

        assert store.take_binding("b1", session_key="theirs", now=NOW) is None  # not used up
        assert store.take_binding("b1", session_key="mine", now=NOW) == _binding("mine")
        assert store.take_binding("b1", session_key="mine", now=NOW) is None

    def test_a_binding_without_a_page_or_step_comes_back_so(self, stores: Stores) -> None:
        bare = StoredBinding(
            session_key="s1", expires_at=NOW + HOUR, return_page=None, return_step=None
        )
        stores.store.add_binding("b1", bare, now=NOW)

        assert stores.store.take_binding("b1", session_key="s1", now=NOW) == bare

    def test_an_expired_binding_gives_nothing_and_goes(self, stores: Stores) -> None:
        soon = NOW + timedelta(minutes=10)
        stores.store.add_binding("b1", _binding("s1", expires_at=soon), now=NOW)
        stores.store.add_binding("b2", _binding("s1", expires_at=soon), now=NOW)

        assert stores.store.take_binding("b1", session_key="s1", now=soon) is None
        stores.store.add_binding("b3", _binding("s1", expires_at=soon + HOUR), now=soon)
        if stores.rows is not None:
            assert [row[0] for row in stores.rows("web_session_bindings")] == ["b3"]


class TestConcurrency:
    def test_of_many_takers_of_one_ticket_exactly_one_gets_it(self, stores: Stores) -> None:
        takers = [stores.store, stores.other()] * 4  # on PostgreSQL: two replicas' pools
        for round_ in range(5):
            key = f"t{round_}"
            stores.store.add_session(f"s{round_}", _session(), now=NOW)
            stores.store.add_ticket(key, _ticket(f"s{round_}"), now=NOW)
            got = _all_at_once([lambda s=s, k=key: s.take_ticket(k, now=NOW) for s in takers])
            assert sum(result is not None for result in got) == 1, got

    def test_of_many_takers_of_one_binding_exactly_one_gets_it(self, stores: Stores) -> None:
        takers = [stores.store, stores.other()] * 4
        for round_ in range(5):
            key = f"b{round_}"
            stores.store.add_binding(key, _binding("s1"), now=NOW)
            got = _all_at_once(
                [lambda s=s, k=key: s.take_binding(k, session_key="s1", now=NOW) for s in takers]
            )
            assert sum(result is not None for result in got) == 1, got


def _all_at_once(calls: list[Callable[[], object]]) -> list[object]:
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = calls[index]()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


class TestSecrecy:
    def test_the_tables_hold_no_cookie_ticket_session_id_or_state(self, stores: Stores) -> None:
        if stores.rows is None:
            pytest.skip("in memory there are no tables (the service test checks the store)")
        clock = FixedClock(NOW)
        sessions = WebSessions(store=stores.store, clock=clock, key=b"k" * 32)
        opened, ticket = sessions.open(username="admin")
        waiting = repr([stores.rows(table) for table in TABLES])  # the ticket not redeemed yet
        sessions.bind(
            opened.key, state="the-oauth-state", expires_at=NOW + HOUR, return_to=ReturnTo("", 4)
        )
        handover = sessions.redeem(ticket)
        assert handover is not None
        after = repr([stores.rows(table) for table in TABLES])

        session_id, signature = handover.cookie_value.split(".")
        for kept in (waiting, after):
            for secret in (session_id, signature, ticket, "the-oauth-state"):
                assert secret not in kept
        # Another replica (the same database, the same key) resumes the login.
        replica = WebSessions(store=stores.other(), clock=clock, key=b"k" * 32)
        resumed = replica.resume(handover.cookie_value)
        assert resumed is not None and resumed.username == "admin"
