"""The browser side of the mock org: who is logged in (the ``sid`` cookie), which browser is
talking (the ``BrowserId`` cookie) and the per-page CSRF tokens of its forms."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.errors import SalesforceError
from mock_salesforce.sessions import SessionStore, token_hash
from mock_salesforce.store import Store

BROWSER_COOKIE = "BrowserId"
SESSION_COOKIE = "sid"
CSRF_LIFETIME = timedelta(hours=1)
#: Browser logins carry only the ``web`` scope: they are for pages, not for the API.
BROWSER_SCOPES = ("web",)


@dataclass(frozen=True)
class BrowserUser:
    """The user logged in to the mock org in this browser."""

    org_id: str
    user_id: str


class BrowserLogins:
    """Browser logins (backed by the org's sessions, so they expire and are revoked like them)
    and single-use CSRF tokens bound to one browser and one page."""

    def __init__(self, store: Store, clock: Clock, sessions: SessionStore) -> None:
        self._store = store
        self._clock = clock
        self._sessions = sessions
        store.ensure_table(
            "_browser_csrf",
            "token_hash VARCHAR PRIMARY KEY, browser_id VARCHAR NOT NULL, "
            "purpose VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL",
        )

    def log_in(self, *, org_id: str, user_id: str) -> str:
        """A new browser session for this user; returns the ``sid`` cookie value."""
        token, _, _ = self._sessions.issue(
            org_id=org_id, user_id=user_id, app_name=None, scopes=BROWSER_SCOPES
        )
        return token

    def user_of(self, sid: str | None) -> BrowserUser | None:
        """The user of a live browser session, else None."""
        if not sid:
            return None
        try:
            principal = self._sessions.resolve(sid)
        except SalesforceError:
            return None
        if principal.app_name is not None or principal.scopes != BROWSER_SCOPES:
            return None  # an API token pasted into a cookie is not a browser login
        return BrowserUser(principal.org_id, principal.user_id)

    def log_out(self, sid: str | None) -> None:
        if sid and self.user_of(sid) is not None:
            self._sessions.revoke_token(sid)

    def csrf_token(self, *, browser_id: str, purpose: str) -> str:
        """A fresh token for one form render of one page (``purpose``) in this browser."""
        token = secrets.token_urlsafe(32)
        now = naive_utc(self._clock.now())
        with self._store.transaction():
            self._store.execute(
                "DELETE FROM _browser_csrf WHERE created_at < ?", [now - CSRF_LIFETIME]
            )
            self._store.execute(
                "INSERT INTO _browser_csrf VALUES (?, ?, ?, ?)",
                [token_hash(token), browser_id, purpose, now],
            )
        return token

    def check_csrf(self, *, token: str | None, browser_id: str | None, purpose: str) -> bool:
        """Use up a form's token; True only for an unexpired token of this browser and page."""
        if not token or not browser_id:
            return False
        rows = self._store.execute(
            "DELETE FROM _browser_csrf WHERE token_hash = ? RETURNING browser_id, purpose, "
            "created_at",
            [token_hash(token)],
        )
        if not rows:
            return False
        owner, stored_purpose, created_at = rows[0]
        fresh = naive_utc(self._clock.now()) - created_at <= CSRF_LIFETIME
        return fresh and secrets.compare_digest(owner, browser_id) and stored_purpose == purpose


def browser_id_of(request: Request) -> str | None:
    value = request.cookies.get(BROWSER_COOKIE)
    return value if value and len(value) <= 64 else None


def ensure_browser_id(request: Request) -> tuple[str, bool]:
    """This browser's id, and whether it is new (then set it with :func:`set_browser_cookie`)."""
    existing = browser_id_of(request)
    return (existing, False) if existing else (secrets.token_urlsafe(24), True)


def _set_cookie(response: Response, request: Request, name: str, value: str) -> None:
    response.set_cookie(
        name, value, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )


def set_browser_cookie(response: Response, request: Request, browser_id: str) -> None:
    _set_cookie(response, request, BROWSER_COOKIE, browser_id)


def set_session_cookie(response: Response, request: Request, sid: str) -> None:
    _set_cookie(response, request, SESSION_COOKIE, sid)


def clear_session_cookie(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")


def safe_start_url(value: str | None) -> str | None:
    """``value`` when it is a path on this server (never another site), else None."""
    if not value or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 0x20 for c in value):
        return None
    return value
