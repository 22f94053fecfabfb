"""Sub-requests of the composite family (``/composite``, ``/composite/batch``,
``/composite/graph``): parsed, their ``@{referenceId.path}`` references resolved, and dispatched
through the API's own routing and handlers, so every REST rule applies to them.

A composite call counts once against the API allowance, as on Salesforce: sub-requests skip
the allowance count and the session check the top-level request already passed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import unquote

from starlette.datastructures import QueryParams

from mock_salesforce.errors import SalesforceError, json_parser_error, not_found
from mock_salesforce.records import MultipleMatches, record_url
from mock_salesforce.rest import versions
from mock_salesforce.rest.context import ApiCall, ApiRequest, ApiResponse

DATA_PREFIX = "/services/data/"
METHODS = ("DELETE", "GET", "PATCH", "POST", "PUT")
#: Headers every sub-request inherits from the top-level request and may not set itself.
INHERITED_HEADERS = frozenset({"accept", "authorization", "content-type"})
_REFERENCE_ID = re.compile(r"^[A-Za-z0-9_]+$")
_REFERENCE = re.compile(r"@\{([A-Za-z0-9_]+)((?:\.[^.\[\]{}]+|\[\d+\])*)\}")
_STEP = re.compile(r"\.([^.\[\]{}]+)|\[(\d+)\]")
ROLLED_BACK_MESSAGE = (
    "The transaction was rolled back since another operation in the same transaction failed."
)


@dataclass(frozen=True)
class Subrequest:
    """One entry of ``compositeRequest``: what to call and the name its answer goes by."""

    method: str
    url: str
    reference_id: str | None
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SubResult:
    """A sub-request's answer: status, JSON body (None for 204) and response headers."""

    status: int
    body: Any
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status >= 400


class UnresolvedReference(Exception):
    """``@{ref.path}`` names no earlier successful answer, or no value in it."""

    def __init__(self, reference_id: str, path: str) -> None:
        super().__init__(reference_id)
        self.reference_id = reference_id
        self.path = path


def error_result(exc: SalesforceError) -> SubResult:
    return SubResult(exc.status, [exc.as_dict()])


def halted(message: str = ROLLED_BACK_MESSAGE, status: int = 400) -> SubResult:
    return SubResult(status, [{"errorCode": "PROCESSING_HALTED", "message": message}])


def invalid_input(message: str) -> SalesforceError:
    return SalesforceError("INVALID_INPUT", message)


# -- parsing -------------------------------------------------------------------------------
def json_list(body: Mapping[str, Any], key: str, type_name: str) -> list[Any]:
    """``body[key]`` as a list, else JSON_PARSER_ERROR naming what was expected."""
    value = body.get(key)
    if not isinstance(value, list):
        raise json_parser_error(
            f"The request body needs a '{key}' list of {type_name} at [line:1, column:1]"
        )
    return value


def json_flag(body: Mapping[str, Any], key: str, default: bool) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise json_parser_error(
            f"Cannot deserialize instance of boolean from VALUE_STRING value {value} "
            "at [line:1, column:1]"
        )
    return value


def parse_method(raw: Any) -> str:
    if not isinstance(raw, str) or raw not in METHODS:
        raise json_parser_error(
            f"Cannot deserialize value of type HttpMethod from String {json.dumps(raw)}: not "
            f"one of the values accepted for Enum class: [{', '.join(METHODS)}]"
        )
    return raw


