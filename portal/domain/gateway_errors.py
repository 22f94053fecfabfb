"""The portal's own Salesforce errors: what went wrong talking to Salesforce, as types the
services and pages catch.

Every error carries Salesforce's code (``error_code``) and a ``user_message`` an admin can act
on: a :class:`~portal.domain.text.Text` (English as its ``str``; the UI shows it in the person's
language) whose parameters hold Salesforce's own words and codes, which stay as they are.
Nothing here ever holds a token: messages come from Salesforce's error bodies, which never
echo credentials, and URLs are reduced to their path. The gateway maps what Salesforce and the
HTTP stack say onto these types, once (the Salesforce adapter's ``errors`` module).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from portal.domain.text import Text, msg

#: The message of ``REQUEST_LIMIT_EXCEEDED`` when the org's 24-hour allowance is spent.
DAILY_ALLOWANCE: Final = "TotalRequests"
#: Salesforce counts API requests over a rolling window of this length.
WINDOW: Final = timedelta(hours=24)


@dataclass(frozen=True)
class ApiUsage:
    """Requests used in the last 24 hours and the org's allowance, as seen at ``seen_at``."""

    used: int
    maximum: int
    seen_at: datetime

    @property
    def recovered_by(self) -> datetime:
        """When every request counted now has left the rolling window: the allowance is whole
        again by then at the latest (requests come back earlier, as older ones age out)."""
        return self.seen_at + WINDOW


def reconnect(problem: str) -> Text:
    """``problem`` (a message) followed by what to do (integrate again), as one translatable
    message."""
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
