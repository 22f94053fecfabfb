"""What a REST handler receives (the caller, their schema view, the request) and returns."""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mock_salesforce.errors import SalesforceError, excerpt, json_parser_error, not_found
from mock_salesforce.schema import ObjectDef, OrgSchema
from mock_salesforce.sessions import Principal

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

#: The HTTP methods the API's resources answer (others get METHOD_NOT_ALLOWED).
API_METHODS = ("GET", "HEAD", "POST", "PATCH", "PUT", "DELETE", "OPTIONS")


@dataclass(frozen=True)
class ApiRequest:
    """One request under ``/services/data/vNN.N/``: ``path`` is the segments after the version."""

    method: str
    api_version: str
    path: tuple[str, ...]
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class ApiResponse:
    """A handler's answer; ``body`` None means no content (204); ``bytes`` are sent as they
    are with ``media_type`` (Bulk API 2.0's CSV), anything else as JSON."""

    status: int = 200
    body: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    media_type: str | None = None


def ok(body: Any) -> ApiResponse:
    return ApiResponse(200, body)


def created(body: Any) -> ApiResponse:
    return ApiResponse(201, body)


def no_content() -> ApiResponse:
    return ApiResponse(204, None)


class _NonFinite(ValueError):
    """``NaN``, ``Infinity`` or a number too large for a double."""

    def __init__(self, message: str, token: str) -> None:
        super().__init__(message)
        self.token = token


def _refuse_constant(name: str) -> Any:
    raise _NonFinite(
        f"Non-standard token '{name}': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS "
        "to allow",
        name,
    )


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(f"Numeric value ({excerpt(text)}) out of range of double", text)
    return value


def _position(text: str, token: str) -> str:
    """Salesforce's ``at [line:, column:]`` of the first ``token`` in ``text`` outside a
    string (good enough for one offending number)."""
    index = -1
    for match in re.finditer(re.escape(token), text):
        if text.count('"', 0, match.start()) % 2 == 0:
            index = match.start()
            break
    if index < 0:
        return "at [line:1, column:1]"
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"at [line:{line}, column:{column}]"


def parse_json_body(raw: bytes) -> Any:
    """The decoded JSON body, or ``JSON_PARSER_ERROR`` as Salesforce reports a bad body
    (``NaN``, ``Infinity`` and numbers beyond a double, like ``1e999``, included)."""
    if not raw.strip():
        raise json_parser_error(
            "The HTTP entity body is required, but this request has no entity body."
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise json_parser_error(
            f"Invalid UTF-8 start byte 0x{raw[exc.start]:02x} at [line:1, column:{exc.start + 1}]"
        ) from None
    try:
        body = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        raise json_parser_error(
            f"Unexpected character: {exc.msg} at [line:{exc.lineno}, column:{exc.colno}]"
        ) from None
    except _NonFinite as exc:
        raise json_parser_error(f"{exc} {_position(text, exc.token)}") from None
    except ValueError as exc:
        raise json_parser_error(f"{excerpt(str(exc))} at [line:1, column:1]") from None
    except RecursionError:
        raise json_parser_error("Maximum nesting depth exceeded at [line:1, column:1]") from None
    # A \\u escape can decode to half a surrogate pair, which no UTF-8 store accepts.
    if "\\u" in text and not _encodable(body):
        raise json_parser_error("Invalid Unicode surrogate in a \\u escape at [line:1, column:1]")
    return body


def _encodable(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(_encodable(k) and _encodable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_encodable(v) for v in value)
    return True


#: A resource's handler: the call, then the path's parameters.
Handler = Callable[..., ApiResponse]
#: The API's routing: a request's handler and path parameters (raises NOT_FOUND or
#: METHOD_NOT_ALLOWED).
Router = Callable[[ApiRequest], tuple[Handler, tuple[str, ...]]]


@dataclass(frozen=True)
class ApiCall:
    """An authenticated call: the backend, who is calling, what they can see, the request, and
    the API's routing (composite sub-requests go through it)."""

    backend: MockBackend
    principal: Principal
    schema: OrgSchema
    request: ApiRequest
    route: Router

    @property
    def org_id(self) -> str:
        return self.principal.org_id

    @property
    def user_id(self) -> str:
        return self.principal.user_id

    @property
    def api_version(self) -> str:
        return self.request.api_version

    @property
    def base_path(self) -> str:
        """``/services/data/vNN.N`` of this request (root-relative, as Salesforce's URLs are)."""
        return f"/services/data/v{self.api_version}"

    def param(self, name: str) -> str | None:
        return self.request.query.get(name)

    def flag(self, name: str) -> bool:
        return (self.param(name) or "").strip().lower() == "true"

    def json_body(self) -> Any:
        return parse_json_body(self.request.body)

    def json_object(self, type_name: str) -> dict[str, Any]:
        """The body as a JSON object (an sObject's field values)."""
        body = self.json_body()
        if not isinstance(body, dict):
            token = "START_ARRAY" if isinstance(body, list) else "VALUE_STRING"
            raise json_parser_error(
                f"Cannot deserialize instance of {type_name} from {token} value "
                "at [line:1, column:1]"
            )
        return body

    @property
    def body_text(self) -> str:
        return self.request.body.decode("utf-8", errors="replace")

    def sobject(self, name: str) -> ObjectDef:
        """The caller's view of sObject ``name``; NOT_FOUND when they have no such object."""
        obj = self.schema.get(name)
        if obj is None:
            raise not_found()
        return obj


def method_not_allowed(method: str, allowed: tuple[str, ...]) -> SalesforceError:
    shown = ("HEAD", *allowed) if "GET" in allowed else allowed
    return SalesforceError(
        "METHOD_NOT_ALLOWED",
        f"HTTP Method '{method}' not allowed. Allowed are {','.join(shown)}",
        status=405,
    )
