"""Steps 3, 4 and 6: the connected app "MiiTel" in the org and the step-1 user's permission.

After step 2 the portal holds no Salesforce session, so these checks run through the **check
sign-in**: a Salesforce admin signs in through the MiiTel app
(``integration.start(purpose=CHECK)``); its tokens are kept encrypted and revoked by
:meth:`ChecksService.finish` or when step 5 completes. When that sign-in is refused, the refusal
is the finding: ``OAUTH_APP_BLOCKED`` means MiiTel is blocked (step 3, "Unblock"); "app must be
installed into org" means it is not installed and the user lacks "Approve Uninstalled Connected
Apps". While MiiTel is integrated the checks use the integration itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.gateway_errors import SalesforceGatewayError
from portal.domain.history import AuthEvent
from portal.domain.salesforce import (
    AppObjectsAvailability,
    ConnectedAppUsage,
    PermissionCheck,
    PermissionCheckStatus,
    PermissionGrant,
    PermissionSource,
)
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import Text, msg, plural_msg
from portal.services.actors import Actor
from portal.services.connections import CHECK_SLOT, Connections
from portal.services.context import ServiceContext
from portal.services.findings import CHECK_USER, RefusalKind, load_check_refusal
from portal.services.salesforce import APPROVE_UNINSTALLED_APPS, MIITEL_APP, OrgGateway

#: The help page the document points to for a user without the permission.
ALTERNATIVE = msg(
    "Integrate MiiTel with Salesforce using a Salesforce user without the “Approve "
    "Uninstalled Connected Apps” permission"
)


class ConnectedAppStatus(Enum):
    """What Setup > Connected Apps OAuth Usage shows for "MiiTel"."""

    #: No "MiiTel" row (3-1): go to step 4.
    ABSENT = "absent"
    #: The action is "Unblock" (3-2-1).
    BLOCKED = "blocked"
    #: Installed: "Uninstall" is shown (3-2-2): go to step 5.
    INSTALLED = "installed"
    #: Used but not installed: "Install" is shown (3-2-2): go to step 5.
    NOT_INSTALLED = "not_installed"
    #: The org does not let the portal read it: check in Setup.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckSession:
    """The session the checks run with: the check sign-in or the integration itself."""

    kind: str  # "check" or "integration"
    org_id: str
    username: str | None


@dataclass(frozen=True)
class ConnectedAppCheck:
    """Step 3's result. ``status`` is None when there was no session to check with."""

    result: StepResult
    status: ConnectedAppStatus | None
    user_count: int = 0
    setup_link: str | None = None
    session: CheckSession | None = None


@dataclass(frozen=True)
class PermissionCheckResult:
    """Step 4's result: whether the step-1 user holds "Approve Uninstalled Connected Apps",
    and through which profile or permission sets."""

    result: StepResult
    username: str | None
    granted: bool | None
    profile_name: str | None = None
    granted_by: tuple[PermissionGrant, ...] = ()
    setup_link: str | None = None


@dataclass(frozen=True)
class InstalledCheck:
    """Step 6's result: ``installed`` is None when it could not be read."""

    result: StepResult
    installed: bool | None
    setup_link: str | None = None


