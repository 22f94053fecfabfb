"""Where the portal keeps its browser sessions: in the portal's process, shared by every
Streamlit session and the cookie routes (one lock).

Kept in memory on purpose: a restarted portal asks everyone to log in again, and nothing that
could log someone in ever reaches the database. Keys are digests of the secrets, never the
secrets themselves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Generic, Protocol, TypeVar

from portal.domain.web_sessions import StoredBinding, StoredSession, StoredTicket


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
            if ticket.session_key not in self._sessions.rows:
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


_PROCESS_STORE = InMemoryWebSessionStore()


def process_store() -> InMemoryWebSessionStore:
    """The one store of this process (the pages and the cookie routes share it)."""
    return _PROCESS_STORE
