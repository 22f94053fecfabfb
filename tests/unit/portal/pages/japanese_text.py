"""What a Japanese page must not show: English sentences. Names, ids, API names, usernames,
placeholders and the product names MiiTel and Salesforce are allowed; so is data a test names
(an org's name, a Subject someone typed)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from streamlit.testing.v1 import AppTest

_ALLOWED = (
    re.compile(r"`[^`]*`"),  # code spans: ids, API names
    re.compile(r":[a-z]+\[:material/[a-z_]+:\]"),  # coloured icons
    re.compile(r":material/[a-z_]+:"),
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),  # usernames and email addresses
    re.compile(r"https?://\S+"),
    re.compile(r"\{[a-z_]+\}"),  # Subject placeholders
    re.compile(r"\b[A-Za-z]+(?:_[A-Za-z0-9]+)+(?:__c)?\b"),  # API names with underscores
    re.compile(r"\b(?:MiiTel|Salesforce|ToDo|JSON|URL|API|ID|JST|UTC|describe)\b"),
)
# Two English words in a row make a phrase no Japanese page should show.
_ENGLISH_PHRASE = re.compile(r"\b[A-Za-z]{2,}[ ,'’]+[A-Za-z]{2,}\b")


def english_left(texts: Iterable[str], *, data: Iterable[str] = ()) -> list[str]:
    """The texts that still hold an English phrase once names and ``data`` are taken out."""
    known = sorted(data, key=len, reverse=True)
    left = []
    for text in texts:
        stripped = text
        for value in known:
            stripped = stripped.replace(value, " ")
        for pattern in _ALLOWED:
            stripped = pattern.sub(" ", stripped)
        if _ENGLISH_PHRASE.search(stripped):
            left.append(text)
    return left


def everything_shown(app: AppTest) -> list[str]:
    """Every text of the page: titles, markdown, captions, alerts, tabs, and each widget's
    label, help and choices."""
    shown: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text"):
        shown += [str(element.value) for element in getattr(app, kind)]
    for kind in ("success", "info", "warning", "error", "exception"):
        shown += [str(element.value) for element in getattr(app, kind)]
    shown += [tab.label for tab in app.tabs]
    shown += [expander.label for expander in app.expander]
    for kind in ("button", "toggle", "checkbox", "radio", "selectbox", "text_input"):
        for widget in getattr(app, kind):
            shown.append(str(widget.label))
            shown.append(str(getattr(widget, "help", "") or ""))
            shown += [str(option) for option in getattr(widget, "options", None) or []]
    for button in app.get("download_button"):
        shown.append(button.proto.label)
    return [text for text in shown if text]
