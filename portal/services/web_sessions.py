"""A browser's portal login that outlives one Streamlit session: a reload (F5) and the round
trip to Salesforce's sign-in come back logged in, and only in the browser that logged in.

The browser holds an HttpOnly, SameSite=Lax cookie ``<id>.<signature>``: a random id and an
HMAC of it under a key derived from the portal's configured encryption key (every replica and
every restart has the same). The store keeps the session (keyed by a digest of the id, in the
portal's database) until it expires or the person logs out, which ends it for every tab and on
every replica. The cookie reaches the browser through a one-time ticket (a minute, single use)
that the logged-in page redeems, so the cookie's value never appears in a page or a URL; the
store keeps the ticket's digest and the session id sealed under the ticket, so reading the
store is no way to log in.

A sign-in to Salesforce started from a session is *bound* to it: the ``state`` Salesforce sends
back is accepted once, within the sign-in's lifetime, and only by the session that started
it. A callback URL opened in another browser, or opened again, changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from portal.domain.clock import Clock
from portal.domain.web_sessions import (
    StoredBinding,
    StoredSession,
    StoredTicket,
    WebSessionStore,
)

#: How long a login lasts in a browser (the cookie's Max-Age too).
SESSION_LIFETIME: Final = timedelta(hours=8)
#: How long the logged-in page has to hand the cookie to its browser.
TICKET_LIFETIME: Final = timedelta(minutes=1)


@dataclass(frozen=True)
class WebSession:
    """A live browser login. ``key`` names it server-side; ``cookie_value`` is the browser's."""

    key: str
    username: str
    expires_at: datetime


@dataclass(frozen=True)
class CookieHandOver:
    """What the cookie route sets: the value and its lifetime."""

    cookie_value: str
    max_age_seconds: int


@dataclass(frozen=True)
class ReturnTo:
    """Where a person was when they left for Salesforce: the page and the procedure step."""

    page: str | None
    step: int | None


class WebSessions:
    def __init__(
        self,
        *,
        store: WebSessionStore,
        clock: Clock,
        key: bytes,
        lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._store = store
        self._clock = clock
        self._key = key
        self._lifetime = lifetime

    # --- logging in and out -----------------------------------------------------------------

    def open(self, *, username: str) -> tuple[WebSession, str]:
        """A new session for ``username`` and a ticket the browser redeems for its cookie."""
        now = self._clock.now()
        session_id = secrets.token_urlsafe(32)
        key = _digest(session_id)
        expires_at = now + self._lifetime
        self._store.add_session(
            key, StoredSession(username=username, created_at=now, expires_at=expires_at), now=now
        )
        ticket = secrets.token_urlsafe(32)
        self._store.add_ticket(
            _digest(ticket),
            StoredTicket(
                session_key=key,
                sealed_session_id=_seal(session_id, ticket=ticket),
                max_age_seconds=int(self._lifetime.total_seconds()),
                expires_at=now + TICKET_LIFETIME,
            ),
            now=now,
        )
        return WebSession(key=key, username=username, expires_at=expires_at), ticket

    def redeem(self, ticket: str) -> CookieHandOver | None:
        """The cookie for a ticket, once; None for an unknown, used or expired ticket."""
        if not ticket:
            return None
        found = self._store.take_ticket(_digest(ticket), now=self._clock.now())
        if found is None:
            return None
        session_id = _unseal(found.sealed_session_id, ticket=ticket)
        # A sealed id that does not open to its own session was altered in the store.
        if session_id is None or not hmac.compare_digest(_digest(session_id), found.session_key):
            return None
        return CookieHandOver(f"{session_id}.{self._sign(session_id)}", found.max_age_seconds)

    def resume(self, cookie_value: str | None) -> WebSession | None:
        """The live session a browser's cookie names; None for a missing, forged, expired or
        ended one."""
        session_id = self._verified(cookie_value)
        if session_id is None:
            return None
        key = _digest(session_id)
        stored = self._store.session(key, now=self._clock.now())
        if stored is None:
            return None
        return WebSession(key=key, username=stored.username, expires_at=stored.expires_at)

    def is_live(self, key: str) -> bool:
        return self._store.session(key, now=self._clock.now()) is not None

    def end(self, key: str) -> None:
        """Log out: the session and the sign-ins it started are gone, in every tab."""
        self._store.end_session(key)

    def end_cookie(self, cookie_value: str | None) -> None:
        """End the session a cookie names (the logout route, in case the page could not)."""
        session_id = self._verified(cookie_value)
        if session_id is not None:
            self._store.end_session(_digest(session_id))

    # --- Salesforce sign-ins ----------------------------------------------------------------

    def bind(self, key: str, *, state: str, expires_at: datetime, return_to: ReturnTo) -> None:
        """Bind the sign-in with ``state`` to session ``key`` until ``expires_at``."""
        now = self._clock.now()
        if not self.is_live(key):
            raise ValueError("the session is not live")
        self._store.add_binding(
            _digest(state),
            StoredBinding(
                session_key=key,
                expires_at=expires_at,
                return_page=return_to.page,
                return_step=return_to.step,
            ),
            now=now,
        )

    def claim(self, key: str | None, *, state: str | None) -> ReturnTo | None:
        """Where to take the person back when ``state`` is a sign-in session ``key`` started,
        not used yet and not expired (it is used now); None otherwise."""
        if not key or not state or not self.is_live(key):
            return None
        binding = self._store.take_binding(_digest(state), session_key=key, now=self._clock.now())
        if binding is None:
            return None
        return ReturnTo(page=binding.return_page, step=binding.return_step)

    # --- cookie values ----------------------------------------------------------------------

    def _sign(self, session_id: str) -> str:
        mac = hmac.new(self._key, session_id.encode("ascii"), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode("ascii").rstrip("=")

    def _verified(self, cookie_value: str | None) -> str | None:
        if not cookie_value or cookie_value.count(".") != 1:
            return None
        session_id, signature = cookie_value.split(".")
        if not session_id or not session_id.isascii() or not signature.isascii():
            return None
        if not hmac.compare_digest(signature.encode("ascii"), self._sign(session_id).encode()):
            return None
        return session_id


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _pad(ticket: str, length: int) -> bytes:
    # A one-time pad from the ticket (256 random bits, used once): HMAC-SHA256 in counter mode.
    blocks = (length + 31) // 32
    stream = b"".join(
        hmac.new(ticket.encode("utf-8"), b"session-id:%d" % i, hashlib.sha256).digest()
        for i in range(blocks)
    )
    return stream[:length]


def _seal(session_id: str, *, ticket: str) -> str:
    """``session_id`` hidden under ``ticket``: only the ticket's holder can open it."""
    plain = session_id.encode("ascii")
    return bytes(a ^ b for a, b in zip(plain, _pad(ticket, len(plain)), strict=True)).hex()


def _unseal(sealed: str, *, ticket: str) -> str | None:
    try:
        hidden = bytes.fromhex(sealed)
    except ValueError:
        return None
    plain = bytes(a ^ b for a, b in zip(hidden, _pad(ticket, len(hidden)), strict=True))
    return plain.decode("ascii") if plain.isascii() else None
