"""SOSL's errors: ``MALFORMED_SEARCH`` for bad syntax, ``INVALID_SEARCH`` for a search term
too short to run, and the SOQL codes (INVALID_FIELD, INVALID_TYPE...) for RETURNING clauses,
all echoed with the caret and ``ERROR at Row:r:Column:c`` as Salesforce renders them."""

from __future__ import annotations

from mock_salesforce.errors import SalesforceError
from mock_salesforce.soql.ast import Pos
from mock_salesforce.soql.problems import QueryError, to_salesforce

MALFORMED_SEARCH = "MALFORMED_SEARCH"
INVALID_SEARCH = "INVALID_SEARCH"
TOO_SHORT = "search term must be longer than one character"
NO_TERM = "No search term found. The search term must be enclosed in braces."


def malformed_search(message: str, pos: Pos | None = None) -> QueryError:
    return QueryError(MALFORMED_SEARCH, message, pos)


def too_short() -> SalesforceError:
    return SalesforceError(INVALID_SEARCH, TOO_SHORT, status=400)


def not_searchable(sobject: str, pos: Pos | None) -> QueryError:
    return QueryError("INVALID_TYPE", f"entity type {sobject} does not support search", pos)


def search_error(error: QueryError, source: str) -> SalesforceError:
    """The wire error of a SOSL statement; the SOQL parser's MALFORMED_QUERY becomes
    MALFORMED_SEARCH, other codes stay as SOQL reports them."""
    if error.code == "MALFORMED_QUERY":
        error = QueryError(MALFORMED_SEARCH, error.message, error.pos)
    return to_salesforce(error, source)
