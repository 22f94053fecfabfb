"""The parsed form of a SOSL statement. RETURNING clauses hold SOQL's own AST values (field
paths, conditions, ORDER BY items), so the SOQL compiler checks and runs them."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from mock_salesforce.soql import ast as soql
from mock_salesforce.sosl.terms import Expr


class SearchGroup(StrEnum):
    """``IN … FIELDS``: which fields the term is looked for in."""

    ALL = "ALL"
    NAME = "NAME"
    EMAIL = "EMAIL"
    PHONE = "PHONE"
    SIDEBAR = "SIDEBAR"


@dataclass(frozen=True)
class Returning:
    """``Obj(fields WHERE … ORDER BY … LIMIT n OFFSET m)``; no field list means Id only."""

    sobject: str
    pos: soql.Pos
    items: tuple[soql.SelectItem, ...]
    where: soql.Condition | None
    order_by: tuple[soql.OrderItem, ...]
    limit: int | None
    offset: int | None


@dataclass(frozen=True)
class Search:
    terms: Expr | None
    #: Where the term's opening brace is (term errors are placed from it).
    terms_pos: soql.Pos
    group: SearchGroup
    returning: tuple[Returning, ...]
    limit: int | None
    with_metadata: bool