class ChecksService:
    def __init__(self, context: ServiceContext, *, connections: Connections) -> None:
        self._context = context
        self._connections = connections

    # --- the session ------------------------------------------------------------------------

    def session(self) -> CheckSession | None:
        """Who the checks run as now: the check sign-in first, else the integration."""
        repos = self._context.repositories
        check = repos.token_slots.load(CHECK_SLOT)
        if check is not None:
            user = repos.findings.get(CHECK_USER)
            return CheckSession("check", check.org_id, user.value if user else None)
        tokens = repos.tokens.load()
        if tokens is not None:
            who = self._connections.integrated_as()
            return CheckSession("integration", tokens.org_id, who.username if who else None)
        return None

    def _gateway(self) -> OrgGateway | None:
        return self._connections.check() or self._connections.integration()

    def finish(self, *, actor: Actor) -> bool:
        """End the check sign-in (its tokens are revoked at Salesforce); False if none."""
        self._context.require_admin(actor, AuditAction.CHECK_STEP)
        with self._context.storage.unit_of_work() as uow:
            tokens = uow.token_slots.load(CHECK_SLOT)
            if tokens is None:
                return False
            uow.token_slots.clear(CHECK_SLOT)
            Connections.park(uow, tokens)
            self._context.audit(
                actor=actor,
                action=AuditAction.CHECK_STEP,
                outcome=AuditOutcome.SUCCEEDED,
                detail="check sign-in ended",
                repositories=uow,
            )
            uow.commit()
        self._connections.revoke_parked()
        return True

    # --- step 3 -----------------------------------------------------------------------------

    def connected_app(self) -> ConnectedAppCheck:
        """Step 3: the state of "MiiTel" in Connected Apps OAuth Usage."""
        check = self._connected_app()
        self._context.record_progress(check.result)
        return check

    def _connected_app(self) -> ConnectedAppCheck:
        session = self.session()
        refusal = load_check_refusal(self._context.repositories)
        link = self._context.links.oauth_usage(self._instance_url())
        if session is None:
            if refusal is not None and refusal.kind is RefusalKind.APP_BLOCKED:
                return ConnectedAppCheck(
                    result=StepResult.of(
                        step=3,
                        status=StepStatus.ACTION_NEEDED,
                        branch="3-2-1",
                        message=msg(
                            "MiiTel is blocked in this org: Salesforce refused the check sign-in "
                            "with OAUTH_APP_BLOCKED. In Setup > Connected Apps OAuth Usage, click "
                            '"Unblock" for "MiiTel", then go on with step 5.'
                        ),
                        details=_link_line(link),
                    ),
                    status=ConnectedAppStatus.BLOCKED,
                    setup_link=link,
                )
            if refusal is not None and refusal.kind is RefusalKind.APP_NOT_INSTALLED:
                return ConnectedAppCheck(
                    result=StepResult.of(
                        step=3,
                        status=StepStatus.ACTION_NEEDED,
                        message=msg(
                            "MiiTel is not installed in this org: Salesforce refused the check "
                            "sign-in because the app must be installed and the user who signed "
                            "in lacks “Approve Uninstalled Connected Apps”. In Setup > Connected "
                            'Apps OAuth Usage: if "MiiTel" is listed with "Install", go on with '
                            "step 5; if it is not listed, go on with step 4."
                        ),
                        next_step=4,
                        details=_link_line(link),
                    ),
                    status=ConnectedAppStatus.NOT_INSTALLED,
                    setup_link=link,
                )
            return ConnectedAppCheck(
                result=_sign_in_needed(3, msg("the connected app")),
                status=None,
                setup_link=link,
            )
        gateway = self._gateway()
        assert gateway is not None
        try:
            usage = gateway.connected_app_usage(MIITEL_APP)
        except SalesforceGatewayError as exc:
            return ConnectedAppCheck(
                result=StepResult.of(
                    step=3,
                    status=StepStatus.ERROR,
                    message=exc.user_message,
                    details=_link_line(link),
                ),
                status=None,
                setup_link=link,
                session=session,
            )
        status, user_count = _app_status(usage, session, self._check_user_id())
        return ConnectedAppCheck(
            result=_app_result(status, usage, user_count, link),
            status=status,
            user_count=user_count,
            setup_link=link,
            session=session,
        )

    def _check_user_id(self) -> str | None:
        tokens = self._context.repositories.token_slots.load(CHECK_SLOT)
        return tokens.user_id if tokens else None

    def _instance_url(self) -> str | None:
        repos = self._context.repositories
        tokens = repos.token_slots.load(CHECK_SLOT) or repos.tokens.load()
        if tokens is not None:
            return tokens.instance_url
        who = self._connections.integrated_as()
        return who.instance_url if who else None

    # --- step 4 -----------------------------------------------------------------------------

    def approve_permission(self) -> PermissionCheckResult:
        """Step 4: does the step-1 user hold "Approve Uninstalled Connected Apps" (through
        the profile or which permission set)."""
        check = self._approve_permission()
        self._context.record_progress(check.result)
        return check

    def _approve_permission(self) -> PermissionCheckResult:
        repos = self._context.repositories
        step1 = repos.authentication_history.latest(event=AuthEvent.INTEGRATED)
        username = step1.username if step1 else None
        link = self._context.links.users(self._instance_url())
        if username is None:
            return _step1_user_unknown(link)
        gateway = self._gateway()
        if gateway is None:
            return self._permission_without_session(username, link)
        try:
            found = gateway.user_permission(username, APPROVE_UNINSTALLED_APPS)
        except SalesforceGatewayError as exc:
            return PermissionCheckResult(
                result=StepResult.of(step=4, status=StepStatus.ERROR, message=exc.user_message),
                username=username,
                granted=None,
                setup_link=link,
            )
        return PermissionCheckResult(
            result=_permission_result(found, username=username, link=link),
            username=username,
            granted={
                PermissionCheckStatus.GRANTED: True,
                PermissionCheckStatus.NOT_GRANTED: False,
            }.get(found.status),
            profile_name=found.profile_name,
            granted_by=found.granted_by,
            setup_link=link,
        )

    def _permission_without_session(self, username: str, link: str | None) -> PermissionCheckResult:
        """Step 4 with no session to look with: what a refused check sign-in told, if it did."""
        refusal = load_check_refusal(self._context.repositories)
        if refusal is None or refusal.kind is not RefusalKind.APP_NOT_INSTALLED:
            return PermissionCheckResult(
                result=_sign_in_needed(4, msg("the permissions of {user}", user=username)),
                username=username,
                granted=None,
                setup_link=link,
            )
        return PermissionCheckResult(
            result=StepResult.of(
                step=4,
                status=StepStatus.ACTION_NEEDED,
                branch="4-no-permission",
                message=msg(
                    "Salesforce refused the check sign-in because the user who signed in "
                    "lacks “Approve Uninstalled Connected Apps” and MiiTel is not "
                    "installed. If that was {user}, give them the permission through "
                    "their profile or a permission set, or have an admin install MiiTel "
                    "(step 6), or see {alternative}.",
                    user=username,
                    alternative=ALTERNATIVE,
                ),
                details=_link_line(link),
            ),
            username=username,
            granted=False,
            setup_link=link,
        )

    # --- step 6 -----------------------------------------------------------------------------

    def installed(self) -> InstalledCheck:
        """Step 6: is MiiTel installed in the integrated org (read with the new integration,
        or the check sign-in when the integrated user may not read it)."""
        check = self._installed()
        self._context.record_progress(check.result)
        return check

    def _installed(self) -> InstalledCheck:
        link = self._context.links.oauth_usage(self._instance_url())
        integration = self._connections.integration()
        if integration is None:
            return InstalledCheck(
                result=StepResult.of(
                    step=6,
                    status=StepStatus.ACTION_NEEDED,
                    message=msg('Integrate first (step 5): click "Integrate".'),
                    next_step=5,
                ),
                installed=None,
                setup_link=link,
            )
        gateways = [integration]
        check = self._connections.check()
        if check is not None:
            gateways.append(check)
        usage: ConnectedAppUsage | None = None
        try:
            for gateway in gateways:
                usage = gateway.connected_app_usage(MIITEL_APP)
                if usage.availability is AppObjectsAvailability.AVAILABLE:
                    break
        except SalesforceGatewayError as exc:
            return InstalledCheck(
                result=StepResult.of(step=6, status=StepStatus.ERROR, message=exc.user_message),
                installed=None,
                setup_link=link,
            )
        assert usage is not None
        if usage.availability is not AppObjectsAvailability.AVAILABLE and not usage.is_installed:
            return InstalledCheck(
                result=StepResult.of(
                    step=6,
                    status=StepStatus.ACTION_NEEDED,
                    message=msg(
                        "The portal cannot read whether MiiTel is installed ({objects} not "
                        "readable by the integrated user). In Setup > Connected Apps OAuth "
                        'Usage, click "Install" for MiiTel; if "Uninstall" is displayed, it is '
                        "already installed.",
                        objects=", ".join(usage.unavailable_objects),
                    ),
                    details=_link_line(link),
                ),
                installed=None,
                setup_link=link,
            )
        if usage.is_installed:
            return InstalledCheck(
                result=StepResult.of(
                    step=6,
                    status=StepStatus.OK,
                    message=msg(
                        'MiiTel is installed in the integrated org ("Uninstall" is displayed): '
                        "no action is required."
                    ),
                    next_step=7,
                ),
                installed=True,
                setup_link=link,
            )
        return InstalledCheck(
            result=StepResult.of(
                step=6,
                status=StepStatus.ACTION_NEEDED,
                message=msg(
                    "MiiTel is not installed in the integrated org. A Salesforce user with the "
                    "System Administrator profile opens Setup > Connected Apps OAuth Usage and "
                    'clicks "Install" for MiiTel; then check again.'
                ),
                details=_link_line(link),
            ),
            installed=False,
            setup_link=link,
        )


