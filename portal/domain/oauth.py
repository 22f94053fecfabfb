"""OAuth as the services see it: the state the portal keeps between requests (a pending
authorization, the token set) and what the connected app's OAuth flow answers (where to send
the browser, what Salesforce redirected back with, who signed in, how a revoke went)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from portal.domain.gateway_errors import SalesforceOAuthError
from portal.domain.secret import SecretStr
from portal.domain.timestamps import require_aware


@dataclass(frozen=True)
class PendingAuthorization:
    """An authorize redirect in flight: its ``state``, the PKCE ``code_verifier``, where to
    send the person afterwards, and when it stops being usable. Used at most once."""

    state: str
    code_verifier: SecretStr
    redirect_to: str
    created_at: datetime
    expires_at: datetime
    requested_by: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "created_at", require_aware(self.created_at, name="created_at"))
        object.__setattr__(self, "expires_at", require_aware(self.expires_at, name="expires_at"))
        if self.expires_at <= self.created_at:
            raise ValueError("expires_at must be after created_at")

    def is_expired(self, *, now: datetime) -> bool:
        return require_aware(now, name="now") >= self.expires_at


@dataclass(frozen=True)
class TokenSet:
    """The integrated connection's tokens and whose they are; the tokens never print."""

    access_token: SecretStr
    refresh_token: SecretStr | None
    instance_url: str
    org_id: str
    user_id: str
    issued_at: datetime

    def __post_init__(self) -> None:
        object.__setattr__(self, "issued_at", require_aware(self.issued_at, name="issued_at"))


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep server-side until the callback."""

    url: str
    state: str
    code_verifier: SecretStr


@dataclass(frozen=True)
class AuthorizationCode:
    """Salesforce redirected back with a code: exchange it if ``state`` is one the portal
    issued and has not used yet."""

    code: SecretStr
    state: str


@dataclass(frozen=True)
class AuthorizationRefused:
    """Salesforce redirected back with an error (or the redirect was malformed)."""

    error: SalesforceOAuthError
    state: str | None


CallbackResult = AuthorizationCode | AuthorizationRefused


@dataclass(frozen=True)
class Identity:
    """Who is integrated: org and user as Salesforce reports them."""

    org_id: str
    user_id: str
    username: str
    display_name: str
    email: str
    org_name: str | None = None


class RevokeOutcome(Enum):
    REVOKED = "revoked"
    #: Salesforce no longer knew the token (already revoked or expired): nothing left to end.
    ALREADY_INVALID = "already_invalid"
