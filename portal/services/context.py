"""What every service shares: storage, clock, Salesforce, the audit and progress records, and
the links into Salesforce Setup the results point at."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, TypeVar

from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.clock import Clock
from portal.domain.failures import WriteConflictError
from portal.domain.ports import PortalStorage, ProgressEntry, Repositories
from portal.domain.steps import StepResult
from portal.domain.tenancy import HOME_COMPANY, CompanyId
from portal.services.actors import Actor
from portal.services.errors import ConcurrentChange, NotAllowed
from portal.services.salesforce import SalesforceAccess

log = logging.getLogger(__name__)
T = TypeVar("T")

#: How many times a unit of work runs when DuckDB reports a write conflict.
CONFLICT_ATTEMPTS: Final = 5

_MOCK_OAUTH_USAGE: Final = "/setup/connected-apps-oauth-usage"
_MOCK_USERS: Final = "/setup/users"
_REAL_OAUTH_USAGE: Final = "/lightning/setup/ConnectedAppsUsage/home"
_REAL_USERS: Final = "/lightning/setup/ManageUsers/home"


@dataclass(frozen=True)
class SetupLinks:
    """Links to Salesforce Setup pages: the mock org's browser pages, or a real org's."""

    mock_http_url: str | None = None

    def oauth_usage(self, instance_url: str | None) -> str | None:
        """Setup > Connected Apps OAuth Usage."""
        return self._link(instance_url, mock=_MOCK_OAUTH_USAGE, real=_REAL_OAUTH_USAGE)

    def users(self, instance_url: str | None) -> str | None:
        """Setup > Users (each user's profile and permission set assignments)."""
        return self._link(instance_url, mock=_MOCK_USERS, real=_REAL_USERS)

    def _link(self, instance_url: str | None, *, mock: str, real: str) -> str | None:
        if self.mock_http_url:
            return self.mock_http_url.rstrip("/") + mock
        if instance_url:
            return instance_url.rstrip("/") + real
        return None


@dataclass(frozen=True)
class ServiceContext:
    storage: PortalStorage
    clock: Clock
    salesforce: SalesforceAccess
    links: SetupLinks = SetupLinks()
    #: Whose storage this is: the services act for this company's users only.
    company_id: CompanyId = HOME_COMPANY

    @property
    def repositories(self) -> Repositories:
        return self.storage.repositories

    def audit(
        self,
        *,
        actor: Actor | str,
        action: AuditAction,
        outcome: AuditOutcome,
        detail: str = "",
        repositories: Repositories | None = None,
    ) -> None:
        """Write one audit line (inside ``repositories``' transaction when given)."""
        name = actor.username if isinstance(actor, Actor) else actor
        target = repositories or self.repositories
        target.audit.append(
            AuditEntry(
                occurred_at=self.clock.now(),
                actor=name,
                action=action,
                outcome=outcome,
                detail=detail,
            )
        )

    def require_admin(self, actor: Actor, action: AuditAction) -> None:
        """Refuse (and audit as denied) unless ``actor`` is an admin of this company."""
        if actor.company_id != self.company_id:
            self.audit(
                actor=actor,
                action=action,
                outcome=AuditOutcome.DENIED,
                detail=f"a user of company {actor.company_id} cannot act for company "
                f"{self.company_id}",
            )
            raise NotAllowed()
        if actor.is_admin:
            return
        self.audit(
            actor=actor,
            action=action,
            outcome=AuditOutcome.DENIED,
            detail="viewers cannot change anything",
        )
        raise NotAllowed()

    def record_progress(
        self,
        result: StepResult,
        *,
        by: Actor | str | None = None,
        repositories: Repositories | None = None,
        restarts_later_steps: bool = False,
    ) -> None:
        """Remember ``result`` as its step's latest outcome, so the wizard resumes there.
        An action that changes what the later steps found (removing, integrating, restoring)
        sets ``restarts_later_steps``: their outcomes are forgotten."""
        name = by.username if isinstance(by, Actor) else (by or "")
        target = repositories or self.repositories
        if restarts_later_steps:
            target.progress.clear(after=result.step)
        target.progress.record(
            ProgressEntry(
                step=result.step,
                status=result.status,
                branch=result.branch,
                next_step=result.next_step,
                message=result.message,
                updated_at=self.clock.now(),
                updated_by=name,
            )
        )


def retry_on_conflict(run: Callable[[int], T]) -> T:
    """``run(attempt)`` (a whole unit of work, attempt 0 first) again while DuckDB reports a
    write conflict: another session changed the same rows at the same moment, and the next
    attempt sees what it did. :class:`ConcurrentChange` when it keeps happening."""
    for attempt in range(CONFLICT_ATTEMPTS):
        try:
            return run(attempt)
        except WriteConflictError:
            log.info("Write conflict on attempt %d of %d", attempt + 1, CONFLICT_ATTEMPTS)
            # Jittered, growing pause: the session that won commits before this one retries.
            time.sleep(random.uniform(0.005, 0.02) * 2**attempt)
    raise ConcurrentChange()
