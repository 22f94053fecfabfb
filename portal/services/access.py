"""Logging in to the portal: bcrypt password hashes from the configuration, and a limit on
failed attempts per username and per client.

After :data:`MAX_FAILURES` failures within :data:`FAILURE_WINDOW` for a username, or from a
client, further attempts are refused with :class:`LoginLocked` (saying how long to wait) without
checking the password. A failure never says whether the username or the password was wrong.
"""

from __future__ import annotations

import hashlib
import math
from datetime import timedelta
from typing import Final

import bcrypt

from portal.adapters.config import PortalUser
from portal.domain.audit import AuditAction, AuditOutcome
from portal.services.actors import Actor
from portal.services.context import ServiceContext
from portal.services.errors import LoginFailed, LoginLocked

MAX_FAILURES: Final = 5
FAILURE_WINDOW: Final = timedelta(minutes=5)
# Checked against unknown usernames so a wrong username takes as long as a wrong password.
_DUMMY_HASH: Final = b"$2b$12$Yv2licRB67ZIslOqRRXiCOcoIyhJW8Dlfe5uqTrrbt0daZOHnmTnK"


class AccessService:
    def __init__(self, context: ServiceContext, *, users: tuple[PortalUser, ...]) -> None:
        self._context = context
        self._users = {user.username: user for user in users}

    def login(self, *, username: str, password: str, client_key: str) -> Actor:
        """The portal user for these credentials. ``client_key`` identifies the client (for
        example the browser session); :class:`LoginLocked` after too many failures,
        :class:`LoginFailed` for wrong credentials."""
        username = username.strip()
        client = _client_id(client_key)
        now = self._context.clock.now()
        failures = self._context.repositories.login_failures
        since = now - FAILURE_WINDOW
        recent = [
            failures.times_since(since=since, username=username),
            failures.times_since(since=since, client_key=client),
        ]
        locked = [times for times in recent if len(times) >= MAX_FAILURES]
        if locked:
            unlock = max(times[-MAX_FAILURES] for times in locked) + FAILURE_WINDOW
            wait = math.ceil((unlock - now).total_seconds())
            self._context.audit(
                actor=username or "(no username)",
                action=AuditAction.SIGN_IN,
                outcome=AuditOutcome.DENIED,
                detail="locked after repeated failures",
            )
            raise LoginLocked(wait_seconds=max(wait, 1))
        user = self._users.get(username)
        if not _password_matches(password, user.password_hash if user else None) or user is None:
            failures.add(username=username, client_key=client, at=now)
            self._context.audit(
                actor=username or "(no username)",
                action=AuditAction.SIGN_IN,
                outcome=AuditOutcome.FAILED,
                detail="wrong username or password",
            )
            raise LoginFailed()
        failures.forget(username=username)
        self._context.audit(
            actor=username, action=AuditAction.SIGN_IN, outcome=AuditOutcome.SUCCEEDED
        )
        return Actor(username=user.username, role=user.role)

    def actor_for(self, username: str) -> Actor | None:
        """The portal user ``username`` as the configuration has them now (a login kept in a
        browser session gets the role the configuration gives today), or None when gone."""
        user = self._users.get(username)
        return Actor(username=user.username, role=user.role) if user else None

    def logout(self, *, actor: Actor) -> None:
        """Record that ``actor`` logged out."""
        self._context.audit(
            actor=actor, action=AuditAction.SIGN_OUT, outcome=AuditOutcome.SUCCEEDED
        )


def _password_matches(password: str, password_hash: str | None) -> bool:
    candidate = password.encode("utf-8")
    if password_hash is None:
        bcrypt.checkpw(candidate, _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:
        return False


def _client_id(client_key: str) -> str:
    # Only a digest is stored: the key may be a session id.
    return hashlib.sha256(client_key.encode("utf-8")).hexdigest()[:32]
