"""The catalogs and the UI's rendering of messages: translation, parameters that are data or
messages, plurals, numbers, and times in the person's zone."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.adapters import catalogs
from portal.domain.text import Text, msg, plural_msg
from portal.ui import i18n


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "ja")


@pytest.fixture
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "en")


def test_a_message_is_english_text_and_keeps_what_translates_it():
    message = msg("Integrated with the org {org}.", org="Acme <b>Japan</b>")
    assert message == "Integrated with the org Acme <b>Japan</b>."
    assert isinstance(message, Text)
    assert message.msgid == "Integrated with the org {org}."
    assert message.params == {"org": "Acme <b>Japan</b>"}


def test_english_plurals_follow_the_count():
    assert plural_msg("{count} field", "{count} fields", 1) == "1 field"
    assert plural_msg("{count} field", "{count} fields", 3) == "3 fields"


def test_japanese_comes_from_the_catalog(japanese):
    assert i18n.t("Save") == "保存"
    assert i18n._("Remove integration") == "連携を解除"


def test_data_parameters_are_shown_as_they_are_and_message_parameters_translated(
    japanese, monkeypatch: pytest.MonkeyPatch
):
    fake = catalogs.gettext.GNUTranslations.__new__(catalogs.gettext.GNUTranslations)
    fake._catalog = {  # type: ignore[attr-defined]
        "Integrated with the org {org}.": "組織 {org} と連携しました。",
        "Save": "保存",
    }
    fake.plural = lambda n: 0  # type: ignore[attr-defined]
    fake._fallback = None  # type: ignore[attr-defined]
    monkeypatch.setattr(i18n, "catalog", lambda language: fake)
    # An org name that looks like a message id is data: never translated.
    assert i18n.t(msg("Integrated with the org {org}.", org="Save")) == "組織 Save と連携しました。"
    assert (
        i18n.t(msg("Integrated with the org {org}.", org=msg("Save")))
        == "組織 保存 と連携しました。"
    )


def test_numbers_use_the_locales_grouping(english):
    assert i18n.number(1234567) == "1,234,567"


def test_times_are_shown_in_tokyo_in_japanese(japanese):
    shown = i18n.when(datetime(2026, 12, 5, 15, 30, tzinfo=UTC))
    assert shown.startswith("2026/12/06 00:30:00")
    assert "JST" in shown


def test_times_are_shown_in_utc_in_english_without_a_browser_zone(english):
    shown = i18n.when(datetime(2026, 12, 5, 15, 30, tzinfo=UTC))
    assert shown.startswith("2026/12/05 15:30:00")
    assert "UTC" in shown


def test_every_message_in_the_code_has_a_japanese_translation():
    """Catalog completeness: a string added without its Japanese fails here."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parents[3] / "scripts" / "catalogs.py"
    spec = importlib.util.spec_from_file_location("catalogs_script", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.missing("ja") == []


def test_every_translation_keeps_the_placeholders_of_its_message():
    """A Japanese text that drops or renames a ``{name}`` would lose a value or fail to
    format on the page."""
    placeholder = re.compile(r"\{(\w+)\}")
    checked = 0
    for message in catalogs.merged("ja"):
        if not message.id:
            continue
        ids = (message.id,) if isinstance(message.id, str) else tuple(message.id)
        strings = (message.string,) if isinstance(message.string, str) else message.string
        english = set().union(*(placeholder.findall(i) for i in ids))
        for japanese in strings:
            assert set(placeholder.findall(japanese)) <= english | {"count"}, ids[0]
            assert set(placeholder.findall(ids[-1])) <= set(placeholder.findall(japanese)), ids[0]
        checked += 1
    assert checked > 700
