"""Authorization codes: single use, 15 minutes, bound to the client, redirect URI, user,
scopes and PKCE challenge of the authorize request that produced them. Stored as hashes.

A code presented again after it was exchanged is refused, and the tokens issued from it are
revoked (RFC 6749 section 4.1.2): :meth:`AuthorizationCodes.replayed` names them.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.oauth.pkce import ChallengeMethod
from mock_salesforce.sessions import token_hash
from mock_salesforce.store import Store

CODE_LIFETIME = timedelta(minutes=15)
KEEP_FOR = timedelta(days=1)


@dataclass(frozen=True)
class IssuedTokens:
    """The tokens a code was exchanged for (ids, never the tokens themselves)."""

    session_id: str
    refresh_id: str | None


@dataclass(frozen=True)
class AuthorizationCode:
    client_id: str
    app_name: str
    redirect_uri: str
    org_id: str
    user_id: str
    scopes: tuple[str, ...]
    challenge: str | None
    challenge_method: ChallengeMethod | None


class CodeState(StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"  # past its 15 minutes, or already redeemed
    VALID = "valid"


class AuthorizationCodes:
    """Issue and redeem authorization codes."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        store.ensure_table(
            "_oauth_codes",
            "code_hash VARCHAR PRIMARY KEY, client_id VARCHAR NOT NULL, "
            "app_name VARCHAR NOT NULL, redirect_uri VARCHAR NOT NULL, org_id VARCHAR NOT NULL, "
            "user_id VARCHAR NOT NULL, scopes VARCHAR NOT NULL, challenge VARCHAR, "
            "challenge_method VARCHAR, issued_at TIMESTAMP NOT NULL, used_at TIMESTAMP",
        )
        # What each redeemed code produced; ``replayed`` marks a code presented again before
        # its exchange finished recording (the tokens are revoked as soon as they are).
        store.ensure_table(
            "_oauth_code_grants",
            "code_hash VARCHAR PRIMARY KEY, session_id VARCHAR, refresh_id VARCHAR, "
            "replayed BOOLEAN NOT NULL DEFAULT false",
        )

    def issue(self, code: AuthorizationCode) -> str:
        """A new code (shaped like Salesforce's ``aPrx...``) for this authorization."""
        value = "aPrx" + secrets.token_urlsafe(64)
        now = naive_utc(self._clock.now())
        # Codes long past their lifetime are only answered "expired"; a day is plenty for that.
        with self._store.transaction():
            self._store.execute(
                "DELETE FROM _oauth_code_grants WHERE code_hash IN "
                "(SELECT code_hash FROM _oauth_codes WHERE issued_at < ?)",
                [now - KEEP_FOR],
            )
            self._store.execute("DELETE FROM _oauth_codes WHERE issued_at < ?", [now - KEEP_FOR])
        self._store.execute(
            "INSERT INTO _oauth_codes VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            [
                token_hash(value),
                code.client_id,
                code.app_name,
                code.redirect_uri,
                code.org_id,
                code.user_id,
                " ".join(code.scopes),
                code.challenge,
                code.challenge_method.value if code.challenge_method else None,
                now,
            ],
        )
        return value

    def look_up(self, value: str) -> tuple[CodeState, AuthorizationCode | None]:
        """What a presented code is, without using it up."""
        rows = self._store.execute(
            "SELECT client_id, app_name, redirect_uri, org_id, user_id, scopes, challenge, "
            "challenge_method, issued_at, used_at FROM _oauth_codes WHERE code_hash = ?",
            [token_hash(value)],
        )
        if not rows:
            return CodeState.UNKNOWN, None
        (
            client_id,
            app_name,
            redirect_uri,
            org_id,
            user_id,
            scopes,
            challenge,
            method,
            issued_at,
            used_at,
        ) = rows[0]
        code = AuthorizationCode(
            client_id,
            app_name,
            redirect_uri,
            org_id,
            user_id,
            tuple(scopes.split()),
            challenge,
            ChallengeMethod(method) if method else None,
        )
        if used_at is not None or self._age(issued_at) > CODE_LIFETIME:
            return CodeState.EXPIRED, code
        return CodeState.VALID, code

    def redeem(self, value: str) -> bool:
        """Use the code up; False when another request redeemed it first."""
        rows = self._store.execute(
            "UPDATE _oauth_codes SET used_at = ? WHERE code_hash = ? AND used_at IS NULL "
            "RETURNING code_hash",
            [naive_utc(self._clock.now()), token_hash(value)],
        )
        return bool(rows)

    def is_redeemed(self, value: str) -> bool:
        """Whether the code was already exchanged (not merely past its lifetime)."""
        rows = self._store.execute(
            "SELECT used_at IS NOT NULL FROM _oauth_codes WHERE code_hash = ?", [token_hash(value)]
        )
        return bool(rows and rows[0][0])

    def record_tokens(self, value: str, tokens: IssuedTokens) -> bool:
        """Remember what the code was exchanged for; True when the code was replayed
        meanwhile (the caller revokes ``tokens`` at once)."""
        code_hash = token_hash(value)
        with self._store.transaction():
            rows = self._store.execute(
                "SELECT replayed FROM _oauth_code_grants WHERE code_hash = ?", [code_hash]
            )
            if rows:
                self._store.execute(
                    "UPDATE _oauth_code_grants SET session_id = ?, refresh_id = ? "
                    "WHERE code_hash = ?",
                    [tokens.session_id, tokens.refresh_id, code_hash],
                )
                return bool(rows[0][0])
            self._store.execute(
                "INSERT INTO _oauth_code_grants VALUES (?, ?, ?, false)",
                [code_hash, tokens.session_id, tokens.refresh_id],
            )
            return False

    def replayed(self, value: str) -> IssuedTokens | None:
        """A redeemed code presented again: mark it, and return the tokens it was exchanged
        for (None while its exchange has not recorded them yet; they are revoked then)."""
        code_hash = token_hash(value)
        with self._store.transaction():
            rows = self._store.execute(
                "SELECT session_id, refresh_id FROM _oauth_code_grants WHERE code_hash = ?",
                [code_hash],
            )
            if not rows:
                self._store.execute(
                    "INSERT INTO _oauth_code_grants VALUES (?, NULL, NULL, true)", [code_hash]
                )
                return None
            self._store.execute(
                "UPDATE _oauth_code_grants SET replayed = true WHERE code_hash = ?", [code_hash]
            )
            session_id, refresh_id = rows[0]
            return IssuedTokens(session_id, refresh_id) if session_id else None

    def _age(self, issued_at: datetime) -> timedelta:
        return naive_utc(self._clock.now()) - issued_at
