"""Where the portal keeps its browser sessions: in the portal's database (DuckDB or
PostgreSQL, the same SQL), so a restarted portal resumes every login and every replica on one
PostgreSQL shares them; in memory for service tests.

The stores keep what the service gives them: digests of the secrets as keys and a session id
sealed under its ticket (:mod:`portal.services.web_sessions`), never a cookie's value, so
reading the tables is no way to log in. Taking a ticket or a binding is one ``DELETE ...
RETURNING``: of two processes taking the same one at once, exactly one gets it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from portal.adapters.db import SqlRunner, from_db_time, to_db_time
from portal.domain.web_sessions import (
    StoredBinding,
    StoredSession,
    StoredTicket,
    WebSessionStore,
)


class _Expiring(Protocol):
    @property
    def expires_at(self) -> datetime: ...


V = TypeVar("V", bound=_Expiring)


@dataclass
class _Table(Generic[V]):
    rows: dict[str, V] = field(default_factory=dict)

    def purge(self, now: datetime) -> None:
        for key in [k for k, v in self.rows.items() if v.expires_at <= now]:
            del self.rows[key]


class InMemoryWebSessionStore:
    """Sessions, cookie tickets and sign-in bindings, thread-safe (a
    :class:`~portal.domain.web_sessions.WebSessionStore`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: _Table[StoredSession] = _Table()
        self._tickets: _Table[StoredTicket] = _Table()
        self._bindings: _Table[StoredBinding] = _Table()

    # --- sessions ---------------------------------------------------------------------------

    def add_session(self, key: str, session: StoredSession, *, now: datetime) -> None:
        with self._lock:
            self._sessions.purge(now)
            if key in self._sessions.rows:
                raise ValueError("a session with this key exists")
            self._sessions.rows[key] = session

    def session(self, key: str, *, now: datetime) -> StoredSession | None:
        with self._lock:
            found = self._sessions.rows.get(key)
            if found is None or found.expires_at <= now:
                return None
            return found

    def end_session(self, key: str) -> bool:
        """Forget the session, its tickets and its bindings; True when it existed."""
        with self._lock:
            existed = self._sessions.rows.pop(key, None) is not None
            for table in (self._tickets, self._bindings):
                owned = [k for k, v in table.rows.items() if v.session_key == key]
                for k in owned:
                    del table.rows[k]
            return existed

    # --- tickets ----------------------------------------------------------------------------

    def add_ticket(self, key: str, ticket: StoredTicket, *, now: datetime) -> None:
        with self._lock:
            self._tickets.purge(now)
            self._tickets.rows[key] = ticket

    def take_ticket(self, key: str, *, now: datetime) -> StoredTicket | None:
        """The ticket, removed (single use); None when unknown, used or expired."""
        with self._lock:
            ticket = self._tickets.rows.pop(key, None)
            if ticket is None or ticket.expires_at <= now:
                return None
            session = self._sessions.rows.get(ticket.session_key)
            if session is None or session.expires_at <= now:
                return None
            return ticket

    # --- sign-in bindings -------------------------------------------------------------------

    def add_binding(self, key: str, binding: StoredBinding, *, now: datetime) -> None:
        with self._lock:
            self._bindings.purge(now)
            self._bindings.rows[key] = binding

    def take_binding(self, key: str, *, session_key: str, now: datetime) -> StoredBinding | None:
        """The binding when it belongs to ``session_key``, removed (single use). A binding of
        another session is left in place: a stranger cannot use up someone else's sign-in."""
        with self._lock:
            binding = self._bindings.rows.get(key)
            if binding is None or binding.session_key != session_key:
                return None
            del self._bindings.rows[key]
            if binding.expires_at <= now:
                return None
            return binding


class SqlWebSessionStore:
    """Sessions, cookie tickets and sign-in bindings in the portal's database (the DuckDB
    file's migration 8, PostgreSQL's 0005: the same statements), over a runner that sees every
    company's rows: the directory's (a login comes before its company is known)."""

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    # --- sessions ---------------------------------------------------------------------------

    def add_session(self, key: str, session: StoredSession, *, now: datetime) -> None:
        self._runner.execute("DELETE FROM web_sessions WHERE expires_at <= ?", [to_db_time(now)])
        added = self._runner.execute(
            """INSERT INTO web_sessions (session_key, username, created_at, expires_at)
               VALUES (?, ?, ?, ?) ON CONFLICT (session_key) DO NOTHING RETURNING session_key""",
            [
                key,
                session.username,
                to_db_time(session.created_at),
                to_db_time(session.expires_at),
            ],
        )
        if not added:
            raise ValueError("a session with this key exists")

    def session(self, key: str, *, now: datetime) -> StoredSession | None:
        rows = self._runner.execute(
            """SELECT username, created_at, expires_at FROM web_sessions
               WHERE session_key = ? AND expires_at > ?""",
            [key, to_db_time(now)],
        )
        if not rows:
            return None
        username, created_at, expires_at = rows[0]
        return StoredSession(
            username=str(username),
            created_at=from_db_time(created_at),
            expires_at=from_db_time(expires_at),
        )

    def end_session(self, key: str) -> bool:
        """Forget the session, its tickets and its bindings; True when it existed."""
        # The session first: its tickets and bindings are of no use without it.
        ended = self._runner.execute(
            "DELETE FROM web_sessions WHERE session_key = ? RETURNING session_key", [key]
        )
        self._runner.execute("DELETE FROM web_session_tickets WHERE session_key = ?", [key])
        self._runner.execute("DELETE FROM web_session_bindings WHERE session_key = ?", [key])
        return bool(ended)

    # --- tickets ----------------------------------------------------------------------------

    def add_ticket(self, key: str, ticket: StoredTicket, *, now: datetime) -> None:
        self._runner.execute(
            "DELETE FROM web_session_tickets WHERE expires_at <= ?", [to_db_time(now)]
        )
        self._runner.execute(
            """INSERT INTO web_session_tickets
                   (ticket_key, session_key, sealed_session_id, max_age_seconds, expires_at)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (ticket_key) DO UPDATE SET session_key = excluded.session_key,
                   sealed_session_id = excluded.sealed_session_id,
                   max_age_seconds = excluded.max_age_seconds, expires_at = excluded.expires_at""",
            [
                key,
                ticket.session_key,
                ticket.sealed_session_id,
                ticket.max_age_seconds,
                to_db_time(ticket.expires_at),
            ],
            retry_duplicate_key=True,
        )

    def take_ticket(self, key: str, *, now: datetime) -> StoredTicket | None:
        """The ticket, removed (single use); None when unknown, used or expired."""
        rows = self._runner.execute(
            """DELETE FROM web_session_tickets WHERE ticket_key = ?
               RETURNING session_key, sealed_session_id, max_age_seconds, expires_at""",
            [key],
        )
        if not rows:
            return None
        session_key, sealed, max_age, expires_at = rows[0]
        ticket = StoredTicket(
            session_key=str(session_key),
            sealed_session_id=str(sealed),
            max_age_seconds=int(max_age),
            expires_at=from_db_time(expires_at),
        )
        if ticket.expires_at <= now or self.session(ticket.session_key, now=now) is None:
            return None
        return ticket

    # --- sign-in bindings -------------------------------------------------------------------

    def add_binding(self, key: str, binding: StoredBinding, *, now: datetime) -> None:
        self._runner.execute(
            "DELETE FROM web_session_bindings WHERE expires_at <= ?", [to_db_time(now)]
        )
        self._runner.execute(
            """INSERT INTO web_session_bindings
                   (state_key, session_key, expires_at, return_page, return_step)
               VALUES (?, ?, ?, ?, ?)
               ON CONFLICT (state_key) DO UPDATE SET session_key = excluded.session_key,
                   expires_at = excluded.expires_at, return_page = excluded.return_page,
                   return_step = excluded.return_step""",
            [
                key,
                binding.session_key,
                to_db_time(binding.expires_at),
                binding.return_page,
                binding.return_step,
            ],
            retry_duplicate_key=True,
        )

    def take_binding(self, key: str, *, session_key: str, now: datetime) -> StoredBinding | None:
        """The binding when it belongs to ``session_key``, removed (single use). A binding of
        another session is left in place: a stranger cannot use up someone else's sign-in."""
        rows = self._runner.execute(
            """DELETE FROM web_session_bindings WHERE state_key = ? AND session_key = ?
               RETURNING expires_at, return_page, return_step""",
            [key, session_key],
        )
        if not rows:
            return None
        expires_at, return_page, return_step = rows[0]
        binding = StoredBinding(
            session_key=session_key,
            expires_at=from_db_time(expires_at),
            return_page=None if return_page is None else str(return_page),
            return_step=None if return_step is None else int(return_step),
        )
        return binding if binding.expires_at > now else None


def _conforms(
    memory: InMemoryWebSessionStore, sql: SqlWebSessionStore
) -> tuple[WebSessionStore, ...]:
    # Type-checked only: each meets the port.
    return memory, sql
