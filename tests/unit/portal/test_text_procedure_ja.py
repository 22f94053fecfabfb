"""The procedure's own words in Japanese: every step text is translated, and the labels the
procedure names on screen are the glossary's one term each."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal.adapters import catalogs
from portal.domain.procedure import PROCEDURE, ProcedureStep
from portal.ui import i18n

GLOSSARY = Path(catalogs.LOCALE_DIR) / "glossary.md"
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _fixed_labels() -> dict[str, str]:
    """The glossary's ★ rows: English label -> Japanese term ("A / B" rows split in pairs)."""
    labels: dict[str, str] = {}
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 2 or "★" not in cells[0]:
            continue
        english = [part.strip() for part in cells[0].replace("★", "").split(" / ")]
        japanese = [part.strip() for part in cells[1].split(" / ")]
        assert len(english) == len(japanese), line
        labels.update(zip(english, japanese, strict=True))
    return labels


def _texts(step: ProcedureStep) -> list[str]:
    texts = [step.title, *step.instructions, *step.notes]
    for branch in step.branches:
        texts += [branch.condition, branch.instruction]
    return texts


ALL_TEXTS = [text for step in PROCEDURE for text in _texts(step)]


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "ja")


def test_the_glossary_names_the_procedures_labels():
    labels = _fixed_labels()
    for label in ("Integrate", "Remove integration", "Restore", "Save", "Allow"):
        assert label in labels
    assert labels["Turn off retrieving Salesforce contact information"] == (
        "Salesforceの連絡先情報を取得しない"
    )


@pytest.mark.parametrize("text", ALL_TEXTS)
def test_every_step_text_reads_in_japanese(japanese, text: str):
    shown = i18n.t(text)
    assert shown != text, f"no Japanese for {text!r}"
    assert _JAPANESE.search(shown)
    # Product names stay as they are in both languages.
    for name in ("MiiTel", "Salesforce"):
        assert (name in text) == (name in shown), (name, text, shown)


@pytest.mark.parametrize("step", PROCEDURE, ids=lambda s: f"step{s.number}")
def test_step_titles_are_japanese_and_distinct(japanese, step: ProcedureStep):
    titles = {i18n.t(s.title) for s in PROCEDURE}
    assert len(titles) == len(PROCEDURE)
    words = i18n.t(step.title).replace("MiiTel", "").replace("Salesforce", "")
    assert not re.search(r"[A-Za-z]{3,}", words), words


def test_labels_named_in_the_steps_use_the_glossarys_term(japanese):
    """Wherever a step's English names a fixed label ("Click Integrate.", "[Save]"), its
    Japanese uses the glossary's term for it."""
    checked = 0
    for english, term in _fixed_labels().items():
        # "Re-integrate" is not the "Integrate" button; "saved"/"restored" are not labels.
        pattern = re.compile(rf"(?<![-\w]){re.escape(english)}(?!\w)", re.IGNORECASE)
        for text in ALL_TEXTS:
            if pattern.search(text):
                checked += 1
                assert term in i18n.t(text), (english, term, text, i18n.t(text))
    assert checked >= 15


def test_a_fixed_label_translated_anywhere_is_the_glossarys_term(japanese):
    translations = catalogs.merged("ja")
    for english, term in _fixed_labels().items():
        entry = translations.get(english)
        if entry is not None and entry.string:
            assert entry.string == term, english


def test_step_7s_title_is_the_buttons_label(japanese):
    assert i18n.t(PROCEDURE[6].title) == "連携解除前の設定を復元"
    assert "[連携解除前の設定を復元]" in i18n.t(PROCEDURE[6].instructions[2])
    assert i18n.t(PROCEDURE[6].instructions[3]) == "[復元] をクリックします。"


def test_branches_point_to_the_steps_by_their_japanese_titles(japanese):
    step3 = PROCEDURE[2]
    assert i18n.t(PROCEDURE[3].title) in i18n.t(step3.branch("3-1").instruction)
    assert i18n.t(PROCEDURE[4].title) in i18n.t(step3.branch("3-2-2").instruction)
    assert "「ブロック解除」" in i18n.t(step3.branch("3-2-1").condition)


def test_english_stays_the_documents_words():
    # Outside a Japanese session (here: no Streamlit session at all) the ids are shown.
    assert i18n.t(PROCEDURE[0].title) == "Check the Salesforce Org and user to re-integrate"
