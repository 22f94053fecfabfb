"""One portal login per browser: the round trips to Salesforce's sign-in come back logged in
on the step they left, a reload keeps the login, and so does a restarted portal, logging out
ends it, and a callback URL works once and only in the browser that started the sign-in.

What the portal recorded is read from its DuckDB file after the portal has stopped.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest
import requests
from playwright.sync_api import BrowserContext, Page, expect
from portal_stack import (
    LOGOUT,
    WAIT_MS,
    Stack,
    back_at_portal,
    click,
    count_login_prompts,
    expect_logged_in,
    expect_login_page,
    log_in_to_portal,
    login_prompts,
    main,
    new_profile,
    open_step,
    running_stack,
    settle,
    sign_in_at_salesforce,
    start_portal,
)
from portal_stack import _stop as stop_process

from portal.adapters.mock_org import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
#: Steps 3, 4 and 6 say who they look with once a check sign-in is recorded.
CHECKING = "Checking as"
REFUSED = "does not belong to a sign-in started in this browser"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running


def recorded(stack: Stack, sql: str) -> list[tuple[object, ...]]:
    """Rows of the portal's database (read once the portal has stopped)."""
    with duckdb.connect(str(stack.data_dir / "portal.duckdb"), read_only=True) as db:
        return db.execute(sql).fetchall()


def stop(stack: Stack) -> None:
    """Stop both programs now (DuckDB lets one process at a time open the file)."""
    for process in reversed(stack.processes):
        stop_process(process)


def other_browser(context: BrowserContext) -> BrowserContext:
    assert context.browser is not None
    return new_profile(context.browser)


def step_heading(page: Page, number: int) -> None:
    expect(page.get_by_role("heading", name=re.compile(rf"^{number}\. "))).to_be_visible(
        timeout=WAIT_MS
    )


def remove_integration(page: Page) -> None:
    open_step(page, 2)
    click(page, main(page).get_by_role("button", name="Remove integration"))
    dialog = page.get_by_role("dialog")
    click(page, dialog.get_by_role("button", name="Remove integration"))
    expect(dialog).to_be_hidden(timeout=WAIT_MS)
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Not integrated")


def callback_url_of_check_sign_in(page: Page, stack: Stack) -> str:
    """Start "Sign in to check" on step 3 in ``page``, come back to the portal without
    finishing, and go through the mock's sign-in outside the browser: the callback URL the
    mock would send the browser to, unused."""
    open_step(page, 3)
    with page.expect_request(re.compile(r".*/services/oauth2/authorize\?.*")) as started:
        page.get_by_role("button", name="Sign in to check").click()
    authorize_url = started.value.url
    page.wait_for_url(re.compile(r".*/login\?.*"), timeout=WAIT_MS)
    page.goto(stack.portal_url)
    settle(page)
    expect_logged_in(page)
    admin = stack.mock_user("admin")
    session = requests.Session()
    session.trust_env = False
    session.verify = str(stack.ready["ca_bundle"])
    try:
        params = sign_in(
            session=session,
            authorize_url=authorize_url,
            redirect_uri=stack.portal_url,
            username=admin["username"],
            password=admin["password"],
        )
    finally:
        session.close()
    assert set(params) == {"code", "state"}
    return stack.portal_url + "?" + urlencode(params)


def test_one_portal_login_for_a_check_sign_in_and_an_integrate(
    context: BrowserContext, stack: Stack
) -> None:
    page = context.new_page()
    count_login_prompts(page, stack)
    page.goto(stack.portal_url)
    log_in_to_portal(page)
    remove_integration(page)

    # Steps 3/4: the check sign-in comes back logged in, on step 4 where it was started.
    open_step(page, 4)
    page.get_by_role("button", name="Sign in to check").click()
    sign_in_at_salesforce(page, stack, stack.mock_user("admin"))
    back_at_portal(page, stack)
    step_heading(page, 4)
    expect(main(page).get_by_text(CHECKING).first).to_be_visible()

    # Step 5: "Integrate" comes back logged in on step 5, the sidebar already integrated.
    open_step(page, 5)
    page.get_by_role("button", name="Integrate", exact=True).click()
    sign_in_at_salesforce(page, stack, stack.mock_user("integration"))
    back_at_portal(page, stack)
    step_heading(page, 5)
    expect(
        main(page).get_by_text("MiiTel is integrated with the org Acme Japan").first
    ).to_be_visible()
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar).to_contain_text("Integrated with Acme Japan")
    expect(sidebar).not_to_contain_text("Not integrated")

    # A reload keeps the login (the cookie session).
    page.reload()
    settle(page)
    expect_logged_in(page)
    assert login_prompts(page, stack) == 1

    stop(stack)
    logins = recorded(
        stack, "SELECT count(*) FROM audit_log WHERE action = 'sign_in' AND outcome = 'succeeded'"
    )
    assert logins == [(1,)]


