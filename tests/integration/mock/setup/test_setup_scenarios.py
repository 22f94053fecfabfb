"""Each scenario: what the Setup pages show (steps 3, 4, 6) equals what SOQL returns, and
authorizing MiiTel as the integration user (step 5) ends as the scenario says."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import (
    World,
    approve_permission_by_soql,
    assert_page_matches_soql,
    assigned_sets_by_soql,
    error_of,
    page_statuses,
    password_grant,
    sobject,
    users_row,
)
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce.scenarios import SCENARIOS

USAGE = "/setup/connected-apps-oauth-usage"

#: MiiTel's status on Connected Apps OAuth Usage in the first org (None: not listed).
MIITEL_STATUS = {
    "default": "Installed",
    "app-blocked": "Not installed, Blocked",
    "app-uninstalled": "Not installed",
    "app-never-used": None,
    "user-without-approve-permission": "Not installed",
    "custom-profile-admin": "Not installed",
    "second-org": "Installed",
    "user-cannot-read-task-fields": "Installed",
}
#: (profile, holds "Approve Uninstalled Connected Apps", from where) of the integration user.
INTEGRATION_USER = {
    "default": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-blocked": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-uninstalled": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-never-used": ("System Administrator", "Yes (Profile: System Administrator)"),
    "user-without-approve-permission": ("MiiTel Integration User", "No"),
    "custom-profile-admin": (
        "Custom: System Administrator",
        "Yes (Permission set: Approve Uninstalled Connected Apps)",
    ),
    "second-org": ("System Administrator", "Yes (Profile: System Administrator)"),
    "user-cannot-read-task-fields": ("MiiTel Integration User", "No"),
}
#: The token endpoint's error for the integration user's authorization (None: it succeeds).
GRANT_ERROR = {
    "default": None,
    "app-blocked": ("OAUTH_APP_BLOCKED", "this app is blocked by admin"),
    "app-uninstalled": None,
    "app-never-used": None,
    "user-without-approve-permission": ("invalid_client", "app must be installed into org"),
    "custom-profile-admin": None,
    "second-org": None,
    "user-cannot-read-task-fields": None,
}


def test_every_scenario_is_described_and_checked() -> None:
    assert set(SCENARIOS) == set(MIITEL_STATUS) == set(INTEGRATION_USER) == set(GRANT_ERROR)
    for scenario in SCENARIOS.values():
        assert scenario.summary and "Step 3" in scenario.description


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_setup_pages_show_what_soql_returns(name: str, start_world: Callable[[str], World]) -> None:
    world = start_world(name)
    sf = world.api()
    browser, _ = world.browser()

    usage = browser.open(USAGE)
    assert usage.h1 == "Connected Apps OAuth Usage"
    assert page_statuses(usage).get("MiiTel") == MIITEL_STATUS[name]
    assert_page_matches_soql(usage, sf)

    integration = world.org.integration_user
    row = users_row(browser.open("/setup/users"), integration.username)
    profile, approve = INTEGRATION_USER[name]
    assert row["Profile"] == profile
    assert row["Approve Uninstalled Connected Apps"] == approve
    assert approve_permission_by_soql(sf, integration.user_id) is approve.startswith("Yes")
    shown_sets = (
        set() if row["Permission Sets"] == "None" else set(row["Permission Sets"].split(", "))
    )
    assert shown_sets == assigned_sets_by_soql(sf, integration.user_id)


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_authorizing_miitel_as_the_integration_user(
    name: str, start_world: Callable[[str], World]
) -> None:
    world = start_world(name)
    response = password_grant(world.server, world.org.integration_user)
    expected = GRANT_ERROR[name]
    if expected is None:
        assert response.status_code == 200, response.text
        assert response.json()["instance_url"] == world.server.https_url
    else:
        assert response.status_code == 400
        body = response.json()
        assert (body["error"], body["error_description"]) == expected


def test_custom_profile_admin_shows_the_permission_on_the_set_not_the_profile(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("custom-profile-admin")
    browser, _ = world.browser()
    user_page = browser.open(f"/setup/users/{world.org.integration_user.user_id}")
    assert [r[0] for r in user_page.table("Permission Set Assignments").rows] == [
        "Approve Uninstalled Connected Apps"
    ]

    profile = browser.open(user_page.link("Custom: System Administrator"))
    permissions = {r[0]: r[1] for r in profile.table("System Permissions").rows}
    assert permissions["Approve Uninstalled Connected Apps"] == "Disabled"
    assert permissions["Modify All Data"] == "Enabled"

    permission_set = browser.open(user_page.link("Approve Uninstalled Connected Apps"))
    assert permission_set.h1 == "Permission Set: Approve Uninstalled Connected Apps"
    permissions = {r[0]: r[1] for r in permission_set.table("System Permissions").rows}
    assert permissions["Approve Uninstalled Connected Apps"] == "Enabled"


def test_second_org_has_its_own_users_and_lacks_the_miitel_fields(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("second-org")
    assert [o.name for o in world.orgs] == ["Acme Japan", "Beta Trading"]
    beta = world.orgs[1]
    assert {u.username for u in beta.users}.isdisjoint({u.username for u in world.org.users})

    beta_sf = world.api(org=beta)
    task_fields = {f["name"] for f in sobject(beta_sf, "Task").describe()["fields"]}
    assert "Subject" in task_fields
    assert not {f for f in task_fields if f.startswith("MiiTel_")}
    with pytest.raises(SalesforceMalformedRequest) as missing:
        beta_sf.query("SELECT Id FROM MiiTel_Call_Log__c")
    assert error_of(missing.value)["errorCode"] == "INVALID_TYPE"
    acme_fields = {f["name"] for f in sobject(world.api(), "Task").describe()["fields"]}
    assert "MiiTel_Call_URL__c" in acme_fields

    browser, _ = world.browser(beta.admin)
    usage = browser.open(USAGE)
    assert "MiiTel" not in page_statuses(usage)
    assert_page_matches_soql(usage, beta_sf)
    assert password_grant(world.server, beta.integration_user).status_code == 200
    after = browser.open(USAGE)
    assert page_statuses(after)["MiiTel"] == "Not installed"
    assert_page_matches_soql(after, beta_sf)
