"""Login lockout in a real browser (Chromium, headless): a user who keeps typing a wrong
password on Salesforce's login page is told the account is locked out, even with the right
password; an admin sees the user locked in Setup, clicks Unlock, and the user gets in."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg, UserRole
from tests.e2e.browser_support import log_in_to_mock

LOCKED_OUT = (
    "Your login attempt has failed. Your account is locked out because of too many failed "
    "login attempts. Wait until the lockout period ends and try again, or contact your "
    "Salesforce administrator to unlock it."
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture
def org(mock_server: ThreadedMockServer) -> SeededOrg:
    return reset_world(mock_server.backend, seed=5, scenario="default", size=SMALL_SIZE)[0]


def test_the_login_page_says_locked_out_and_an_admin_unlocks_in_setup(
    browser_page: Page, mock_server: ThreadedMockServer, org: SeededOrg
) -> None:
    page = browser_page
    rep = next(u for u in org.users if u.role is UserRole.REP)
    page.goto(f"{mock_server.http_url}/login")
    for _ in range(9):
        log_in_to_mock(page, rep.username, "not-my-password")
        expect(page.get_by_role("alert")).to_have_text(
            "Please check your username and password. If you still can't log in, contact "
            "your Salesforce administrator."
        )
    log_in_to_mock(page, rep.username, "not-my-password")
    expect(page.get_by_role("alert")).to_have_text(LOCKED_OUT)
    log_in_to_mock(page, rep.username, rep.password)
    expect(page.get_by_role("alert")).to_have_text(LOCKED_OUT)
    expect(page.get_by_label("Username")).to_have_value(rep.username)

    page.goto(f"{mock_server.http_url}/setup/login")
    log_in_to_mock(page, org.admin.username, org.admin.password)
    page.get_by_label("Quick Find").fill("Users")
    page.get_by_label("Quick Find").press("Enter")
    page.get_by_role("main").get_by_role("link", name="Users", exact=True).first.click()
    row = page.get_by_role("row").filter(has=page.get_by_text(rep.username, exact=True))
    expect(row).to_contain_text("Locked")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("row", name="Locked Out")).to_contain_text("Yes, until")
    name = mock_server.backend.orgs.user(org.org_id, rep.user_id)["Name"]  # type: ignore[index]
    page.get_by_role("button", name=f"Unlock {name}").click()
    expect(page.get_by_role("status")).to_have_text(f"{name} was unlocked and can log in again.")
    expect(page.get_by_role("row", name="Locked Out")).to_contain_text("No")
    expect(page.get_by_role("button", name=f"Unlock {name}")).to_have_count(0)

    page.goto(f"{mock_server.http_url}/secur/logout.jsp")
    page.goto(f"{mock_server.http_url}/login")
    log_in_to_mock(page, rep.username, rep.password)
    expect(page.get_by_role("heading", name="Logged in")).to_be_visible()
    expect(page.get_by_text(f"You are logged in as {rep.username}.")).to_be_visible()
