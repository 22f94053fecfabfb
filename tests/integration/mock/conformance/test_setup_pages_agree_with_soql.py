"""Issue 3, Setup actions: before and after **each** action (Install, Uninstall, Block,
Unblock, Revoke, Revoke All, assigning and removing a permission set on the user page and on
the permission set page) the Setup pages show exactly what SOQL on OauthToken,
ConnectedApplication, AppMenuItem and PermissionSetAssignment returns — per app, per user
(first use, last use, use count), and per user's profile and permission sets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from simple_salesforce import Salesforce

from mock_salesforce.seed import SeededUser, UserRole
from tests.integration.mock.setup.setup_admin import (
    SetupBrowser,
    SetupPage,
    World,
    assert_page_matches_soql,
    page_statuses,
    password_grant,
)

USAGE = "/setup/connected-apps-oauth-usage"
APPROVE = "Approve Uninstalled Connected Apps"


def _shown_time(value: str | None, zone: ZoneInfo) -> str:
    """A SOQL datetime as Setup shows it (the admin's time zone, ``YYYY/MM/DD HH:MM``)."""
    if value is None:
        return ""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z").astimezone(UTC)
    return moment.astimezone(zone).strftime("%Y/%m/%d %H:%M")


def _admin_zone(sf: Salesforce, admin: SeededUser) -> ZoneInfo:
    [me] = sf.query(f"SELECT TimeZoneSidKey FROM User WHERE Id = '{admin.user_id}'")["records"]
    return ZoneInfo(me["TimeZoneSidKey"])


def assert_usage_matches(browser: SetupBrowser, sf: Salesforce, zone: ZoneInfo) -> SetupPage:
    """OAuth Usage ↔ OauthToken/ConnectedApplication/AppMenuItem, and each app's user page ↔
    that app's OauthToken rows (user, first use = CreatedDate, last use, use count)."""
    usage = browser.open(USAGE)
    shown = assert_page_matches_soql(usage, sf)
    for app in shown:
        users_page = browser.open(f"{USAGE}/{app}")
        on_page = set()
        if shown[app].user_count == 0:
            assert "No user has an OAuth token for this app." in users_page.text, app
        else:
            table = users_page.table(f"{app} users")
            for row, links in zip(table.as_dicts(), table.row_links, strict=True):
                user_id = next(h for h in links if h.startswith("/setup/users/"))
                on_page.add(
                    (
                        user_id.rsplit("/", 1)[1],
                        row["First Use"],
                        row["Last Use"],
                        int(row["Use Count"]),
                    )
                )
        rows = sf.query_all(
            "SELECT UserId, CreatedDate, LastUsedDate, UseCount FROM OauthToken "
            f"WHERE AppName = '{app}'"
        )["records"]
        queried = {
            (
                r["UserId"],
                _shown_time(r["CreatedDate"], zone),
                _shown_time(r["LastUsedDate"], zone),
                r["UseCount"],
            )
            for r in rows
        }
        assert on_page == queried, app
        assert len(on_page) == shown[app].user_count, app
    return usage


def assert_users_match(browser: SetupBrowser, sf: Salesforce) -> None:
    """Users page ↔ User + PermissionSetAssignment: profile, assigned permission sets, and
    "Approve Uninstalled Connected Apps"; every user has their profile's own assignment."""
    users = {
        u["Username"]: u
        for u in sf.query_all("SELECT Id, Username, IsActive, ProfileId, Profile.Name FROM User")[
            "records"
        ]
    }
    assignments = sf.query_all(
        "SELECT AssigneeId, PermissionSet.Label, PermissionSet.IsOwnedByProfile, "
        "PermissionSet.ProfileId, PermissionSet.PermissionsCanApproveUninstalledApps "
        "FROM PermissionSetAssignment"
    )["records"]
    by_user: dict[str, list[dict[str, object]]] = {}
    for a in assignments:
        by_user.setdefault(a["AssigneeId"], []).append(a["PermissionSet"])
    rows = browser.open("/setup/users").table("All Users").as_dicts()
    assert {r["Username"] for r in rows} == set(users)
    for row in rows:
        user = users[row["Username"]]
        sets = by_user.get(user["Id"], [])
        assert row["Profile"] == user["Profile"]["Name"]
        own = [s for s in sets if s["IsOwnedByProfile"]]
        assert [s["ProfileId"] for s in own] == [user["ProfileId"]], row["Username"]
        shown = set(row["Permission Sets"].split(", ")) - {"None"}
        assert shown == {s["Label"] for s in sets if not s["IsOwnedByProfile"]}, row["Username"]
        if user["IsActive"]:
            holds = any(s["PermissionsCanApproveUninstalledApps"] for s in sets)
            assert row[APPROVE].startswith("Yes") is holds, row["Username"]


def test_every_oauth_usage_action_keeps_pages_and_soql_in_step(
    small_world: Callable[[str], World],
) -> None:
    world = small_world("default")
    org = world.org
    sf = world.api()
    zone = _admin_zone(sf, org.admin)
    browser, _ = world.browser()

    def act(button: str, notice: str, path: str = f"{USAGE}?load=MiiTel") -> SetupPage:
        before = assert_usage_matches(browser, sf, zone)
        assert before is not None
        after = browser.click(browser.open(path), button)
        assert after.notices == [notice], after.notices
        assert_usage_matches(browser, sf, zone)
        return after

    act(
        "Uninstall MiiTel",
        'MiiTel was uninstalled. Only users with "Approve Uninstalled '
        'Connected Apps" can authorize it now.',
    )
    assert page_statuses(browser.open(USAGE))["MiiTel"] == "Not installed"
    act("Install MiiTel", "MiiTel was installed. Its action is now Uninstall.")
    assert page_statuses(browser.open(USAGE))["MiiTel"] == "Installed"
    after = act(
        "Block MiiTel",
        "MiiTel was blocked: the sessions of 1 user(s) were ended and new sessions are refused.",
    )
    assert page_statuses(after)["MiiTel"] == "Installed, Blocked"
    after = act("Unblock MiiTel", "MiiTel was unblocked. Users can authorize it again.")
    assert page_statuses(after)["MiiTel"] == "Installed"

    # Two users authorize MiiTel: first and last use and use counts appear for both.
    for user in (org.admin, org.integration_user, org.integration_user):
        assert password_grant(world.server, user).status_code == 200
    usage = assert_usage_matches(browser, sf, zone)
    assert "MiiTel" in page_statuses(usage)
    counts = {
        r["UserId"]: r["UseCount"]
        for r in sf.query("SELECT UserId, UseCount FROM OauthToken WHERE AppName = 'MiiTel'")[
            "records"
        ]
    }
    assert counts == {org.admin.user_id: 1, org.integration_user.user_id: 2}

    users_page = browser.open(f"{USAGE}/MiiTel")
    integration_name = next(
        r["User"]
        for r in users_page.table("MiiTel users").as_dicts()
        if r["Username"] == org.integration_user.username
    )
    act(
        f"Revoke {integration_name}",
        f"Access of {integration_name} to MiiTel was revoked.",
        path=f"{USAGE}/MiiTel",
    )
    act(
        "Revoke All MiiTel",
        "Access of all 1 user(s) to MiiTel was revoked.",
        path=f"{USAGE}/MiiTel",
    )
    assert sf.query("SELECT Id FROM OauthToken WHERE AppName = 'MiiTel'")["totalSize"] == 0

    # Blocking an app that is not installed: listed as "Not installed, Blocked", no rows.
    act(
        "Uninstall MiiTel",
        'MiiTel was uninstalled. Only users with "Approve Uninstalled '
        'Connected Apps" can authorize it now.',
    )
    after = act(
        "Block MiiTel",
        "MiiTel was blocked: the sessions of 0 user(s) were ended and new sessions are refused.",
    )
    assert page_statuses(after)["MiiTel"] == "Not installed, Blocked"
    assert sf.query("SELECT Id FROM ConnectedApplication WHERE Name = 'MiiTel'")["totalSize"] == 0


def test_permission_set_assignments_match_the_users_page_before_and_after_each_change(
    small_world: Callable[[str], World],
) -> None:
    world = small_world("user-without-approve-permission")
    org = world.org
    sf = world.api()
    browser, _ = world.browser()
    assert_users_match(browser, sf)

    # On the user page: assign, then remove.
    integration = org.integration_user
    user_page = browser.open(f"/setup/users/{integration.user_id}")
    form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
    option = next(v for v, label in form.selects["permission_set_id"] if label == APPROVE)
    assigned = browser.submit(form, permission_set_id=option)
    assert assigned.notices[0].startswith(f'Permission set "{APPROVE}" was assigned to ')
    assert_users_match(browser, sf)
    removed = browser.click(assigned, f"Remove {APPROVE}")
    assert removed.notices[0].startswith(f'Permission set "{APPROVE}" was removed from ')
    assert_users_match(browser, sf)

    # On the permission set page: assign to a rep.
    rep = next(u for u in org.users if u.role is UserRole.REP)
    sets = browser.open("/setup/permission-sets")
    permission_set = browser.open(sets.link(APPROVE))
    form = next(f for f in permission_set.forms if "user_id" in f.selects)
    after = browser.submit(form, user_id=rep.user_id)
    assert after.notices[0].startswith(f'Permission set "{APPROVE}" was assigned to ')
    assert_users_match(browser, sf)
    rows = sf.query(
        "SELECT AssigneeId FROM PermissionSetAssignment WHERE PermissionSet.Name = "
        "'Approve_Uninstalled_Connected_Apps'"
    )["records"]
    assert [r["AssigneeId"] for r in rows] == [rep.user_id]
