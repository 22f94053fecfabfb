"""SOQL text to :mod:`~mock_salesforce.soql.ast` values, by an LALR grammar (lark).

Keywords are case-insensitive; lark's contextual lexer lets a keyword-like word be a field
name where no keyword is expected (``SELECT Last FROM ...``). Syntax errors become
``MALFORMED_QUERY`` naming the unexpected token, as Salesforce words it.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from lark import Lark, Token, Transformer
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from mock_salesforce.soql import ast
from mock_salesforce.soql.literals import (
    LiteralError,
    is_date_token,
    parse_date,
    parse_datetime,
    unescape,
)
from mock_salesforce.soql.problems import QueryError, malformed

GRAMMAR = r"""
start: query

query: _SELECT select_list _FROM NAME NAME? where? with_? group_by? having? order_by? limit? \
       offset? for_*

select_list: select_item ("," select_item)*
?select_item: field_path            -> select_field
            | func_call NAME?       -> select_function
            | "(" query ")"         -> select_subquery

where: _WHERE condition
with_: _WITH NAME
group_by: _GROUP _BY field_path ("," field_path)*
having: _HAVING condition
order_by: _ORDER _BY order_item ("," order_item)*
order_item: operand direction? nulls?
direction: ASC | DESC
nulls: _NULLS (FIRST | LAST)
limit: _LIMIT NUMBER
offset: _OFFSET NUMBER
for_: _FOR (VIEW | REFERENCE | UPDATE)

// SOQL will not mix AND and OR without parentheses, so neither binds tighter.
?condition: cond_term
          | cond_term (_AND cond_term)+     -> and_
          | cond_term (_OR cond_term)+      -> or_
?cond_term: predicate
          | "(" condition ")"
          | _NOT cond_term                  -> not_
?predicate: operand COMP_OP value                  -> compare
          | operand _LIKE value                     -> like
          | operand _IN "(" value_list ")"          -> in_list
          | operand _NOT _IN "(" value_list ")"     -> not_in_list
          | operand _IN "(" query ")"               -> semi_join
          | operand _NOT _IN "(" query ")"          -> anti_join
          | operand _INCLUDES "(" value_list ")"    -> includes
          | operand _EXCLUDES "(" value_list ")"    -> excludes
value_list: value ("," value)*
?operand: field_path | func_call
field_path: NAME ("." NAME)*
func_call: NAME "(" field_path? ")"
?value: STRING                      -> string
      | NUMBER                      -> number
      | DATE                        -> date
      | DATETIME                    -> datetime
      | NULL                        -> null
      | TRUE                        -> true
      | FALSE                       -> false
      | NAME (":" NUMBER)?          -> date_token

// Keywords end at a word boundary and outrank NAME where both may follow.
_SELECT.2: /SELECT\b/i
_FROM.2: /FROM\b/i
_WHERE.2: /WHERE\b/i
_WITH.2: /WITH\b/i
_GROUP.2: /GROUP\b/i
_BY.2: /BY\b/i
_HAVING.2: /HAVING\b/i
_ORDER.2: /ORDER\b/i
_NULLS.2: /NULLS\b/i
_LIMIT.2: /LIMIT\b/i
_OFFSET.2: /OFFSET\b/i
_FOR.2: /FOR\b/i
_AND.2: /AND\b/i
_OR.2: /OR\b/i
_NOT.2: /NOT\b/i
_LIKE.2: /LIKE\b/i
_IN.2: /IN\b/i
_INCLUDES.2: /INCLUDES\b/i
_EXCLUDES.2: /EXCLUDES\b/i
ASC.2: /ASC\b/i
DESC.2: /DESC\b/i
FIRST.2: /FIRST\b/i
LAST.2: /LAST\b/i
VIEW.2: /VIEW\b/i
REFERENCE.2: /REFERENCE\b/i
UPDATE.2: /UPDATE\b/i
NULL.2: /NULL\b/i
TRUE.2: /TRUE\b/i
FALSE.2: /FALSE\b/i

COMP_OP: /<>|!=|<=|>=|=|<|>/
NAME: /[A-Za-z][A-Za-z0-9_]*/
STRING: /'(?:[^'\\]|\\.)*'/s
DATETIME.3: /\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})/
DATE.2: /\d{4}-\d{2}-\d{2}/
NUMBER: /[+-]?(\d+(\.\d*)?|\.\d+)/

