"""Refresh tokens: valid until revoked (the connected app's default policy), at most five live
ones per user and app (Salesforce revokes the oldest beyond that). Stored as hashes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.sessions import token_hash
from mock_salesforce.store import Store

#: Salesforce keeps at most this many approvals (refresh tokens) per user and connected app.
MAX_LIVE_PER_USER_AND_APP = 5


@dataclass(frozen=True)
class RefreshToken:
    refresh_id: str
    client_id: str
    app_name: str
    org_id: str
    user_id: str
    scopes: tuple[str, ...]
    #: Issued to a PKCE (public) client: refreshing it needs no client secret.
    public_client: bool


class RefreshTokens:
    """Issue, find and revoke refresh tokens."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        store.ensure_table(
            "_oauth_refresh_tokens",
            "refresh_id VARCHAR PRIMARY KEY, token_hash VARCHAR UNIQUE NOT NULL, "
            "client_id VARCHAR NOT NULL, app_name VARCHAR NOT NULL, org_id VARCHAR NOT NULL, "
            "user_id VARCHAR NOT NULL, scopes VARCHAR NOT NULL, public_client BOOLEAN NOT NULL, "
            "issued_at TIMESTAMP NOT NULL, last_used_at TIMESTAMP, "
            "revoked BOOLEAN NOT NULL DEFAULT false",
        )

    def issue(
        self,
        *,
        client_id: str,
        app_name: str,
        org_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        public_client: bool,
    ) -> tuple[str, RefreshToken, list[str]]:
        """A new refresh token; returns (token, record, refresh ids revoked to stay within the
        per-user limit; their access tokens are the caller's to revoke)."""
        token = f"5Aep861{secrets.token_urlsafe(64)}"
        record = RefreshToken(
            secrets.token_hex(16), client_id, app_name, org_id, user_id, scopes, public_client
        )
        with self._store.transaction():
            self._store.execute(
                "INSERT INTO _oauth_refresh_tokens VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, false)",
                [
                    record.refresh_id,
                    token_hash(token),
                    client_id,
                    app_name,
                    org_id,
                    user_id,
                    " ".join(scopes),
                    public_client,
                    naive_utc(self._clock.now()),
                ],
            )
            surplus = [
                r[0]
                for r in self._store.execute(
                    "SELECT refresh_id FROM _oauth_refresh_tokens WHERE org_id = ? AND user_id = ? "
                    "AND app_name = ? AND NOT revoked ORDER BY issued_at DESC, refresh_id "
                    f"OFFSET {MAX_LIVE_PER_USER_AND_APP}",
                    [org_id, user_id, app_name],
                )
            ]
            for refresh_id in surplus:
                self._revoke_id(refresh_id)
        return token, record, surplus

    def find(self, token: str) -> RefreshToken | None:
        """The live refresh token with this value, or None (unknown or revoked)."""
        rows = self._store.execute(
            "SELECT refresh_id, client_id, app_name, org_id, user_id, scopes, public_client "
            "FROM _oauth_refresh_tokens WHERE token_hash = ? AND NOT revoked",
            [token_hash(token)],
        )
        if not rows:
            return None
        refresh_id, client_id, app_name, org_id, user_id, scopes, public_client = rows[0]
        return RefreshToken(
            refresh_id,
            client_id,
            app_name,
            org_id,
            user_id,
            tuple(scopes.split()),
            bool(public_client),
        )

    def touch(self, refresh_id: str) -> None:
        self._store.execute(
            "UPDATE _oauth_refresh_tokens SET last_used_at = ? WHERE refresh_id = ?",
            [naive_utc(self._clock.now()), refresh_id],
        )

    def revoke(self, refresh_id: str) -> None:
        self._revoke_id(refresh_id)

    def revoke_where(self, *, org_id: str, app_name: str, user_id: str | None = None) -> list[str]:
        """Revoke the live refresh tokens of an app in an org (optionally one user's);
        returns their ids."""
        clauses, params = ["org_id = ?", "app_name = ?", "NOT revoked"], [org_id, app_name]
        if user_id is not None:
            clauses.append("user_id = ?")
            params.append(user_id)
        return [
            r[0]
            for r in self._store.execute(
                f"UPDATE _oauth_refresh_tokens SET revoked = true WHERE {' AND '.join(clauses)} "
                "RETURNING refresh_id",
                params,
            )
        ]

    def _revoke_id(self, refresh_id: str) -> None:
        self._store.execute(
            "UPDATE _oauth_refresh_tokens SET revoked = true WHERE refresh_id = ?", [refresh_id]
        )
