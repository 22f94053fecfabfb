"""``?step=N`` in a real browser: a link opens its step through the portal's login, the address
bar follows the step shown, and the step bar ticks only what this run of the procedure did."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, expect
from portal_stack import WAIT_MS, click, log_in_to_portal, main, open_step, running_stack

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_step_link_survives_the_login_and_the_address_bar_follows(
    context: BrowserContext, tmp_path: Path
):
    with running_stack(tmp_path) as stack:
        page = context.new_page()
        page.goto(stack.portal_url + "?step=7")
        log_in_to_portal(page)

        expect(page.get_by_role("heading", name=re.compile(r"^7\. "))).to_be_visible(
            timeout=WAIT_MS
        )
        expect(page).to_have_url(re.compile(r"[?&]step=7\b"))

        open_step(page, 3)
        expect(page).to_have_url(re.compile(r"[?&]step=3\b"))
        expect(page).to_have_url(re.compile(r"[?&]lang=en\b"))

        # The demo starts integrated: step 5 is not done before step 2 removed that integration.
        open_step(page, 5)
        expect(main(page)).to_contain_text("this is the integration that step 2 removes")
        expect(page.get_by_role("progressbar").first).to_be_attached()
        expect(main(page)).to_contain_text("continue at step 1")

        # A link opened in the same browser later shows its step, even an invalid one.
        page.goto(stack.portal_url + "?step=eleven")
        expect(page.get_by_role("heading", name=re.compile(r"^1\. "))).to_be_visible(
            timeout=WAIT_MS
        )
        expect(page).to_have_url(re.compile(r"[?&]step=1\b"))
        click(page, page.get_by_role("button", name="Next: step 2"))
        expect(page).to_have_url(re.compile(r"[?&]step=2\b"))
