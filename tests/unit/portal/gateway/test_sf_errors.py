"""Salesforce errors become the portal's own, once, each with a message an admin can act on."""

from __future__ import annotations

import pytest
import requests
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
    SalesforceResourceNotFound,
)

from portal.adapters.salesforce.errors import (
    from_error_body,
    from_response,
    from_simple_salesforce,
    from_transport,
)
from portal.domain.gateway_errors import (
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceLimitError,
    SalesforcePermissionError,
    SalesforceRequestError,
    SalesforceUnavailable,
)


def body(code: str, message: str = "msg", fields: list[str] | None = None) -> list[dict]:
    return [{"errorCode": code, "message": message, "fields": fields or []}]


@pytest.mark.parametrize(
    ("status", "code", "kind", "phrase"),
    [
        (401, "INVALID_SESSION_ID", SalesforceAuthError, "Integrate"),
        (403, "REQUEST_LIMIT_EXCEEDED", SalesforceLimitError, "too many long requests"),
        (400, "INSUFFICIENT_ACCESS_OR_READONLY", SalesforcePermissionError, "permission set"),
        (403, "INSUFFICIENT_ACCESS", SalesforcePermissionError, "lacks access"),
        (403, "API_DISABLED_FOR_ORG", SalesforcePermissionError, "API Enabled"),
        (403, "API_CURRENTLY_DISABLED", SalesforcePermissionError, "API Enabled"),
        (503, "SERVER_UNAVAILABLE", SalesforceUnavailable, "Try again"),
        (500, "UNKNOWN_EXCEPTION", SalesforceUnavailable, "status.salesforce.com"),
        (400, "INVALID_FIELD", SalesforceRequestError, "field does not exist"),
        (404, "NOT_FOUND", SalesforceRequestError, "does not exist"),
        (400, "MALFORMED_QUERY", SalesforceRequestError, "refused the request"),
    ],
)
def test_error_codes_map_to_typed_errors(
    status: int, code: str, kind: type[SalesforceGatewayError], phrase: str
) -> None:
    error = from_error_body(status=status, content=body(code, "Salesforce says so"))
    assert type(error) is kind
    assert error.error_code == code
    assert error.status == status
    assert error.detail == "Salesforce says so"
    assert phrase in error.user_message


def test_request_errors_keep_salesforce_fields_and_know_not_found() -> None:
    error = from_error_body(
        status=400,
        content=body(
            "REQUIRED_FIELD_MISSING", "Required fields are missing: [Subject]", ["Subject"]
        ),
    )
    assert isinstance(error, SalesforceRequestError)
    assert error.fields == ("Subject",)
    assert not error.is_not_found
    missing = from_error_body(status=400, content=body("INVALID_TYPE"))
    assert isinstance(missing, SalesforceRequestError) and missing.is_not_found


def test_simple_salesforce_exceptions_are_mapped_by_their_body() -> None:
    cases = [
        (SalesforceExpiredSession, 401, "INVALID_SESSION_ID", SalesforceAuthError),
        (SalesforceRefusedRequest, 403, "REQUEST_LIMIT_EXCEEDED", SalesforceLimitError),
        (SalesforceMalformedRequest, 400, "INVALID_FIELD", SalesforceRequestError),
        (SalesforceResourceNotFound, 404, "NOT_FOUND", SalesforceRequestError),
        (SalesforceGeneralError, 503, "SERVER_UNAVAILABLE", SalesforceUnavailable),
    ]
    for exc_type, status, code, kind in cases:
        # simple-salesforce stores the decoded JSON body in ``content`` despite its annotation.
        exc = exc_type("https://x/services/data/v59.0/query", status, "query", body(code))  # type: ignore[arg-type]
        mapped = from_simple_salesforce(exc)
        assert type(mapped) is kind and mapped.error_code == code


def test_a_non_json_error_body_still_maps_by_status() -> None:
    mapped = from_error_body(status=502, content="<html>Bad gateway</html>")
    assert isinstance(mapped, SalesforceUnavailable)
    assert mapped.error_code == "HTTP_502"


@pytest.mark.parametrize(
    ("exc", "code", "phrase"),
    [
        (requests.exceptions.SSLError("cert verify failed"), "TLS_ERROR", "REQUESTS_CA_BUNDLE"),
        (requests.exceptions.ReadTimeout("slow"), "TIMEOUT", "did not answer in time"),
        (requests.exceptions.ConnectTimeout("slow"), "TIMEOUT", "did not answer in time"),
        (
            requests.exceptions.ConnectionError("refused"),
            "CONNECTION_FAILED",
            "could not be reached",
        ),
    ],
)
def test_transport_failures_are_unavailable(
    exc: requests.RequestException, code: str, phrase: str
) -> None:
    mapped = from_transport(exc)
    assert isinstance(mapped, SalesforceUnavailable)
    assert mapped.error_code == code
    assert phrase in mapped.user_message


def _response(
    status: int, payload: bytes, content_type: str = "application/json"
) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = payload
    response.headers["Content-Type"] = content_type
    return response


def test_oauth_endpoint_errors_become_oauth_errors() -> None:
    mapped = from_response(
        _response(
            400, b'{"error":"invalid_grant","error_description":"expired authorization code"}'
        )
    )
    assert mapped.error_code == "invalid_grant"
    assert "Integrate" in mapped.user_message


def test_userinfo_bad_token_is_an_auth_error() -> None:
    mapped = from_response(_response(403, b"Bad_OAuth_Token", "text/plain"))
    assert isinstance(mapped, SalesforceAuthError)


def test_error_repr_and_str_carry_no_request_details() -> None:
    error = from_error_body(status=401, content=body("INVALID_SESSION_ID", "Session expired"))
    assert repr(error) == "SalesforceAuthError(error_code='INVALID_SESSION_ID', status=401)"
    assert str(error).startswith("INVALID_SESSION_ID: ")
