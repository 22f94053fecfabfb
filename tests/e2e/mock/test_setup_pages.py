"""The Setup pages in a real browser (Chromium, headless): an admin follows steps 3, 6 and 4 of
the procedure in the app-blocked scenario — finds Connected Apps OAuth Usage with Quick Find,
unblocks MiiTel, installs it, and assigns "Approve Uninstalled Connected Apps" to a user."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg, UserRole
from tests.e2e.browser_support import log_in_to_mock

APPROVE = "Approve Uninstalled Connected Apps"

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def blocked_org(mock_server: ThreadedMockServer) -> SeededOrg:
    return reset_world(mock_server.backend, seed=3, scenario="app-blocked", size=SMALL_SIZE)[0]


def _miitel_row(page: Page) -> Locator:
    return page.get_by_role("row").filter(has=page.get_by_text("MiiTel", exact=True))


def test_admin_unblocks_installs_and_grants_the_permission(
    browser_page: Page, mock_server: ThreadedMockServer, blocked_org: SeededOrg
) -> None:
    page = browser_page
    admin = blocked_org.admin
    rep = next(u for u in blocked_org.users if u.role is UserRole.REP)

    page.goto(f"{mock_server.http_url}/setup/login")
    log_in_to_mock(page, admin.username, admin.password)
    expect(page.get_by_role("heading", name="Setup Home")).to_be_visible()

    # Step 3: Quick Find "OAuth Usage", open the page, Load Action, Unblock.
    page.get_by_label("Quick Find").fill("OAuth Usage for Connected Apps")
    page.get_by_label("Quick Find").press("Enter")
    page.get_by_role("main").get_by_role("link", name="Connected Apps OAuth Usage").first.click()
    expect(page.get_by_role("heading", name="Connected Apps OAuth Usage")).to_be_visible()
    expect(_miitel_row(page)).to_contain_text("Not installed, Blocked")
    page.get_by_role("button", name="Load Action MiiTel").click()
    page.get_by_role("button", name="Unblock MiiTel").click()
    expect(page.get_by_role("status")).to_have_text(
        "MiiTel was unblocked. Users can authorize it again."
    )

    # Step 6: Install; the action becomes Uninstall.
    page.get_by_role("button", name="Install MiiTel").click()
    expect(page.get_by_role("status")).to_have_text(
        "MiiTel was installed. Its action is now Uninstall."
    )
    expect(_miitel_row(page)).to_contain_text("Installed")
    expect(page.get_by_role("button", name="Uninstall MiiTel")).to_be_visible()

    # Step 4: give a user "Approve Uninstalled Connected Apps" with the permission set.
    page.get_by_role("link", name="Users", exact=True).first.click()
    rep_row = page.get_by_role("row").filter(has=page.get_by_text(rep.username, exact=True))
    expect(rep_row).to_contain_text("No")
    rep_row.get_by_role("link").first.click()
    page.get_by_label("Add Permission Set Assignment").select_option(label=APPROVE)
    page.get_by_role("button", name="Assign").click()
    expect(page.get_by_role("status")).to_contain_text(f'Permission set "{APPROVE}" was assigned')
    expect(page.get_by_role("table", name="Permission Set Assignments")).to_contain_text(APPROVE)

    page.get_by_role("link", name="« Back to Users").click()
    rep_row = page.get_by_role("row").filter(has=page.get_by_text(rep.username, exact=True))
    expect(rep_row).to_contain_text(f"Yes (Permission set: {APPROVE})")
    assert mock_server.backend.permissions.has_permission(
        org_id=blocked_org.org_id, user_id=rep.user_id, permission="CanApproveUninstalledApps"
    )
