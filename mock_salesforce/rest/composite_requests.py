"""``/composite`` (up to 25 chained sub-requests, all-or-none when asked) and
``/composite/batch`` (up to 25 independent sub-requests, halting on error when asked)."""

from __future__ import annotations

from typing import Any

from mock_salesforce.errors import SalesforceError, json_parser_error
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok
from mock_salesforce.rest.subrequests import (
    DATA_PREFIX,
    Subrequest,
    SubResult,
    composite_entry,
    dispatch,
    json_flag,
    json_list,
    parse_method,
    parse_subrequests,
    run_chain,
)

MAX_SUBREQUESTS = 25
#: Of a composite's sub-requests, at most this many may be queries or sObject Collections.
MAX_QUERY_OR_COLLECTIONS = 5
_HALTED_BATCH = SubResult(
    412,
    [{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}],
)


def _body(call: ApiCall, type_name: str) -> dict[str, Any]:
    body = call.json_body()
    if not isinstance(body, dict):
        token = "START_ARRAY" if isinstance(body, list) else "VALUE_STRING"
        raise json_parser_error(
            f"Cannot deserialize instance of {type_name} from {token} value at [line:1, column:1]"
        )
    return body


def _limit_exceeded(message: str) -> ApiResponse:
    # Salesforce answers 200 with one entry, referenceId null, when the request is too big.
    entry = {
        "body": [{"errorCode": "LIMIT_EXCEEDED", "message": message}],
        "httpHeaders": {},
        "httpStatusCode": 400,
        "referenceId": None,
    }
    return ok({"compositeResponse": [entry]})


def _is_query_or_collection(sub: Subrequest) -> bool:
    path = sub.url.split("?", 1)[0]
    if path.startswith(DATA_PREFIX):
        path = path[len(DATA_PREFIX) :]
    parts = [p for p in path.split("/") if p][1:]
    return parts[:1] in (["query"], ["queryAll"]) or parts[:2] == ["composite", "sobjects"]


def resources(call: ApiCall) -> ApiResponse:
    """``GET composite``: the composite resources of this version."""
    names = ("batch", "graph", "sobjects", "tree")
    return ok({name: f"{call.base_path}/composite/{name}" for name in names})


def composite(call: ApiCall) -> ApiResponse:
    """``POST composite``: ``{allOrNone, collateSubrequests, compositeRequest}`` →
    ``{compositeResponse: [{body, httpHeaders, httpStatusCode, referenceId}]}``, always 200.

    Sub-requests run in the order given (collation may reorder unrelated ones on Salesforce,
    so in-order execution is one of the orders it allows)."""
    body = _body(call, "CompositeRequest")
    items = json_list(body, "compositeRequest", "subrequests")
    all_or_none = json_flag(body, "allOrNone", False)
    json_flag(body, "collateSubrequests", True)
    if not items:
        raise SalesforceError("INVALID_INPUT", "The compositeRequest list is empty.")
    subs = parse_subrequests(items)
    if len(subs) > MAX_SUBREQUESTS:
        return _limit_exceeded(f"The request can’t contain more than {MAX_SUBREQUESTS} operations.")
    if sum(_is_query_or_collection(s) for s in subs) > MAX_QUERY_OR_COLLECTIONS:
        return _limit_exceeded(
            f"The request can’t contain more than {MAX_QUERY_OR_COLLECTIONS} query or sObject "
            "Collections operations."
        )
    results = run_chain(call, subs, all_or_none=all_or_none)
    return ok({"compositeResponse": [composite_entry(ref, result) for ref, result in results]})


def _batch_subrequest(item: Any) -> Subrequest:
    if not isinstance(item, dict):
        raise json_parser_error(
            "Cannot deserialize instance of BatchSubrequest from a value that is not an object "
            "at [line:1, column:1]"
        )
    method = parse_method(item.get("method"))
    url = item.get("url")
    if not isinstance(url, str) or not url.strip():
        raise SalesforceError("INVALID_INPUT", "Each batch subrequest needs a url.")
    if "binaryPartName" in item:
        raise SalesforceError(
            "INVALID_INPUT",
            "Binary parts (binaryPartName) need a multipart request, which this mock org "
            "does not accept.",
        )
    return Subrequest(method, url, None, item.get("richInput"))


def batch(call: ApiCall) -> ApiResponse:
    """``POST composite/batch``: ``{batchRequests: [{method, url, richInput}], haltOnError}`` →
    ``{hasErrors, results: [{statusCode, result}]}``; each sub-request is its own transaction,
    URLs are relative to ``/services/data`` (``v59.0/sobjects/...``)."""
    body = _body(call, "BatchRequest")
    items = json_list(body, "batchRequests", "subrequests")
    halt_on_error = json_flag(body, "haltOnError", False)
    if len(items) > MAX_SUBREQUESTS:
        raise SalesforceError(
            "LIMIT_EXCEEDED",
            f"The request can’t contain more than {MAX_SUBREQUESTS} operations.",
        )
    subs = [_batch_subrequest(item) for item in items]
    results: list[SubResult] = []
    halted = False
    for sub in subs:
        result = _HALTED_BATCH if halted else dispatch(call, sub, relative_ok=True)
        results.append(result)
        halted = halted or (halt_on_error and result.failed)
    return ok(
        {
            "hasErrors": any(r.failed for r in results),
            "results": [{"statusCode": r.status, "result": r.body} for r in results],
        }
    )
