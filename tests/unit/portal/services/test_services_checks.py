"""Steps 3, 4 and 6 through the check sign-in (or the integration), every branch."""

from __future__ import annotations

import pytest
from service_fakes import ADMIN, World, usage

from portal.domain.gateway_errors import SalesforcePermissionError
from portal.domain.salesforce import (
    AppObjectsAvailability,
    PermissionCheck,
    PermissionCheckStatus,
    PermissionGrant,
    PermissionSource,
)
from portal.domain.steps import StepStatus
from portal.services.checks import ConnectedAppStatus
from portal.services.connections import CHECK_SLOT
from portal.services.integration import SignInPurpose

INTEGRATION_USER = "005000000000001AAA"
ADMIN_USER = "005000000000002AAA"


def _removed(world: World) -> None:
    world.integrate()
    world.portal.removal.remove(actor=ADMIN)


def test_without_any_session_step_3_asks_for_the_check_sign_in(world: World) -> None:
    _removed(world)
    check = world.portal.checks.connected_app()
    assert check.status is None
    assert check.result.status is StepStatus.ACTION_NEEDED
    assert "System Administrator" in check.result.message


@pytest.mark.parametrize(
    ("users", "installed", "status", "branch", "next_step"),
    [
        ((), False, ConnectedAppStatus.ABSENT, "3-1", 4),
        ((ADMIN_USER,), False, ConnectedAppStatus.ABSENT, "3-1", 4),
        ((INTEGRATION_USER, ADMIN_USER), False, ConnectedAppStatus.NOT_INSTALLED, "3-2-2", 5),
        ((INTEGRATION_USER,), True, ConnectedAppStatus.INSTALLED, "3-2-2", 5),
    ],
    ids=["never-used", "only-the-check-itself", "uninstalled", "installed"],
)
def test_step_3_branches(
    world: World,
    users: tuple[str, ...],
    installed: bool,
    status: ConnectedAppStatus,
    branch: str,
    next_step: int,
) -> None:
    _removed(world)
    world.acme.app_usage = usage(users=users, installed=installed)
    world.check_sign_in(user_id=ADMIN_USER)

    check = world.portal.checks.connected_app()

    assert check.status is status
    assert check.result.branch == branch and check.result.next_step == next_step
    assert check.result.status is StepStatus.OK
    assert check.session is not None and check.session.username == "admin@acme.example"


def test_step_3_where_the_org_hides_its_connected_apps(world: World) -> None:
    _removed(world)
    world.acme.app_usage = usage(availability=AppObjectsAvailability.NOT_EXPOSED)
    world.check_sign_in()

    check = world.portal.checks.connected_app()

    assert check.status is ConnectedAppStatus.UNKNOWN
    assert check.result.status is StepStatus.ACTION_NEEDED
    assert "Connected Apps OAuth Usage" in check.result.message


def test_a_blocked_app_refusing_the_check_sign_in_is_step_3_blocked(world: World) -> None:
    _removed(world)
    world.portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    state = world.salesforce.oauth.started[-1].state
    world.portal.integration.complete(
        actor=ADMIN,
        query_params={
            "error": "OAUTH_APP_BLOCKED",
            "error_description": "this app is blocked by admin",
            "state": state,
        },
    )

    check = world.portal.checks.connected_app()

    assert check.status is ConnectedAppStatus.BLOCKED
    assert check.result.branch == "3-2-1"
    assert "Unblock" in check.result.message


def test_app_must_be_installed_refusal_tells_steps_3_and_4(world: World) -> None:
    _removed(world)
    world.portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    state = world.salesforce.oauth.started[-1].state
    world.portal.integration.complete(
        actor=ADMIN,
        query_params={
            "error": "invalid_client",
            "error_description": "app must be installed into org",
            "state": state,
        },
    )

    step3 = world.portal.checks.connected_app()
    step4 = world.portal.checks.approve_permission()

    assert step3.status is ConnectedAppStatus.NOT_INSTALLED
    assert step4.granted is False and step4.result.branch == "4-no-permission"


def test_a_successful_check_sign_in_forgets_an_earlier_refusal(world: World) -> None:
    test_a_blocked_app_refusing_the_check_sign_in_is_step_3_blocked(world)
    world.acme.app_usage = usage(users=(INTEGRATION_USER,))
    world.check_sign_in()
    assert world.portal.checks.connected_app().status is ConnectedAppStatus.NOT_INSTALLED


def _grant(source: PermissionSource, label: str) -> PermissionGrant:
    return PermissionGrant(source=source, id="0PS000000000001", name=label, label=label)