def parse_subrequests(items: Sequence[Any]) -> list[Subrequest]:
    """``compositeRequest`` entries, checked as Salesforce checks them before running any."""
    parsed: list[Subrequest] = []
    seen: set[str] = set()
    for item in items:
        if not isinstance(item, dict):
            raise json_parser_error(
                "Cannot deserialize instance of CompositeSubrequest from a value that is not "
                "an object at [line:1, column:1]"
            )
        method = parse_method(item.get("method"))
        url = item.get("url")
        if not isinstance(url, str) or not url.strip():
            raise invalid_input("Each subrequest needs a url.")
        reference_id = item.get("referenceId")
        if not isinstance(reference_id, str) or not reference_id:
            raise invalid_input("Each subrequest needs a referenceId.")
        if not _REFERENCE_ID.match(reference_id):
            raise invalid_input(
                f"The referenceId '{reference_id}' can contain only letters, numbers and "
                "underscores."
            )
        if reference_id in seen:
            raise invalid_input(f"Duplicate referenceId provided in the request: {reference_id}")
        seen.add(reference_id)
        headers = item.get("httpHeaders") or {}
        if not isinstance(headers, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
        ):
            raise json_parser_error(
                "httpHeaders must be a map of header names to string values at [line:1, column:1]"
            )
        refused = sorted(k for k in headers if k.lower() in INHERITED_HEADERS)
        if refused:
            raise invalid_input(
                f"A subrequest can't set the {', '.join(refused)} header: it inherits the "
                "value of the top-level request."
            )
        parsed.append(Subrequest(method, url, reference_id, item.get("body"), headers))
    return parsed


def references_in(sub: Subrequest) -> set[str]:
    """The referenceIds a sub-request's url and body point at."""
    found = {m[1] for m in _REFERENCE.finditer(sub.url)}
    text = json.dumps(sub.body, ensure_ascii=False) if sub.body is not None else ""
    return found | {m[1] for m in _REFERENCE.finditer(text)}


# -- references ----------------------------------------------------------------------------
def _lookup(answers: Mapping[str, Any], reference_id: str, path: str) -> Any:
    if reference_id not in answers:
        raise UnresolvedReference(reference_id, path)
    value = answers[reference_id]
    for name, index in _STEP.findall(path):
        if name:
            if not isinstance(value, dict) or name not in value:
                raise UnresolvedReference(reference_id, path)
            value = value[name]
        else:
            position = int(index)
            if not isinstance(value, list) or position >= len(value):
                raise UnresolvedReference(reference_id, path)
            value = value[position]
    if value is None or isinstance(value, dict | list):
        raise UnresolvedReference(reference_id, path)
    return value


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value)


def substitute(value: Any, answers: Mapping[str, Any]) -> Any:
    """``value`` with every ``@{ref.path}`` replaced by the referenced answer's value; a string
    that is exactly one reference takes the value's JSON type."""
    if isinstance(value, str):
        whole = _REFERENCE.fullmatch(value)
        if whole:
            return _lookup(answers, whole[1], whole[2])
        return _REFERENCE.sub(lambda m: _as_text(_lookup(answers, m[1], m[2])), value)
    if isinstance(value, dict):
        return {k: substitute(v, answers) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, answers) for v in value]
    return value


def unresolved_message(exc: UnresolvedReference) -> str:
    where = f"{exc.reference_id}{exc.path}"
    return (
        f"Invalid reference specified. No value for {where} found in {exc.reference_id}. "
        f"Provided referenceId ('{exc.reference_id}') must name an earlier subrequest that "
        "succeeded."
    )


# -- dispatch ------------------------------------------------------------------------------
def _split_url(url: str, *, relative_ok: bool) -> tuple[str, tuple[str, ...], QueryParams]:
    """(version, path segments after it, query) of a sub-request URL, else NOT_FOUND."""
    raw_path, _, raw_query = url.strip().partition("?")
    if raw_path.startswith(DATA_PREFIX):
        raw_path = raw_path[len(DATA_PREFIX) :]
    elif relative_ok:
        raw_path = raw_path.lstrip("/")
    else:
        raise not_found()
    segments = [unquote(p) for p in raw_path.split("/") if p]
    if not segments:
        raise not_found()
    version = versions.parse_version(segments[0])
    if version is None:
        raise not_found()
    return version, tuple(segments[1:]), QueryParams(raw_query)