def test_a_callback_url_counts_once_and_only_in_the_browser_that_started_it(
    context: BrowserContext, stack: Stack
) -> None:
    page = context.new_page()
    page.goto(stack.portal_url)
    log_in_to_portal(page)
    remove_integration(page)
    callback = callback_url_of_check_sign_in(page, stack)

    # Another browser opens the unused callback URL: not logged in, nothing done with it.
    thief = other_browser(context)
    try:
        stolen = thief.new_page()
        stolen.goto(callback)
        settle(stolen)
        expect_login_page(stolen)
        expect(stolen.get_by_text("it is not logged in to the portal here")).to_be_visible()
        # Logged in there as well, the callback is still not theirs to finish.
        stolen.goto(callback)
        settle(stolen)
        log_in_to_portal(stolen)
        stolen.goto(callback)
        settle(stolen)
        expect_logged_in(stolen)
        expect(stolen.get_by_text(REFUSED)).to_be_visible(timeout=WAIT_MS)
        open_step(stolen, 3)
        expect(stolen.get_by_role("button", name="Sign in to check")).to_be_visible()
        expect(main(stolen).get_by_text(CHECKING)).to_have_count(0)
    finally:
        thief.close()

    # The browser that started it still can (the stranger used nothing up), once.
    page.goto(callback)
    back_at_portal(page, stack)
    step_heading(page, 3)
    expect(main(page).get_by_text(CHECKING).first).to_be_visible()

    # The used URL again: in a fresh browser and in the same one, nothing happens.
    replay = other_browser(context)
    try:
        again = replay.new_page()
        again.goto(callback)
        settle(again)
        expect_login_page(again)
    finally:
        replay.close()
    page.goto(callback)
    settle(page)
    expect_logged_in(page)
    expect(page.get_by_text("does not belong to a sign-in started in this browser")).to_be_visible(
        timeout=WAIT_MS
    )

    stop(stack)
    checks = recorded(
        stack,
        "SELECT outcome, count(*) FROM audit_log WHERE action = 'check_step' "
        "AND detail LIKE 'check sign-in%' GROUP BY outcome",
    )
    assert checks == [("succeeded", 1)]
    failed = recorded(stack, "SELECT count(*) FROM authentication_history WHERE event = 'failed'")
    assert failed == [(0,)]


def test_logging_out_ends_the_cookie_session(context: BrowserContext, stack: Stack) -> None:
    page = context.new_page()
    page.goto(stack.portal_url)
    log_in_to_portal(page)
    second_tab = context.new_page()
    second_tab.goto(stack.portal_url)
    settle(second_tab)
    expect_logged_in(second_tab)  # the same browser: the cookie logs the new tab in

    click(page, page.locator(LOGOUT))
    expect_login_page(page)
    page.reload()
    settle(page)
    expect_login_page(page)

    # The other tab of that browser is logged out at its next click, and after a reload.
    click(second_tab, second_tab.get_by_role("link", name="Backups"))
    expect_login_page(second_tab)
    second_tab.reload()
    settle(second_tab)
    expect_login_page(second_tab)


def test_a_restarted_portal_keeps_the_browser_logged_in(
    context: BrowserContext, stack: Stack
) -> None:
    page = context.new_page()
    page.goto(stack.portal_url)
    log_in_to_portal(page)

    # The portal process ends and another starts over the same data (a deploy, a crash).
    portal = stack.processes.pop()
    stop_process(portal)
    port = int(stack.portal_url.rstrip("/").rsplit(":", 1)[1])
    stack.processes.append(
        start_portal(data_dir=stack.data_dir, port=port, logs=stack.data_dir.parent / "logs")
    )
    page.reload()
    settle(page)

    expect_logged_in(page)  # the cookie's session was in the database, not in the process
    click(page, page.locator(LOGOUT))
    expect_login_page(page)
