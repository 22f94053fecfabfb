"""Two browser sessions (two Playwright contexts, two portal logins) pressing "Remove
integration", then "Restore", at the same moment, against the running portal and mock org:
one press takes effect, the other session is told why, and neither sees a failure page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.browser_support import CHROMIUM, launch_chromium
from tests.e2e.portal.portal_stack import (
    WAIT_MS,
    Stack,
    click,
    log_in_to_portal,
    main,
    new_profile,
    open_step,
    running_stack,
    settle,
)
from tests.resilience.harness.figures import FigureBook

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

#: The generic message a page shows for anything but a PortalError (ui/feedback.py).
GENERIC_FAILURE = "Something went wrong and the portal could not finish"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with launch_chromium() as launched:
        yield launched


def session(browser: Browser, stack: Stack) -> tuple[BrowserContext, Page]:
    """A browser profile of its own, logged in to the portal as the admin."""
    context = new_profile(browser)
    page = context.new_page()
    page.goto(stack.portal_url)
    log_in_to_portal(page)
    return context, page


def confirm_at_once(pages: list[Page], button: str) -> None:
    """Every page has the confirmation dialog open: press its button in all of them before
    any rerun finishes, then wait for all the reruns."""
    for page in pages:
        page.get_by_role("dialog").get_by_role("button", name=button, exact=True).click(
            no_wait_after=True
        )
    for page in pages:
        settle(page)
        expect(page.get_by_role("dialog")).to_be_hidden(timeout=WAIT_MS)


def text_of(page: Page) -> str:
    return main(page).inner_text()


def backup_count(browser: Browser, stack: Stack) -> int:
    """How many backups the Backups page lists, seen from a third session."""
    context, page = session(browser, stack)
    try:
        page.get_by_test_id("stSidebar").get_by_role("link", name="Backups").click()
        settle(page)
        expect(page.get_by_role("heading", name="Backups").first).to_be_visible(timeout=WAIT_MS)
        shown = text_of(page)
        if "There is no backup yet" in shown:
            return 0
        if "There is one backup only" in shown:
            return 1
        return len(set(re.findall(r"#(\d+)", shown)))
    finally:
        context.close()


def test_two_browsers_pressing_remove_then_restore_at_once(
    browser: Browser, tmp_path: Path, figures: FigureBook
) -> None:
    with running_stack(tmp_path) as stack:
        assert backup_count(browser, stack) == 0, "the demo's starting state has no backup"
        contexts, pages = zip(*(session(browser, stack) for _ in range(2)), strict=True)
        try:
            for page in pages:
                open_step(page, 2)
                click(page, main(page).get_by_role("button", name="Remove integration"))
                expect(page.get_by_role("dialog")).to_contain_text("backup")
            confirm_at_once(list(pages), "Remove integration")
            told = [text_of(page) for page in pages]
            assert not any(GENERIC_FAILURE in t for t in told), told
            # Both show step 2 done by the one removal (its backup); only the session that
            # lost the race is told there was nothing left to remove; one backup exists.
            assert all(re.search(r"saved as backup data \(backup #\d+\)", t) for t in told)
            assert sum("nothing to remove" in t for t in told) == 1, told
            assert len({n for t in told for n in re.findall(r"Latest backup #(\d+)", t)}) == 1
            assert backup_count(browser, stack) == 1

            for page in pages:
                open_step(page, 7)
                click(
                    page,
                    page.get_by_role(
                        "button", name="Restore the settings prior to integration removal"
                    ),
                )
                click(page, main(page).get_by_role("button", name="Restore", exact=True))
                expect(page.get_by_role("dialog")).to_be_visible()
            confirm_at_once(list(pages), "Restore")
            told = [text_of(page) for page in pages]
            assert not any(GENERIC_FAILURE in t for t in told), told
            assert all("Restored" in t or "already" in t for t in told), told
        finally:
            for context in contexts:
                context.close()
    figures.add(
        area="concurrency",
        name='two browser sessions (Playwright contexts) pressing "Remove integration", then '
        '"Restore", at the same moment',
        count=2,
        unit="browser sessions",
        observed="one removal (one backup), the other told there is nothing to remove; "
        "restores without a failure page",
    )