def dispatch(
    call: ApiCall,
    sub: Subrequest,
    *,
    relative_ok: bool = False,
    allowed: Callable[[str, tuple[str, ...]], bool] | None = None,
) -> SubResult:
    """Run one (already substituted) sub-request as the caller, through the API's routing."""
    try:
        version, path, query = _split_url(sub.url, relative_ok=relative_ok)
        if path and path[0] == "composite" and path[1:2] != ("sobjects",):
            raise not_found("A composite request can't contain another composite request.")
        if allowed is not None and not allowed(sub.method, path):
            raise invalid_input(
                f"{sub.method} {sub.url} isn't supported in this request: only sObject "
                "resources are."
            )
    except SalesforceError as exc:
        return error_result(exc)
    headers = {k.lower(): v for k, v in call.request.headers.items()}
    headers.update({k.lower(): v for k, v in sub.headers.items()})
    body = b"" if sub.body is None else json.dumps(sub.body, ensure_ascii=False).encode()
    request = ApiRequest(
        method=sub.method, api_version=version, path=path, query=query, headers=headers, body=body
    )
    try:
        handler, args = call.route(request)
        response = handler(replace(call, request=request), *args)
    except MultipleMatches as exc:
        return SubResult(
            300,
            [f"/services/data/v{version}/sobjects/{exc.sobject}/{i}" for i in exc.record_ids],
        )
    except SalesforceError as exc:
        return error_result(exc)
    return SubResult(response.status, response.body, _with_location(call, request, response))


def _with_location(call: ApiCall, request: ApiRequest, response: ApiResponse) -> dict[str, str]:
    headers = dict(response.headers)
    body = response.body
    if (
        response.status == 201
        and isinstance(body, dict)
        and isinstance(body.get("id"), str)
        and request.path[:1] == ("sobjects",)
        and len(request.path) >= 2
    ):
        obj = call.schema.get(request.path[1])
        if obj is not None:
            headers["Location"] = record_url(obj, body["id"], request.api_version)
    return headers


# -- a chain of sub-requests: /composite and each graph of /composite/graph -------------------
class _RollBack(Exception):
    """Raised inside an all-or-none transaction to undo every sub-request's writes."""


def run_chain(
    call: ApiCall,
    subs: Sequence[Subrequest],
    *,
    all_or_none: bool,
    allowed: Callable[[str, tuple[str, ...]], bool] | None = None,
) -> list[tuple[str | None, SubResult]]:
    """Each sub-request's (referenceId, result) in order. References resolve against earlier
    successful answers; with ``all_or_none`` the first failure rolls every write back and
    every other sub-request answers PROCESSING_HALTED."""
    answers: dict[str, Any] = {}
    results: list[tuple[str | None, SubResult]] = []

    def run_one(sub: Subrequest) -> SubResult:
        try:
            resolved = Subrequest(
                sub.method,
                _as_text(substitute(sub.url, answers)),
                sub.reference_id,
                substitute(sub.body, answers),
                sub.headers,
            )
        except UnresolvedReference as exc:
            return halted(unresolved_message(exc))
        result = dispatch(call, resolved, allowed=allowed)
        if not result.failed and sub.reference_id is not None:
            answers[sub.reference_id] = result.body
        return result

    if not all_or_none:
        return [(sub.reference_id, run_one(sub)) for sub in subs]
    store = call.backend.store
    try:
        with store.transaction():
            for sub in subs:
                result = run_one(sub)
                results.append((sub.reference_id, result))
                if result.failed:
                    raise _RollBack
    except _RollBack:
        failed_at = len(results) - 1
        return [
            (sub.reference_id, results[i][1] if i == failed_at else halted())
            for i, sub in enumerate(subs)
        ]
    return results


def composite_entry(reference_id: str | None, result: SubResult) -> dict[str, Any]:
    """One element of ``compositeResponse``."""
    return {
        "body": result.body,
        "httpHeaders": dict(result.headers),
        "httpStatusCode": result.status,
        "referenceId": reference_id,
    }
