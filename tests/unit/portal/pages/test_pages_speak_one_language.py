"""Every page in Japanese speaks Japanese only (names, IDs and Salesforce API names aside), and
every page in English shows no Japanese of the portal's own: the whole UI read from the
rendered element tree (labels, options, help, captions, alerts, table headers), over a portal
in the demo's starting state (integrated, with settings, history and error-log rows)."""

from __future__ import annotations

import re

import pytest
from japanese_text import everything_shown as shown
from language_check import english_left
from page_helpers import ADMIN, VIEWER, MockWorld

from mock_salesforce.control import ready_users
from mock_salesforce.scenarios import scenario_names
from portal.bootstrap import Portal
from portal.ui import i18n

STEP = "proc.step"

_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture
def started(demo_portal: Portal) -> Portal:
    """The demo's starting state: integrated, with settings, history and error-log rows."""
    assert demo_portal.demo is not None
    demo_portal.demo.bootstrap_if_empty()
    return demo_portal


def data_of(own_world: MockWorld) -> tuple[str, ...]:
    """What the mock org names (profiles, scenarios): data, the same in both languages."""
    users = ready_users(own_world.server.backend)
    return (*scenario_names(), *{u["profile"] for u in users}, ADMIN.username, VIEWER.username)


PAGES = [
    ("streamlit_app.py", None),
    *[("procedure.py", step) for step in range(1, 11)],
    ("salesforce_integration.py", None),
    ("error_log.py", None),
    ("backups.py", None),
    ("authentication_history.py", None),
    ("demo.py", None),
]


@pytest.mark.parametrize(("page_file", "step"), PAGES)
def test_a_japanese_page_shows_no_english(
    page_app, started: Portal, own_world: MockWorld, page_file: str, step: int | None
):
    state: dict[str, object] = {i18n.LANGUAGE: "ja"}
    if step is not None:
        state[STEP] = step
    app = page_app(page_file, started, state=state).run()

    assert not app.exception
    left = [word for text in shown(app) for word in english_left(text, data=data_of(own_world))]
    assert not left, f"English on the Japanese {page_file} (step {step}): {sorted(set(left))}"


@pytest.mark.parametrize(("page_file", "step"), PAGES)
def test_an_english_page_shows_no_japanese_of_its_own(
    page_app, started: Portal, page_file: str, step: int | None
):
    state: dict[str, object] = {i18n.LANGUAGE: "en"}
    if step is not None:
        state[STEP] = step
    app = page_app(page_file, started, state=state).run()

    assert not app.exception
    leaked = [text for text in shown(app) if _JAPANESE.search(text)]
    assert not leaked, f"Japanese on the English {page_file} (step {step}): {leaked[:5]}"


def test_viewers_pages_speak_japanese_too(page_app, started: Portal, own_world: MockWorld):
    app = page_app(
        "procedure.py", started, actor=VIEWER, state={i18n.LANGUAGE: "ja", STEP: 2}
    ).run()

    assert not app.exception
    left = [word for text in shown(app) for word in english_left(text, data=data_of(own_world))]
    assert not left, sorted(set(left))
