"""SOQL over REST: ``query`` and ``queryAll`` with ``q=``, and their ``/{locator}`` pages."""

from __future__ import annotations

import re

from mock_salesforce.errors import malformed_query
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok

#: Salesforce's default and bounds for ``Sforce-Query-Options: batchSize=n``.
DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
_BATCH_SIZE = re.compile(r"(?:^|[,;\s])batchSize\s*=\s*(\d+)", re.IGNORECASE)


def batch_size(header: str | None) -> int:
    """The page size a ``Sforce-Query-Options`` header asks for, within Salesforce's bounds
    (a request below 200 or above 2,000 gets the nearest bound)."""
    match = _BATCH_SIZE.search(header or "")
    if not match:
        return DEFAULT_BATCH_SIZE
    return max(MIN_BATCH_SIZE, min(DEFAULT_BATCH_SIZE, int(match[1][:9])))


def _run(call: ApiCall, *, include_deleted: bool) -> ApiResponse:
    soql = call.param("q")
    if soql is None or not soql.strip():
        raise malformed_query("A query string has to be specified")
    if call.flag("columns"):
        # The Salesforce CLI (and the Developer Console) ask this for the result's columns.
        return ok(
            call.backend.queries.columns(
                schema=call.schema, org_id=call.org_id, soql=soql, api_version=call.api_version
            )
        )
    page = call.backend.queries.run(
        schema=call.schema,
        org_id=call.org_id,
        soql=soql,
        include_deleted=include_deleted,
        batch_size=batch_size(call.request.headers.get("sforce-query-options")),
        api_version=call.api_version,
    )
    return ok(page.as_json(api_version=call.api_version))


def query(call: ApiCall) -> ApiResponse:
    """``GET query?q=``: live rows only."""
    return _run(call, include_deleted=False)


def query_all(call: ApiCall) -> ApiResponse:
    """``GET queryAll?q=``: deleted rows too."""
    return _run(call, include_deleted=True)


def more(call: ApiCall, locator: str) -> ApiResponse:
    """``GET query/{locator}`` (or ``queryAll/{locator}``): the next page of a query."""
    page = call.backend.queries.more(
        org_id=call.org_id, locator=locator, api_version=call.api_version
    )
    return ok(page.as_json(api_version=call.api_version))
