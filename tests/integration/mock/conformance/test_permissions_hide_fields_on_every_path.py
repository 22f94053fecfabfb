"""Issue 3, permissions as a REST client meets them: every query shape and endpoint that could
leak a field the user cannot read, object access on every DML path, API access on every
endpoint, the ``Permissions*`` rows as SOQL returns them, and the profile-owned
PermissionSetAssignment rows of a freshly seeded org (no scenario applied)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.permissions import READ_ONLY
from mock_salesforce.scenarios import HIDDEN_TASK_FIELDS
from mock_salesforce.seed import SMALL_SIZE, SeededUser, UserRole, seed_world
from tests.integration.mock.setup.setup_admin import (
    World,
    approve_permission_by_soql,
    error_of,
    salesforce,
    sobject,
)

HIDDEN = "CallDurationInSeconds"
HIDDEN_CUSTOM = "MiiTel_Call_URL__c"


def _rep(world: World) -> SeededUser:
    return next(u for u in world.org.users if u.role is UserRole.REP)


def _call(
    sf: Salesforce,
    method: str,
    path: str,
    *,
    params: dict[str, str] | None = None,
    json: object = None,
) -> requests.Response:
    """A raw REST call as ``sf``'s user (path below ``/services/data/v59.0/``)."""
    response: requests.Response = sf.session.request(
        method, sf.base_url + path, headers=sf.headers, params=params, json=json
    )
    return response


# -- a freshly seeded org ------------------------------------------------------------------------
def test_a_seeded_org_has_each_users_profile_assignment_without_any_scenario(
    mock_server: ThreadedMockServer,
) -> None:
    [org] = seed_world(mock_server.backend, seed=3, size=SMALL_SIZE)
    token, _, _ = mock_server.backend.sessions.issue(
        org_id=org.org_id, user_id=org.admin.user_id, app_name=None
    )
    sf = salesforce(mock_server, token)

    users = sf.query_all("SELECT Id, ProfileId FROM User")["records"]
    rows = sf.query_all(
        "SELECT AssigneeId, PermissionSet.ProfileId FROM PermissionSetAssignment "
        "WHERE PermissionSet.IsOwnedByProfile = true"
    )["records"]
    assert sorted((r["AssigneeId"], r["PermissionSet"]["ProfileId"]) for r in rows) == sorted(
        (u["Id"], u["ProfileId"]) for u in users
    )
    # The one-query permission check a client makes works on the plain seeded org.
    assert approve_permission_by_soql(sf, org.admin.user_id)
    assert approve_permission_by_soql(sf, org.integration_user.user_id)
    rep = next(u for u in org.users if u.role is UserRole.REP)
    assert not approve_permission_by_soql(sf, rep.user_id)


def test_permissions_rows_say_who_holds_approve_uninstalled_apps(
    small_world: Callable[[str], World],
) -> None:
    world = small_world("custom-profile-admin")
    sf = world.api()
    profiles = {
        p["Name"]: p
        for p in sf.query(
            "SELECT Name, PermissionsApiEnabled, PermissionsViewSetup, PermissionsManageUsers, "
            "PermissionsCustomizeApplication, PermissionsModifyAllData, "
            "PermissionsCanApproveUninstalledApps FROM Profile"
        )["records"]
    }
    admin = profiles["System Administrator"]
    assert all(v for k, v in admin.items() if k.startswith("Permissions"))
    clone = profiles["Custom: System Administrator"]
    assert clone["PermissionsCanApproveUninstalledApps"] is False
    assert clone["PermissionsModifyAllData"] is True
    sets = {
        s["Label"]: s
        for s in sf.query(
            "SELECT Label, IsOwnedByProfile, Profile.Name, PermissionsCanApproveUninstalledApps "
            "FROM PermissionSet"
        )["records"]
    }
    for name, profile in profiles.items():
        own = sets[name]
        assert own["IsOwnedByProfile"] is True and own["Profile"]["Name"] == name
        assert (
            own["PermissionsCanApproveUninstalledApps"]
            is profile["PermissionsCanApproveUninstalledApps"]
        )
    granted = sets["Approve Uninstalled Connected Apps"]
    assert (granted["IsOwnedByProfile"], granted["PermissionsCanApproveUninstalledApps"]) == (
        False,
        True,
    )
    assert approve_permission_by_soql(sf, world.org.integration_user.user_id)


# -- a field the user cannot read ----------------------------------------------------------------
@pytest.mark.parametrize(
    "soql",
    [
        f"SELECT Id FROM Task WHERE {HIDDEN} > 0",
        f"SELECT Id FROM Task ORDER BY {HIDDEN} LIMIT 1",
        f"SELECT {HIDDEN}, count(Id) FROM Task GROUP BY {HIDDEN}",
        f"SELECT max({HIDDEN}) FROM Task",
        f"SELECT Id, (SELECT {HIDDEN} FROM Tasks) FROM Account LIMIT 1",
        f"SELECT Id, {HIDDEN_CUSTOM} FROM Task LIMIT 1",
        f"SELECT Id FROM Task WHERE {HIDDEN_CUSTOM} != null",
    ],
)
def test_every_query_shape_naming_a_hidden_field_is_invalid_field(
    small_world: Callable[[str], World], soql: str
) -> None:
    world = small_world("user-cannot-read-task-fields")
    integration = world.api(world.org.integration_user)
    with pytest.raises(SalesforceMalformedRequest) as refused:
        integration.query(soql)
    assert error_of(refused.value)["errorCode"] == "INVALID_FIELD"
    # The same query is fine for the admin: the field exists, this user just cannot read it.
    world.api().query(soql)


