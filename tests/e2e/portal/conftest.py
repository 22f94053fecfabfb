"""Fixtures of the portal's browser journeys: a browser profile on the Chromium of
``tests/e2e/conftest.py``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, expect
from portal_stack import new_profile

# Streamlit reruns and Salesforce round trips take their time; nothing here measures speed.
expect.set_options(timeout=60_000)


@pytest.fixture
def context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) with a desktop-sized window."""
    context = new_profile(chromium)
    try:
        yield context
    finally:
        context.close()
