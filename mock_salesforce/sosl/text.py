"""How stored text and search terms become tokens, and when a term matches a field.

Both sides are NFKC-normalised and lower-cased (full-width ``ＡＢＣ１２３`` finds ``abc123``).
Tokens are runs of letters or of digits (``abc123`` is ``abc`` then ``123``; punctuation and
spaces separate). Chinese, Japanese and Korean text has no spaces, so Salesforce indexes it
as overlapping bigrams; a CJK run here is one token that a CJK term matches anywhere inside
(``山田`` finds ``山田太郎``), which is what bigram matching amounts to.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from mock_salesforce.sosl.terms import WILD_MANY, WILD_ONE, WILDCARDS


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3040 <= code <= 0x30FF  # Hiragana, Katakana (with ー)
        or 0x3400 <= code <= 0x4DBF
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xAC00 <= code <= 0xD7AF  # Hangul syllables
        or 0x31F0 <= code <= 0x31FF
        or 0x20000 <= code <= 0x2FA1F
        or ch == "々"
    )


def _kind(ch: str) -> str | None:
    if ch in WILDCARDS:
        return "wild"
    if is_cjk(ch):
        return "cjk"
    if ch.isdigit():
        return "digit"
    if ch.isalpha() or unicodedata.category(ch).startswith("M"):
        return "alpha"
    return None


@dataclass(frozen=True)
class Token:
    text: str
    cjk: bool


def tokenize(text: str) -> list[Token]:
    """The tokens of normalised ``text``; wildcards stay inside the token they touch."""
    tokens: list[Token] = []
    current: list[str] = []
    current_kind: str | None = None
    wild = False

    def flush() -> None:
        nonlocal current, current_kind, wild
        if current:
            tokens.append(Token("".join(current), current_kind == "cjk"))
        current, current_kind, wild = [], None, False

    for ch in text:
        kind = _kind(ch)
        if kind is None:
            flush()
        elif kind == "wild":
            current.append(ch)
            wild = True
        elif current_kind in (None, kind) or (wild and current_kind != "cjk" and kind != "cjk"):
            current.append(ch)
            current_kind = current_kind or kind
        else:
            flush()
            current.append(ch)
            current_kind = kind
    flush()
    return tokens


@lru_cache(maxsize=4096)
def _pattern(token: str) -> re.Pattern[str]:
    parts = []
    for ch in token:
        if ch == WILD_MANY:
            parts.append(".*")
        elif ch == WILD_ONE:
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


def token_matches(term: Token, stored: Token) -> bool:
    """A word term must equal a stored word (wildcards aside); a CJK term may sit anywhere
    in a stored CJK run."""
    if term.cjk:
        if not stored.cjk:
            return False
        if not any(ch in WILDCARDS for ch in term.text):
            return term.text in stored.text
        return _pattern(term.text).search(stored.text) is not None
    if stored.cjk:
        return False
    if not any(ch in WILDCARDS for ch in term.text):
        return term.text == stored.text
    return _pattern(term.text).fullmatch(stored.text) is not None


def phrase_in(terms: Sequence[Token], stored: Sequence[Token]) -> bool:
    """Whether the term tokens appear in ``stored`` one after another."""
    if not terms:
        return False
    width = len(terms)
    for start in range(len(stored) - width + 1):
        if all(token_matches(terms[k], stored[start + k]) for k in range(width)):
            return True
    return False


def literal_chars(text: str) -> int:
    """Characters of a term other than wildcards and separators."""
    return sum(1 for ch in text if ch not in WILDCARDS and _kind(ch) is not None)


def needle(text: str) -> str:
    """The longest wildcard-free stretch of a term's tokens: text every match contains."""
    best = ""
    for token in tokenize(normalize(text)):
        for piece in re.split(f"[{WILD_MANY}{WILD_ONE}]", token.text):
            if len(piece) > len(best):
                best = piece
    return best
