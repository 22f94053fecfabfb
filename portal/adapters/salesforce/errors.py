"""The portal's own Salesforce errors, mapped once from what Salesforce and the HTTP stack say.

Every error carries Salesforce's code (``error_code``) and a ``user_message`` an admin can act
on: a :class:`~portal.domain.text.Text` (English as its ``str``; the UI shows it in the person's
language) whose parameters hold Salesforce's own words and codes, which stay as they are.
Nothing here ever holds a token: messages come from Salesforce's error bodies, which never
echo credentials, and URLs are reduced to their path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from enum import Enum
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError

from portal.adapters.salesforce.allowance import ApiUsage
from portal.adapters.salesforce.retries import DAILY_ALLOWANCE
from portal.domain.text import N_, Text, msg

RECONNECT = N_('Click "Integrate" on the Basic settings tab to connect again.')


def reconnect(problem: str) -> Text:
    """``problem`` (a message) followed by :data:`RECONNECT`, as one translatable message."""
    return msg(
        '{problem} Click "Integrate" on the Basic settings tab to connect again.',
        problem=problem,
    )


class SalesforceGatewayError(Exception):
    """Any failure talking to Salesforce, with Salesforce's code and an actionable message."""

    def __init__(
        self,
        *,
        error_code: str,
        user_message: str,
        detail: str = "",
        status: int | None = None,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(f"{error_code}: {user_message}")
        self.error_code = error_code
        self.user_message = user_message
        #: Salesforce's own message, for logs and the error tables.
        self.detail = detail
        self.status = status
        self.fields = tuple(fields)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(error_code={self.error_code!r}, status={self.status!r})"


class SalesforceAuthError(SalesforceGatewayError):
    """The connection is no longer authorized (session and refresh token both rejected)."""


class SalesforcePermissionError(SalesforceGatewayError):
    """The integrated user or the org lacks a permission (object access, API access)."""


class SalesforceLimitError(SalesforceGatewayError):
    """The org's API request allowance is spent (``daily``), or too many of its requests run
    at once. A spent daily allowance says how far it went and when it is whole again."""

    #: When the whole daily allowance is back at the latest (None when unknown).
    recovered_by: datetime | None = None

    @property
    def daily(self) -> bool:
        return self.detail.startswith(DAILY_ALLOWANCE)


def allowance_spent(error: SalesforceLimitError, usage: ApiUsage | None) -> SalesforceLimitError:
    """``error`` (a spent daily allowance) with the usage Salesforce last reported: how many
    requests of how many, and by when the rolling 24 hours have let them all go."""
    if usage is None:
        return error
    spent = SalesforceLimitError(
        error_code=error.error_code,
        user_message=msg(
            "This Salesforce org has used its daily API allowance ({used} of {maximum} "
            "requests in the last 24 hours), so the portal is not asking again. Salesforce "
            "counts a rolling 24 hours: requests become available again as earlier ones age "
            "out, and the whole allowance is back by {recovered_by} at the latest. See Setup > "
            "Company Information > API Requests, Last 24 Hours.",
            used=usage.used,
            maximum=usage.maximum,
            recovered_by=usage.recovered_by,
        ),
        detail=error.detail,
        status=error.status,
    )
    spent.recovered_by = usage.recovered_by
    return spent


class SalesforceUnavailable(SalesforceGatewayError):
    """Salesforce could not be reached or kept failing (timeouts, 5xx after retries, TLS)."""


class SalesforceRequestError(SalesforceGatewayError):
    """Salesforce refused a request for another reason (bad field, unknown object, ...)."""

    @property
    def is_not_found(self) -> bool:
        return self.error_code in {"NOT_FOUND", "INVALID_TYPE"}


class OAuthFailure(Enum):
    """Why connecting MiiTel through OAuth did not work; each has its own remedy."""

    ACCESS_DENIED = "access_denied"
    APP_BLOCKED = "app_blocked"
    APP_NOT_INSTALLED = "app_not_installed"
    USER_NOT_APPROVED = "user_not_approved"
    REDIRECT_URI_MISMATCH = "redirect_uri_mismatch"
    INVALID_CLIENT = "invalid_client"
    INVALID_GRANT = "invalid_grant"
    INVALID_REQUEST = "invalid_request"
    INACTIVE_USER = "inactive_user"
    INACTIVE_ORG = "inactive_org"
    STATE_MISMATCH = "state_mismatch"
    SIGNATURE_MISMATCH = "signature_mismatch"
    CALLBACK_INVALID = "callback_invalid"
    WRONG_ORG = "wrong_org"
    UNKNOWN = "unknown"


_OAUTH_MESSAGES: dict[OAuthFailure, Text] = {
    OAuthFailure.ACCESS_DENIED: msg(
        '"Deny" was chosen on Salesforce\'s "Allow access?" page, so MiiTel was not '
        'integrated. Click "Integrate" again and choose "Allow".'
    ),
    OAuthFailure.APP_BLOCKED: msg(
        "MiiTel is blocked in this org: open Setup > Connected Apps OAuth Usage and click "
        '"Unblock" next to MiiTel (procedure step 3), then click "Integrate" again.'
    ),
    OAuthFailure.APP_NOT_INSTALLED: msg(
        'Salesforce says the connected app "MiiTel" must be installed into the org: it is not '
        'installed, and this user lacks "Approve Uninstalled Connected Apps". Give the user '
        "that permission through a permission set (procedure step 4), or have an admin click "
        '"Install" next to MiiTel in Setup > Connected Apps OAuth Usage (step 6), then click '
        '"Integrate" again.'
    ),
    OAuthFailure.USER_NOT_APPROVED: msg(
        "MiiTel only admits admin-approved users in this org and this user is not one. In "
        "Setup > Connected Apps > Manage Connected Apps > MiiTel, add the user's profile or a "
        'permission set of theirs, then click "Integrate" again.'
    ),
    OAuthFailure.REDIRECT_URI_MISMATCH: msg(
        "The portal's redirect URI is not one of the MiiTel connected app's callback URLs. "
        "Make the portal's configured redirect URI match a callback URL exactly (scheme, host, "
        'port, path and trailing slash), then click "Integrate" again.'
    ),
    OAuthFailure.INVALID_CLIENT: msg(
        "Salesforce does not accept the portal's client id or client secret for MiiTel. Check "
        "the portal's configured client id and client secret against the connected app."
    ),
    OAuthFailure.INVALID_GRANT: msg(
        "The sign-in could not be completed: it was already used, took too long, or was "
        'started elsewhere. Click "Integrate" again.'
    ),
    OAuthFailure.INVALID_REQUEST: msg(
        "Salesforce rejected the sign-in request as malformed. Check the portal's login URL "
        'and connected app settings, then click "Integrate" again.'
    ),
    OAuthFailure.INACTIVE_USER: msg(
        "This Salesforce user is inactive. Sign in with an active user of the org, or ask an "
        "admin to reactivate the user."
    ),
    OAuthFailure.INACTIVE_ORG: msg(
        "This Salesforce org is inactive or locked. Sign in to an active org (check the org "
        "confirmed in procedure step 1)."
    ),
    OAuthFailure.STATE_MISMATCH: msg(
        "This sign-in response does not belong to a sign-in the portal started, or it was "
        'already used or expired. Click "Integrate" again.'
    ),
    OAuthFailure.SIGNATURE_MISMATCH: msg(
        "Salesforce's answer failed its signature check, so the portal did not trust it. Check "
        'that the configured client secret is the MiiTel app\'s, then click "Integrate" again.'
    ),
    OAuthFailure.CALLBACK_INVALID: msg(
        'The sign-in response from Salesforce was incomplete or malformed. Click "Integrate" again.'
    ),
    OAuthFailure.WRONG_ORG: msg(
        "You signed in to a different Salesforce org than the one confirmed in procedure "
        'step 1. Click "Integrate" again and sign in with a user of that org.'
    ),
    OAuthFailure.UNKNOWN: msg(
        'Salesforce did not complete the sign-in. Click "Integrate" again; if it keeps '
        "failing, give Support the error code shown."
    ),
}


class SalesforceOAuthError(SalesforceGatewayError):
    """Connecting through OAuth failed; ``reason`` says which branch of the procedure applies."""

    def __init__(
        self,
        *,
        reason: OAuthFailure,
        error_code: str,
        detail: str = "",
        status: int | None = None,
        user_message: str | None = None,
    ) -> None:
        super().__init__(
            error_code=error_code,
            user_message=user_message or _OAUTH_MESSAGES[reason],
            detail=detail,
            status=status,
        )
        self.reason = reason


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
