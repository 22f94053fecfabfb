"""DuckDB repositories for authentication: history, pending OAuth requests, the integrated
connection's tokens, the other token slots, and failed portal logins.

Tokens and PKCE verifiers are stored only as ciphertext; they leave this module only as
:class:`SecretStr` inside domain values.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Final

import duckdb

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import Row, SqlRunner, decode_enum, from_db_time, to_db_time
from portal.domain.clock import Clock
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.ports import CURRENT_TOKEN_SLOT, check_limit, check_token_slot

#: How long failed logins are kept: longer than any window the access service counts in.
LOGIN_FAILURE_RETENTION: Final = timedelta(days=1)
_HISTORY_COLUMNS = "id, occurred_at, event, org_id, org_name, username, instance_url, detail"


class DuckDbAuthenticationHistoryRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def append(self, entry: AuthenticationHistoryEntry) -> AuthenticationHistoryEntry:
        rows = self._runner.execute(
            """INSERT INTO authentication_history
                   (occurred_at, event, org_id, org_name, username, instance_url, detail)
               VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id""",
            [
                to_db_time(entry.occurred_at),
                entry.event.value,
                entry.org_id,
                entry.org_name,
                entry.username,
                entry.instance_url,
                entry.detail,
            ],
        )
        return replace(entry, id=int(rows[0][0]))

    def recent(self, *, limit: int = 50) -> list[AuthenticationHistoryEntry]:
        check_limit(limit)
        rows = self._runner.execute(
            f"SELECT {_HISTORY_COLUMNS} FROM authentication_history "
            "ORDER BY occurred_at DESC, id DESC LIMIT ?",
            [limit],
        )
        return [_history_entry(row) for row in rows]

    def latest(self, *, event: AuthEvent | None = None) -> AuthenticationHistoryEntry | None:
        where, params = ("WHERE event = ?", [event.value]) if event else ("", [])
        rows = self._runner.execute(
            f"SELECT {_HISTORY_COLUMNS} FROM authentication_history {where} "
            "ORDER BY occurred_at DESC, id DESC LIMIT 1",
            params,
        )
        return _history_entry(rows[0]) if rows else None


def _history_entry(row: Row) -> AuthenticationHistoryEntry:
    entry_id, occurred_at, event, org_id, org_name, username, instance_url, detail = row
    return AuthenticationHistoryEntry(
        id=int(entry_id),
        occurred_at=from_db_time(occurred_at),
        event=decode_enum(AuthEvent, event, table="authentication_history"),
        org_id=org_id,
        org_name=org_name,
        username=username,
        instance_url=instance_url,
        detail=detail,
    )


class DuckDbPendingAuthorizationRepository:
    def __init__(self, runner: SqlRunner, *, cipher: TokenCipher, clock: Clock) -> None:
        self._runner = runner
        self._cipher = cipher
        self._clock = clock

    def add(self, request: PendingAuthorization) -> None:
        try:
            self._runner.execute(
                """INSERT INTO pending_authorizations
                       (state, code_verifier_ciphertext, redirect_to, requested_by,
                        created_at, expires_at)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [
                    request.state,
                    self._cipher.encrypt(request.code_verifier),
                    request.redirect_to,
                    request.requested_by,
                    to_db_time(request.created_at),
                    to_db_time(request.expires_at),
                ],
            )
        except duckdb.ConstraintException:
            raise ValueError(
                "an authorization request with this state is already pending"
            ) from None

    def take(self, state: str) -> PendingAuthorization | None:
        # DELETE ... RETURNING reads and removes in one statement: a state is usable once.
        rows = self._runner.execute(
            """DELETE FROM pending_authorizations WHERE state = ?
               RETURNING state, code_verifier_ciphertext, redirect_to, requested_by,
                         created_at, expires_at""",
            [state],
        )
        if not rows:
            return None
        state_, verifier, redirect_to, requested_by, created_at, expires_at = rows[0]
        request = PendingAuthorization(
            state=state_,
            code_verifier=self._cipher.decrypt(verifier),
            redirect_to=redirect_to,
            requested_by=requested_by,
            created_at=from_db_time(created_at),
            expires_at=from_db_time(expires_at),
        )
        return None if request.is_expired(now=self._clock.now()) else request

    def purge_expired(self) -> int:
        rows = self._runner.execute(
            "DELETE FROM pending_authorizations WHERE expires_at <= ? RETURNING state",
            [to_db_time(self._clock.now())],
        )
        return len(rows)


