"""Login lockout, as Salesforce's password policies have it: after "Maximum invalid login
attempts" failed logins in a row (default 10) a user is locked out for the "Lockout effective
period" (default 15 minutes; "Forever" means until an admin clicks Unlock). A successful login
resets the count; so does the end of a lockout, or an admin's Unlock.

The count is per user (as Salesforce's ``UserLogin.IsPasswordLocked``), whichever entry point
the failures came through: the login page, the token endpoint's password grant, SOAP login.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.errors import OAuthError
from mock_salesforce.store import Store

#: Salesforce's defaults ("Maximum invalid login attempts", "Lockout effective period").
DEFAULT_MAX_ATTEMPTS = 10
DEFAULT_PERIOD = timedelta(minutes=15)
#: The choices Setup > Password Policies offers (``None``: "No limit" / "Forever").
MAX_ATTEMPT_CHOICES = (3, 5, 10, None)
PERIOD_CHOICES = (timedelta(minutes=15), timedelta(minutes=30), timedelta(minutes=60), None)
#: The end of a "Forever" lockout.
FOREVER = datetime(9999, 12, 31)


class LockedOut(OAuthError):
    """The user is locked out. The token endpoint answers it exactly as a wrong password
    (``invalid_grant`` / ``authentication failure``), as Salesforce does; the login pages say
    the account is locked; SOAP login answers ``INVALID_LOGIN``."""

    def __init__(self, *, until: datetime) -> None:
        super().__init__("invalid_grant", "authentication failure")
        self.until = until


@dataclass(frozen=True)
class LockoutPolicy:
    """An org's password-policy lockout settings (``None``: no limit / forever)."""

    max_attempts: int | None = DEFAULT_MAX_ATTEMPTS
    period: timedelta | None = DEFAULT_PERIOD

    def __post_init__(self) -> None:
        if self.max_attempts not in MAX_ATTEMPT_CHOICES:
            raise ValueError("Maximum invalid login attempts must be 3, 5, 10 or no limit")
        if self.period not in PERIOD_CHOICES:
            raise ValueError("Lockout effective period must be 15, 30 or 60 minutes or forever")


class Lockouts:
    """Failed-login counts and lockouts of the mock's users, and each org's policy."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        store.ensure_table(
            "_login_failures",
            "user_id VARCHAR PRIMARY KEY, org_id VARCHAR NOT NULL, failures INTEGER NOT NULL, "
            "locked_until TIMESTAMP",
        )
        store.ensure_table(
            "_lockout_policies",
            "org_id VARCHAR PRIMARY KEY, max_attempts INTEGER, period_minutes INTEGER",
        )

    # -- policy ------------------------------------------------------------------------------
    def policy(self, org_id: str) -> LockoutPolicy:
        rows = self._store.execute(
            "SELECT max_attempts, period_minutes FROM _lockout_policies WHERE org_id = ?",
            [org_id],
        )
        if not rows:
            return LockoutPolicy()
        attempts, minutes = rows[0]
        return LockoutPolicy(attempts, None if minutes is None else timedelta(minutes=minutes))

    def set_policy(self, org_id: str, policy: LockoutPolicy) -> None:
        minutes = None if policy.period is None else int(policy.period.total_seconds() // 60)
        self._store.execute(
            "INSERT INTO _lockout_policies VALUES (?, ?, ?) ON CONFLICT (org_id) DO UPDATE "
            "SET max_attempts = EXCLUDED.max_attempts, period_minutes = EXCLUDED.period_minutes",
            [org_id, policy.max_attempts, minutes],
        )

    # -- the count ---------------------------------------------------------------------------
    def locked_until(self, *, org_id: str, user_id: str) -> datetime | None:
        """When the user's lockout ends (:data:`FOREVER` for an admin unlock only), or None
        when the user is not locked out."""
        rows = self._store.execute(
            "SELECT locked_until FROM _login_failures WHERE user_id = ? AND org_id = ?",
            [user_id, org_id],
        )
        if not rows or rows[0][0] is None:
            return None
        until: datetime = rows[0][0]
        return until if until > naive_utc(self._clock.now()) else None

    def locked_users(self, org_id: str) -> set[str]:
        """The ids of the org's users locked out now."""
        rows = self._store.execute(
            "SELECT user_id FROM _login_failures WHERE org_id = ? AND locked_until > ?",
            [org_id, naive_utc(self._clock.now())],
        )
        return {r[0] for r in rows}

    def failed(self, *, org_id: str, user_id: str) -> datetime | None:
        """Count one failed login; returns when the lockout it started ends, or None."""
        policy = self.policy(org_id)
        now = naive_utc(self._clock.now())
        with self._store.transaction():
            rows = self._store.execute(
                "SELECT failures, locked_until FROM _login_failures WHERE user_id = ?", [user_id]
            )
            failures = 0
            if rows and (rows[0][1] is None or rows[0][1] > now):
                failures = rows[0][0]
            failures += 1
            until = None
            if policy.max_attempts is not None and failures >= policy.max_attempts:
                until = FOREVER if policy.period is None else now + policy.period
            self._store.execute(
                "INSERT INTO _login_failures VALUES (?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
                "SET failures = EXCLUDED.failures, locked_until = EXCLUDED.locked_until",
                [user_id, org_id, failures, until],
            )
        return until

    def succeeded(self, *, org_id: str, user_id: str) -> None:
        """A successful login resets the count."""
        self.unlock(org_id=org_id, user_id=user_id)

    def unlock(self, *, org_id: str, user_id: str) -> bool:
        """Setup's Unlock: the user may log in again at once. True when they were locked."""
        locked = self.locked_until(org_id=org_id, user_id=user_id) is not None
        self._store.execute(
            "DELETE FROM _login_failures WHERE user_id = ? AND org_id = ?", [user_id, org_id]
        )
        return locked
