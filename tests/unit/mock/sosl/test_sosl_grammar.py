"""The SOSL grammar: the search expression inside ``FIND {…}`` and the statement around it."""

from __future__ import annotations

import pytest

from mock_salesforce.soql import ast as soql
from mock_salesforce.soql.problems import QueryError
from mock_salesforce.sosl.ast import SearchGroup
from mock_salesforce.sosl.parser import parse
from mock_salesforce.sosl.problems import NO_TERM
from mock_salesforce.sosl.terms import (
    WILD_MANY,
    WILD_ONE,
    AllOf,
    AnyOf,
    Atom,
    Expr,
    TermSyntaxError,
    Without,
    parse_terms,
)


def _shape(expr: Expr | None) -> object:
    """A compact form: atoms as text (phone terms prefixed ``tel:``, phrases quoted)."""
    if expr is None:
        return None
    if isinstance(expr, Atom):
        text = expr.text.replace(WILD_MANY, "*").replace(WILD_ONE, "?")
        return f"tel:{text}" if expr.phone else f'"{text}"' if expr.quoted else text
    if isinstance(expr, AllOf):
        return ("AND", *(_shape(i) for i in expr.items))
    if isinstance(expr, AnyOf):
        return ("OR", *(_shape(i) for i in expr.items))
    assert isinstance(expr, Without)
    return ("AND NOT", _shape(expr.left), _shape(expr.right))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Acme", "Acme"),
        ("Joe Smith", ("AND", "Joe", "Smith")),
        ('"joe smith"', '"joe smith"'),
        ("Joe Sm*", ("AND", "Joe", "Sm*")),
        ("Sm?th*", "Sm?th*"),
        ("acme OR globex", ("OR", "acme", "globex")),
        ("a1 AND b2 OR c3", ("OR", ("AND", "a1", "b2"), "c3")),
        ("a1 OR b2 c3", ("OR", "a1", ("AND", "b2", "c3"))),
        ("acme AND NOT inc", ("AND NOT", "acme", "inc")),
        ("(acme OR globex) AND NOT inc", ("AND NOT", ("OR", "acme", "globex"), "inc")),
        ('"and" or "or"', ("OR", '"and"', '"or"')),
        ("and\\ more", "and more"),
        ("right\\*", "right*literal"),
        ("03-1234-5678", "tel:03-1234-5678"),
        ("+81 3 1234 5678", "tel:+81 3 1234 5678"),
        ("(03) 1234-5678", "tel:(03) 1234-5678"),
        ("0312345678 OR 0612345678", ("OR", "tel:0312345678", "tel:0612345678")),
        ("0312345678 0612345678", ("AND", "tel:0312345678", "tel:0612345678")),
        ("山田 太郎", ("AND", "山田", "太郎")),
        ("", None),
    ],
)
def test_search_expressions(source: str, expected: object) -> None:
    shape = _shape(parse_terms(source))
    if expected == "right*literal":
        # An escaped wildcard is a literal asterisk, not a wildcard.
        assert isinstance(shape, str) and shape == "right*"
        atom = parse_terms(source)
        assert isinstance(atom, Atom) and WILD_MANY not in atom.text
        return
    assert shape == expected


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("acme OR", "unexpected end of search term"),
        ("OR acme", "unexpected token: 'OR'"),
        ("(acme", "unexpected end of search term"),
        ("acme)", "unexpected token: ')'"),
        ('"open phrase', "unterminated quoted phrase"),
    ],
)
def test_bad_search_expressions(source: str, message: str) -> None:
    with pytest.raises(TermSyntaxError) as caught:
        parse_terms(source)
    assert caught.value.message == message


def test_a_statement_with_every_clause() -> None:
    search = parse(
        "FIND {Joe Sm*} IN NAME FIELDS RETURNING Lead(Name, Phone WHERE Status = 'Open' "
        "ORDER BY Name DESC LIMIT 5 OFFSET 2), Contact WITH METADATA='LABELS' LIMIT 20"
    )
    assert _shape(search.terms) == ("AND", "Joe", "Sm*")
    assert search.group is SearchGroup.NAME
    assert search.limit == 20 and search.with_metadata
    lead, contact = search.returning
    assert lead.sobject == "Lead" and (lead.limit, lead.offset) == (5, 2)
    assert [i.path.text for i in lead.items if isinstance(i, soql.SelectField)] == [
        "Name",
        "Phone",
    ]
    assert isinstance(lead.where, soql.Comparison) and lead.order_by[0].descending
    assert (contact.sobject, contact.items, contact.where) == ("Contact", (), None)


@pytest.mark.parametrize(
    "source",
    [
        "find {acme} in all fields returning account(name)",
        "FIND {acme} IN PHONE FIELDS",
        "FIND {acme} IN EMAIL FIELDS RETURNING Contact(Email) UPDATE TRACKING",
        "FIND {acme} IN SIDEBAR FIELDS WITH SPELL_CORRECTION = false",
        "FIND {acme} RETURNING Account(FIELDS(STANDARD))",
    ],
)
def test_accepted_statements(source: str) -> None:
    assert parse(source).terms is not None


@pytest.mark.parametrize(
    ("source", "code", "message"),
    [
        ("FIND acme", "MALFORMED_SEARCH", NO_TERM),
        ("FIND {acme} IN COMPANY FIELDS", "MALFORMED_SEARCH", "unexpected token: 'COMPANY'"),
        ("FIND {acme} RETURNING", "MALFORMED_QUERY", "unexpected token: '<EOF>'"),
        ("FIND {acme OR}", "MALFORMED_SEARCH", "unexpected end of search term"),
        (
            "FIND {acme} RETURNING Account(COUNT())",
            "MALFORMED_SEARCH",
            "unexpected token: 'COUNT'",
        ),
        (
            "FIND {acme} WITH SNIPPET = true",
            "MALFORMED_SEARCH",
            "WITH SNIPPET is not supported by this mock org",
        ),
        ("FIND {acme} UPDATE NOTHING", "MALFORMED_SEARCH", "unexpected token: 'NOTHING'"),
    ],
)
def test_rejected_statements(source: str, code: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(source)
    assert (caught.value.code, caught.value.message) == (code, message)


def test_a_term_error_points_into_the_braces() -> None:
    with pytest.raises(QueryError) as caught:
        parse("FIND {acme AND OR x}")
    assert caught.value.pos == soql.Pos(1, 16)
