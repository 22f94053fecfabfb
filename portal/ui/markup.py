"""Data shown as literal text in Streamlit's Markdown: org names, usernames, field labels,
picklist values, record values and Salesforce's error messages are the org admins' words, not
the portal's markup.

Streamlit renders every notice, caption, label, tab, expander, toast and help text as Markdown
(react-markdown with remark-gfm, remark-math, remark-directive and remark-emoji, plus its own
plugins). Two kinds of markup reach the page from a value:

* syntax — emphasis, links, images, HTML, code, headings, lists, tables, ``:red[...]``
  directives, ``$...$`` math: a backslash before every ASCII punctuation character makes each
  one a literal character (CommonMark's escapes; Streamlit's math detection skips escaped
  ``$``).
* rewrites of the parsed text — GFM autolink literals (``admin@acme.example``,
  ``www.x.example``, ``https://…``), ``:emoji:`` shortcodes, ``:material/icon:``, the
  ``:streamlit:`` logo and the arrows Streamlit draws for ``->``: they act on the text after
  escapes are resolved. An email address (every username) becomes an inline code span, where
  none of them act and a copy is the address itself; elsewhere an invisible WORD JOINER
  (U+2060) goes where a pattern would match. It is not drawn, adds no line break, and the text
  reads exactly as stored.

Widgets that show text as it is (tables, select boxes' options, ``st.code``, ``st.text``,
charts, downloads) get the value itself, never this.
"""

from __future__ import annotations

import re
from typing import Final

#: Not drawn, no line break opportunity: splits a pattern without changing what people read.
WORD_JOINER: Final = "\u2060"
# Every ASCII punctuation character: CommonMark lets a backslash escape each one.
_PUNCTUATION: Final = re.compile(r"([!-/:-@\[-`{-~])")
# Where a rewrite of the parsed text would match: after ":" before a name or "//" (emoji,
# :material/…:, :streamlit:, https://), "www" before ".", and inside the arrows "->", "<-",
# "--", ">=", "<=", "~=".
_REWRITES: Final = re.compile(r"(?<=:)(?=[\w/+-])|(?i:(?<=www)(?=\.))|(?<=[-<>~])(?=[->=])")
# What GFM links as an email address (a superset: Python's \w is wider than JavaScript's).
_EMAIL: Final = re.compile(r"[-.\w+]+@[-\w]+(?:\.[-\w]+)+")
_LINE_BREAKS: Final = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")
_LEADING_BLANKS: Final = re.compile(r"^[ \t]+")
_BACKTICKS: Final = re.compile(r"`+")
_ESCAPED: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHARACTER_REFERENCE: Final = re.compile(r"&#(\d+);")
_CODE_EMAIL: Final = re.compile(r"(`+) ?([^`\s]*@[^`\s]*?) ?\1")


def literal(value: object) -> str:
    """``value`` as Markdown that Streamlit shows as exactly this text: no link, image, HTML,
    emphasis, directive, emoji, icon or math comes out of it."""
    text = str(value)
    parts: list[str] = []
    start = 0
    for address in _EMAIL.finditer(text):
        parts += [_escaped(text[start : address.start()]), literal_code(address.group())]
        start = address.end()
    parts.append(_escaped(text[start:]))
    # Blanks at the start are not an indented code block.
    return _LEADING_BLANKS.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), "".join(parts))


def _escaped(text: str) -> str:
    text = _REWRITES.sub(WORD_JOINER, text)
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A line break is a hard break, never a new block.
    return _LINE_BREAKS.sub("\\\\\n", text)


def literal_code(value: object) -> str:
    """``value`` as an inline code span showing exactly this text (empty: nothing)."""
    text = " ".join(str(value).splitlines())
    if not text:
        return ""
    # Streamlit rewrites ":material/" in the source, code spans included.
    text = text.replace(":material/", f":{WORD_JOINER}material/")
    longest = max((len(run) for run in _BACKTICKS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark takes one space off each end when both ends have one.
    both_blank = text[0] == " " and text[-1] == " " and text.strip() != ""
    if both_blank or text[0] == "`" or text[-1] == "`":
        text = f" {text} "
    return f"{fence}{text}{fence}"


def unescaped(markdown: str) -> str:
    """What :func:`literal` was given, from what it returned (for tests and logs)."""
    text = _CODE_EMAIL.sub(lambda m: m.group(2), markdown)
    text = _CHARACTER_REFERENCE.sub(lambda m: chr(int(m.group(1))), text)
    text = text.replace("\\\n", "\n")
    return _ESCAPED.sub(r"\1", text).replace(WORD_JOINER, "")
