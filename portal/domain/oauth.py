"""OAuth state the portal keeps between requests: a pending authorization and the token set."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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
