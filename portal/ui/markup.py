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
  escapes are resolved, so an invisible WORD JOINER (U+2060) goes where the pattern would match.
  It is not drawn, adds no line break, and the text reads exactly as stored.

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
# :material/…:, :streamlit:, https://), "www" before ".", before "@" (email autolinks), and
# inside the arrows "->", "<-", "--", ">=", "<=", "~=".
_REWRITES: Final = re.compile(r"(?<=:)(?=[\w/+-])|(?i:(?<=www)(?=\.))|(?=@)|(?<=[-<>~])(?=[->=])")
_LINE_BREAKS: Final = re.compile(r"[ \t]*(?:\r\n|\r|\n)\s*")
_LEADING_BLANKS: Final = re.compile(r"^[ \t]+")
_BACKTICKS: Final = re.compile(r"`+")
_ESCAPED: Final = re.compile(r"\\([!-/:-@\[-`{-~])")
_CHARACTER_REFERENCE: Final = re.compile(r"&#(\d+);")


def literal(value: object) -> str:
    """``value`` as Markdown that Streamlit shows as exactly this text: no link, image, HTML,
    emphasis, directive, emoji, icon or math comes out of it."""
    text = _REWRITES.sub(WORD_JOINER, str(value))
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A line break is a hard break, never a new block; blanks at the start are not an
    # indented code block.
    text = _LINE_BREAKS.sub("\\\\\n", text)
    return _LEADING_BLANKS.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), text)


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
    text = _CHARACTER_REFERENCE.sub(lambda m: chr(int(m.group(1))), markdown)
    text = text.replace("\\\n", "\n")
    return _ESCAPED.sub(r"\1", text).replace(WORD_JOINER, "")
