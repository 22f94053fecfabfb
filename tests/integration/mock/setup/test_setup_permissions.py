"""Permissions as a client of the REST API meets them, and as Setup changes them: hidden
fields, object access, API access, and permission sets assigned or removed on the Users page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import (
    World,
    approve_permission_by_soql,
    assigned_sets_by_soql,
    error_of,
    password_grant,
    sobject,
    users_row,
)
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceRefusedRequest

from mock_salesforce.permissions import READ_ONLY, ObjectAccess
from mock_salesforce.scenarios import HIDDEN_TASK_FIELDS
from mock_salesforce.seed import SeededUser

APPROVE = "Approve Uninstalled Connected Apps"


def _rep(world: World) -> SeededUser:
    return next(u for u in world.org.users if u.profile == "Standard User" and u.role == "rep")


def _move(
    world: World,
    user: SeededUser,
    *,
    name: str,
    permissions: set[str],
    objects: dict[str, ObjectAccess] | None = None,
) -> None:
    """Put ``user`` on a new profile (set up the way an admin would, before the test drives
    the API)."""
    backend = world.server.backend
    profile = backend.permissions.create_profile(
        org_id=world.org.org_id, name=name, permissions=permissions, object_access=objects
    )
    backend.permissions.set_user_profile(
        org_id=world.org.org_id, user_id=user.user_id, profile_id=profile.profile_id
    )


def test_unreadable_task_fields_are_absent_for_that_user_only(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("user-cannot-read-task-fields")
    integration = world.api(world.org.integration_user)

    described = {f["name"] for f in sobject(integration, "Task").describe()["fields"]}
    assert described.isdisjoint(HIDDEN_TASK_FIELDS)
    assert {"Subject", "CallType", "WhoId"} <= described
    with pytest.raises(SalesforceMalformedRequest) as hidden:
        integration.query("SELECT Id, CallDurationInSeconds FROM Task LIMIT 1")
    error = error_of(hidden.value)
    assert error["errorCode"] == "INVALID_FIELD"
    assert "No such column 'CallDurationInSeconds' on entity 'Task'" in error["message"]
    assert integration.query("SELECT Id, Subject FROM Task LIMIT 1")["totalSize"] == 1

    admin = world.api()
    admin_fields = {f["name"] for f in sobject(admin, "Task").describe()["fields"]}
    assert set(HIDDEN_TASK_FIELDS) <= admin_fields
    admin.query("SELECT Id, CallDurationInSeconds, MiiTel_Call_URL__c FROM Task LIMIT 1")
    rows = admin.query_all(
        "SELECT Field, PermissionsRead FROM FieldPermissions WHERE SobjectType = 'Task' "
        "AND Parent.Profile.Name = 'MiiTel Integration User'"
    )["records"]
    assert {r["Field"] for r in rows if not r["PermissionsRead"]} == {
        f"Task.{name}" for name in HIDDEN_TASK_FIELDS
    }


def test_no_create_access_is_insufficient_access(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    rep = _rep(world)
    _move(
        world,
        rep,
        name="Read Only Sales",
        permissions={"ApiEnabled"},
        objects={"Account": READ_ONLY},
    )
    api = world.api(rep)

    with pytest.raises(SalesforceMalformedRequest) as refused:
        sobject(api, "Account").create({"Name": "Should not exist"})
    assert error_of(refused.value)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    assert error_of(refused.value)["message"] == "insufficient access rights on object id"
    [account] = api.query("SELECT Id FROM Account LIMIT 1")["records"]
    with pytest.raises(SalesforceMalformedRequest) as no_edit:
        sobject(api, "Account").update(account["Id"], {"Name": "Renamed"})
    assert error_of(no_edit.value)["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    described = sobject(api, "Account").describe()
    assert (described["createable"], described["updateable"]) == (False, False)
    # No object permission at all: the object does not exist for this user.
    with pytest.raises(SalesforceMalformedRequest) as unknown:
        api.query("SELECT Id FROM Contact")
    assert error_of(unknown.value)["errorCode"] == "INVALID_TYPE"
    assert (
        world.api().query("SELECT count() FROM Account WHERE Name = 'Should not exist'")[
            "totalSize"
        ]
        == 0
    )


def test_a_read_only_field_can_be_read_but_not_written(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    rep = _rep(world)
    backend = world.server.backend
    profile = backend.permissions.profile_by_name(org_id=world.org.org_id, name="Standard User")
    assert profile is not None and profile.owned_permission_set_id
    backend.permissions.set_field_access(
        org_id=world.org.org_id,
        permission_set_id=profile.owned_permission_set_id,
        sobject="Account",
        field_name="Phone",
        read=True,
        edit=False,
    )
    api = world.api(rep)

    phone = next(f for f in sobject(api, "Account").describe()["fields"] if f["name"] == "Phone")
    assert (phone["createable"], phone["updateable"]) == (False, False)
    api.query("SELECT Id, Phone FROM Account LIMIT 1")
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sobject(api, "Account").create({"Name": "Read-only phone", "Phone": "03-1234-5678"})
    assert error_of(refused.value)["errorCode"] == "INVALID_FIELD_FOR_INSERT_UPDATE"
    assert error_of(refused.value)["fields"] == ["Phone"]
    created = sobject(api, "Account").create({"Name": "No phone given"})
    assert created["success"] is True


def test_without_api_enabled_every_call_is_refused_until_a_set_grants_it(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    rep = _rep(world)
    _move(world, rep, name="No API", permissions=set(), objects={"Account": READ_ONLY})
    api = world.api(rep)
    with pytest.raises(SalesforceRefusedRequest) as refused:
        api.query("SELECT Id FROM Account LIMIT 1")
    assert [error_of(refused.value)] == [
        {
            "message": "The REST API is not enabled for this Organization.",
            "errorCode": "API_DISABLED_FOR_ORG",
            "fields": [],
        }
    ]

    backend = world.server.backend
    api_set = backend.permissions.create_permission_set(
        org_id=world.org.org_id, name="API_Access", label="API Access", permissions={"ApiEnabled"}
    )
    browser, _ = world.browser()
    user_page = browser.open(f"/setup/users/{rep.user_id}")
    form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
    assigned = browser.submit(form, permission_set_id=api_set.permission_set_id)

    assert assigned.notices[0].startswith('Permission set "API Access" was assigned to ')
    assert api.query("SELECT Id FROM Account LIMIT 1")["totalSize"] == 1


def test_assigning_and_removing_the_approve_permission_set(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("user-without-approve-permission")
    sf = world.api()
    integration = world.org.integration_user
    assert password_grant(world.server, integration).status_code == 400
    browser, _ = world.browser()
    user_page = browser.open(f"/setup/users/{integration.user_id}")
    form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
    option = next(v for v, label in form.selects["permission_set_id"] if label == APPROVE)

    assigned = browser.submit(form, permission_set_id=option)

    assert assigned.notices == [
        f'Permission set "{APPROVE}" was assigned to '
        f"{users_row(browser.open('/setup/users'), integration.username)['Full Name']}."
    ]
    assert [r[0] for r in assigned.table("Permission Set Assignments").rows] == [APPROVE]
    row = users_row(browser.open("/setup/users"), integration.username)
    assert row["Permission Sets"] == APPROVE
    assert row[APPROVE] == f"Yes (Permission set: {APPROVE})"
    assert assigned_sets_by_soql(sf, integration.user_id) == {APPROVE}
    assert approve_permission_by_soql(sf, integration.user_id)
    # Step 5 now works, and authorizing does not install the app.
    assert password_grant(world.server, integration).status_code == 200
    assert sf.query("SELECT Id FROM ConnectedApplication WHERE Name = 'MiiTel'")["totalSize"] == 0

    removed = browser.click(assigned, f"Remove {APPROVE}")

    assert removed.notices[0].startswith(f'Permission set "{APPROVE}" was removed from ')
    assert assigned_sets_by_soql(sf, integration.user_id) == set()
    assert not approve_permission_by_soql(sf, integration.user_id)
    assert users_row(browser.open("/setup/users"), integration.username)[APPROVE] == "No"
    refused = password_grant(world.server, integration)
    assert refused.json()["error_description"] == "app must be installed into org"


def test_assigning_from_the_permission_set_page(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    sf = world.api()
    rep = _rep(world)
    browser, _ = world.browser()
    sets = browser.open("/setup/permission-sets")
    permission_set = browser.open(sets.link(APPROVE))
    form = next(f for f in permission_set.forms if "user_id" in f.selects)

    after = browser.submit(form, user_id=rep.user_id)

    assert after.notices[0].startswith(f'Permission set "{APPROVE}" was assigned to ')
    assert [row[0] for row in after.table("Assigned Users").rows] == [
        users_row(browser.open("/setup/users"), rep.username)["Full Name"]
    ]
    assert assigned_sets_by_soql(sf, rep.user_id) == {APPROVE}


def test_setup_refuses_a_profile_set_and_a_duplicate(start_world: Callable[[str], World]) -> None:
    world = start_world("custom-profile-admin")
    sf = world.api()
    integration = world.org.integration_user
    backend = world.server.backend
    backend.permissions.create_permission_set(
        org_id=world.org.org_id, name="Sales_Extras", label="Sales Extras", permissions=set()
    )
    profile = backend.permissions.profile_by_name(org_id=world.org.org_id, name="Standard User")
    assert profile is not None and profile.owned_permission_set_id
    browser, _ = world.browser()
    path = f"/setup/users/{integration.user_id}"
    form = next(f for f in browser.open(path).forms if "permission_set_id" in f.selects)
    # Only sets not yet assigned and not owned by a profile are offered.
    assert [label for _, label in form.selects["permission_set_id"]] == ["Sales Extras"]

    own = browser.submit(form, permission_set_id=profile.owned_permission_set_id)
    assert own.errors == [
        "You can't assign or unassign this permission set because it's associated with a profile."
    ]
    form = next(f for f in browser.open(path).forms if "permission_set_id" in f.selects)
    duplicate = browser.submit(form, permission_set_id=world.org.approve_permission_set_id)
    assert duplicate.errors == [f'"{APPROVE}" is already assigned to this user.']
    assert assigned_sets_by_soql(sf, integration.user_id) == {APPROVE}
