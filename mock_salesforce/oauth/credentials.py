"""Checking a username and password the way Salesforce's logins do: the password alone
(the mock's network, loopback, counts as a trusted IP range), or the password followed by the
user's 24-character security token; a user locked out after too many failures is refused
(see :mod:`mock_salesforce.oauth.lockout`)."""

from __future__ import annotations

import hmac
import secrets
import string

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.oauth.lockout import LockedOut, Lockouts
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
        self.lockouts = Lockouts(store, clock)
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
        security token appended; else None. Failures of an existing user count towards the
        org's lockout; a locked-out user (or the failure that locks them out) raises
        :class:`LockedOut`, whatever the password. Success resets the count."""
        account = self._account(username)
        if account is not None:
            until = self.lockouts.locked_until(org_id=account[0], user_id=account[1])
            if until is not None:
                raise LockedOut(until=until)
        found = self._check(username=username, password=password)
        if account is None:
            return found
        org_id, user_id = account
        if found is not None:
            self.lockouts.succeeded(org_id=org_id, user_id=user_id)
            return found
        until = self.lockouts.failed(org_id=org_id, user_id=user_id)
        if until is not None:
            raise LockedOut(until=until)
        return None

    def _account(self, username: str) -> tuple[str, str] | None:
        """(org_id, user_id) of the user with this username, whatever the password."""
        rows = self._store.execute(
            'SELECT c.org_id, c.user_id FROM _credentials c JOIN "sobj_user" u '
            'ON u."Id" = c.user_id WHERE c.username = ? AND NOT u."IsDeleted"',
            [username.strip().lower()],
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def _check(self, *, username: str, password: str) -> tuple[str, str] | None:
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
