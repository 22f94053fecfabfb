"""The browser sessions as the portal keeps them: a login, the one-time hand-over of its cookie,
a Salesforce sign-in bound to the session that started it, and the store that holds them (the
portal's database, so a restarted portal or another replica resumes a login; in memory for
service tests).

Nothing stored lets its reader log in: keys are SHA-256 digests of the secrets (a session id,
a ticket, a sign-in's ``state``), and a ticket holds its session id sealed under the ticket
itself, which only the page that logged in ever sees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class StoredSession:
    """A browser's portal login: who, and until when (removed when they log out)."""

    username: str
    created_at: datetime
    expires_at: datetime


@dataclass(frozen=True)
class StoredTicket:
    """A one-time hand-over of a session cookie to the browser that logged in: the session id,
    sealed under the ticket (opened only by whoever holds the ticket)."""

    session_key: str
    sealed_session_id: str
    max_age_seconds: int
    expires_at: datetime


@dataclass(frozen=True)
class StoredBinding:
    """A Salesforce sign-in started by one browser session, and where to take it back."""

    session_key: str
    expires_at: datetime
    return_page: str | None
    return_step: int | None


class WebSessionStore(Protocol):
    """Sessions, cookie tickets and sign-in bindings, keyed by digests of their secrets;
    shared by every Streamlit session, the cookie routes and (in a database) every portal
    process, so thread-safe."""

    def add_session(self, key: str, session: StoredSession, *, now: datetime) -> None:
        """Keep ``session`` (expired sessions go); ValueError when a session with ``key``
        exists."""
        ...

    def session(self, key: str, *, now: datetime) -> StoredSession | None:
        """The live session under ``key``, or None (unknown or expired)."""
        ...

    def end_session(self, key: str) -> bool:
        """Forget the session, its tickets and its bindings; True when it existed."""
        ...

    def add_ticket(self, key: str, ticket: StoredTicket, *, now: datetime) -> None:
        """Keep ``ticket`` (expired tickets go)."""
        ...

    def take_ticket(self, key: str, *, now: datetime) -> StoredTicket | None:
        """The ticket, removed (single use, even when several processes take it at once); None
        when unknown, used or expired, or when its session is no longer live."""
        ...

    def add_binding(self, key: str, binding: StoredBinding, *, now: datetime) -> None:
        """Keep ``binding`` (expired bindings go)."""
        ...

    def take_binding(self, key: str, *, session_key: str, now: datetime) -> StoredBinding | None:
        """The binding when it belongs to ``session_key``, removed (single use, even when
        several processes take it at once); None when expired. A binding of another session is
        left in place."""
        ...
