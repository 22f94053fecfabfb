"""Mapping what Salesforce and the HTTP stack say onto the portal's own errors
(:mod:`portal.domain.gateway_errors`), once, at the gateway.

Messages come from Salesforce's error bodies, which never echo credentials, and URLs are
reduced to their path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError

from portal.domain.gateway_errors import (
    DAILY_ALLOWANCE,
    OAuthFailure,
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceLimitError,
    SalesforceOAuthError,
    SalesforcePermissionError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from portal.domain.text import Text, msg

# Salesforce's OAuth error codes (redirects and token endpoint) and what they mean here.
_OAUTH_CODES: dict[str, OAuthFailure] = {
    "access_denied": OAuthFailure.ACCESS_DENIED,
    "oauth_app_blocked": OAuthFailure.APP_BLOCKED,
    "oauth_app_access_denied": OAuthFailure.USER_NOT_APPROVED,
    "invalid_app_access": OAuthFailure.USER_NOT_APPROVED,
    "redirect_uri_mismatch": OAuthFailure.REDIRECT_URI_MISMATCH,
    "invalid_client_id": OAuthFailure.INVALID_CLIENT,
    "invalid_client_credentials": OAuthFailure.INVALID_CLIENT,
    "invalid_grant": OAuthFailure.INVALID_GRANT,
    "invalid_request": OAuthFailure.INVALID_REQUEST,
    "unsupported_response_type": OAuthFailure.INVALID_REQUEST,
    "unsupported_grant_type": OAuthFailure.INVALID_REQUEST,
    "invalid_scope": OAuthFailure.INVALID_REQUEST,
    "inactive_user": OAuthFailure.INACTIVE_USER,
    "inactive_org": OAuthFailure.INACTIVE_ORG,
}


def oauth_error(
    *, error: str, description: str | None = None, status: int | None = None
) -> SalesforceOAuthError:
    """The portal's error for an OAuth ``error``/``error_description`` pair from Salesforce."""
    description = description or ""
    code = error.strip()
    said = description.lower()
    if code.lower() in {"invalid_client", "oauth_approval_error_generic"} and "install" in said:
        # Salesforce reuses generic codes for the 2025 "uninstalled app" rule.
        reason = OAuthFailure.APP_NOT_INSTALLED
    elif "admin approved" in said:
        reason = OAuthFailure.USER_NOT_APPROVED
    elif code.lower() == "invalid_client":
        reason = OAuthFailure.INVALID_CLIENT
    else:
        reason = _OAUTH_CODES.get(code.lower(), OAuthFailure.UNKNOWN)
    return SalesforceOAuthError(
        reason=reason, error_code=code or "UNKNOWN", detail=description, status=status
    )


# ---- REST errors ---------------------------------------------------------------------------

_PERMISSION_CODES = frozenset(
    {
        "INSUFFICIENT_ACCESS",
        "INSUFFICIENT_ACCESS_OR_READONLY",
        "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY",
        "API_DISABLED_FOR_ORG",
        "API_CURRENTLY_DISABLED",
        "FUNCTIONALITY_NOT_ENABLED",
        "INSUFFICIENT_PRIVILEGES",
    }
)


def _first_error(content: Any) -> tuple[str, str, tuple[str, ...]]:
    """(errorCode, message, fields) of Salesforce's ``[{message, errorCode, fields}]`` body."""
    entry: Any = content[0] if isinstance(content, list) and content else content
    if isinstance(entry, Mapping):
        code = str(entry.get("errorCode") or entry.get("error") or "")
        message = str(entry.get("message") or entry.get("error_description") or "")
        raw_fields = entry.get("fields") or ()
        fields = tuple(str(f) for f in raw_fields) if isinstance(raw_fields, list) else ()
        return code, message, fields
    if isinstance(entry, bytes):
        entry = entry.decode("utf-8", "replace")
    text = str(entry or "").strip()
    # Some endpoints (userinfo) answer with a bare code such as "Bad_OAuth_Token".
    return (text if text and " " not in text and len(text) < 64 else ""), text[:500], ()


def _permission_message(code: str, message: str) -> Text:
    if code in {"API_DISABLED_FOR_ORG", "API_CURRENTLY_DISABLED"}:
        return msg(
            "The integrated Salesforce user cannot use the API: give their profile or a "
            'permission set "API Enabled" (and check the org\'s edition allows API access).'
        )
    if message:
        return msg(
            "The integrated Salesforce user lacks access to do this ({detail}). Grant it through "
            "the user's profile or a permission set, or integrate with a user who has it.",
            detail=message,
        )
    return msg(
        "The integrated Salesforce user lacks access to do this. Grant it through the user's "
        "profile or a permission set, or integrate with a user who has it."
    )


