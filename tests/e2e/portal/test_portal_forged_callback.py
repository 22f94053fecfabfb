"""Issue 11.3 in a real browser: a forged sign-in callback
(``?error=access_denied&state=forged``) opened in a logged-in browser and in a logged-out one
is refused as not the portal's. The page claims nothing Salesforce said, and the portal's
database has no authentication history, audit or progress line from it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import pytest
from playwright.sync_api import BrowserContext, expect
from portal_stack import (
    WAIT_MS,
    Stack,
    expect_logged_in,
    expect_login_page,
    log_in_to_portal,
    new_profile,
    running_stack,
    settle,
)
from portal_stack import _stop as stop_process

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
FORGED = {
    "error": "access_denied",
    "error_description": "end-user denied authorization",
    "state": "forged",
}
NOT_OURS = "This sign-in link is not from this portal, or it has expired"
LOGGED_OUT = "This browser opened a sign-in link, but it is not logged in"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running


def test_a_forged_error_callback_is_not_believed_or_recorded(
    context: BrowserContext, stack: Stack
) -> None:
    forged_url = stack.portal_url + "?" + urlencode(FORGED)
    page = context.new_page()
    page.goto(stack.portal_url)
    settle(page)
    log_in_to_portal(page)

    page.goto(forged_url)
    settle(page)
    expect_logged_in(page)
    expect(page.get_by_text(NOT_OURS)).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("denied", exact=False)).to_have_count(0)
    assert "state=forged" not in page.url

    assert context.browser is not None
    stranger = new_profile(context.browser)
    try:
        logged_out = stranger.new_page()
        logged_out.goto(forged_url)
        settle(logged_out)
        expect_login_page(logged_out)
        expect(logged_out.get_by_text(LOGGED_OUT)).to_be_visible(timeout=WAIT_MS)
        expect(logged_out.get_by_text("Salesforce sent", exact=False)).to_have_count(0)
    finally:
        stranger.close()

    for process in reversed(stack.processes):
        stop_process(process)
    with duckdb.connect(str(stack.data_dir / "portal.duckdb"), read_only=True) as db:
        # The demo's starting history is there; nothing of the forged callback is.
        failed = db.execute(
            "SELECT count(*) FROM authentication_history WHERE event = 'failed'"
        ).fetchall()
        assert failed == [(0,)]
        audit = db.execute("SELECT action, outcome, detail FROM audit_log").fetchall()
        assert not [row for row in audit if row[1] != "succeeded" or "denied" in row[2]]
        progress = db.execute("SELECT status, message FROM procedure_progress").fetchall()
        assert not [row for row in progress if row[0] == "error" or "denied" in row[1]]
