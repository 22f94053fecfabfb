"""The whole re-integration in a real browser, against the running portal and mock org: the
default scenario from step 1 to the error log, and the branches the document describes (MiiTel
blocked, a user without "Approve Uninstalled Connected Apps", re-integration into another org).
Screenshots of each journey go to ``test-artifacts/e2e-portal/``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from portal_stack import (
    WAIT_MS,
    Shots,
    Stack,
    app_action,
    back_at_portal,
    click,
    log_in_to_portal,
    main,
    open_step,
    running_stack,
    settle,
    setup_page,
    sign_in_at_salesforce,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def admin_elsewhere(context: BrowserContext) -> Page:
    """A Salesforce admin's own browser (its own cookies), for the Setup pages."""
    assert context.browser is not None
    other = context.browser.new_context(viewport={"width": 1400, "height": 1100})
    return other.new_page()


def shows(page: Page, text: str) -> None:
    expect(main(page).get_by_text(text).first).to_be_visible(timeout=WAIT_MS)


def next_step(page: Page, number: int) -> None:
    click(page, page.get_by_role("button", name=f"Next: step {number}"))
    expect(page.get_by_role("heading", name=f"{number}. ", exact=False).first).to_be_visible(
        timeout=WAIT_MS
    )


def remove_integration(page: Page) -> None:
    click(page, main(page).get_by_role("button", name="Remove integration"))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("It replaces the previous backup")
    click(page, dialog.get_by_role("button", name="Remove integration"))
    expect(dialog).to_be_hidden(timeout=WAIT_MS)


def check_sign_in(page: Page, stack: Stack) -> None:
    """Steps 3/4 after removal: a System Administrator signs in through MiiTel to check."""
    page.get_by_role("button", name="Sign in to check").click()
    sign_in_at_salesforce(page, stack, stack.mock_user("admin"))
    back_at_portal(page, stack)


def integrate(page: Page, stack: Stack, user: dict[str, str]) -> None:
    page.get_by_role("button", name="Integrate", exact=True).click()
    sign_in_at_salesforce(page, stack, user)
    back_at_portal(page, stack)


def restore(page: Page) -> None:
    click(
        page, page.get_by_role("button", name="Restore the settings prior to integration removal")
    )
    shows(page, "at the time of backup are applied")
    click(page, main(page).get_by_role("button", name="Restore", exact=True))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will all be overwritten with the state at the time of backup")
    click(page, dialog.get_by_role("button", name="Restore", exact=True))
    expect(dialog).to_be_hidden(timeout=WAIT_MS)


def test_the_whole_procedure_in_the_default_scenario(context: BrowserContext, tmp_path: Path):
    shots = Shots("default-scenario")
    with running_stack(tmp_path) as stack:
        page = context.new_page()
        page.goto(stack.portal_url)
        shots.take(page, "login")
        log_in_to_portal(page)

        # 1. The org and user to re-integrate, confirmed with Salesforce.
        open_step(page, 1)
        shows(page, "Salesforce confirms the connection")
        expect(main(page)).to_contain_text("Acme Japan")
        expect(main(page)).to_contain_text(stack.mock_user("integration")["username"])
        shots.take(page, "step-1-org-and-user")

        # 2. Remove integration: a backup is taken first.
        next_step(page, 2)
        remove_integration(page)
        shows(page, "were saved as backup data (backup #")
        shots.take(page, "step-2-removed")

        # 3. The connected app, through a check sign-in of the org's admin.
        next_step(page, 3)
        shows(page, "sign in to Salesforce once")
        check_sign_in(page, stack)
        open_step(page, 3)
        shows(page, 'the action shown is "Uninstall"')
        expect(main(page)).to_contain_text("3-2-2")
        shots.take(page, "step-3-connected-app")

        # 4. The step-1 user's "Approve Uninstalled Connected Apps".
        open_step(page, 4)
        shows(page, "has “Approve Uninstalled Connected Apps” through the profile")
        shots.take(page, "step-4-permission")

        # 5. Integrate: the mock's login and "Allow".
        open_step(page, 5)
        integrate(page, stack, stack.mock_user("integration"))
        open_step(page, 5)
        shows(page, "MiiTel is integrated with the org Acme Japan")
        shots.take(page, "step-5-integrated")

        # 6. MiiTel installed, confirmed in the mock's Setup page.
        setup = admin_elsewhere(context)
        setup_page(setup, stack, stack.mock_user("admin"))
        setup.get_by_role("button", name="Load Action MiiTel").click()
        action = setup.get_by_role("button", name=re.compile(r"^(Install|Uninstall) MiiTel$"))
        expect(action).to_be_visible()
        if action.inner_text() == "Install":
            action.click()
            expect(setup.get_by_role("status")).to_contain_text("MiiTel was installed")
        expect(setup.get_by_role("button", name="Uninstall MiiTel")).to_be_visible()
        shots.take(setup, "step-6-setup-oauth-usage")
        setup.context.close()
        open_step(page, 6)
        click(page, page.get_by_role("button", name="Check again"))
        shows(page, "no action is required")

        # 7. Restore the settings prior to integration removal.
        next_step(page, 7)
        restore(page)
        shows(page, "Activity history integration")
        expect(main(page).get_by_text("Done").first).to_be_visible()
        shots.take(page, "step-7-restored")

        # 8. The three tabs checked against the org: clean.
        next_step(page, 8)
        shows(page, "exists in the integrated org and is usable by the integrated user")
        shots.take(page, "step-8-clean")

        # 9 and 10, then the error log.
        next_step(page, 9)
        next_step(page, 10)
        shots.take(page, "step-10")
        page.get_by_role("link", name="Open the Third-party integration error log").click()
        expect(page.get_by_role("heading", name="Third-party integration error log")).to_be_visible(
            timeout=WAIT_MS
        )
        shows(page, "· showing 1–")
        shots.take(page, "error-log")

        for title, name in (
            ("Salesforce integration", "salesforce-integration"),
            ("Backups", "backups"),
            ("Authentication history", "authentication-history"),
            ("Demo", "demo"),
        ):
            page.get_by_test_id("stSidebar").get_by_role("link", name=title).click()
            expect(page.get_by_role("heading", name=title, exact=False).first).to_be_visible(
                timeout=WAIT_MS
            )
            page.wait_for_load_state("networkidle")
            shots.take(page, name)


