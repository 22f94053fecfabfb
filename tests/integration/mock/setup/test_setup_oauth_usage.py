"""Connected Apps OAuth Usage: each action changes what the page shows and what SOQL on
OauthToken, ConnectedApplication and AppMenuItem returns, in the same way."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import (
    AppFacts,
    World,
    assert_page_matches_soql,
    page_statuses,
    page_token_rows,
    password_grant,
    salesforce,
    token_rows,
)
from simple_salesforce.exceptions import SalesforceExpiredSession

USAGE = "/setup/connected-apps-oauth-usage"


def test_actions_appear_after_load_action(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    browser, _ = world.browser()
    page = browser.open(USAGE)
    assert "Load Action MiiTel" in page.button_names()
    assert "Uninstall MiiTel" not in page.button_names()

    loaded = browser.click(page, "Load Action MiiTel")

    assert {"Uninstall MiiTel", "Block MiiTel"} <= set(loaded.button_names())
    assert "Install MiiTel" not in loaded.button_names()
    # Other apps keep their Load Action until loaded.
    assert "Load Action Dataloader Partner" in loaded.button_names()


def test_install_makes_an_uninstalled_app_installed(start_world: Callable[[str], World]) -> None:
    world = start_world("app-uninstalled")
    sf = world.api()
    browser, _ = world.browser()
    before = browser.open(f"{USAGE}?load=MiiTel")
    assert assert_page_matches_soql(before, sf)["MiiTel"] == AppFacts(1, installed=False)
    assert sf.query("SELECT Id FROM ConnectedApplication WHERE Name = 'MiiTel'")["totalSize"] == 0

    after = browser.click(before, "Install MiiTel")

    assert after.notices == ["MiiTel was installed. Its action is now Uninstall."]
    assert assert_page_matches_soql(after, sf)["MiiTel"] == AppFacts(1, installed=True)
    assert "Uninstall MiiTel" in after.button_names()
    [item] = sf.query("SELECT Id, Label FROM AppMenuItem WHERE Name = 'MiiTel'")["records"]
    assert item["Label"] == "MiiTel"
    tokens = sf.query("SELECT AppMenuItemId FROM OauthToken WHERE AppName = 'MiiTel'")
    assert [t["AppMenuItemId"] for t in tokens["records"]] == [item["Id"]]


def test_uninstall_keeps_users_tokens_without_menu_item(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    sf = world.api()
    browser, _ = world.browser()
    before = browser.open(f"{USAGE}?load=MiiTel")
    assert assert_page_matches_soql(before, sf)["MiiTel"] == AppFacts(1, installed=True)

    after = browser.click(before, "Uninstall MiiTel")

    assert after.notices[0].startswith("MiiTel was uninstalled.")
    assert assert_page_matches_soql(after, sf)["MiiTel"] == AppFacts(1, installed=False)
    assert "Install MiiTel" in after.button_names()
    assert sf.query("SELECT Id FROM ConnectedApplication WHERE Name = 'MiiTel'")["totalSize"] == 0
    assert sf.query("SELECT Id FROM AppMenuItem WHERE Name = 'MiiTel'")["totalSize"] == 0
    # The other installed app is untouched.
    assert page_statuses(after)["Dataloader Partner"] == "Installed"


def test_block_ends_sessions_and_refuses_new_ones(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    sf = world.api()
    integration = world.org.integration_user
    grant = password_grant(world.server, integration)
    assert grant.status_code == 200, grant.text
    miitel_api = salesforce(world.server, grant.json()["access_token"])
    miitel_api.query("SELECT Id FROM Account LIMIT 1")
    browser, _ = world.browser()

    after = browser.click(browser.open(f"{USAGE}?load=MiiTel"), "Block MiiTel")

    assert after.notices == [
        "MiiTel was blocked: the sessions of 1 user(s) were ended and new sessions are refused."
    ]
    assert page_statuses(after)["MiiTel"] == "Installed, Blocked"
    assert after.button_names().count("Unblock MiiTel") == 1
    assert "Block MiiTel" not in after.button_names()
    assert token_rows(sf, "MiiTel") == {}
    assert_page_matches_soql(after, sf)
    with pytest.raises(SalesforceExpiredSession):
        miitel_api.query("SELECT Id FROM Account LIMIT 1")
    refused = password_grant(world.server, integration)
    assert refused.status_code == 400
    assert refused.json()["error"] == "OAUTH_APP_BLOCKED"


def test_unblock_lets_users_authorize_again_without_installing(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("app-blocked")
    sf = world.api()
    browser, _ = world.browser()
    before = browser.open(f"{USAGE}?load=MiiTel")
    assert page_statuses(before)["MiiTel"] == "Not installed, Blocked"
    assert token_rows(sf, "MiiTel") == {}

    after = browser.click(before, "Unblock MiiTel")

    assert after.notices == ["MiiTel was unblocked. Users can authorize it again."]
    assert page_statuses(after)["MiiTel"] == "Not installed"
    assert {"Install MiiTel", "Block MiiTel"} <= set(after.button_names())
    grant = password_grant(world.server, world.org.integration_user)
    assert grant.status_code == 200, grant.text
    shown = assert_page_matches_soql(browser.open(USAGE), sf)
    # Authorizing as a user with "Approve Uninstalled Connected Apps" does not install it.
    assert shown["MiiTel"] == AppFacts(1, installed=False)


def test_usage_page_lists_each_user_and_revoke_removes_one(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    sf = world.api()
    integration, admin = world.org.integration_user, world.org.admin
    assert password_grant(world.server, admin).status_code == 200
    second = password_grant(world.server, integration)
    integration_api = salesforce(world.server, second.json()["access_token"])
    browser, _ = world.browser()

    users_page = browser.open(f"{USAGE}/MiiTel")
    assert users_page.h1 == "Connected App User's OAuth Usage"
    shown = page_token_rows(users_page, "MiiTel")
    assert shown == token_rows(sf, "MiiTel")
    assert set(shown) == {integration.user_id, admin.user_id}
    assert shown[admin.user_id] == 1

    row = next(
        r
        for r in users_page.table("MiiTel users").as_dicts()
        if r["Username"] == integration.username
    )
    after = browser.click(users_page, f"Revoke {row['User']}")

    assert after.notices == [f"Access of {row['User']} to MiiTel was revoked."]
    assert page_token_rows(after, "MiiTel") == token_rows(sf, "MiiTel") == {admin.user_id: 1}
    with pytest.raises(SalesforceExpiredSession):
        integration_api.query("SELECT Id FROM Account LIMIT 1")
    assert_page_matches_soql(browser.open(USAGE), sf)


def test_use_count_grows_with_each_authorization(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    sf = world.api()
    integration = world.org.integration_user
    before = token_rows(sf, "MiiTel")[integration.user_id]

    assert password_grant(world.server, integration).status_code == 200

    browser, _ = world.browser()
    shown = page_token_rows(browser.open(f"{USAGE}/MiiTel"), "MiiTel")
    assert shown[integration.user_id] == before + 1 == token_rows(sf, "MiiTel")[integration.user_id]


def test_revoke_all_leaves_the_app_listed_without_users(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    sf = world.api()
    assert password_grant(world.server, world.org.admin).status_code == 200
    browser, _ = world.browser()

    after = browser.click(browser.open(f"{USAGE}/MiiTel"), "Revoke All MiiTel")

    assert after.notices == ["Access of all 2 user(s) to MiiTel was revoked."]
    assert "No user has an OAuth token for this app." in after.text
    assert token_rows(sf, "MiiTel") == {}
    shown = assert_page_matches_soql(browser.open(USAGE), sf)
    assert shown["MiiTel"] == AppFacts(0, installed=True)


def test_admin_approved_policy_limits_who_may_authorize(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    sf = world.api()
    integration = world.org.integration_user
    browser, _ = world.browser()
    usage = browser.open(USAGE)
    assert f"{USAGE}/MiiTel/policies" in [href for _, href in usage.links]
    policies = browser.open(f"{USAGE}/MiiTel/policies")
    form = next(f for f in policies.forms if "permitted_users" in f.selects)

    saved = browser.submit(form, permitted_users="admin")

    assert saved.notices == [
        "Policies of MiiTel were saved: Admin approved users are pre-authorized."
    ]
    [app] = sf.query(
        "SELECT OptionsAllowAdminApprovedUsersOnly FROM ConnectedApplication WHERE Name = 'MiiTel'"
    )["records"]
    assert app["OptionsAllowAdminApprovedUsersOnly"] is True
    refused = password_grant(world.server, integration)
    assert refused.status_code == 400
    assert refused.json()["error_description"] == "user is not admin approved to access this app"

    # Pre-authorize the integration user's profile.
    form = next(f for f in saved.forms if "permitted_users" in f.selects)
    profile_id = world.server.backend.permissions.profile_by_name(
        org_id=world.org.org_id, name="System Administrator"
    ).profile_id  # type: ignore[union-attr]
    browser.submit(form, permitted_users="admin", preauthorized=profile_id)

    assert password_grant(world.server, integration).status_code == 200