def _app_status(
    usage: ConnectedAppUsage, session: CheckSession, check_user_id: str | None
) -> tuple[ConnectedAppStatus, int]:
    if usage.availability is not AppObjectsAvailability.AVAILABLE and not usage.is_installed:
        return ConnectedAppStatus.UNKNOWN, 0
    users = {t.user_id for t in usage.tokens if t.user_id}
    # The check sign-in itself went through MiiTel; it does not make MiiTel "used".
    others = users - {check_user_id} if session.kind == "check" and check_user_id else users
    if usage.is_installed:
        return ConnectedAppStatus.INSTALLED, len(users)
    if others:
        return ConnectedAppStatus.NOT_INSTALLED, len(users)
    return ConnectedAppStatus.ABSENT, len(users)


def _app_result(
    status: ConnectedAppStatus, usage: ConnectedAppUsage, users: int, link: str | None
) -> StepResult:
    details = _link_line(link)
    if status is ConnectedAppStatus.INSTALLED:
        return StepResult.of(
            step=3,
            status=StepStatus.OK,
            branch="3-2-2",
            message=msg(
                '"MiiTel" is in Connected Apps OAuth Usage ({users}) and installed: the action '
                'shown is "Uninstall". Go on with step 5.',
                users=_users(users),
            ),
            details=details,
        )
    if status is ConnectedAppStatus.NOT_INSTALLED:
        return StepResult.of(
            step=3,
            status=StepStatus.OK,
            branch="3-2-2",
            message=msg(
                '"MiiTel" is in Connected Apps OAuth Usage ({users}) but not installed: the '
                'action shown is "Install". Go on with step 5 (install it in step 6).',
                users=_users(users),
            ),
            details=details,
        )
    if status is ConnectedAppStatus.ABSENT:
        message = (
            # Only the check sign-in used it.
            msg(
                'Nobody but your check sign-in has used "MiiTel": Setup may list it now, with '
                '"Install", only because of that sign-in; before it there was no "MiiTel" '
                "application. Go on with step 4."
            )
            if users
            else msg(
                'There is no "MiiTel" application in Connected Apps OAuth Usage. Go on with step 4.'
            )
        )
        return StepResult.of(
            step=3, status=StepStatus.OK, branch="3-1", message=message, details=details
        )
    return StepResult.of(
        step=3,
        status=StepStatus.ACTION_NEEDED,
        message=msg(
            "This org does not let the portal read its connected apps ({objects} cannot be "
            "read). Check “MiiTel” in Setup > Connected Apps OAuth Usage yourself: if the action "
            'is "Unblock", click it; if it is "Install" or "Uninstall", go on with step 5; if '
            "MiiTel is not listed, go on with step 4.",
            objects=", ".join(usage.unavailable_objects),
        ),
        details=details,
    )


