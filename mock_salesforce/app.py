"""The ASGI app: every area's routes, and errors rendered in Salesforce's wire format."""

from __future__ import annotations

import logging

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

from mock_salesforce import control, faults, oauth_endpoints, rest, setup_pages, soap
from mock_salesforce.backend import MockBackend
from mock_salesforce.body_limits import BodyLimitMiddleware
from mock_salesforce.errors import (
    JSON_CONTENT_TYPE,
    OAuthError,
    SalesforceError,
    not_found,
    oauth_error_response,
    rest_error_response,
)
from mock_salesforce.paths import PathNormalizer

log = logging.getLogger(__name__)


async def _salesforce_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return rest_error_response(exc)


async def _oauth_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OAuthError)
    return oauth_error_response(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return rest_error_response(
            SalesforceError(
                "METHOD_NOT_ALLOWED",
                f"HTTP Method '{request.method}' not allowed.",
                status=405,
            )
        )
    if exc.status_code == 404:
        return rest_error_response(not_found())
    return rest_error_response(
        SalesforceError("UNKNOWN_EXCEPTION", str(exc.detail), status=exc.status_code)
    )


async def _client_gone(request: Request, exc: Exception) -> Response:
    # The client went away mid-request (a killed process, say): nobody reads the answer, and
    # it is not the mock's error.
    log.debug("client disconnected during %s %s", request.method, request.url.path)
    return Response(status_code=400)


async def _unexpected(request: Request, exc: Exception) -> Response:
    # A mock bug: still answer in Salesforce's shape, and say where to look.
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return JSONResponse(
        [
            {
                "message": "An unexpected error occurred in the mock org.",
                "errorCode": "UNKNOWN_EXCEPTION",
                "fields": [],
            }
        ],
        status_code=500,
        media_type=JSON_CONTENT_TYPE,
    )


def create_app(backend: MockBackend, *, control_token: str | None = None) -> Starlette:
    """The mock org's app over ``backend``; the same app serves the HTTPS and HTTP ports.
    With ``control_token``, the control plane (``/mock-api/``) requires it."""
    app = Starlette(
        routes=[
            *rest.ROUTES,
            *oauth_endpoints.ROUTES,
            *soap.ROUTES,
            *setup_pages.ROUTES,
            *control.ROUTES,
        ],
        exception_handlers={
            SalesforceError: _salesforce_error,
            OAuthError: _oauth_error,
            HTTPException: _http_error,
            ClientDisconnect: _client_gone,
            Exception: _unexpected,
        },
    )
    app.state.backend = backend
    app.add_middleware(faults.FaultMiddleware, faults=backend.faults)
    app.add_middleware(BodyLimitMiddleware)
    app.add_middleware(control.ControlPlaneGuard, backend=backend, token=control_token)
    # Outermost: faults and routes see the path as Salesforce reads it (no `//`).
    app.add_middleware(PathNormalizer)
    return app
