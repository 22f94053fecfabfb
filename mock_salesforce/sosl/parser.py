"""SOSL text to :class:`~mock_salesforce.sosl.ast.Search`, by the SOQL grammar extended with
``FIND {…}``, ``IN … FIELDS``, ``RETURNING``, ``WITH`` and ``UPDATE`` clauses.

RETURNING's field lists, WHERE, ORDER BY, LIMIT and OFFSET are SOQL's own rules and AST, so
they accept and reject exactly what SOQL does. The braces' content is parsed by
:mod:`~mock_salesforce.sosl.terms`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark, Token
from lark.exceptions import UnexpectedInput

from mock_salesforce.soql import ast as soql
from mock_salesforce.soql.parser import GRAMMAR as SOQL_GRAMMAR

# The SOQL parser's transformer and syntax-error wording are reused as they are.
from mock_salesforce.soql.parser import _syntax_error, _ToAst
from mock_salesforce.soql.problems import QueryError
from mock_salesforce.sosl.ast import Returning, Search, SearchGroup
from mock_salesforce.sosl.problems import NO_TERM, malformed_search
from mock_salesforce.sosl.terms import TermSyntaxError, parse_terms, term_error

_SOQL_START = "start: query\n"
assert _SOQL_START in SOQL_GRAMMAR

GRAMMAR = r"""
start: search

search: _FIND SEARCH_TERM in_group? returning? search_with* limit? update_?
in_group: _IN NAME _FIELDS
returning: _RETURNING returning_item ("," returning_item)*
returning_item: NAME ("(" select_list where? order_by? limit? offset? ")")?
search_with: _WITH NAME "=" value
update_: UPDATE NAME ("," NAME)?

_FIND.2: /FIND\b/i
_RETURNING.2: /RETURNING\b/i
_FIELDS.2: /FIELDS\b/i
SEARCH_TERM: /\{(?:[^{}\\]|\\.)*\}/s
""" + SOQL_GRAMMAR.replace(_SOQL_START, "", 1)

#: ``WITH name = value`` clauses the mock accepts; the others have nothing to act on here.
_WITH_VALUES = {
    "METADATA": ("LABELS",),
    "SPELL_CORRECTION": (True, False),
}
_UPDATE_WORDS = ("TRACKING", "VIEWSTAT")


def _pos(token: Token) -> soql.Pos:
    return soql.Pos(token.line or 1, token.column or 1)


class _ToSearch(_ToAst):
    """SOQL's transformer plus the SOSL clauses."""

    def in_group(self, items: list[Token]) -> tuple[str, SearchGroup]:
        name = items[0]
        try:
            return ("group", SearchGroup(str(name).upper()))
        except ValueError:
            raise malformed_search(f"unexpected token: '{name}'", _pos(name)) from None

    def returning_item(self, items: list[Any]) -> Returning:
        name: Token = items[0]
        rest = items[1:]
        select: tuple[soql.SelectItem, ...] = ()
        if rest and isinstance(rest[0], tuple) and (not rest[0] or not isinstance(rest[0][0], str)):
            select, rest = rest[0], rest[1:]
        for item in select:
            if isinstance(item, soql.SelectSubquery):
                raise malformed_search("unexpected token: 'SELECT'", item.query.sobject_pos)
            if isinstance(item, soql.SelectFunction) and item.call.name != "FIELDS":
                raise malformed_search(f"unexpected token: '{item.call.name}'", item.call.pos)
        clauses = dict(rest)
        return Returning(
            sobject=str(name),
            pos=_pos(name),
            items=select,
            where=clauses.get("where"),
            order_by=clauses.get("order_by", ()),
            limit=clauses.get("limit"),
            offset=clauses.get("offset"),
        )

    def returning(self, items: list[Returning]) -> tuple[str, tuple[Returning, ...]]:
        return ("returning", tuple(items))

    def search_with(self, items: list[Any]) -> tuple[str, tuple[str, Any]]:
        name: Token = items[0]
        value = items[1]
        key = str(name).upper()
        raw: Any
        if isinstance(value, soql.StringValue):
            raw = value.value.upper()
        elif isinstance(value, soql.BoolValue):
            raw = value.value
        else:
            raw = None
        allowed = _WITH_VALUES.get(key)
        if allowed is None:
            raise malformed_search(f"WITH {key} is not supported by this mock org", _pos(name))
        if raw not in allowed:
            raise malformed_search(f"Invalid value for WITH {key}", _pos(name))
        return ("with", (key, raw))

    def update_(self, items: list[Token]) -> tuple[str, None]:
        for word in items[1:]:
            if str(word).upper() not in _UPDATE_WORDS:
                raise malformed_search(f"unexpected token: '{word}'", _pos(word))
        return ("update", None)

    def search(self, items: list[Any]) -> Search:
        term: Token = items[0]
        term_pos = _pos(term)
        try:
            terms = parse_terms(str(term)[1:-1])
        except TermSyntaxError as exc:
            raise term_error(exc, term_pos) from None
        clauses: dict[str, Any] = {}
        withs: dict[str, Any] = {}
        for key, value in items[1:]:
            if key == "with":
                withs[value[0]] = value[1]
            else:
                clauses[key] = value
        return Search(
            terms=terms,
            terms_pos=term_pos,
            group=clauses.get("group", SearchGroup.ALL),
            returning=clauses.get("returning", ()),
            limit=clauses.get("limit"),
            with_metadata=withs.get("METADATA") == "LABELS",
        )

    def start(self, items: list[Any]) -> Any:
        return items[0]


_PARSER = Lark(GRAMMAR, parser="lalr", transformer=_ToSearch(), maybe_placeholders=False)


def parse(source: str) -> Search:
    """The statement's AST; raises :class:`QueryError` (MALFORMED_SEARCH, or SOQL's codes
    inside RETURNING) for bad syntax."""
    return _parse_cached(source) if len(source) <= 4096 else _parse(source)


@lru_cache(maxsize=512)
def _parse_cached(source: str) -> Search:
    return _parse(source)


def _parse(source: str) -> Search:
    stripped = source.lstrip()
    if stripped[:4].upper() == "FIND" and not stripped[4:].lstrip().startswith("{"):
        raise malformed_search(NO_TERM)
    try:
        result: Any = _PARSER.parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None
    except QueryError:
        raise
    assert isinstance(result, Search)
    return result
