"""Issue 11.2 in a real browser against the running portal: behind a proxy the configuration
trusts (``PORTAL_TRUSTED_PROXIES``), an attacker hammering the admin's name is slowed down and
the admin's own browser logs in at once; without that setting the forwarding header is not
believed (uvicorn's default trust of loopback's X-Forwarded-For is switched off), so every
browser behind the same address is one client."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from portal_stack import (
    Stack,
    expect_login_page,
    log_in_to_portal,
    new_profile,
    running_stack,
    send_portal_login,
    settle,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]
WAIT_MESSAGE = re.compile(r"Too many failed logins\. Wait (\d+) seconds?")
ATTACKER = "198.51.100.66"
ADMIN_BROWSER = "203.0.113.10"


def browser_from(chromium: Browser, address: str) -> BrowserContext:
    """A fresh browser whose requests (the websocket's included) carry ``address`` as the
    proxy's X-Forwarded-For."""
    return new_profile(chromium, extra_http_headers={"X-Forwarded-For": address})


def open_login(context: BrowserContext, stack: Stack) -> Page:
    page = context.new_page()
    page.goto(stack.portal_url)
    settle(page)
    expect_login_page(page)
    return page


def hammer_until_delayed(page: Page) -> tuple[int, int]:
    """Wrong passwords for "admin" until the portal asks to wait: the seconds it asks for, and
    how many attempts it took."""
    for attempt in range(1, 13):
        send_portal_login(page, "admin", f"guess-{attempt}")
        shown = page.get_by_test_id("stAlert").all_inner_texts()
        for text in shown:
            found = WAIT_MESSAGE.search(text)
            if found:
                return int(found.group(1)), attempt
        assert any("username or password is not correct" in t for t in shown), shown
    raise AssertionError("twelve wrong passwords in a row were never delayed")


@pytest.fixture
def proxied_stack(tmp_path: Path) -> Iterator[Stack]:
    # The browsers reach the portal over loopback: loopback plays the trusted TLS proxy.
    with running_stack(tmp_path, portal_env={"PORTAL_TRUSTED_PROXIES": "127.0.0.1,::1"}) as running:
        yield running


@pytest.fixture
def plain_stack(tmp_path: Path) -> Iterator[Stack]:
    with running_stack(tmp_path) as running:
        yield running


def test_behind_a_trusted_proxy_the_attacker_waits_and_the_admin_logs_in(
    chromium: Browser, proxied_stack: Stack
) -> None:
    attacker = browser_from(chromium, ATTACKER)
    admin = browser_from(chromium, ADMIN_BROWSER)
    try:
        wait, _attempts = hammer_until_delayed(open_login(attacker, proxied_stack))
        assert 1 <= wait <= 300

        page = open_login(admin, proxied_stack)
        log_in_to_portal(page)
    finally:
        attacker.close()
        admin.close()


def test_without_the_setting_a_forged_forwarding_header_is_not_believed(
    chromium: Browser, plain_stack: Stack
) -> None:
    attacker = browser_from(chromium, ATTACKER)
    forged = browser_from(chromium, ADMIN_BROWSER)
    try:
        _wait, first = hammer_until_delayed(open_login(attacker, plain_stack))
        assert first > 3  # a fresh client has three free failures

        # Another address in the header changes nothing: it is the same client (loopback),
        # whose failures go on counting, so it is delayed at once.
        _wait, then = hammer_until_delayed(open_login(forged, plain_stack))
        assert then <= 2
    finally:
        attacker.close()
        forged.close()