def test_hidden_fields_are_absent_from_every_answer_that_lists_fields(
    small_world: Callable[[str], World],
) -> None:
    world = small_world("user-cannot-read-task-fields")
    integration = world.api(world.org.integration_user)

    [everything] = integration.query("SELECT FIELDS(ALL) FROM Task LIMIT 1")["records"]
    assert set(everything).isdisjoint(HIDDEN_TASK_FIELDS)
    assert "Subject" in everything
    task_id = everything["Id"]
    assert set(sobject(integration, "Task").get(task_id)).isdisjoint(HIDDEN_TASK_FIELDS)
    only_hidden = _call(integration, "GET", f"sobjects/Task/{task_id}", params={"fields": HIDDEN})
    assert only_hidden.status_code == 400
    assert only_hidden.json()[0]["errorCode"] == "INVALID_FIELD"
    query_all = _call(integration, "GET", "queryAll/", params={"q": f"SELECT {HIDDEN} FROM Task"})
    assert query_all.status_code == 400
    assert query_all.json()[0]["errorCode"] == "INVALID_FIELD"

    for fields in ({"Subject": "x", HIDDEN: 5}, {"Subject": "x", HIDDEN_CUSTOM: "https://x"}):
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sobject(integration, "Task").create(fields)
        assert error_of(refused.value)["errorCode"] == "INVALID_FIELD"
        with pytest.raises(SalesforceMalformedRequest) as refused:
            sobject(integration, "Task").update(task_id, {HIDDEN_CUSTOM: "https://x"})
        assert error_of(refused.value)["errorCode"] == "INVALID_FIELD"


# -- object access on every DML path ---------------------------------------------------------
def test_read_only_objects_refuse_every_write_path(small_world: Callable[[str], World]) -> None:
    world = small_world("default")
    rep = _rep(world)
    backend = world.server.backend
    profile = backend.permissions.create_profile(
        org_id=world.org.org_id,
        name="Read Only Accounts",
        permissions={"ApiEnabled"},
        object_access={"Account": READ_ONLY},
    )
    backend.permissions.set_user_profile(
        org_id=world.org.org_id, user_id=rep.user_id, profile_id=profile.profile_id
    )
    api = world.api(rep)
    [account] = api.query("SELECT Id FROM Account LIMIT 1")["records"]

    deleted = _call(api, "DELETE", f"sobjects/Account/{account['Id']}")
    assert deleted.status_code == 400
    assert deleted.json()[0]["errorCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    described = sobject(api, "Account").describe()
    assert (described["createable"], described["updateable"], described["deletable"]) == (
        False,
        False,
        False,
    )
    for method, body in (
        ("POST", {"records": [{"attributes": {"type": "Account"}, "Name": "Nope"}]}),
        ("PATCH", {"records": [{"attributes": {"type": "Account"}, "Id": account["Id"]}]}),
    ):
        answer = _call(api, method, "composite/sobjects", json=body)
        [result] = answer.json()
        assert result["success"] is False
        assert result["errors"][0]["statusCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    removed = _call(api, "DELETE", "composite/sobjects", params={"ids": account["Id"]})
    assert removed.json()[0]["errors"][0]["statusCode"] == "INSUFFICIENT_ACCESS_OR_READONLY"
    # Nothing changed for anyone.
    admin = world.api()
    assert admin.query(f"SELECT Id FROM Account WHERE Id = '{account['Id']}'")["totalSize"] == 1
    assert admin.query("SELECT Id FROM Account WHERE Name = 'Nope'")["totalSize"] == 0
    # An object without any access is not even listed.
    described_global = api.describe()
    assert described_global is not None
    names = {o["name"] for o in described_global["sobjects"]}
    assert "Account" in names and "Contact" not in names


# -- API access on every endpoint -----------------------------------------------------------
def test_without_api_enabled_every_rest_endpoint_is_api_disabled_for_org(
    small_world: Callable[[str], World],
) -> None:
    world = small_world("default")
    rep = _rep(world)
    backend = world.server.backend
    [account] = world.api().query("SELECT Id FROM Account LIMIT 1")["records"]
    profile = backend.permissions.create_profile(
        org_id=world.org.org_id,
        name="No API",
        permissions=set(),
        object_access={"Account": READ_ONLY},
    )
    backend.permissions.set_user_profile(
        org_id=world.org.org_id, user_id=rep.user_id, profile_id=profile.profile_id
    )
    api = world.api(rep)
    for method, path, body in (
        ("GET", "sobjects/", None),
        ("GET", "sobjects/Account/describe", None),
        ("GET", f"sobjects/Account/{account['Id']}", None),
        ("GET", "query/?q=SELECT+Id+FROM+Account", None),
        ("GET", "limits/", None),
        ("POST", "sobjects/Account/", {"Name": "x"}),
        ("PATCH", f"sobjects/Account/{account['Id']}", {"Name": "x"}),
        ("DELETE", f"sobjects/Account/{account['Id']}", None),
    ):
        answer = _call(api, method, path, json=body)
        assert answer.status_code == 403, (method, path)
        assert answer.json() == [
            {
                "message": "The REST API is not enabled for this Organization.",
                "errorCode": "API_DISABLED_FOR_ORG",
                "fields": [],
            }
        ], (method, path)
