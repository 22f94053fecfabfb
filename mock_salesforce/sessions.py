"""Access tokens: issued on login, resolved on every REST call, revoked, expired.

Tokens are shaped like Salesforce's (``00D...!AQ...``) and stored only as SHA-256 hashes.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.errors import invalid_session
from mock_salesforce.store import Store

DEFAULT_SESSION_TIMEOUT = timedelta(hours=2)
#: How stale the stored last use of a session may get; a restart may expire it this much early.
_PERSIST_LAST_USE_EVERY = timedelta(seconds=30)


@dataclass(frozen=True)
class Principal:
    """Who is calling: the org, the user, and the connected app the session came through."""

    org_id: str
    user_id: str
    session_id: str
    app_name: str | None
    scopes: tuple[str, ...]
    refresh_id: str | None


@dataclass
class _LiveSession:
    principal: Principal
    last_used: datetime
    persisted: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class SessionStore:
    """Persisted sessions (they survive a restart of the mock, as real sessions do)."""

    def __init__(self, store: Store, clock: Clock, *, timeout: timedelta = DEFAULT_SESSION_TIMEOUT):
        self._store = store
        self._clock = clock
        self.timeout = timeout
        # Sessions resolved before, by token hash: every API request resolves one. Any
        # revocation clears it (under the store lock), so a revoked token is never served.
        self._live: dict[str, _LiveSession] = {}
        store.on_wipe(self._live.clear)
        store.ensure_table(
            "_sessions",
            "session_id VARCHAR PRIMARY KEY, token_hash VARCHAR UNIQUE NOT NULL, "
            "org_id VARCHAR NOT NULL, user_id VARCHAR NOT NULL, app_name VARCHAR, "
            "scopes VARCHAR NOT NULL, refresh_id VARCHAR, issued_at TIMESTAMP NOT NULL, "
            "last_used_at TIMESTAMP NOT NULL, revoked BOOLEAN NOT NULL DEFAULT false",
        )

    def issue(
        self,
        *,
        org_id: str,
        user_id: str,
        app_name: str | None,
        scopes: tuple[str, ...] = ("api",),
        refresh_id: str | None = None,
    ) -> tuple[str, Principal, datetime]:
        """A new access token for this user; returns (token, principal, issued_at)."""
        token = f"{org_id[:15]}!AQ{secrets.token_urlsafe(72)}"
        session_id = secrets.token_hex(16)
        issued = self._clock.now()
        self._store.execute(
            "INSERT INTO _sessions VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, false)",
            [
                session_id,
                token_hash(token),
                org_id,
                user_id,
                app_name,
                " ".join(scopes),
                refresh_id,
                naive_utc(issued),
                naive_utc(issued),
            ],
        )
        return token, Principal(org_id, user_id, session_id, app_name, scopes, refresh_id), issued

    def resolve(self, token: str | None) -> Principal:
        """The caller of a valid token, else ``INVALID_SESSION_ID`` (missing, unknown, expired,
        revoked). Use refreshes the inactivity timeout, as Salesforce sessions do."""
        if not token:
            raise invalid_session()
        key = token_hash(token)
        now = naive_utc(self._clock.now())
        with self._store.lock:
            live = self._live.get(key) or self._load(key)
            if live is None or now - live.last_used > self.timeout:
                raise invalid_session()
            live.last_used = now
            if now - live.persisted > _PERSIST_LAST_USE_EVERY:
                self._store.execute(
                    "UPDATE _sessions SET last_used_at = ? WHERE session_id = ?",
                    [now, live.principal.session_id],
                )
                live.persisted = now
            return live.principal

    def _load(self, key: str) -> _LiveSession | None:
        rows = self._store.execute(
            "SELECT session_id, org_id, user_id, app_name, scopes, refresh_id, last_used_at "
            "FROM _sessions WHERE token_hash = ? AND NOT revoked",
            [key],
        )
        if not rows:
            return None
        session_id, org_id, user_id, app_name, scopes, refresh_id, last_used = rows[0]
        principal = Principal(
            org_id, user_id, session_id, app_name, tuple(scopes.split()), refresh_id
        )
        live = self._live[key] = _LiveSession(principal, last_used, last_used)
        return live

    def revoke_token(self, token: str) -> bool:
        """Revoke one access token; False when it is unknown."""
        with self._store.lock:
            rows = self._store.execute(
                "UPDATE _sessions SET revoked = true WHERE token_hash = ? RETURNING session_id",
                [token_hash(token)],
            )
            self._live.clear()
        return bool(rows)

    def revoke_where(
        self,
        *,
        org_id: str | None = None,
        user_id: str | None = None,
        app_name: str | None = None,
        refresh_id: str | None = None,
        session_id: str | None = None,
    ) -> int:
        """Revoke every live session matching all given filters; returns how many."""
        clauses, params = ["NOT revoked"], []
        for column, value in (
            ("session_id", session_id),
            ("org_id", org_id),
            ("user_id", user_id),
            ("app_name", app_name),
            ("refresh_id", refresh_id),
        ):
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(value)
        with self._store.lock:
            rows = self._store.execute(
                f"UPDATE _sessions SET revoked = true WHERE {' AND '.join(clauses)} "
                "RETURNING session_id",
                params,
            )
            self._live.clear()
        return len(rows)

    def expire_all(self) -> int:
        """Forced session expiry (fault injection): every live session becomes invalid."""
        return self.revoke_where()