def test_miitel_blocked_is_unblocked_in_setup_then_the_procedure_continues(
    context: BrowserContext, tmp_path: Path
):
    shots = Shots("branch-app-blocked")
    with running_stack(tmp_path, scenario="app-blocked") as stack:
        page = context.new_page()
        page.goto(stack.portal_url)
        log_in_to_portal(page)

        # The demo starts just after "Remove integration": step 3 needs a check sign-in,
        # which Salesforce refuses because MiiTel is blocked (3-2-1).
        open_step(page, 3)
        check_sign_in(page, stack)
        open_step(page, 3)
        shows(page, "MiiTel is blocked in this org")
        expect(main(page)).to_contain_text("3-2-1")
        shots.take(page, "step-3-blocked")

        # "Unblock" in Setup > Connected Apps OAuth Usage.
        setup = admin_elsewhere(context)
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Unblock")
        expect(setup.get_by_role("status")).to_contain_text("MiiTel was unblocked")
        shots.take(setup, "setup-unblocked")

        # Continue: the check sign-in is no longer refused; step 3 is done and leads on.
        check_sign_in(page, stack)
        open_step(page, 3)
        shows(page, "Go on with step")
        expect(main(page)).not_to_contain_text("MiiTel is blocked in this org")
        expect(main(page).get_by_text("Done").first).to_be_visible()
        shots.take(page, "step-3-after-unblock")

        # 5. Integrate as the integration user, then 6. install MiiTel.
        open_step(page, 5)
        integrate(page, stack, stack.mock_user("integration"))
        open_step(page, 5)
        shows(page, "MiiTel is integrated with the org Acme Japan")
        open_step(page, 6)
        shows(page, "MiiTel is not installed in the integrated org")
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Install")
        click(page, page.get_by_role("button", name="Check again"))
        shows(page, "no action is required")
        shots.take(page, "step-6-installed")


def test_a_user_without_the_approve_permission_cannot_integrate_until_miitel_is_installed(
    context: BrowserContext, tmp_path: Path
):
    shots = Shots("branch-user-without-approve-permission")
    with running_stack(tmp_path, scenario="user-without-approve-permission") as stack:
        page = context.new_page()
        page.goto(stack.portal_url)
        log_in_to_portal(page)

        # 4. The step-1 user lacks "Approve Uninstalled Connected Apps" (checked through an
        # admin's check sign-in).
        open_step(page, 4)
        check_sign_in(page, stack)
        open_step(page, 4)
        shows(page, "does not have “Approve Uninstalled Connected Apps”")
        expect(main(page)).to_contain_text("4-no-permission")
        shots.take(page, "step-4-no-permission")

        # 5. Integrate is refused: the app must be installed into the org.
        open_step(page, 5)
        integrate(page, stack, stack.mock_user("integration"))
        open_step(page, 5)
        shows(page, "must be installed into the org")
        shots.take(page, "step-5-refused")

        # The document's way out: an admin installs MiiTel (step 6), then Integrate again.
        setup = admin_elsewhere(context)
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Install")
        setup.context.close()
        integrate(page, stack, stack.mock_user("integration"))
        open_step(page, 5)
        shows(page, "MiiTel is integrated with the org Acme Japan")
        shots.take(page, "step-5-integrated-after-install")


def test_reintegration_into_the_second_org_shows_the_missing_fields_at_step_8(
    context: BrowserContext, tmp_path: Path
):
    shots = Shots("branch-second-org")
    with running_stack(tmp_path, scenario="second-org") as stack:
        page = context.new_page()
        page.goto(stack.portal_url)
        log_in_to_portal(page)

        open_step(page, 2)
        remove_integration(page)
        shows(page, "were saved as backup data (backup #")

        # 5. Integrate as the second org's user: the portal asks to confirm the other org.
        open_step(page, 5)
        integrate(page, stack, stack.mock_user("integration", "Beta Trading"))
        open_step(page, 5)
        shows(page, "which is not the org confirmed in step 1")
        shots.take(page, "step-5-other-org")
        click(page, page.get_by_role("button", name="Integrate with this org anyway"))
        shows(page, "MiiTel is integrated with the org Beta Trading")

        # 7. Restore, then 8. the fields the backup names that Beta Trading lacks.
        open_step(page, 7)
        restore(page)
        next_step(page, 8)
        shows(page, "does not exist in the integrated org")
        expect(main(page)).to_contain_text("MiiTel_Call_Start__c")
        shots.take(page, "step-8-missing-fields")

        # The same errors on the tab and under the field they concern.
        page.get_by_test_id("stSidebar").get_by_role("link", name="Salesforce integration").click()
        settle(page)
        click(page, page.get_by_role("tab", name="Activity history integration"))
        panel = page.get_by_role("tabpanel", name="Activity history integration")
        missing = 'Task field "MiiTel_Memo__c" for Memo does not exist'
        expect(panel.get_by_text(missing)).to_be_visible()
        shots.take(page, "activity-history-tab-errors")
