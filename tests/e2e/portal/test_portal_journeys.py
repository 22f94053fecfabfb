"""The whole re-integration in a real browser, against the running portal and mock org, in
English and in Japanese: the default scenario from step 1 to the error log, and the branches
the document describes (MiiTel blocked, a user without "Approve Uninstalled Connected Apps",
re-integration into another org). Each journey logs in to the portal once: every trip to
Salesforce comes back logged in, on the step it left. A Japanese browser opens the portal in
Japanese, and its pages show no English besides names, IDs and API names. Screenshots of each
journey go to ``test-artifacts/e2e-portal/``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from journey import (
    LOCALES,
    Words,
    admin_elsewhere,
    check_sign_in,
    integrate,
    remove_integration,
    restore,
    shows,
    speaks_one_language,
    url,
    whole_procedure,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect
from portal_stack import (
    WAIT_MS,
    Shots,
    Stack,
    app_action,
    click,
    count_login_prompts,
    log_in_to_portal,
    login_prompts,
    main,
    new_profile,
    open_step,
    running_stack,
    settle,
    setup_page,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(params=["en", "ja"])
def words(request: pytest.FixtureRequest) -> Words:
    return Words(request.param)


@pytest.fixture
def browser_in(chromium: Browser, words: Words) -> Iterator[BrowserContext]:
    """A fresh browser whose language is the journey's (no cookies, desktop-sized)."""
    context = new_profile(chromium, locale=LOCALES[words.language])
    try:
        yield context
    finally:
        context.close()


def start(context: BrowserContext, stack: Stack, words: Words) -> Page:
    """The portal opened by the browser's language alone (no ``?lang=``), logged in once."""
    page = context.new_page()
    count_login_prompts(page, stack)
    page.goto(stack.portal_url)
    log_in_to_portal(page, words=words)
    return page


def one_login(page: Page, stack: Stack) -> None:
    assert login_prompts(page, stack) == 1, "the portal asked for its login again"


def test_the_whole_procedure_in_the_default_scenario(
    browser_in: BrowserContext, words: Words, tmp_path: Path
):
    shots = Shots(f"default-scenario-{words.language}")
    with running_stack(tmp_path) as stack:
        page = browser_in.new_page()
        count_login_prompts(page, stack)
        whole_procedure(page, stack, words, shots)

        for title, name in (
            ("Salesforce integration", "salesforce-integration"),
            ("Backups", "backups"),
            ("Authentication history", "authentication-history"),
            ("Demo", "demo"),
        ):
            page.get_by_test_id("stSidebar").get_by_role("link", name=words(title)).click()
            expect(page.get_by_role("heading", name=words(title), exact=False).first).to_be_visible(
                timeout=WAIT_MS
            )
            page.wait_for_load_state("networkidle")
            speaks_one_language(page, stack, words)
            shots.take(page, name)
        one_login(page, stack)


def test_miitel_blocked_is_unblocked_in_setup_then_the_procedure_continues(
    browser_in: BrowserContext, words: Words, tmp_path: Path
):
    shots = Shots(f"branch-app-blocked-{words.language}")
    with running_stack(tmp_path, scenario="app-blocked") as stack:
        page = start(browser_in, stack, words)

        # The demo starts just after "Remove integration": step 3 needs a check sign-in,
        # which Salesforce refuses because MiiTel is blocked (3-2-1); the browser comes back
        # to step 3.
        open_step(page, 3)
        check_sign_in(page, stack, words)
        shows(
            page, words.part("MiiTel is blocked in this org: Salesforce refused the check sign-in")
        )
        expect(main(page)).to_contain_text("3-2-1")
        speaks_one_language(page, stack, words)
        shots.take(page, "step-3-blocked")

        # "Unblock" in Setup > Connected Apps OAuth Usage.
        setup = admin_elsewhere(browser_in)
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Unblock")
        expect(setup.get_by_role("status")).to_contain_text("MiiTel was unblocked")
        shots.take(setup, "setup-unblocked")

        # Continue: the check sign-in is no longer refused; step 3 is done and leads on.
        check_sign_in(page, stack, words)
        expect(main(page)).not_to_contain_text(
            words.part("MiiTel is blocked in this org: Salesforce refused the check sign-in")
        )
        expect(main(page).get_by_text(words("Done")).first).to_be_visible()
        shots.take(page, "step-3-after-unblock")

        # 5. Integrate as the integration user, then 6. install MiiTel.
        open_step(page, 5)
        integrate(page, stack, words, stack.mock_user("integration"))
        shows(page, words.part("MiiTel is integrated with the org"))
        open_step(page, 6)
        shows(page, words.part("MiiTel is not installed in the integrated org"))
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Install")
        click(page, page.get_by_role("button", name=words("Check again")))
        shows(page, words.part("no action is required"))
        speaks_one_language(page, stack, words)
        shots.take(page, "step-6-installed")
        one_login(page, stack)