@pytest.mark.parametrize(
    ("check", "status", "branch", "words"),
    [
        (
            PermissionCheck(
                permission="CanApproveUninstalledApps",
                status=PermissionCheckStatus.GRANTED,
                profile_name="System Administrator",
                granted_by=(_grant(PermissionSource.PROFILE, "System Administrator"),),
            ),
            StepStatus.OK,
            "4-has-permission",
            "the profile “System Administrator”",
        ),
        (
            PermissionCheck(
                permission="CanApproveUninstalledApps",
                status=PermissionCheckStatus.GRANTED,
                profile_name="Custom: System Administrator",
                granted_by=(
                    _grant(PermissionSource.PERMISSION_SET, "Approve Uninstalled Connected Apps"),
                ),
            ),
            StepStatus.OK,
            "4-has-permission",
            "the permission set “Approve Uninstalled Connected Apps”",
        ),
        (
            PermissionCheck(
                permission="CanApproveUninstalledApps",
                status=PermissionCheckStatus.NOT_GRANTED,
                profile_name="MiiTel Integration User",
            ),
            StepStatus.ACTION_NEEDED,
            "4-no-permission",
            "MiiTel Integration User",
        ),
        (
            PermissionCheck(
                permission="CanApproveUninstalledApps",
                status=PermissionCheckStatus.CANNOT_CHECK,
                detail="PermissionSet has no field PermissionsCanApproveUninstalledApps.",
            ),
            StepStatus.ACTION_NEEDED,
            None,
            "cannot check",
        ),
    ],
    ids=["profile", "permission-set", "not-granted", "field-missing"],
)
def test_step_4_branches(
    world: World, check: PermissionCheck, status: StepStatus, branch: str | None, words: str
) -> None:
    _removed(world)
    world.acme.permissions["miitel@acme.example"] = check
    world.check_sign_in()

    found = world.portal.checks.approve_permission()

    assert found.username == "miitel@acme.example"
    assert found.result.status is status and found.result.branch == branch
    assert words in found.result.message
    if branch == "4-no-permission" or check.status is PermissionCheckStatus.CANNOT_CHECK:
        assert "without the “Approve Uninstalled Connected Apps” permission" in (
            found.result.message
        )


def test_step_4_for_a_user_the_org_does_not_have(world: World) -> None:
    _removed(world)
    world.check_sign_in()
    found = world.portal.checks.approve_permission()
    assert found.result.status is StepStatus.ERROR
    assert "does not exist" in found.result.message


def test_step_4_before_anything_was_integrated(world: World) -> None:
    found = world.portal.checks.approve_permission()
    assert found.username is None and found.result.status is StepStatus.ACTION_NEEDED


def test_step_6_reads_the_new_integration(world: World) -> None:
    world.acme.app_usage = usage(users=(INTEGRATION_USER,))
    world.integrate()
    assert world.portal.checks.installed().installed is False
    world.acme.app_usage = usage(users=(INTEGRATION_USER,), installed=True)
    check = world.portal.checks.installed()
    assert check.installed is True and check.result.status is StepStatus.OK


def test_step_6_needs_the_integration(world: World) -> None:
    check = world.portal.checks.installed()
    assert check.installed is None and check.result.next_step == 5


def test_step_6_when_the_integrated_user_cannot_read_connected_apps(world: World) -> None:
    world.acme.app_usage = usage(availability=AppObjectsAvailability.NOT_PERMITTED)
    world.integrate()
    check = world.portal.checks.installed()
    assert check.installed is None
    assert "Install" in check.result.message


def test_a_salesforce_failure_is_a_step_error_not_an_exception(world: World) -> None:
    _removed(world)
    world.check_sign_in()
    world.salesforce.failures["connected_app_usage"] = SalesforcePermissionError(
        error_code="API_DISABLED_FOR_ORG", user_message="The user cannot use the API."
    )
    check = world.portal.checks.connected_app()
    assert check.result.status is StepStatus.ERROR
    assert check.result.message == "The user cannot use the API."


def test_finish_ends_the_check_sign_in(world: World) -> None:
    _removed(world)
    world.check_sign_in()
    tokens = world.storage.repositories.token_slots.load(CHECK_SLOT)
    assert tokens is not None and tokens.refresh_token is not None

    assert world.portal.checks.finish(actor=ADMIN) is True

    assert world.storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert tokens.refresh_token.get_secret_value() in world.salesforce.oauth.revoked
    assert world.portal.checks.session() is None
    assert world.portal.checks.finish(actor=ADMIN) is False
