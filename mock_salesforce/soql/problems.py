"""Query errors with a position, rendered as Salesforce does: the offending line of the
statement, a caret under the token, ``ERROR at Row:r:Column:c``, then the message."""

from __future__ import annotations

from mock_salesforce.errors import SalesforceError, excerpt
from mock_salesforce.soql.ast import Pos

#: Lines longer than this are echoed as a window around the error, as the message must stay short.
_ECHO_WIDTH = 160


class QueryError(Exception):
    """Raised by the parser and compiler; :func:`to_salesforce` renders it for the wire."""

    def __init__(self, code: str, message: str, pos: Pos | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.pos = pos


def malformed(message: str, pos: Pos | None = None) -> QueryError:
    return QueryError("MALFORMED_QUERY", message, pos)


def invalid_field(message: str, pos: Pos | None = None) -> QueryError:
    return QueryError("INVALID_FIELD", message, pos)


def no_such_column(field: str, entity: str, pos: Pos | None) -> QueryError:
    return QueryError(
        "INVALID_FIELD",
        f"No such column '{excerpt(field)}' on entity '{excerpt(entity)}'. If you are "
        "attempting to use a "
        "custom field, be sure to append the '__c' after the custom field name. Please "
        "reference your WSDL or the describe call for the appropriate names.",
        pos,
    )


def unknown_relationship(name: str, pos: Pos | None) -> QueryError:
    return QueryError(
        "INVALID_FIELD",
        f"Didn't understand relationship '{name}' in field path. If you are attempting to use "
        "a custom relationship, be sure to append the '__r' after the custom relationship "
        "name. Please reference your WSDL or the describe call for the appropriate names.",
        pos,
    )


def unsupported_type(name: str, pos: Pos | None) -> QueryError:
    return QueryError(
        "INVALID_TYPE",
        f"sObject type '{name}' is not supported. If you are attempting to use a custom "
        "object, be sure to append the '__c' after the entity name. Please reference your "
        "WSDL or the describe call for the appropriate names.",
        pos,
    )


def unknown_child_relationship(name: str, pos: Pos | None) -> QueryError:
    return QueryError(
        "INVALID_TYPE",
        f"Didn't understand relationship '{name}' in FROM part of query call. If you are "
        "attempting to use a custom relationship, be sure to append the '__r' after the "
        "custom relationship name. Please reference your WSDL or the describe call for the "
        "appropriate names.",
        pos,
    )


def to_salesforce(error: QueryError, source: str) -> SalesforceError:
    """The wire error: message prefixed with Salesforce's echo of where the query went wrong."""
    if error.pos is None:
        return SalesforceError(error.code, error.message, status=400)
    lines = source.split("\n")
    line_no = min(max(error.pos.line, 1), len(lines))
    line = lines[line_no - 1].rstrip("\r")
    column = max(error.pos.column, 1)
    start = 0
    if len(line) > _ECHO_WIDTH:
        start = max(0, column - 1 - _ECHO_WIDTH // 2)
        line = line[start : start + _ECHO_WIDTH]
    caret = " " * (column - 1 - start) + "^"
    message = f"\n{line}\n{caret}\nERROR at Row:{line_no}:Column:{column}\n{error.message}"
    return SalesforceError(error.code, message, status=400)
