"""Demo controls (mock mode only): the mock org's scenarios, and resetting both the mock and the
portal to the ``make demo`` starting state.

The starting state: MiiTel integrated with the mock's first org as its integration user (signed
in through the mock's own login and consent pages), realistic settings on the three tabs, some
authentication history and some error-log rows. In a scenario where MiiTel cannot be integrated
as it stands (blocked, not installed) the portal starts as if "Remove integration" had just run:
step 1's org and user in the history, and a backup of the settings.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final, TypeVar

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.backup import BackupSnapshot
from portal.domain.config import PortalConfig, PortalMode
from portal.domain.demo_settings import configured_settings
from portal.domain.gateway_errors import SalesforceGatewayError
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import ErrorSource, IntegrationErrorEntry, SyncOperation
from portal.domain.mock_org import (
    DEFAULT_SCENARIO,
    MockInfo,
    MockOrgAccess,
    MockOrgUnavailable,
    MockSignInError,
    MockUser,
)
from portal.domain.settings import (
    IntegrationSettings,
)
from portal.domain.text import msg
from portal.services.actors import Actor, Role
from portal.services.context import ServiceContext
from portal.services.errors import DemoUnavailable
from portal.services.integration import IntegrationService, SignInPurpose

log = logging.getLogger(__name__)

DEMO_ACTOR: Final = Actor(username="demo", role=Role.ADMIN)
_MIITEL_APP: Final = "MiiTel"
#: Where the procedure goes on when the demo starts just after "Remove integration".
NOT_INTEGRATED_FIRST_STEP: Final = 3
T = TypeVar("T")


@dataclass(frozen=True)
class DemoState:
    """Where the demo starts: integrated, or just after "Remove integration" (then the
    procedure goes on at ``first_step``)."""

    scenario: str
    integrated: bool
    org_name: str
    username: str
    message: str
    first_step: int | None = None


class DemoService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        config: PortalConfig,
        integration: IntegrationService,
        mock_org: MockOrgAccess,
        redirect_uri: str,
    ) -> None:
        self._context = context
        self._config = config
        self._integration = integration
        self._mock_org = mock_org
        self._redirect_uri = redirect_uri

    @property
    def available(self) -> bool:
        """Whether the demo controls can work (mock mode and a readable READY file)."""
        try:
            self.info()
        except DemoUnavailable:
            return False
        return True

    def info(self) -> MockInfo:
        """The mock org's READY object; :class:`DemoUnavailable` outside mock mode."""
        if self._config.mode is not PortalMode.MOCK:
            raise DemoUnavailable(
                msg(
                    "The demo controls work only in mock mode (PORTAL_MODE=mock), with the "
                    "bundled mock org."
                )
            )
        return _reachable(self._mock_org.info)

    def scenarios(self) -> tuple[str, ...]:
        """The mock's scenarios, by name."""
        return self.info().scenarios

    def current_scenario(self) -> str:
        return _reachable(self._mock_org.current_scenario)

    def integrated(self) -> bool:
        """Whether MiiTel is integrated with an org now (the portal holds its tokens)."""
        return self._context.repositories.tokens.load() is not None

    def switch(self, *, actor: Actor, scenario: str) -> DemoState:
        """Reset the mock org into ``scenario`` and the portal to its starting state."""
        return self.reset(actor=actor, scenario=scenario)

    def reset(self, *, actor: Actor, scenario: str = DEFAULT_SCENARIO) -> DemoState:
        """Reset the mock org (same seed) into ``scenario`` and the portal to the starting
        state: everything in the portal database is replaced."""
        self._context.require_admin(actor, AuditAction.SAVE_SETTINGS)
        if scenario not in self.scenarios():
            raise DemoUnavailable(
                msg(
                    'The mock org has no scenario "{scenario}"; choose one of {scenarios}.',
                    scenario=scenario,
                    scenarios=", ".join(self.scenarios()),
                )
            )
        _reachable(lambda: self._mock_org.reset(scenario=scenario))
        state = self._portal_starting_state(scenario)
        self._context.audit(
            actor=actor,
            action=AuditAction.SAVE_SETTINGS,
            outcome=AuditOutcome.SUCCEEDED,
            detail=f"demo reset to the mock scenario {scenario}",
        )
        return state

    def bootstrap_if_empty(self) -> DemoState | None:
        """The starting state, when the portal database is still empty (what ``make demo``
        runs at start); None when it already holds something."""
        repos = self._context.repositories
        if repos.authentication_history.recent(limit=1) or repos.tokens.load() is not None:
            return None
        return self._portal_starting_state(self.current_scenario())

    # --- the portal's starting state --------------------------------------------------------

    def _portal_starting_state(self, scenario: str) -> DemoState:
        info = self.info()
        user = info.user("integration")
        if user is None:
            raise DemoUnavailable(msg("The mock org lists no integration user; restart it."))
        self._context.storage.wipe()
        now = self._context.clock.now()
        rng = random.Random(f"demo:{scenario}:{user.org_id}")
        settings = demo_settings(info, org_id=user.org_id)
        repos = self._context.repositories
        repos.settings.save(settings)
        self._history_before(now, user, info)
        self._error_rows(now, user.org_id, rng)
        if self._app_installed(user.org_id):
            try:
                outcome = self._integrate(user)
            except (MockSignInError, SalesforceGatewayError) as exc:
                log.warning("demo integration failed: %s", exc)
            else:
                if outcome:
                    return DemoState(
                        scenario=scenario,
                        integrated=True,
                        org_name=user.org_name,
                        username=user.username,
                        message=msg(
                            "The demo starts integrated with {org} as {username}.",
                            org=user.org_name,
                            username=user.username,
                        ),
                    )
        removed_at = now - timedelta(minutes=5)
        repos.authentication_history.append(
            AuthenticationHistoryEntry(
                occurred_at=removed_at,
                event=AuthEvent.REMOVED,
                org_id=user.org_id,
                org_name=user.org_name,
                username=user.username,
                instance_url=info.login_url,
                detail="Removed by demo; backup saved.",
            )
        )
        repos.backups.save_latest(
            BackupSnapshot.capture(
                settings=settings,
                taken_at=removed_at,
                org_id=user.org_id,
                org_name=user.org_name,
                username=user.username,
                instance_url=info.login_url,
            )
        )
        return DemoState(
            scenario=scenario,
            integrated=False,
            org_name=user.org_name,
            username=user.username,
            message=msg(
                'The demo starts just after "Remove integration" from {org} ({username}): '
                "MiiTel is not integrated, and in this scenario it cannot be integrated as it "
                "stands. Begin the procedure at step {step}.",
                org=user.org_name,
                username=user.username,
                step=NOT_INTEGRATED_FIRST_STEP,
            ),
            first_step=NOT_INTEGRATED_FIRST_STEP,
        )

    def _integrate(self, user: MockUser) -> bool:
        redirect = self._integration.start(actor=DEMO_ACTOR, purpose=SignInPurpose.INTEGRATION)
        params = self._mock_org.sign_in(
            authorize_url=redirect.url,
            redirect_uri=self._redirect_uri,
            username=user.username,
            password=user.password,
        )
        outcome = self._integration.complete(actor=DEMO_ACTOR, query_params=params)
        return outcome.succeeded

    def _app_installed(self, org_id: str) -> bool:
        return _reachable(lambda: self._mock_org.app_usable(org_id=org_id, app_name=_MIITEL_APP))

    def _history_before(self, now: datetime, user: MockUser, info: MockInfo) -> None:
        history = self._context.repositories.authentication_history
        first = now - timedelta(days=213, hours=3)
        entries = [
            (first, AuthEvent.INTEGRATED, "Integrated by admin."),
            (first + timedelta(days=61), AuthEvent.REFRESHED, "The portal renewed the session."),
            (first + timedelta(days=142), AuthEvent.REFRESHED, "The portal renewed the session."),
        ]
        for occurred_at, event, detail in entries:
            history.append(
                AuthenticationHistoryEntry(
                    occurred_at=occurred_at,
                    event=event,
                    org_id=user.org_id,
                    org_name=user.org_name,
                    username=user.username,
                    instance_url=info.login_url,
                    detail=detail,
                )
            )

    def _error_rows(self, now: datetime, org_id: str, rng: random.Random) -> None:
        errors = self._context.repositories.integration_errors
        for _ in range(36):
            code, sobject, message, fields = rng.choice(_DEMO_ERRORS)
            errors.append(
                IntegrationErrorEntry(
                    occurred_at=now
                    - timedelta(days=rng.randint(1, 28), minutes=rng.randint(0, 1439)),
                    source=ErrorSource.ACTIVITY if sobject == "Task" else ErrorSource.VIDEO,
                    miitel_record_id=f"call-{rng.randint(100000, 999999)}"
                    if sobject == "Task"
                    else f"meeting-{rng.randint(10000, 99999)}",
                    sobject=sobject,
                    operation=SyncOperation.CREATE,
                    status_code=code,
                    message=message,
                    fields=fields,
                    org_id=org_id,
                )
            )


