"""Data in messages is literal Markdown: ``t()`` escapes every data parameter (not messages,
numbers or times), ``plain()`` leaves it as it is for widgets that show text as it is, and the
escapes read back exactly as the value was stored. The browser proof (what Chromium draws from
it) is ``tests/e2e/portal/test_portal_hostile_org.py``."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from portal.domain.text import msg
from portal.ui import i18n
from portal.ui.markup import WORD_JOINER, literal, literal_code, unescaped

HOSTILE = (
    "**x** [a](https://evil.example) <img src=x> :red[y] $z$ admin@acme.example "
    "![i](https://evil.example/p.png) www.evil.example :material/warning: :smile: a -> b "
    "_em_ `co` ~~s~~ &lt;b&gt; | c | \\ # h"
)


@pytest.fixture(autouse=True)
def english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "en")


def _unescaped_punctuation(markdown: str) -> list[str]:
    """ASCII punctuation not preceded by a backslash (escapes and code spans skipped)."""
    bare = re.sub(r"(?<!\\)(`+)[^`]+\1", "", markdown)
    bare = re.sub(r"\\[!-/:-@\[-`{-~]", "", bare)
    return re.findall(r"[!-/:-@\[-`{-~]", bare)


def test_every_markdown_character_of_a_value_is_escaped_and_reads_back_as_stored():
    shown = literal(HOSTILE)

    assert _unescaped_punctuation(shown) == []
    assert unescaped(shown) == HOSTILE


def test_the_rewrites_streamlit_makes_after_parsing_cannot_match():
    shown = literal("admin@acme.example www.x.example https://x :smile: :material/x: a -> b")
    # An email address is a code span (no autolink there; a copy is the address itself).
    assert shown.startswith("`admin@acme.example` ")
    text = unescaped(shown.replace(WORD_JOINER, "\0"))  # joiners kept visible for the test
    assert "www\0.x.example" in text
    assert "https:\0//x" in text
    assert ":\0smile:" in text and ":\0material/x:" in text
    assert "-\0>" in text


def test_line_breaks_and_leading_blanks_start_no_block():
    shown = literal("    indented\n# heading\n\n- item")
    assert shown.startswith("&#32;&#32;&#32;&#32;indented")
    assert "\n#" not in shown and "\n-" not in shown
    assert unescaped(shown) == "    indented\n# heading\n- item"


def test_a_code_span_holds_any_value_exactly():
    assert literal_code("a`b") == "``a`b``"
    assert literal_code("`x") == "`` `x ``"
    assert literal_code(" x ") == "`  x  `"
    assert literal_code("") == ""


def test_t_escapes_data_parameters_and_leaves_messages_numbers_and_times_alone():
    when = datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    shown = i18n.t(
        msg(
            "Integrated with **{org}** (`{org_id}`) as **{username}** since {since}.",
            org="**Evil** [x](https://evil.example)",
            org_id="00D`x",
            username="mallory@evil.example",
            since=when,
        )
    )
    assert shown.startswith("Integrated with **\\*\\*Evil\\*\\* \\[x\\]")
    assert "(``00D`x``)" in shown
    assert " as **`mallory@evil.example`** since " in shown
    assert shown.endswith(f" since {i18n.when(when)}.")
    assert i18n.t(msg("Saved. {result}", result=msg("Done **now**"))) == "Saved. Done **now**"
    assert i18n.t(msg("{count} items", count=1234)) == "1,234 items"


def test_plain_gives_the_same_words_with_data_as_it_is():
    message = msg("Backup of {org} ({user})", org="**A** <b>", user="a@b.example")
    assert i18n.plain(message) == "Backup of **A** <b> (a@b.example)"
    assert unescaped(i18n.t(message)) == i18n.plain(message)
