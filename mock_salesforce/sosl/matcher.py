"""Whether one record matches a search expression, and the SQL that narrows the candidates.

A term matches a record when it matches any searched field: a word or phrase by its tokens
(:mod:`~mock_salesforce.sosl.text`), a phone term also by its digits against phone fields
(:mod:`~mock_salesforce.sosl.phones`).

Cost: phone fields are compared by key through a dictionary (one lookup per stored number,
however many numbers one search ORs together), and each stored number's key is computed
once per process (memoised). Other fields are narrowed in SQL to rows holding some term's
longest literal stretch, then checked token by token in Python.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from mock_salesforce.schema import FieldDef, FieldType
from mock_salesforce.sosl.phones import PhoneKey, phone_key
from mock_salesforce.sosl.terms import WILDCARDS, AllOf, AnyOf, Atom, Expr, Without, all_atoms
from mock_salesforce.sosl.text import Token, normalize, phrase_in, tokenize
from mock_salesforce.sosl.text import needle as longest_literal

#: Several numbers in one field ("03-1234-5678 / 090-1234-5678") are each a number.
_NUMBER_SEPARATORS = re.compile(r"[/,;、，／]|\bor\b|\bext\.?|\bx(?=\d)")
_FULL_WIDTH_OFFSET = 0xFEE0
#: Beyond this many different last-two-digit endings, filtering on them keeps most rows.
_MAX_ENDINGS = 40
#: Up to this many texts to look for, ``contains`` calls; beyond, one regular expression.
_MAX_CONTAINS = 8


@dataclass(frozen=True)
class CompiledAtom:
    atom: Atom
    tokens: tuple[Token, ...]
    phone: PhoneKey | None
    #: Text every textual match contains (lower-cased, NFKC).
    text_needle: str


def compile_atom(atom: Atom, country: str) -> CompiledAtom:
    tokens = tuple(tokenize(normalize(atom.text)))
    key = phone_key(normalize(atom.text), default_country=country) if atom.phone else None
    return CompiledAtom(atom, tokens, key, longest_literal(atom.text))


@lru_cache(maxsize=65536)
def stored_phone_keys(value: str, country: str) -> tuple[PhoneKey, ...]:
    """The keys of the numbers a stored phone value holds (usually one)."""
    normalized = normalize(value)
    keys = [phone_key(part, default_country=country) for part in [normalized]]
    parts = _NUMBER_SEPARATORS.split(normalized)
    if len(parts) > 1:
        keys += [phone_key(part, default_country=country) for part in parts]
    return tuple(k for k in dict.fromkeys(keys) if k is not None)


@lru_cache(maxsize=65536)
def _normalized(value: str) -> str:
    return normalize(value)


@lru_cache(maxsize=65536)
def _tokens(value: str) -> tuple[Token, ...]:
    return tuple(tokenize(_normalized(value)))


@dataclass
class Candidate:
    """One row's searched values."""

    values: Sequence[tuple[FieldDef, str | None]]


@dataclass
class Hits:
    """Which atoms (by position in :attr:`Matcher.atoms`) matched which fields of a row."""

    fields: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))


