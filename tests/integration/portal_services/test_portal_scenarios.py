"""Every mock scenario through the services: what steps 3 to 8 find in each branch."""

from __future__ import annotations

from collections.abc import Callable

from portal_services_support import ADMIN, acme_settings, browser_sign_in, remember_integration

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import HIDDEN_TASK_FIELDS, INTEGRATION_PROFILE
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.gateway_errors import OAuthFailure
from portal.domain.settings import SettingsArea
from portal.domain.steps import StepStatus
from portal.services.checks import ConnectedAppStatus
from portal.services.integration import CallbackKind, SignInPurpose

Scenario = Callable[..., list[SeededOrg]]


def test_app_blocked(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("app-blocked")
    remember_integration(portal, org, mock_server)

    check = browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)
    assert check.failure is OAuthFailure.APP_BLOCKED
    step3 = portal.checks.connected_app()
    assert step3.status is ConnectedAppStatus.BLOCKED
    assert step3.result.branch == "3-2-1" and step3.result.next_step == 5

    refused = browser_sign_in(portal, config, org.integration_user)
    assert refused.kind is CallbackKind.FAILED
    assert refused.failure is OAuthFailure.APP_BLOCKED
    assert "Unblock" in refused.result.message

    mock_server.backend.connected_apps.unblock(org_id=org.org_id, app_name="MiiTel")
    assert browser_sign_in(portal, config, org.integration_user).kind is CallbackKind.INTEGRATED


def test_app_uninstalled(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("app-uninstalled")
    remember_integration(portal, org, mock_server)
    browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)

    step3 = portal.checks.connected_app()
    assert step3.status is ConnectedAppStatus.NOT_INSTALLED
    assert step3.result.branch == "3-2-2" and "Install" in step3.result.message

    assert browser_sign_in(portal, config, org.integration_user).kind is CallbackKind.INTEGRATED
    step6 = portal.checks.installed()
    assert step6.installed is False and step6.result.status is StepStatus.ACTION_NEEDED

    mock_server.backend.connected_apps.install(
        org_id=org.org_id, app_name="MiiTel", actor_id=org.admin.user_id
    )
    assert portal.checks.installed().installed is True


def test_app_never_used(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("app-never-used")
    remember_integration(portal, org, mock_server)
    signed = browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)
    assert signed.succeeded

    step3 = portal.checks.connected_app()
    # The check sign-in itself went through MiiTel; it does not count as MiiTel being used.
    assert step3.status is ConnectedAppStatus.ABSENT
    assert step3.result.branch == "3-1" and step3.result.next_step == 4
    # Setup now lists MiiTel (with "Install") because of that sign-in: the step says why.
    assert "only because of that sign-in" in step3.result.message

    step4 = portal.checks.approve_permission()
    assert step4.granted is True and step4.result.branch == "4-has-permission"


def test_user_without_the_approve_permission(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("user-without-approve-permission")
    remember_integration(portal, org, mock_server)
    browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)

    step4 = portal.checks.approve_permission()
    assert step4.granted is False
    assert step4.result.branch == "4-no-permission"
    assert INTEGRATION_PROFILE in step4.result.message
    assert "Approve Uninstalled Connected Apps" in step4.result.message

    refused = browser_sign_in(portal, config, org.integration_user)
    assert refused.failure is OAuthFailure.APP_NOT_INSTALLED
    assert "Approve Uninstalled Connected Apps" in refused.result.message

    mock_server.backend.permissions.assign(
        org_id=org.org_id,
        user_id=org.integration_user.user_id,
        permission_set_id=org.approve_permission_set_id,
        actor_id=org.admin.user_id,
    )
    fixed = portal.checks.approve_permission()
    assert fixed.granted is True
    assert "the permission set “Approve Uninstalled Connected Apps”" in fixed.result.message
    assert browser_sign_in(portal, config, org.integration_user).kind is CallbackKind.INTEGRATED


def test_a_refused_check_sign_in_of_a_user_without_the_permission(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("user-without-approve-permission")
    remember_integration(portal, org, mock_server)

    check = browser_sign_in(portal, config, org.integration_user, purpose=SignInPurpose.CHECK)

    assert check.failure is OAuthFailure.APP_NOT_INSTALLED
    assert portal.checks.connected_app().status is ConnectedAppStatus.NOT_INSTALLED
    assert portal.checks.approve_permission().result.branch == "4-no-permission"


def test_permission_through_a_permission_set(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    [org] = world("custom-profile-admin")
    remember_integration(portal, org, mock_server)
    browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)

    step4 = portal.checks.approve_permission()

    assert step4.granted is True
    assert [grant.label for grant in step4.granted_by] == ["Approve Uninstalled Connected Apps"]
    assert step4.profile_name == "Custom: System Administrator"
    assert browser_sign_in(portal, config, org.integration_user).kind is CallbackKind.INTEGRATED


def test_second_org_lacking_the_fields(
    world: Scenario, portal: Portal, config: PortalConfig
) -> None:
    acme, beta = world("second-org")
    browser_sign_in(portal, config, acme.integration_user)
    portal.storage.repositories.settings.save(acme_settings(acme))
    backup = portal.removal.remove(actor=ADMIN).backup
    assert backup is not None

    other = browser_sign_in(portal, config, beta.integration_user)
    assert other.kind is CallbackKind.CONFIRM_OTHER_ORG
    assert other.expected_org_name == "Acme Japan"
    assert other.signed_in_as is not None and other.signed_in_as.org_name == "Beta Trading"
    assert portal.integration.confirm_other_org(actor=ADMIN).kind is CallbackKind.INTEGRATED
    portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id)

    report = portal.validation.validate()

    assert report.result.status is StepStatus.ERROR
    activity = {p.setting for p in report.problems_for(SettingsArea.ACTIVITY_HISTORY)}
    assert activity == {
        "todo.field_mappings.start_time",
        "todo.field_mappings.call_url",
        "todo.field_mappings.transcript",
        "todo.field_mappings.memo",
    }
    assignee = {p.setting for p in report.problems_for(SettingsArea.ASSIGNEE)}
    assert assignee == {
        "user_mappings.rep1@miitel.example",
        "user_mappings.rep2@miitel.example",
        "default_owner_username",
    }
    # Video history integration was disabled at backup: restored with its defaults, valid.
    assert report.problems_for(SettingsArea.VIDEO_HISTORY) == ()


def test_user_who_cannot_read_task_fields(
    world: Scenario, portal: Portal, config: PortalConfig
) -> None:
    [org] = world("user-cannot-read-task-fields")
    portal.storage.repositories.settings.save(acme_settings(org))
    assert browser_sign_in(portal, config, org.integration_user).succeeded

    report = portal.validation.validate()

    assert report.result.status is StepStatus.ERROR
    problems = report.problems_for(SettingsArea.ACTIVITY_HISTORY)
    named = {p.message.split('"')[1] for p in problems}
    assert named == {
        "MiiTel_Call_Start__c",
        "CallDurationInSeconds",
        "MiiTel_Call_URL__c",
        "MiiTel_Transcript__c",
        "MiiTel_Memo__c",
    }
    assert named <= set(HIDDEN_TASK_FIELDS)
    assert all("cannot read it" in p.message for p in problems)
    assert report.problems_for(SettingsArea.ASSIGNEE) == ()
