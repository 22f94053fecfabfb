"""What a page shows, read from its element tree, and whether a Japanese page still holds
English (``language_check``: names, IDs, API names and data a test names aside)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable

from language_check import english_left as english_words
from streamlit.testing.v1 import AppTest

from portal.ui import i18n
from portal.ui.markup import unescaped

_TEXT_FIELDS = ("label", "value", "body", "help", "placeholder", "caption", "options", "text")
#: Widgets whose value is what a person typed (data, in any language).
_TYPED = frozenset({"text_input", "text_area", "number_input", "date_input", "time_input"})
#: A Salesforce field offered as "ApiName — Label": the org's own names.
_FIELD_OPTION = re.compile(r"^[A-Za-z][A-Za-z0-9_]* — .+$")
_JAPANESE = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def english_left(texts: Iterable[str], *, data: Iterable[str] = ()) -> list[str]:
    """The texts that still hold an English word once names and ``data`` are taken out."""
    known = tuple(data)
    return [text for text in texts if english_words(text, data=known)]


def everything_shown(app: AppTest) -> list[str]:
    """Every text the page shows in its element tree: labels, options, help, captions,
    alerts, table headers (as configured). Values people typed or the org supplied (text
    inputs, table cells, a field's "API name — label" option) are data, not the page's words."""
    found: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        kind = getattr(node, "type", "")
        if kind == "dataframe" and proto is not None:
            found.extend(_headers(node))
        elif kind in ("code", "json"):
            pass  # code blocks and JSON views show data (logins, a backup), not the page's words
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
    # Read as a person reads them: the escapes that keep data literal in Markdown taken out.
    read = [unescaped(text) for text in found]
    return [text for text in read if not _FIELD_OPTION.match(text) and text not in bilingual]


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