def _step1_user_unknown(link: str | None) -> PermissionCheckResult:
    """Step 4 when nothing was integrated before: there is no step-1 user to look up."""
    return PermissionCheckResult(
        result=StepResult.of(
            step=4,
            status=StepStatus.ACTION_NEEDED,
            message=msg(
                "The portal does not know the Salesforce user of step 1 (nothing was "
                "integrated before). Check that the user you will integrate with has "
                "“Approve Uninstalled Connected Apps” in Setup > Users."
            ),
            details=_link_line(link),
        ),
        username=None,
        granted=None,
        setup_link=link,
    )


def _permission_result(found: PermissionCheck, *, username: str, link: str | None) -> StepResult:
    """Step 4's result from what the org says about ``username``'s permission."""
    if found.status is PermissionCheckStatus.GRANTED:
        sources = [_grant_words(grant) for grant in found.granted_by]
        return StepResult.of(
            step=4,
            status=StepStatus.OK,
            branch="4-has-permission",
            message=msg(
                "{user} has “Approve Uninstalled Connected Apps” through {sources}.",
                user=username,
                sources=_both(sources),
            ),
            details=tuple(sources),
        )
    if found.status is PermissionCheckStatus.NOT_GRANTED:
        return StepResult.of(
            step=4,
            status=StepStatus.ACTION_NEEDED,
            branch="4-no-permission",
            message=msg(
                "{user} does not have “Approve Uninstalled Connected Apps”: neither the "
                "profile “{profile}” nor an assigned permission set grants it. Assign a "
                "permission set that grants it (or change the profile), or see "
                "{alternative}.",
                user=username,
                profile=found.profile_name or found.profile_id or "",
                alternative=ALTERNATIVE,
            ),
            details=_link_line(link),
        )
    if found.status is PermissionCheckStatus.USER_NOT_FOUND:
        return StepResult.of(
            step=4,
            status=StepStatus.ERROR,
            message=msg(
                "The step-1 user {user} does not exist in the org signed in to. Sign in to "
                "check with an admin of the org confirmed in step 1.",
                user=username,
            ),
        )
    return StepResult.of(
        step=4,
        status=StepStatus.ACTION_NEEDED,
        message=msg(
            "The portal cannot check “Approve Uninstalled Connected Apps” automatically "
            "in this org ({reason}). Check it by hand in Setup > Users > {user}: if a "
            "permission set is assigned, click the permission set name; if only a "
            "profile is present, click the profile name. Without the permission, see "
            "{alternative}.",
            reason=found.detail or msg("the permission is not readable"),
            user=username,
            alternative=ALTERNATIVE,
        ),
        details=_link_line(link),
    )


def _users(count: int) -> Text:
    return plural_msg("{count} user", "{count} users", count)


def _grant_words(grant: PermissionGrant) -> Text:
    if grant.source is PermissionSource.PROFILE:
        return msg("the profile “{name}”", name=grant.label or grant.name)
    return msg("the permission set “{name}”", name=grant.label or grant.name)


def _both(sources: list[Text]) -> Text:
    """``a and b and c`` as one message."""
    listed = sources[0] if sources else msg("no grant")
    for source in sources[1:]:
        listed = msg("{first} and {second}", first=listed, second=source)
    return listed


def _sign_in_needed(step: int, what: Text) -> StepResult:
    return StepResult.of(
        step=step,
        status=StepStatus.ACTION_NEEDED,
        message=msg(
            "To check {what}, sign in to Salesforce once as a user with the System Administrator "
            'profile ("Sign in to check"). MiiTel is not integrated now, so the portal has no '
            "other way to look.",
            what=what,
        ),
    )


def _link_line(link: str | None) -> tuple[str, ...]:
    return (f"Setup: {link}",) if link else ()