class Matcher:
    """Evaluates one search expression against candidate rows."""

    def __init__(self, expr: Expr, *, country: str) -> None:
        self.expr = expr
        self.country = country
        atoms = list({id(a): a for a in all_atoms(expr)}.values())
        self.atoms = [compile_atom(a, country) for a in atoms]
        self._index = {id(a): n for n, a in enumerate(atoms)}
        self._by_key: dict[PhoneKey, list[int]] = defaultdict(list)
        # Atoms by their first token, so a field is checked against the few atoms that can
        # start at one of its tokens, however many atoms the search ORs together.
        self._by_first: dict[str, list[int]] = defaultdict(list)
        self._scanned: list[int] = []
        for n, compiled in enumerate(self.atoms):
            if compiled.phone is not None:
                self._by_key[compiled.phone].append(n)
            first = compiled.tokens[0] if compiled.tokens else None
            if first is None:
                continue
            if first.cjk or any(ch in WILDCARDS for ch in first.text):
                self._scanned.append(n)
            else:
                self._by_first[first.text].append(n)

    # -- exact rules -----------------------------------------------------------------------
    def hits(self, row: Candidate) -> Hits:
        hits = Hits()
        for i, (fd, value) in enumerate(row.values):
            if not value:
                continue
            if fd.type is FieldType.PHONE and self._by_key:
                for key in stored_phone_keys(value, self.country):
                    for n in self._by_key.get(key, ()):
                        hits.fields[n].add(i)
            tokens = _tokens(value)
            possible = {n for token in tokens for n in self._by_first.get(token.text, ())}
            if self._scanned:
                text = _normalized(value)
                possible.update(n for n in self._scanned if self.atoms[n].text_needle in text)
            for n in possible:
                if i not in hits.fields.get(n, ()) and phrase_in(self.atoms[n].tokens, tokens):
                    hits.fields[n].add(i)
        return hits

    def matches(self, hits: Hits, expr: Expr | None = None) -> bool:
        expr = self.expr if expr is None else expr
        if isinstance(expr, Atom):
            return bool(hits.fields.get(self._index[id(expr)]))
        if isinstance(expr, AllOf):
            return all(self.matches(hits, item) for item in expr.items)
        if isinstance(expr, AnyOf):
            return any(self.matches(hits, item) for item in expr.items)
        assert isinstance(expr, Without)
        return self.matches(hits, expr.left) and not self.matches(hits, expr.right)

    # -- SQL prefilter ---------------------------------------------------------------------
    def prefilter(self, fields: Sequence[FieldDef], add: Callable[[object], str]) -> str:
        """A condition every matching row meets; ``add`` binds a parameter and returns its
        placeholder. A field must hold the last two digits of some phone term (keys are
        compared in Python) or some other term's literal text."""
        bound: dict[object, str] = {}

        def bind(value: object) -> str:
            if value not in bound:
                bound[value] = add(value)
            return bound[value]

        needles = sorted({n for a in self.atoms if a.phone is None and (n := a.text_needle)})
        # Every written form of a number keeps its last two digits together, and so does any
        # text where a phone term's tokens match (its last token ends with those digits).
        endings = sorted({key.national[-2:] for key in self._by_key})
        ors: list[str] = []
        for fd in fields:
            column = f'"{fd.name}"'
            if len(endings) > _MAX_ENDINGS:
                ors.append(f"{column} IS NOT NULL")
                continue
            if endings:
                ors.append(_holds_any(column, endings, bind))
            if needles:
                ors.append(_holds_any(column, needles, bind))
        return "(" + (" OR ".join(ors) or "false") + ")"


def _holds_any(column: str, needles: Sequence[str], bind: Callable[[object], str]) -> str:
    """SQL: ``column`` contains one of ``needles`` (any case, half or full width). A few are
    plain ``contains`` calls (cheap in DuckDB); many are one RE2 alternation."""
    variants = list(dict.fromkeys(v for n in needles for v in (n, _full_width(n))))
    if len(variants) > _MAX_CONTAINS:
        return f"regexp_matches({column}, {bind(_pattern(variants))})"
    lowered = f"lower({column})"
    return "(" + " OR ".join(f"contains({lowered}, {bind(v)})" for v in variants) + ")"


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + _FULL_WIDTH_OFFSET) if "!" <= c <= "~" else c for c in text)


def _re2_literal(text: str) -> str:
    out = []
    for c in text:
        if c.isalnum() or not c.isascii():
            out.append(c)
        elif c in "]\\^-":
            out.append("\\" + c)
        else:
            out.append(f"[{c}]")
    return "".join(out)


def _pattern(variants: Sequence[str]) -> str:
    """A case-insensitive RE2 alternation of literal texts."""
    return "(?i)" + "|".join(_re2_literal(v) for v in variants)
