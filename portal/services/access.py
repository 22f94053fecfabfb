"""Logging in to the portal: the directory's users (bcrypt password hashes; each of one
company, see :mod:`portal.domain.tenancy`), and growing delays after failed attempts that no
anonymous attacker can turn into a lockout of a real user.

One access service serves every company: usernames are unique across companies, a login
gives an :class:`Actor` of the user's company, and each sign-in is audited in that company's
log (attempts for a username nobody has, in the home company's). A disabled user cannot log
in, and a browser session of theirs ends at its next page.

Two limits, each counting failures in the last :data:`FAILURE_WINDOW` (OWASP ASVS 2.2.1: soft
limits and increasing delays, never a hard lock):

* per username *and* client: after :data:`ACCOUNT_FREE_FAILURES` failures for a username from
  one client, that client waits before its next try for that username, twice as long after
  each further failure, at most :data:`MAX_DELAY`. Another client (the real user's browser) is
  not slowed by them, and the typed username counts whether or not it exists, so failures for
  unknown usernames never count against a real account and the delays never tell which
  usernames exist;
* per client: after :data:`CLIENT_FREE_FAILURES` failures from one client, for any usernames
  (spraying), the same growing delay for every username from that client.

The client is what :func:`portal.domain.client_address.client_address` names (the socket
peer, or the address a trusted proxy forwards). During a delay an attempt is refused with
:class:`LoginLocked` (saying how long to wait) without checking the password and without
counting. A failure never says whether the username or the password was wrong. Usernames and
clients are stored only as digests.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

import bcrypt

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.ports import Directory
from portal.domain.tenancy import HOME_COMPANY, HOME_NAME, CompanyId, DirectoryUser
from portal.domain.text import msg
from portal.services.actors import Actor
from portal.services.context import ServiceContext
from portal.services.errors import LoginFailed, LoginLocked

#: Failures for one username from one client before the delays begin.
ACCOUNT_FREE_FAILURES: Final = 3
#: Failures from one client, for any usernames, before the delays begin.
CLIENT_FREE_FAILURES: Final = 10
#: The first delay; each further failure doubles it, up to :data:`MAX_DELAY`.
FIRST_DELAY: Final = timedelta(seconds=2)
MAX_DELAY: Final = timedelta(minutes=5)
#: Failures older than this are forgotten.
FAILURE_WINDOW: Final = timedelta(hours=1)
#: The audit log's actor for a username that is not configured (the typed text may be a
#: password typed into the wrong field, so it is never recorded).
UNKNOWN_USERNAME: Final = "(unknown username)"
# Checked against unknown usernames so a wrong username takes as long as a wrong password.
_DUMMY_HASH: Final = b"$2b$12$Yv2licRB67ZIslOqRRXiCOcoIyhJW8Dlfe5uqTrrbt0daZOHnmTnK"
# Attempts from one client take turns, so parallel sessions cannot all pass one check at once.
_CLIENT_LOCKS: Final = tuple(threading.Lock() for _ in range(64))


def login_delay(failures: list[datetime], *, free: int, now: datetime) -> float:
    """Seconds to wait before the next attempt after ``failures`` (oldest first), when the
    first ``free`` failures cost nothing and each one after doubles the delay."""
    if len(failures) < free:
        return 0.0
    exponent = min(len(failures) - free, 20)
    delay = min(FIRST_DELAY * 2**exponent, MAX_DELAY)
    return max((failures[-1] + delay - now).total_seconds(), 0.0)


class AccessService:
    def __init__(
        self,
        *,
        directory: Directory,
        context_for: Callable[[CompanyId], ServiceContext],
    ) -> None:
        """``context_for(company)``: a company's services, for its audit log (the login
        delays are counted in the home company's storage)."""
        self._directory = directory
        self._context_for = context_for

    @property
    def _context(self) -> ServiceContext:
        return self._context_for(HOME_COMPANY)

    def _user(self, username: str) -> DirectoryUser | None:
        user = self._directory.user(username)
        return user if user is not None and not user.disabled else None

    def login(self, *, username: str, password: str, client_key: str) -> Actor:
        """The portal user for these credentials. ``client_key`` names the client (its address,
        see :mod:`portal.domain.client_address`); :class:`LoginLocked` while that client must
        wait, :class:`LoginFailed` for wrong credentials."""
        username = username.strip()
        client = _digest("client", client_key)
        with _CLIENT_LOCKS[int(client[:8], 16) % len(_CLIENT_LOCKS)]:
            return self._login(username, password, client)

    def _login(self, username: str, password: str, client: str) -> Actor:
        user = self._directory.user(username)
        who = username if user is not None else UNKNOWN_USERNAME
        audited = self._context_for(user.company_id) if user is not None else self._context
        account = _digest("account", username, client)
        now = self._context.clock.now()
        failures = self._context.repositories.login_failures
        since = now - FAILURE_WINDOW
        wait = max(
            login_delay(
                failures.times_since(since=since, username=account),
                free=ACCOUNT_FREE_FAILURES,
                now=now,
            ),
            login_delay(
                failures.times_since(since=since, client_key=client),
                free=CLIENT_FREE_FAILURES,
                now=now,
            ),
        )
        if wait > 0:
            audited.audit(
                actor=who,
                action=AuditAction.SIGN_IN,
                outcome=AuditOutcome.DENIED,
                detail=f"delayed after repeated failures from this client ({math.ceil(wait)} s)",
            )
            raise LoginLocked(wait_seconds=math.ceil(wait))
        # Checked for unknown usernames too, so both take as long.
        matches = _password_matches(password, user.password_hash if user else None)
        if user is None or not matches or user.disabled:
            failures.add(username=account, client_key=client, at=now)
            audited.audit(
                actor=who,
                action=AuditAction.SIGN_IN,
                outcome=AuditOutcome.FAILED,
                # The person is told only "wrong username or password" either way.
                detail="the user is disabled"
                if user is not None and user.disabled and matches
                else "wrong username or password",
            )
            raise LoginFailed()
        # Only this client's failures for this user are forgotten: an attacker's stay.
        failures.forget(username=account)
        audited.audit(actor=username, action=AuditAction.SIGN_IN, outcome=AuditOutcome.SUCCEEDED)
        return _actor(user)

    def actor_for(self, username: str) -> Actor | None:
        """The portal user ``username`` as the directory has them now (a login kept in a
        browser session gets today's role and company), or None when gone or disabled."""
        user = self._user(username)
        return _actor(user) if user else None

    def company_name(self, actor: Actor) -> str | None:
        """The name of ``actor``'s company when the portal serves more than one (a portal of
        one company need not say whose it is); the home company's untouched name as a
        message, so it reads in the person's language."""
        company = self._directory.company(actor.company_id)
        if company is None or self._directory.company_count() < 2:
            return None
        return msg(HOME_NAME) if company.name == HOME_NAME else company.name

    def logout(self, *, actor: Actor) -> None:
        """Record that ``actor`` logged out."""
        self._context_for(actor.company_id).audit(
            actor=actor, action=AuditAction.SIGN_OUT, outcome=AuditOutcome.SUCCEEDED
        )


def _actor(user: DirectoryUser) -> Actor:
    return Actor(username=user.username, role=user.role, company_id=user.company_id)


def _password_matches(password: str, password_hash: str | None) -> bool:
    candidate = password.encode("utf-8")
    if password_hash is None:
        bcrypt.checkpw(candidate, _DUMMY_HASH)
        return False
    try:
        return bcrypt.checkpw(candidate, password_hash.encode("ascii"))
    except ValueError:
        return False


def _digest(kind: str, *parts: str) -> str:
    # Only digests are stored: a typed username may be a password, a client key an address.
    joined = "\0".join((kind, *parts))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()[:32]