def _reachable(call: Callable[[], T]) -> T:
    """``call``'s answer; the mock org being unreachable becomes :class:`DemoUnavailable`."""
    try:
        return call()
    except MockOrgUnavailable as exc:
        raise DemoUnavailable(str(exc)) from None


def demo_settings(info: MockInfo, *, org_id: str) -> IntegrationSettings:
    """Realistic settings for the demo org: both integrations on, call data mapped onto the
    org's MiiTel custom fields, and the sales reps mapped to their Salesforce users."""
    reps = [u for u in info.users if u.role == "rep" and u.org_id == org_id]
    admin = info.user("admin", org_id=org_id)
    return configured_settings(
        user_mappings={
            f"{rep.username.split('@', 1)[0]}@miitel.example": rep.username for rep in reps[:4]
        },
        default_owner=admin.username if admin else None,
    )


_DEMO_ERRORS: Final = (
    (
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "Task",
        "Subject must not be longer than 80 characters for inbound calls.",
        ("Subject",),
    ),
    (
        "INVALID_CROSS_REFERENCE_KEY",
        "Task",
        "invalid cross reference id",
        ("WhoId",),
    ),
    (
        "ENTITY_IS_DELETED",
        "Task",
        "entity is deleted",
        ("WhatId",),
    ),
    (
        "REQUIRED_FIELD_MISSING",
        "Event",
        "Required fields are missing: [DurationInMinutes]",
        ("DurationInMinutes",),
    ),
    (
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "Event",
        "insufficient access rights on cross-reference id",
        ("OwnerId",),
    ),
    (
        "STRING_TOO_LONG",
        "Task",
        "MiiTel Memo: data value too large (max length=4000)",
        ("MiiTel_Memo__c",),
    ),
)
