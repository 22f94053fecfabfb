"""Checking a username and password the way Salesforce's API logins do: the password alone
(the mock's network, loopback, counts as a trusted IP range), or the password followed by the
user's 24-character security token."""

from __future__ import annotations

import hmac
import secrets
import string

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.orgs import Orgs
from mock_salesforce.sessions import token_hash
from mock_salesforce.store import Store

SECURITY_TOKEN_LENGTH = 24
_TOKEN_ALPHABET = string.ascii_letters + string.digits


class Credentials:
    def __init__(self, store: Store, clock: Clock, orgs: Orgs) -> None:
        self._store = store
        self._clock = clock
        self._orgs = orgs
        store.ensure_table(
            "_security_tokens",
            "user_id VARCHAR PRIMARY KEY, org_id VARCHAR NOT NULL, token_hash VARCHAR NOT NULL, "
            "reset_at TIMESTAMP NOT NULL",
        )

    def reset_security_token(self, *, org_id: str, user_id: str) -> str:
        """A new security token for this user ("Reset My Security Token"); the old one stops
        working. The value is returned once and stored only as a hash."""
        token = "".join(secrets.choice(_TOKEN_ALPHABET) for _ in range(SECURITY_TOKEN_LENGTH))
        self._store.execute(
            "INSERT INTO _security_tokens VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
            "SET token_hash = EXCLUDED.token_hash, reset_at = EXCLUDED.reset_at",
            [user_id, org_id, token_hash(token), naive_utc(self._clock.now())],
        )
        return token

    def authenticate(self, *, username: str, password: str) -> tuple[str, str] | None:
        """(org_id, user_id) for an active user's right password, with or without the
        security token appended; else None."""
        found = self._orgs.authenticate(username=username, password=password)
        if found is not None or len(password) <= SECURITY_TOKEN_LENGTH:
            return found
        bare, suffix = password[:-SECURITY_TOKEN_LENGTH], password[-SECURITY_TOKEN_LENGTH:]
        found = self._orgs.authenticate(username=username, password=bare)
        if found is None:
            return None
        rows = self._store.execute(
            "SELECT token_hash FROM _security_tokens WHERE user_id = ?", [found[1]]
        )
        if rows and hmac.compare_digest(rows[0][0], token_hash(suffix)):
            return found
        return None
