"""WHERE and HAVING conditions to SQL, with every value type-checked against its field and
bound as a parameter.

SOQL semantics kept here: string comparisons are case-insensitive, ``!=`` and ``NOT IN`` also
match null values, ``''`` means null, ids compare by their 18-character form, a date token
covers whole UTC days (for a datetime field too), and a picklist literal matching one of the
field's values compares with that value exactly (picklist fields store their defined values).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, time
from enum import Enum
from typing import Any

from mock_salesforce.ids import is_valid_id, normalize_id
from mock_salesforce.schema import FieldDef, FieldType
from mock_salesforce.schema.model import NUMERIC_TYPES
from mock_salesforce.soql import ast
from mock_salesforce.soql.literals import LiteralError, date_token_range
from mock_salesforce.soql.problems import QueryError, invalid_field, malformed
from mock_salesforce.soql.scope import Statement


class Kind(Enum):
    ID = "id"
    TEXT = "text"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    BOOLEAN = "boolean"
    NUMBER = "number"
    DATE = "date"
    DATETIME = "datetime"


def kind_of(field_type: FieldType) -> Kind:
    if field_type in (FieldType.ID, FieldType.REFERENCE):
        return Kind.ID
    if field_type is FieldType.PICKLIST:
        return Kind.PICKLIST
    if field_type is FieldType.MULTIPICKLIST:
        return Kind.MULTIPICKLIST
    if field_type is FieldType.BOOLEAN:
        return Kind.BOOLEAN
    if field_type in NUMERIC_TYPES:
        return Kind.NUMBER
    if field_type is FieldType.DATE:
        return Kind.DATE
    if field_type is FieldType.DATETIME:
        return Kind.DATETIME
    return Kind.TEXT


_TEXT_KINDS = (Kind.ID, Kind.TEXT, Kind.PICKLIST, Kind.MULTIPICKLIST)


@dataclass(frozen=True)
class Typed:
    """An operand resolved to SQL, with the field (or aggregate) that gives it a type."""

    sql: str
    field: FieldDef
    pos: ast.Pos


Resolver = Callable[[ast.Operand], Typed]
SemiJoinCompiler = Callable[[ast.SemiJoin, Typed], str]

_BIGINT = 2**63


def _type_word(field: FieldDef) -> str:
    return {
        Kind.BOOLEAN: "boolean",
        Kind.DATE: "date",
        Kind.DATETIME: "dateTime",
        Kind.NUMBER: "integer" if field.type is FieldType.INT else "double",
    }.get(kind_of(field.type), "string")


def _wrong_type(field: FieldDef, value: ast.Value) -> QueryError:
    quoted = kind_of(field.type) in _TEXT_KINDS
    should = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
    return invalid_field(
        f"value of filter criterion for field '{field.name}' must be of type "
        f"{_type_word(field)} and {should}",
        value.pos,
    )


def _bad_operator(field: FieldDef, op: str, pos: ast.Pos) -> QueryError:
    return QueryError(
        "INVALID_QUERY_FILTER_OPERATOR",
        f"invalid operator on {_type_word(field)} field: {op} on {field.name}",
        pos,
    )


class Conditions:
    """Compiles conditions of one statement; operands come from ``resolve``."""

    def __init__(
        self, stmt: Statement, *, resolve: Resolver, semi_join: SemiJoinCompiler | None
    ) -> None:
        self.stmt = stmt
        self.resolve = resolve
        self.semi_join = semi_join

    def compile(self, cond: ast.Condition) -> str:
        if isinstance(cond, ast.And):
            return "(" + " AND ".join(self.compile(c) for c in cond.items) + ")"
        if isinstance(cond, ast.Or):
            return "(" + " OR ".join(self.compile(c) for c in cond.items) + ")"
        if isinstance(cond, ast.Not):
            return f"(NOT {self.compile(cond.item)})"
        if isinstance(cond, ast.SemiJoin):
            if self.semi_join is None:
                raise malformed(
                    "Nesting of semi join sub-selects is not supported", cond.query.sobject_pos
                )
            return self.semi_join(cond, self.resolve(cond.operand))
        typed = self.resolve(cond.operand)
        if isinstance(cond, ast.Comparison):
            return self._compare(typed, cond.op, cond.value)
        if isinstance(cond, ast.Like):
            return self._like(typed, cond.value)
        if isinstance(cond, ast.InList):
            return self._in(typed, cond.values, negated=cond.negated)
        return self._includes(typed, cond)

    # -- values ----------------------------------------------------------------------------
    def _scalar(self, typed: Typed, value: ast.Value) -> Any:
        """The Python value to bind for ``value`` compared with ``typed``'s field."""
        kind = kind_of(typed.field.type)
        if kind in _TEXT_KINDS:
            if not isinstance(value, ast.StringValue):
                raise _wrong_type(typed.field, value)
            if kind is Kind.ID and value.value:
                if not is_valid_id(value.value):
                    raise QueryError(
                        "INVALID_QUERY_FILTER_OPERATOR",
                        f"invalid ID field: {value.value}",
                        value.pos,
                    )
                return normalize_id(value.value)
            return value.value
        if kind is Kind.BOOLEAN and isinstance(value, ast.BoolValue):
            return value.value
        if kind is Kind.NUMBER and isinstance(value, ast.NumberValue):
            number = value.value
            return float(number) if isinstance(number, int) and abs(number) >= _BIGINT else number
        if kind is Kind.DATE and isinstance(value, ast.DateValue):
            return value.value
        if kind is Kind.DATETIME and isinstance(value, ast.DateTimeValue):
            return value.value
        raise _wrong_type(typed.field, value)

    def _comparable(self, typed: Typed, scalar: Any) -> tuple[str, str]:
        """SQL for the operand and the bound value, both in the form SOQL compares them."""
        kind = kind_of(typed.field.type)
        if kind is Kind.PICKLIST:
            canonical = _canonical_picklist(typed.field, scalar)
            if canonical is not None:
                return typed.sql, self.stmt.add(canonical)
        if kind in (Kind.TEXT, Kind.PICKLIST):
            return f"lower({typed.sql})", self.stmt.add(scalar.lower())
        if kind is Kind.MULTIPICKLIST:
            return (
                f"list_sort(string_split(lower({typed.sql}), ';'))",
                f"list_sort(string_split({self.stmt.add(scalar.lower())}, ';'))",
            )
        return typed.sql, self.stmt.add(scalar)

    def _range(self, typed: Typed, token: ast.DateLiteral) -> tuple[str, str]:
        kind = kind_of(typed.field.type)
        if kind not in (Kind.DATE, Kind.DATETIME):
            raise _wrong_type(typed.field, token)
        try:
            start, end = date_token_range(token.name, token.n, today=self.stmt.ctx.today)
        except LiteralError as exc:
            raise malformed(str(exc), token.pos) from exc
        if kind is Kind.DATETIME:
            return (
                self.stmt.add(datetime.combine(start, time())),
                self.stmt.add(datetime.combine(end, time())),
            )
        return self.stmt.add(start), self.stmt.add(end)

    # -- operators -------------------------------------------------------------------------
    def _compare(self, typed: Typed, op: ast.CompareOp, value: ast.Value) -> str:
        x = typed.sql
        kind = kind_of(typed.field.type)
        if isinstance(value, ast.NullValue):
            if op is ast.CompareOp.EQ:
                return f"({x} IS NULL)"
            if op is ast.CompareOp.NE:
                return f"({x} IS NOT NULL)"
            return "FALSE"
        ordering = op not in (ast.CompareOp.EQ, ast.CompareOp.NE)
        if ordering and kind in (Kind.BOOLEAN, Kind.MULTIPICKLIST):
            raise _bad_operator(typed.field, op.value, value.pos)
        if isinstance(value, ast.DateLiteral):
            start, end = self._range(typed, value)
            return {
                ast.CompareOp.EQ: f"({x} >= {start} AND {x} < {end})",
                ast.CompareOp.NE: f"({x} IS NULL OR {x} < {start} OR {x} >= {end})",
                ast.CompareOp.LT: f"({x} < {start})",
                ast.CompareOp.LE: f"({x} < {end})",
                ast.CompareOp.GT: f"({x} >= {end})",
                ast.CompareOp.GE: f"({x} >= {start})",
            }[op]
        scalar = self._scalar(typed, value)
        if scalar == "" and kind in _TEXT_KINDS:
            # Salesforce stores no empty strings: '' is null.
            if op is ast.CompareOp.EQ:
                return f"({x} IS NULL OR {x} = '')"
            if op is ast.CompareOp.NE:
                return f"({x} IS NOT NULL AND {x} <> '')"
        left, right = self._comparable(typed, scalar)
        if op is ast.CompareOp.EQ:
            return f"({left} = {right})"
        if op is ast.CompareOp.NE:
            return f"({x} IS NULL OR {left} <> {right})"
        return f"({left} {op.value} {right})"

    def _like(self, typed: Typed, value: ast.Value) -> str:
        kind = kind_of(typed.field.type)
        if kind not in (Kind.TEXT, Kind.PICKLIST):
            raise _bad_operator(typed.field, "LIKE", typed.pos)
        if isinstance(value, ast.NullValue):
            return "FALSE"
        if not isinstance(value, ast.StringValue):
            raise _wrong_type(typed.field, value)
        return f"({typed.sql} ILIKE {self.stmt.add(value.like_pattern)} ESCAPE '\\')"

    def _in(self, typed: Typed, values: tuple[ast.Value, ...], *, negated: bool) -> str:
        x = typed.sql
        kind = kind_of(typed.field.type)
        with_null = False
        ranges: list[str] = []
        scalars: list[Any] = []
        for value in values:
            if isinstance(value, ast.NullValue):
                with_null = True
            elif isinstance(value, ast.DateLiteral):
                start, end = self._range(typed, value)
                ranges.append(f"({x} >= {start} AND {x} < {end})")
            else:
                scalar = self._scalar(typed, value)
                if scalar == "" and kind in _TEXT_KINDS:
                    with_null = True
                else:
                    scalars.append(scalar)
        parts = list(ranges)
        if scalars:
            parts.append(self._in_scalars(typed, scalars))
        if with_null:
            parts.append(f"{x} IS NULL")
        matched = "(" + " OR ".join(parts) + ")"
        if not negated:
            return matched
        if with_null:
            return f"(NOT {matched})"
        return f"({x} IS NULL OR NOT {matched})"

    def _in_scalars(self, typed: Typed, scalars: list[Any]) -> str:
        kind = kind_of(typed.field.type)
        if kind is Kind.PICKLIST:
            canonical = [_canonical_picklist(typed.field, s) for s in scalars]
            if all(c is not None for c in canonical):
                return f"{typed.sql} IN ({', '.join(self.stmt.add(c) for c in canonical)})"
        pairs = [self._comparable(typed, s) for s in scalars]
        return f"{pairs[0][0]} IN ({', '.join(right for _, right in pairs)})"

    def _includes(self, typed: Typed, cond: ast.Includes) -> str:
        if kind_of(typed.field.type) is not Kind.MULTIPICKLIST:
            raise QueryError(
                "INVALID_QUERY_FILTER_OPERATOR",
                "includes or excludes operator only valid on multipicklist field",
                typed.pos,
            )
        selected = f"string_split(lower(coalesce({typed.sql}, '')), ';')"
        terms = []
        for value in cond.values:
            if not isinstance(value, ast.StringValue):
                raise _wrong_type(typed.field, value)
            parts = [p.strip().lower() for p in value.value.split(";") if p.strip()]
            if not parts:
                continue
            terms.append(
                "("
                + " AND ".join(f"list_contains({selected}, {self.stmt.add(p)})" for p in parts)
                + ")"
            )
        matched = "(" + (" OR ".join(terms) or "FALSE") + ")"
        if cond.excludes:
            return f"({typed.sql} IS NULL OR NOT {matched})"
        return matched


def _canonical_picklist(field: FieldDef, value: str) -> str | None:
    lowered = value.lower()
    for candidate in field.picklist_values:
        if candidate.lower() == lowered:
            return candidate
    return None