%ignore /[ \t\r\n\f]+/
"""

#: Salesforce's LIMIT and OFFSET are 32-bit integers.
_MAX_INT = 2**31 - 1


def _pos(token: Token) -> ast.Pos:
    return ast.Pos(token.line or 1, token.column or 1)


def _number(token: Token) -> int | float:
    text = str(token)
    if "." in text:
        return float(text)
    return int(text)


def _wrap_literal(token: Token, convert: Any) -> Any:
    try:
        return convert(str(token))
    except LiteralError as exc:
        raise malformed(str(exc), _pos(token)) from exc


class _ToAst(Transformer[Token, Any]):
    """Builds AST values as the parser reduces (inline, so no parse tree is kept)."""

    # -- fields and calls ------------------------------------------------------------------
    def field_path(self, items: list[Token]) -> ast.FieldPath:
        return ast.FieldPath(tuple(str(t) for t in items), _pos(items[0]))

    def func_call(self, items: list[Any]) -> ast.FuncCall:
        name: Token = items[0]
        arg = items[1] if len(items) > 1 else None
        return ast.FuncCall(str(name).upper(), arg, _pos(name))

    # -- values ----------------------------------------------------------------------------
    def string(self, items: list[Token]) -> ast.StringValue:
        value, pattern = _wrap_literal(items[0], unescape)
        return ast.StringValue(value, pattern, _pos(items[0]))

    def number(self, items: list[Token]) -> ast.NumberValue:
        return ast.NumberValue(_number(items[0]), str(items[0]), _pos(items[0]))

    def date(self, items: list[Token]) -> ast.DateValue:
        return ast.DateValue(_wrap_literal(items[0], parse_date), _pos(items[0]))

    def datetime(self, items: list[Token]) -> ast.DateTimeValue:
        return ast.DateTimeValue(_wrap_literal(items[0], parse_datetime), _pos(items[0]))

    def null(self, items: list[Token]) -> ast.NullValue:
        return ast.NullValue(_pos(items[0]))

    def true(self, items: list[Token]) -> ast.BoolValue:
        return ast.BoolValue(True, _pos(items[0]))

    def false(self, items: list[Token]) -> ast.BoolValue:
        return ast.BoolValue(False, _pos(items[0]))

    def date_token(self, items: list[Token]) -> ast.DateLiteral:
        name = items[0]
        has_n = len(items) > 1
        if not is_date_token(str(name), has_n):
            raise malformed(f"unexpected token: '{name}'", _pos(name))
        n = None
        if has_n:
            number = items[1]
            text = str(number)
            if not text.isdigit() or int(text) > _MAX_INT:
                raise malformed(f"unexpected token: '{text}'", _pos(number))
            n = int(text)
        return ast.DateLiteral(str(name).upper(), n, _pos(name))

    def value_list(self, items: list[ast.Value]) -> tuple[ast.Value, ...]:
        return tuple(items)

    # -- conditions ------------------------------------------------------------------------
    def compare(self, items: list[Any]) -> ast.Comparison:
        operand, op, value = items
        text = "!=" if str(op) == "<>" else str(op)
        return ast.Comparison(operand, ast.CompareOp(text), value)

    def like(self, items: list[Any]) -> ast.Like:
        return ast.Like(items[0], items[1])

    def in_list(self, items: list[Any]) -> ast.InList:
        return ast.InList(items[0], False, items[1])

    def not_in_list(self, items: list[Any]) -> ast.InList:
        return ast.InList(items[0], True, items[1])

    def semi_join(self, items: list[Any]) -> ast.SemiJoin:
        return ast.SemiJoin(items[0], False, items[1])

    def anti_join(self, items: list[Any]) -> ast.SemiJoin:
        return ast.SemiJoin(items[0], True, items[1])

    def includes(self, items: list[Any]) -> ast.Includes:
        return ast.Includes(items[0], False, items[1])

    def excludes(self, items: list[Any]) -> ast.Includes:
        return ast.Includes(items[0], True, items[1])

    def and_(self, items: list[ast.Condition]) -> ast.And:
        return ast.And(tuple(items))

    def or_(self, items: list[ast.Condition]) -> ast.Or:
        return ast.Or(tuple(items))

    def not_(self, items: list[ast.Condition]) -> ast.Not:
        return ast.Not(items[0])

    # -- clauses ---------------------------------------------------------------------------
    def select_field(self, items: list[ast.FieldPath]) -> ast.SelectField:
        return ast.SelectField(items[0])

    def select_function(self, items: list[Any]) -> ast.SelectFunction:
        alias = str(items[1]) if len(items) > 1 else None
        return ast.SelectFunction(items[0], alias)

    def select_subquery(self, items: list[ast.Query]) -> ast.SelectSubquery:
        return ast.SelectSubquery(items[0])

    def select_list(self, items: list[ast.SelectItem]) -> tuple[ast.SelectItem, ...]:
        return tuple(items)

    def where(self, items: list[ast.Condition]) -> tuple[str, ast.Condition]:
        return ("where", items[0])

    def with_(self, items: list[Token]) -> tuple[str, str]:
        name = items[0]
        if str(name).upper() not in ("SECURITY_ENFORCED", "USER_MODE", "SYSTEM_MODE"):
            raise malformed(f"unexpected token: '{name}'", _pos(name))
        return ("with", str(name).upper())

    def group_by(self, items: list[ast.FieldPath]) -> tuple[str, tuple[ast.FieldPath, ...]]:
        return ("group_by", tuple(items))

    def having(self, items: list[ast.Condition]) -> tuple[str, ast.Condition]:
        return ("having", items[0])

    def direction(self, items: list[Token]) -> tuple[str, bool]:
        return ("descending", items[0].type == "DESC")

    def nulls(self, items: list[Token]) -> tuple[str, bool]:
        return ("nulls_first", items[0].type == "FIRST")

    def order_item(self, items: list[Any]) -> ast.OrderItem:
        options = dict(items[1:])
        return ast.OrderItem(items[0], options.get("descending", False), options.get("nulls_first"))

    def order_by(self, items: list[ast.OrderItem]) -> tuple[str, tuple[ast.OrderItem, ...]]:
        return ("order_by", tuple(items))

    def _count(self, token: Token) -> int:
        text = str(token)
        if not text.isdigit() or int(text) > _MAX_INT:
            raise malformed(f"unexpected token: '{text}'", _pos(token))
        return int(text)

    def limit(self, items: list[Token]) -> tuple[str, int]:
        return ("limit", self._count(items[0]))

    def offset(self, items: list[Token]) -> tuple[str, int]:
        return ("offset", self._count(items[0]))

    def for_(self, items: list[Token]) -> tuple[str, str]:
        return ("for", str(items[0]).upper())

    def query(self, items: list[Any]) -> ast.Query:
        select, sobject = items[0], items[1]
        rest = items[2:]
        alias = None
        if rest and isinstance(rest[0], Token):
            alias = str(rest[0])
            rest = rest[1:]
        clauses = dict(rest)
        return ast.Query(
            items=select,
            sobject=str(sobject),
            sobject_pos=_pos(sobject),
            alias=alias,
            where=clauses.get("where"),
            group_by=clauses.get("group_by", ()),
            having=clauses.get("having"),
            order_by=clauses.get("order_by", ()),
            limit=clauses.get("limit"),
            offset=clauses.get("offset"),
        )

    def start(self, items: list[ast.Query]) -> ast.Query:
        return items[0]


_PARSER = Lark(GRAMMAR, parser="lalr", transformer=_ToAst(), maybe_placeholders=False)


def _end_pos(source: str) -> ast.Pos:
    lines = source.split("\n")
    return ast.Pos(len(lines), len(lines[-1]) + 1)


def _syntax_error(error: UnexpectedInput, source: str) -> QueryError:
    if isinstance(error, UnexpectedToken):
        token = error.token
        if token.type == "$END":
            return malformed("unexpected token: '<EOF>'", _end_pos(source))
        return malformed(f"unexpected token: '{token}'", _pos(token))
    if isinstance(error, UnexpectedCharacters):
        # Salesforce reports lexer errors without the echo, with a 0-based column.
        return malformed(
            f"line {error.line}:{max(error.column - 1, 0)} no viable alternative at "
            f"character '{error.char}'"
        )
    if isinstance(error, UnexpectedEOF):
        return malformed("unexpected token: '<EOF>'", _end_pos(source))
    return malformed("unexpected token")


#: Statements up to this length are cached parsed (clients repeat the same few queries).
_CACHED_LENGTH = 4096


def parse(source: str) -> ast.Query:
    """The statement's AST; raises :class:`QueryError` (MALFORMED_QUERY) for bad syntax."""
    if len(source) <= _CACHED_LENGTH:
        return _parse_cached(source)
    return _parse(source)


@lru_cache(maxsize=1024)
def _parse_cached(source: str) -> ast.Query:
    return _parse(source)


def _parse(source: str) -> ast.Query:
    try:
        result: Any = _PARSER.parse(source)
    except UnexpectedInput as exc:
        raise _syntax_error(exc, source) from None
    assert isinstance(result, ast.Query)
    return result
