"""Request bodies are bounded per path, as Salesforce bounds them, and refused before they are
read whole: a ``Content-Length`` over the limit is answered at once, and a body that streams
past it (chunked, or lying about its length) is cut off at the limit.

Salesforce refuses a REST request body over 50 MB (52,428,800 bytes) with ``400
JSON_PARSER_ERROR`` "Maximum size of request reached. Maximum size of request is 52428800
bytes." Bulk API 2.0 job data (``PUT .../jobs/ingest/{id}/batches``) may be 150 MB, refused
with Bulk API's ``EXCEEDED_MAX_SIZE_REQUEST``. Other areas register their own limit with
:func:`register`; the most recently registered matching pattern wins.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mock_salesforce.bulk.errors import too_large
from mock_salesforce.bulk.ingest_jobs import MAX_UPLOAD_BYTES
from mock_salesforce.errors import JSON_CONTENT_TYPE, json_parser_error, rest_error_response
from mock_salesforce.soap import FLAVOURS, SoapFault

MB = 1024 * 1024
#: Salesforce's limit on a REST API request body.
REST_MAX_BYTES = 50 * MB
#: The SOAP login envelope is tiny; the mock reads no more than this of one.
SOAP_MAX_BYTES = 1_000_000
#: The control plane's JSON settings and the browser pages' forms.
SMALL_MAX_BYTES = 1 * MB

#: Builds the refusal of a body over ``max_bytes`` on ``path``.
Refusal = Callable[[str, int], Response]


def rest_refusal(path: str, max_bytes: int) -> Response:
    """Salesforce's answer to a REST body over the limit."""
    return rest_error_response(
        json_parser_error(
            f"Maximum size of request reached. Maximum size of request is {max_bytes} bytes."
        )
    )


def bulk_upload_refusal(path: str, max_bytes: int) -> Response:
    """Bulk API 2.0's answer to job data over its limit."""
    return rest_error_response(too_large(max_bytes // MB))


def soap_refusal(path: str, max_bytes: int) -> Response:
    letter = path.removeprefix("/services/Soap/")[:1]
    flavour = FLAVOURS.get(letter) or next(iter(FLAVOURS.values()))
    return SoapFault("Client", "The request is too large").render(flavour)


def oauth_refusal(path: str, max_bytes: int) -> Response:
    return JSONResponse(
        {"error": "invalid_request", "error_description": "request too large"},
        status_code=413,
        media_type=JSON_CONTENT_TYPE,
    )


def control_refusal(path: str, max_bytes: int) -> Response:
    return JSONResponse(
        {
            "error": "body_too_large",
            "message": f"The control plane takes bodies of at most {max_bytes} bytes.",
        },
        status_code=413,
    )


def page_refusal(path: str, max_bytes: int) -> Response:
    return Response("Request Entity Too Large", status_code=413, media_type="text/plain")


@dataclass(frozen=True)
class BodyLimit:
    """Bodies of requests whose path matches ``pattern`` may hold ``max_bytes`` at most."""

    pattern: re.Pattern[str]
    max_bytes: int
    refusal: Refusal


_lock = threading.Lock()
#: Most specific last: the last matching entry wins.
_LIMITS: list[BodyLimit] = [
    BodyLimit(re.compile(r"/"), SMALL_MAX_BYTES, page_refusal),
    BodyLimit(re.compile(r"/services/"), REST_MAX_BYTES, rest_refusal),
    BodyLimit(re.compile(r"/services/oauth2/"), SMALL_MAX_BYTES, oauth_refusal),
    BodyLimit(re.compile(r"/services/Soap/"), SOAP_MAX_BYTES, soap_refusal),
    BodyLimit(re.compile(r"/mock-api(/|$)"), SMALL_MAX_BYTES, control_refusal),
    BodyLimit(
        re.compile(r"/services/data/v[0-9.]+/jobs/ingest/[^/]+/batches/?$"),
        MAX_UPLOAD_BYTES,
        bulk_upload_refusal,
    ),
]


def register(pattern: str, max_bytes: int, refusal: Refusal = rest_refusal) -> None:
    """Bound the bodies of paths matching ``pattern`` (``re.match`` from the path's start);
    it takes precedence over every limit registered before it."""
    with _lock:
        _LIMITS.append(BodyLimit(re.compile(pattern), max_bytes, refusal))


def limit_for(path: str) -> BodyLimit:
    with _lock:
        for limit in reversed(_LIMITS):
            if limit.pattern.match(path):
                return limit
    raise LookupError(path)  # unreachable: "/" matches every path


class _TooLarge(Exception):
    """The body streamed past its limit."""


def _content_length(scope: Scope) -> int | None:
    for name, value in scope["headers"]:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


class BodyLimitMiddleware:
    """Pure ASGI middleware applying the table of :class:`BodyLimit`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        limit = limit_for(path)
        length = _content_length(scope)
        if length is not None and length > limit.max_bytes:
            await limit.refusal(path, limit.max_bytes)(scope, receive, send)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit.max_bytes:
                    raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, bounded_receive, watched_send)
        except _TooLarge:
            if started:
                raise
            await limit.refusal(path, limit.max_bytes)(scope, receive, send)
