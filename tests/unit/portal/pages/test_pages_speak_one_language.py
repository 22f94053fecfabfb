"""Every page in Japanese speaks Japanese only (names, IDs and Salesforce API names aside), and
every page in English shows no Japanese of the portal's own: the whole UI read from the
rendered element tree (labels, options, help, captions, alerts, table headers), over a portal
in the demo's starting state (integrated, with settings, history and error-log rows)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from language_check import english_left
from page_helpers import ADMIN, VIEWER, MockWorld, start_world
from streamlit.testing.v1 import AppTest

from mock_salesforce.control import ready_users
from mock_salesforce.scenarios import scenario_names
from portal.services.container import Portal, build_portal
from portal.ui import i18n

STEP = "proc.step"

_TEXT_FIELDS = ("label", "value", "body", "help", "placeholder", "caption", "options", "text")
#: Widgets whose value is what a person typed (data, in any language).
_TYPED = frozenset({"text_input", "text_area", "number_input", "date_input", "time_input"})
#: A Salesforce field offered as "ApiName — Label": the org's own names.
_FIELD_OPTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]* — .+$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def world() -> Iterator[MockWorld]:
    server = start_world()
    try:
        yield MockWorld(server)
    finally:
        server.stop()


@pytest.fixture
def demo_portal(world: MockWorld, data_dir: Path) -> Iterator[Portal]:
    world.write_ready_file(data_dir)
    built = build_portal(config=world.config(data_dir))
    assert built.demo is not None
    built.demo.bootstrap_if_empty()
    try:
        yield built
    finally:
        built.close()


def shown(app: AppTest) -> list[str]:
    """Every text the page shows in its element tree: labels, options, help, captions,
    alerts, table headers (as configured). Values people typed or the org supplied (text
    inputs, table cells, a field's "API name — label" option) are data, not the page's words."""
    found: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind == "dataframe" and proto is not None:
            found.extend(_headers(node))
        elif kind == "html" and str(getattr(node, "value", "")).lstrip().startswith(
            ("<style", "<script")
        ):
            pass  # styles and scripts: nothing a person reads
        else:
            for name in _TEXT_FIELDS:
                if name == "value" and (kind in _TYPED or hasattr(node, "options")):
                    continue
                try:
                    value = getattr(node, name)
                except Exception:  # an element without that field
                    continue
                if isinstance(value, str):
                    found.append(value)
                elif isinstance(value, list | tuple):
                    found.extend(str(v) for v in value if isinstance(v, str))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(app._tree)
    # The language selector is labelled in both languages, each option in its own (by design).
    bilingual = {i18n.SELECTOR_LABEL, *i18n.LANGUAGES.values()}
    return [text for text in found if not _FIELD_OPTION.match(text) and text not in bilingual]


def _headers(node: object) -> list[str]:
    config = json.loads(getattr(node, "proto").columns or "{}")  # noqa: B009
    frame = getattr(node, "value", None)
    names = [str(c) for c in getattr(frame, "columns", [])]
    headers = []
    for name in names:
        column = config.get(name, config.get(f"name:{name}", {}))
        if column is None or (isinstance(column, dict) and column.get("hidden")):
            continue
        label = column.get("label") if isinstance(column, dict) else None
        headers.append(str(label or name))
    return headers


def data_of(world: MockWorld) -> tuple[str, ...]:
    """What the mock org names (profiles, scenarios): data, the same in both languages."""
    users = ready_users(world.server.backend)
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
    page_app, demo_portal: Portal, world: MockWorld, page_file: str, step: int | None
):
    state: dict[str, object] = {i18n.LANGUAGE: "ja"}
    if step is not None:
        state[STEP] = step
    app = page_app(page_file, demo_portal, state=state).run()

    assert not app.exception
    left = [word for text in shown(app) for word in english_left(text, data=data_of(world))]
    assert not left, f"English on the Japanese {page_file} (step {step}): {sorted(set(left))}"


@pytest.mark.parametrize(("page_file", "step"), PAGES)
def test_an_english_page_shows_no_japanese_of_its_own(
    page_app, demo_portal: Portal, page_file: str, step: int | None
):
    state: dict[str, object] = {i18n.LANGUAGE: "en"}
    if step is not None:
        state[STEP] = step
    app = page_app(page_file, demo_portal, state=state).run()

    assert not app.exception
    leaked = [text for text in shown(app) if _JAPANESE.search(text)]
    assert not leaked, f"Japanese on the English {page_file} (step {step}): {leaked[:5]}"


def test_viewers_pages_speak_japanese_too(page_app, demo_portal: Portal, world: MockWorld):
    app = page_app(
        "procedure.py", demo_portal, actor=VIEWER, state={i18n.LANGUAGE: "ja", STEP: 2}
    ).run()

    assert not app.exception
    left = [word for text in shown(app) for word in english_left(text, data=data_of(world))]
    assert not left, sorted(set(left))