class DuckDbTokenRepository:
    """The integrated connection's tokens (one per portal)."""

    def __init__(self, runner: SqlRunner, *, cipher: TokenCipher) -> None:
        self._runner = runner
        self._cipher = cipher

    def save(self, tokens: TokenSet) -> None:
        _save_tokens(self._runner, self._cipher, CURRENT_TOKEN_SLOT, tokens)

    def load(self) -> TokenSet | None:
        return _load_tokens(self._runner, self._cipher, CURRENT_TOKEN_SLOT)

    def clear(self) -> bool:
        return _clear_tokens(self._runner, CURRENT_TOKEN_SLOT)


class DuckDbTokenSlotRepository:
    """Token sets under named slots, in the same table and encrypted the same way."""

    def __init__(self, runner: SqlRunner, *, cipher: TokenCipher) -> None:
        self._runner = runner
        self._cipher = cipher

    def save(self, slot: str, tokens: TokenSet) -> None:
        check_token_slot(slot)
        _save_tokens(self._runner, self._cipher, slot, tokens)

    def load(self, slot: str) -> TokenSet | None:
        check_token_slot(slot)
        return _load_tokens(self._runner, self._cipher, slot)

    def clear(self, slot: str) -> bool:
        check_token_slot(slot)
        return _clear_tokens(self._runner, slot)

    def slots(self, *, prefix: str) -> list[str]:
        rows = self._runner.execute(
            "SELECT slot FROM oauth_tokens WHERE starts_with(slot, ?) AND slot <> ? "
            "ORDER BY issued_at, slot",
            [prefix, CURRENT_TOKEN_SLOT],
        )
        return [str(row[0]) for row in rows]


def _save_tokens(runner: SqlRunner, cipher: TokenCipher, slot: str, tokens: TokenSet) -> None:
    refresh = cipher.encrypt(tokens.refresh_token) if tokens.refresh_token is not None else None
    runner.execute(
        """INSERT INTO oauth_tokens (slot, access_token_ciphertext, refresh_token_ciphertext,
                                     instance_url, org_id, user_id, issued_at)
           VALUES (?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT (slot) DO UPDATE SET
               access_token_ciphertext = excluded.access_token_ciphertext,
               refresh_token_ciphertext = excluded.refresh_token_ciphertext,
               instance_url = excluded.instance_url,
               org_id = excluded.org_id,
               user_id = excluded.user_id,
               issued_at = excluded.issued_at""",
        [
            slot,
            cipher.encrypt(tokens.access_token),
            refresh,
            tokens.instance_url,
            tokens.org_id,
            tokens.user_id,
            to_db_time(tokens.issued_at),
        ],
        retry_duplicate_key=True,
    )


def _load_tokens(runner: SqlRunner, cipher: TokenCipher, slot: str) -> TokenSet | None:
    rows = runner.execute(
        """SELECT access_token_ciphertext, refresh_token_ciphertext, instance_url, org_id,
                  user_id, issued_at
           FROM oauth_tokens WHERE slot = ?""",
        [slot],
    )
    if not rows:
        return None
    access, refresh, instance_url, org_id, user_id, issued_at = rows[0]
    return TokenSet(
        access_token=cipher.decrypt(access),
        refresh_token=cipher.decrypt(refresh) if refresh is not None else None,
        instance_url=instance_url,
        org_id=org_id,
        user_id=user_id,
        issued_at=from_db_time(issued_at),
    )


def _clear_tokens(runner: SqlRunner, slot: str) -> bool:
    rows = runner.execute("DELETE FROM oauth_tokens WHERE slot = ? RETURNING slot", [slot])
    return bool(rows)


class DuckDbLoginFailureRepository:
    """Failed portal logins, for the growing delays after repeated failures. The access
    service stores digests only: ``username`` names a username and client together,
    ``client_key`` the client."""

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def add(self, *, username: str, client_key: str, at: datetime) -> None:
        # Failures older than any limit's window are dropped, so guessing cannot grow the file.
        self._runner.execute(
            "DELETE FROM login_failures WHERE occurred_at < ?",
            [to_db_time(at - LOGIN_FAILURE_RETENTION)],
        )
        self._runner.execute(
            "INSERT INTO login_failures (occurred_at, username, client_key) VALUES (?, ?, ?)",
            [to_db_time(at), username, client_key],
        )

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        where: list[str] = ["occurred_at >= ?"]
        params: list[object] = [to_db_time(since)]
        if username is not None:
            where.append("username = ?")
            params.append(username)
        if client_key is not None:
            where.append("client_key = ?")
            params.append(client_key)
        rows = self._runner.execute(
            "SELECT occurred_at FROM login_failures WHERE "
            + " AND ".join(where)
            + " ORDER BY occurred_at",
            params,
        )
        return [from_db_time(row[0]) for row in rows]

    def forget(self, *, username: str) -> None:
        self._runner.execute("DELETE FROM login_failures WHERE username = ?", [username])
