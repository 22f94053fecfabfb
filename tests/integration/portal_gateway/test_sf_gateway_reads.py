"""The gateway's reads against the seeded mock org, one scenario per branch of the procedure."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sf_flow import Integration

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import CLONED_ADMIN_PROFILE, HIDDEN_TASK_FIELDS, INTEGRATION_PROFILE
from mock_salesforce.seed import SeededOrg, SeededUser, UserRole
from portal.domain.gateway_errors import SalesforceRequestError
from portal.domain.salesforce import AppObjectsAvailability, PermissionCheckStatus, PermissionSource

Integrate = Callable[..., Integration]


def as_admin(orgs: list[SeededOrg]) -> SeededUser:
    return orgs[0].admin


def test_describe_reports_what_the_user_can_do_with_each_field(integrated: Integrate) -> None:
    gateway = integrated("default").gateway
    names = {o.name for o in gateway.describe_global()}
    assert {"Account", "Contact", "Lead", "Task", "Event", "User"} <= names

    task = gateway.describe("Task")
    assert task.name == "Task" and task.createable
    subject = task.field("subject")
    assert subject is not None and subject.name == "Subject"
    assert subject.createable and subject.updateable
    who = task.field("WhoId")
    assert who is not None and set(who.reference_to) >= {"Contact", "Lead"}
    status = task.field("Status")
    assert status is not None and "Completed" in status.picklist_values
    assert task.field("MiiTel_Call_URL__c") is not None


def test_an_unknown_object_is_not_found(integrated: Integrate) -> None:
    gateway = integrated("default").gateway
    with pytest.raises(SalesforceRequestError) as caught:
        gateway.describe("NoSuchThing__c")
    assert caught.value.is_not_found
    with pytest.raises(SalesforceRequestError) as bad:
        gateway.describe("Task/../../limits")
    assert bad.value.error_code == "INVALID_NAME"


def test_a_second_org_lacks_the_custom_fields(integrated: Integrate) -> None:
    gateway = integrated("second-org", user=lambda orgs: orgs[1].integration_user).gateway
    assert gateway.organization().name == "Beta Trading"
    task = gateway.describe("Task")
    assert task.field("Subject") is not None
    assert task.field("MiiTel_Call_URL__c") is None


def test_hidden_fields_are_absent_from_describe_and_invalid_in_soql(integrated: Integrate) -> None:
    gateway = integrated("user-cannot-read-task-fields").gateway
    task = gateway.describe("Task")
    for name in HIDDEN_TASK_FIELDS:
        assert task.field(name) is None
    with pytest.raises(SalesforceRequestError) as caught:
        gateway.query_all("SELECT Id, CallDurationInSeconds FROM Task LIMIT 1")
    assert caught.value.error_code == "INVALID_FIELD"
    assert "cannot read" in caught.value.user_message


def test_query_all_quotes_values_and_reads_every_page(integrated: Integrate) -> None:
    gateway = integrated("default").gateway
    tricky = "O'Brien \\ %_"
    assert gateway.query_all("SELECT Id FROM Contact WHERE LastName = {name}", name=tricky) == []
    tasks = gateway.query_all("SELECT Id, Subject, Owner.Name FROM Task")
    assert len(tasks) == gateway.count("SELECT COUNT() FROM Task") == 60
    assert "attributes" not in tasks[0] and "attributes" not in tasks[0]["Owner"]


@pytest.mark.parametrize(
    ("scenario", "installed", "users_before"),
    [
        ("default", True, 1),
        ("app-uninstalled", False, 1),
        ("app-never-used", False, 0),
    ],
)
def test_connected_app_usage_per_scenario(
    integrated: Integrate, scenario: str, installed: bool, users_before: int
) -> None:
    integration = integrated(scenario, user=as_admin)
    usage = integration.gateway.connected_app_usage()
    assert usage.availability is AppObjectsAvailability.AVAILABLE
    assert usage.unavailable_objects == ()
    assert usage.is_installed is installed
    assert (usage.connected_app is not None) is installed
    # The portal reads the org through MiiTel itself, so its own user now counts too.
    assert usage.tokens
    assert usage.user_count == users_before + 1
    assert integration.tokens.user_id in {t.user_id for t in usage.tokens}
    if installed:
        assert usage.connected_app is not None and usage.connected_app.name == "MiiTel"
        assert usage.app_menu_item is not None and usage.app_menu_item.label == "MiiTel"
        assert all(t.app_menu_item_id for t in usage.tokens)
    else:
        assert all(t.app_menu_item_id is None for t in usage.tokens)
    for token in usage.tokens:
        assert token.use_count > 0 and token.last_used is not None


def test_connected_app_usage_follows_install(
    integrated: Integrate, mock_server: ThreadedMockServer
) -> None:
    integration = integrated("app-uninstalled", user=as_admin)
    assert not integration.gateway.connected_app_usage().is_installed
    acme = integration.orgs[0]
    mock_server.backend.connected_apps.install(
        org_id=acme.org_id, app_name="MiiTel", actor_id=acme.admin.user_id
    )
    usage = integration.gateway.connected_app_usage()
    assert usage.is_installed and usage.connected_app is not None


def test_connected_app_usage_of_another_app(integrated: Integrate) -> None:
    usage = integrated("app-never-used", user=as_admin).gateway.connected_app_usage(
        "Dataloader Partner"
    )
    assert usage.tokens and usage.is_installed
    assert usage.user_count == 1


def test_permission_from_the_profile(integrated: Integrate) -> None:
    integration = integrated("default", user=as_admin)
    check = integration.gateway.user_permission("miitel@acme-japan.example")
    assert check.status is PermissionCheckStatus.GRANTED
    assert check.profile_name == "System Administrator"
    assert [g.source for g in check.granted_by] == [PermissionSource.PROFILE]
    assert check.granted_by[0].name == "System Administrator"


def test_permission_from_a_permission_set_on_a_cloned_profile(integrated: Integrate) -> None:
    integration = integrated("custom-profile-admin", user=as_admin)
    check = integration.gateway.user_permission("miitel@acme-japan.example")
    assert check.granted
    assert check.profile_name == CLONED_ADMIN_PROFILE
    assert [g.source for g in check.granted_by] == [PermissionSource.PERMISSION_SET]
    assert check.granted_by[0].label == "Approve Uninstalled Connected Apps"


def test_permission_missing_names_the_profile(integrated: Integrate) -> None:
    integration = integrated("user-without-approve-permission", user=as_admin)
    check = integration.gateway.user_permission("miitel@acme-japan.example")
    assert check.status is PermissionCheckStatus.NOT_GRANTED
    assert check.profile_name == INTEGRATION_PROFILE
    assert check.granted_by == ()
    by_id = integration.gateway.user_permission(str(check.user_id))
    assert by_id.status is PermissionCheckStatus.NOT_GRANTED
    assert by_id.username == "miitel@acme-japan.example"


def test_permission_the_org_does_not_have_cannot_be_checked(integrated: Integrate) -> None:
    gateway = integrated("default", user=as_admin).gateway
    check = gateway.user_permission("miitel@acme-japan.example", permission="ApproveSomethingNew")
    assert check.status is PermissionCheckStatus.CANNOT_CHECK
    assert "PermissionsApproveSomethingNew" in check.detail
    unknown = gateway.user_permission("nobody@acme-japan.example")
    assert unknown.status is PermissionCheckStatus.USER_NOT_FOUND


def test_active_usernames(integrated: Integrate) -> None:
    integration = integrated("default")
    gateway, [acme] = integration.gateway, integration.orgs
    active = [u.username for u in acme.users if u.role is not UserRole.INACTIVE]
    inactive = [u.username for u in acme.users_with(UserRole.INACTIVE)]
    asked = [*active, *inactive, "ghost@acme-japan.example", active[0].upper()]
    assert gateway.active_usernames(asked) == {*active, active[0].upper()}
