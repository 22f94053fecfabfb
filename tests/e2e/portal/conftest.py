"""Fixtures of the portal's browser journeys: Chromium (Debian's, headless) and a page."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect, sync_playwright
from portal_stack import CHROMIUM, CHROMIUM_ARGS

# Streamlit reruns and Salesforce round trips take their time; nothing here measures speed.
expect.set_options(timeout=60_000)


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) with a desktop-sized window."""
    context = chromium.new_context(viewport={"width": 1400, "height": 1100})
    context.set_default_timeout(60_000)
    try:
        yield context
    finally:
        context.close()
