"""Fixtures of every browser test: Chromium (Debian's, headless), once per test file, and a
page in a fresh browser profile."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.browser_support import CHROMIUM, launch_chromium


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip(f"Chromium is not installed at {CHROMIUM}")
    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def browser_page(chromium: Browser) -> Iterator[Page]:
    """A page of its own browser profile (no cookies), closed after the test."""
    context = chromium.new_context()
    try:
        yield context.new_page()
    finally:
        context.close()