def from_error_body(*, status: int, content: Any) -> SalesforceGatewayError:
    """The portal's error for a failed REST answer: HTTP ``status`` and the decoded body."""
    code, message, fields = _first_error(content)
    if status == 401 or code in {"INVALID_SESSION_ID", "Bad_OAuth_Token"}:
        return SalesforceAuthError(
            error_code=code or "INVALID_SESSION_ID",
            user_message=msg(
                "The portal's connection to Salesforce has expired or was revoked. Click "
                '"Integrate" on the Basic settings tab to connect again.'
            ),
            detail=message,
            status=status,
        )
    if code == "REQUEST_LIMIT_EXCEEDED":
        if message.startswith(DAILY_ALLOWANCE):
            said = msg(
                "This Salesforce org has used its daily API allowance, so the portal is not "
                "asking again. Salesforce counts a rolling 24 hours: requests become available "
                "again as earlier ones age out. See Setup > Company Information > API "
                "Requests, Last 24 Hours."
            )
        else:
            said = msg(
                "Salesforce is running too many long requests for this org at once, and was "
                "still busy after retries. Try again in a minute."
            )
        return SalesforceLimitError(
            error_code=code, user_message=said, detail=message, status=status
        )
    if code in _PERMISSION_CODES:
        return SalesforcePermissionError(
            error_code=code,
            user_message=_permission_message(code, message),
            detail=message,
            status=status,
            fields=fields,
        )
    if status >= 500:
        return SalesforceUnavailable(
            error_code=code or f"HTTP_{status}",
            user_message=msg(
                "Salesforce is not answering properly right now (it kept failing after "
                "retries). Try again in a few minutes; if it persists, check "
                "status.salesforce.com."
            ),
            detail=message,
            status=status,
        )
    return SalesforceRequestError(
        error_code=code or f"HTTP_{status}",
        user_message=_request_message(code, message),
        detail=message,
        status=status,
        fields=fields,
    )


def _request_message(code: str, message: str) -> Text:
    if code in {"NOT_FOUND", "INVALID_TYPE"}:
        return msg(
            "Salesforce says this object or record does not exist in the org, or the "
            "integrated user cannot see it ({detail}).",
            detail=message or code,
        )
    if code == "INVALID_FIELD":
        return msg(
            "Salesforce says a field does not exist on the object, or the integrated user "
            "cannot read it ({detail}).",
            detail=message,
        )
    return msg("Salesforce refused the request: {detail}.", detail=message or code)


def from_simple_salesforce(exc: SimpleSalesforceError) -> SalesforceGatewayError:
    """The portal's error for an exception raised by simple-salesforce."""
    return from_error_body(status=int(exc.status), content=exc.content)


def from_transport(exc: requests.RequestException) -> SalesforceUnavailable:
    """The portal's error when no usable HTTP answer came back at all."""
    if isinstance(exc, requests.exceptions.SSLError):
        return SalesforceUnavailable(
            error_code="TLS_ERROR",
            user_message=msg(
                "The portal does not trust the certificate Salesforce presented. For a real "
                "org, check REQUESTS_CA_BUNDLE (corporate proxy CA); for the mock org, check "
                "the configured mock CA bundle path."
            ),
            detail=type(exc).__name__,
        )
    if isinstance(exc, requests.Timeout):
        code = "TIMEOUT"
        said = msg(
            "Salesforce did not answer in time. Check the network and the configured login URL, "
            "then try again."
        )
    else:
        code = "CONNECTION_FAILED"
        said = msg(
            "Salesforce could not be reached. Check the network and the configured login URL, "
            "then try again."
        )
    return SalesforceUnavailable(error_code=code, user_message=said, detail=type(exc).__name__)


def from_response(response: requests.Response) -> SalesforceGatewayError:
    """The portal's error for a failed answer of an endpoint called without simple-salesforce."""
    try:
        content: Any = response.json()
    except ValueError:
        content = response.text
    if response.status_code >= 500:
        return from_error_body(status=response.status_code, content=content)
    if isinstance(content, Mapping) and "error" in content and "errorCode" not in content:
        if response.status_code == 401 or response.status_code == 403:
            return from_error_body(
                status=401,
                content=[
                    {
                        "errorCode": "INVALID_SESSION_ID",
                        "message": str(content.get("error_description") or content["error"]),
                    }
                ],
            )
        return oauth_error(
            error=str(content["error"]),
            description=str(content.get("error_description") or ""),
            status=response.status_code,
        )
    if response.status_code == 403 and isinstance(content, str) and "OAuth" in content:
        return from_error_body(status=401, content=content)
    return from_error_body(status=response.status_code, content=content)
