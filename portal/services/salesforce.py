"""What the services ask of Salesforce, as protocols the real gateway meets and tests fake.

The real one is the Salesforce adapter's ``LiveSalesforce``: the gateway's ``OAuthClient`` and
its ``connect`` over one HTTP session, built by :mod:`portal.bootstrap`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Protocol

from portal.domain.oauth import (
    AuthorizationRequest,
    CallbackResult,
    Identity,
    RevokeOutcome,
    TokenSet,
)
from portal.domain.salesforce import ConnectedAppUsage, ObjectDescription, PermissionCheck
from portal.domain.secret import SecretStr

#: The connected app's name in Salesforce.
MIITEL_APP = "MiiTel"
#: The "Approve Uninstalled Connected Apps" user permission (``Permissions...`` field suffix).
APPROVE_UNINSTALLED_APPS = "CanApproveUninstalledApps"


class OrgGateway(Protocol):
    """Typed calls on one org as one user (see ``SalesforceGateway``)."""

    @property
    def tokens(self) -> TokenSet: ...

    @property
    def api_version(self) -> str: ...

    def identity(self) -> Identity: ...

    def describe(self, sobject: str) -> ObjectDescription: ...

    def connected_app_usage(self, app_name: str = MIITEL_APP) -> ConnectedAppUsage: ...

    def user_permission(
        self, username_or_id: str, permission: str = APPROVE_UNINSTALLED_APPS
    ) -> PermissionCheck: ...

    def active_usernames(self, usernames: Iterable[str]) -> set[str]: ...


class OAuthPort(Protocol):
    """The connected app's side of OAuth (see ``OAuthClient``)."""

    def start(self, *, force_login: bool = False) -> AuthorizationRequest: ...

    def exchange(self, *, code: SecretStr, code_verifier: SecretStr) -> TokenSet: ...

    def revoke(self, token: SecretStr) -> RevokeOutcome: ...

    def parse_callback(self, query_params: Mapping[str, str | Sequence[str]]) -> CallbackResult:
        """What Salesforce's redirect back to the portal says: a code with its state, or a
        refusal whose error names the branch (denied, blocked, not installed, ...)."""
        ...


class SalesforceAccess(Protocol):
    """OAuth plus a way to reach the org a token set belongs to."""

    @property
    def oauth(self) -> OAuthPort: ...

    def connect(self, *, tokens: TokenSet, on_refresh: Callable[[TokenSet], None]) -> OrgGateway:
        """The gateway for ``tokens``; refreshed tokens are handed to ``on_refresh``."""
        ...
