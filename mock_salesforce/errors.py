"""Salesforce errors as typed exceptions, rendered in Salesforce's own wire format in one place.

REST errors are a JSON list ``[{"message", "errorCode", "fields"}]``; OAuth errors are
``{"error", "error_description"}``. Handlers raise; :func:`rest_error_response` and
:func:`oauth_error_response` render.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from starlette.responses import JSONResponse

JSON_CONTENT_TYPE = "application/json;charset=UTF-8"
#: How much of a value the caller sent an error message repeats, at most.
EXCERPT_CHARS = 100
#: No error message is longer than this, whatever it quotes.
MAX_MESSAGE_CHARS = 1000


def excerpt(value: str, *, limit: int = EXCERPT_CHARS) -> str:
    """At most ``limit`` characters of ``value`` (then ``...``): what an error may repeat of
    something the caller sent, so a huge value is never echoed back whole."""
    return value if len(value) <= limit else value[:limit] + "..."


class SalesforceError(Exception):
    """An error Salesforce reports as ``[{"message","errorCode","fields"}]``."""

    def __init__(
        self,
        error_code: str,
        message: str,
        *,
        status: int = 400,
        fields: Sequence[str] = (),
    ) -> None:
        message = excerpt(message, limit=MAX_MESSAGE_CHARS)
        super().__init__(f"{error_code}: {message}")
        self.error_code = error_code
        self.message = message
        self.status = status
        self.fields = list(fields)

    def as_dict(self) -> dict[str, Any]:
        return {"message": self.message, "errorCode": self.error_code, "fields": self.fields}

    def as_record_error(self) -> dict[str, Any]:
        """The per-record shape used by sObject Collections and create results."""
        return {"statusCode": self.error_code, "message": self.message, "fields": self.fields}


def not_found(message: str = "The requested resource does not exist") -> SalesforceError:
    return SalesforceError("NOT_FOUND", message, status=404)


def invalid_session() -> SalesforceError:
    return SalesforceError("INVALID_SESSION_ID", "Session expired or invalid", status=401)


def invalid_type(type_name: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_TYPE", f"sObject type '{excerpt(type_name)}' is not supported.", status=400
    )


def invalid_field(field: str, entity: str) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD",
        f"No such column '{excerpt(field)}' on entity '{excerpt(entity)}'. If you are "
        "attempting to use a custom field, be sure to append the '__c' after the custom "
        "field name. Please reference your WSDL or the describe call for the appropriate "
        "names.",
        status=400,
    )


def malformed_query(message: str) -> SalesforceError:
    return SalesforceError("MALFORMED_QUERY", message, status=400)


def json_parser_error(message: str) -> SalesforceError:
    return SalesforceError("JSON_PARSER_ERROR", message, status=400)


def request_limit_exceeded() -> SalesforceError:
    return SalesforceError("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.", status=403)


def insufficient_access(
    message: str = "insufficient access rights on object id",
) -> SalesforceError:
    return SalesforceError("INSUFFICIENT_ACCESS_OR_READONLY", message, status=400)


class OAuthError(Exception):
    """An OAuth endpoint error: ``{"error", "error_description"}`` (status 400 unless said)."""

    def __init__(self, error: str, description: str, *, status: int = 400) -> None:
        description = excerpt(description, limit=MAX_MESSAGE_CHARS)
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description
        self.status = status

    def as_dict(self) -> dict[str, str]:
        return {"error": self.error, "error_description": self.description}


def rest_error_response(exc: SalesforceError) -> JSONResponse:
    return JSONResponse([exc.as_dict()], status_code=exc.status, media_type=JSON_CONTENT_TYPE)


def oauth_error_response(exc: OAuthError) -> JSONResponse:
    return JSONResponse(exc.as_dict(), status_code=exc.status, media_type=JSON_CONTENT_TYPE)