def test_a_user_without_the_approve_permission_cannot_integrate_until_miitel_is_installed(
    browser_in: BrowserContext, words: Words, tmp_path: Path
):
    shots = Shots(f"branch-user-without-approve-permission-{words.language}")
    with running_stack(tmp_path, scenario="user-without-approve-permission") as stack:
        page = start(browser_in, stack, words)

        # 4. The step-1 user lacks "Approve Uninstalled Connected Apps" (checked through an
        # admin's check sign-in).
        open_step(page, 4)
        check_sign_in(page, stack, words)
        shows(page, words.part("does not have “Approve Uninstalled Connected Apps”"))
        expect(main(page)).to_contain_text("4-no-permission")
        speaks_one_language(page, stack, words)
        shots.take(page, "step-4-no-permission")

        # 5. Integrate is refused: the app must be installed into the org.
        open_step(page, 5)
        integrate(page, stack, words, stack.mock_user("integration"))
        shows(page, words.part("must be installed into the org"))
        speaks_one_language(page, stack, words)
        shots.take(page, "step-5-refused")

        # The document's way out: an admin installs MiiTel (step 6), then Integrate again.
        setup = admin_elsewhere(browser_in)
        setup_page(setup, stack, stack.mock_user("admin"))
        app_action(setup, "Install")
        setup.context.close()
        integrate(page, stack, words, stack.mock_user("integration"))
        shows(page, words.part("MiiTel is integrated with the org"))
        shots.take(page, "step-5-integrated-after-install")
        one_login(page, stack)


def test_reintegration_into_the_second_org_shows_the_missing_fields_at_step_8(
    browser_in: BrowserContext, words: Words, tmp_path: Path
):
    shots = Shots(f"branch-second-org-{words.language}")
    with running_stack(tmp_path, scenario="second-org") as stack:
        page = start(browser_in, stack, words)

        open_step(page, 2)
        remove_integration(page, words)
        shows(page, words.part("were saved as backup data (backup #"))

        # 5. Integrate as the second org's user: the portal asks to confirm the other org.
        open_step(page, 5)
        integrate(page, stack, words, stack.mock_user("integration", "Beta Trading"))
        shows(page, words.part("which is not the org confirmed in step 1"))
        speaks_one_language(page, stack, words)
        shots.take(page, "step-5-other-org")
        click(page, page.get_by_role("button", name=words("Integrate with this org anyway")))
        shows(page, words.part("MiiTel is integrated with the org"))
        expect(page.get_by_test_id("stSidebar")).to_contain_text("Beta Trading")

        # 7. Restore, then 8. the fields the backup names that Beta Trading lacks.
        open_step(page, 7)
        restore(page, words)
        click(page, page.get_by_role("button", name=words("Next: step {number}", number=8)))
        shows(page, words.part("does not exist in the integrated org"))
        expect(main(page)).to_contain_text("MiiTel_Call_Start__c")
        speaks_one_language(page, stack, words)
        shots.take(page, "step-8-missing-fields")

        # The same errors on the tab and under the field they concern.
        page.get_by_test_id("stSidebar").get_by_role(
            "link", name=words("Salesforce integration")
        ).click()
        settle(page)
        tab = words("Activity history integration")
        click(page, page.get_by_role("tab", name=tab))
        panel = page.get_by_role("tabpanel", name=tab)
        expect(panel).to_contain_text("MiiTel_Memo__c")
        expect(
            panel.get_by_text(words.part("does not exist in the integrated org")).first
        ).to_be_visible()
        speaks_one_language(page, stack, words)
        shots.take(page, "activity-history-tab-errors")
        one_login(page, stack)


def test_a_link_with_lang_opens_that_language_whatever_the_browser(
    browser_in: BrowserContext, words: Words, tmp_path: Path
):
    other = Words("ja" if words.language == "en" else "en")
    with running_stack(tmp_path) as stack:
        page = browser_in.new_page()
        page.goto(url(stack, other, step="4"))
        log_in_to_portal(page, words=other)
        expect(page.get_by_role("heading", name="4. ", exact=False).first).to_be_visible(
            timeout=WAIT_MS
        )
        expect(page.get_by_test_id("stSidebar")).to_contain_text(other("Log out"))
        speaks_one_language(page, stack, other)
