"""The parsed form of a SOQL statement: immutable values the compiler checks and translates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum


@dataclass(frozen=True)
class Pos:
    """Where a token starts in the statement (1-based, as Salesforce reports it)."""

    line: int
    column: int


@dataclass(frozen=True)
class FieldPath:
    """``Name``, ``Account.Name``, ``Account.Owner.Name``: relationships, then a field."""

    names: tuple[str, ...]
    pos: Pos

    @property
    def text(self) -> str:
        return ".".join(self.names)


@dataclass(frozen=True)
class FuncCall:
    """``COUNT()``, ``COUNT(Id)``, ``MAX(CreatedDate)``, ``FIELDS(ALL)``."""

    name: str
    arg: FieldPath | None
    pos: Pos

    @property
    def text(self) -> str:
        return f"{self.name}({self.arg.text if self.arg else ''})"


Operand = FieldPath | FuncCall


# -- literal values -------------------------------------------------------------------------
@dataclass(frozen=True)
class StringValue:
    value: str
    #: The same literal as a LIKE pattern with ``\\`` as escape (``\\%`` and ``\\_`` literal).
    like_pattern: str
    pos: Pos


@dataclass(frozen=True)
class NumberValue:
    value: int | float
    text: str
    pos: Pos


@dataclass(frozen=True)
class BoolValue:
    value: bool
    pos: Pos


@dataclass(frozen=True)
class NullValue:
    pos: Pos


@dataclass(frozen=True)
class DateValue:
    value: date
    pos: Pos


@dataclass(frozen=True)
class DateTimeValue:
    #: Naive UTC, as the store keeps datetimes.
    value: datetime
    pos: Pos


@dataclass(frozen=True)
class DateLiteral:
    """A relative date token: ``TODAY``, ``LAST_N_DAYS:30``..."""

    name: str
    n: int | None
    pos: Pos


Value = StringValue | NumberValue | BoolValue | NullValue | DateValue | DateTimeValue | DateLiteral


# -- conditions -----------------------------------------------------------------------------
class CompareOp(StrEnum):
    EQ = "="
    NE = "!="
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="


@dataclass(frozen=True)
class Comparison:
    operand: Operand
    op: CompareOp
    value: Value


@dataclass(frozen=True)
class Like:
    operand: Operand
    value: Value


@dataclass(frozen=True)
class InList:
    operand: Operand
    negated: bool
    values: tuple[Value, ...]


@dataclass(frozen=True)
class Includes:
    operand: Operand
    excludes: bool
    values: tuple[Value, ...]


@dataclass(frozen=True)
class SemiJoin:
    """``Id IN (SELECT WhoId FROM Task)``; ``negated`` for the anti-join ``NOT IN``."""

    operand: Operand
    negated: bool
    query: Query


@dataclass(frozen=True)
class And:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Condition, ...]


@dataclass(frozen=True)
class Not:
    item: Condition


Condition = Comparison | Like | InList | Includes | SemiJoin | And | Or | Not


# -- statement ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SelectField:
    path: FieldPath


@dataclass(frozen=True)
class SelectFunction:
    call: FuncCall
    alias: str | None


@dataclass(frozen=True)
class SelectSubquery:
    query: Query


SelectItem = SelectField | SelectFunction | SelectSubquery


@dataclass(frozen=True)
class OrderItem:
    operand: Operand
    descending: bool
    #: None: Salesforce's default (nulls first ascending, last descending).
    nulls_first: bool | None


@dataclass(frozen=True)
class Query:
    items: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: Pos
    alias: str | None
    where: Condition | None
    group_by: tuple[FieldPath, ...]
    having: Condition | None
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None
