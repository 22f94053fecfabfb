"""The mock org's OAuth 2.0 authorization server: the rules behind the authorize, token and
revoke endpoints. Handlers stay thin; everything here raises :class:`OAuthError` with
Salesforce's own error codes."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from mock_salesforce.addresses import ServerUrls
from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.connected_apps import (
    ConnectedAppDefinition,
    ConnectedAppRefusal,
    ConnectedApps,
)
from mock_salesforce.errors import OAuthError
from mock_salesforce.oauth.approvals import Approvals
from mock_salesforce.oauth.browser import BrowserLogins
from mock_salesforce.oauth.codes import (
    AuthorizationCode,
    AuthorizationCodes,
    CodeState,
    IssuedTokens,
)
from mock_salesforce.oauth.credentials import Credentials
from mock_salesforce.oauth.pending import AuthorizeRequest, PendingRequests
from mock_salesforce.oauth.pkce import verifier_matches
from mock_salesforce.oauth.refresh_tokens import RefreshTokens
from mock_salesforce.oauth.scopes import REFRESH_SCOPES, without_refresh
from mock_salesforce.orgs import Orgs
from mock_salesforce.sessions import SessionStore
from mock_salesforce.store import Store

BLOCKED = "OAUTH_APP_BLOCKED"
APPROVAL_ERROR = "OAUTH_APPROVAL_ERROR_GENERIC"
#: The refusal description connected_apps gives for an app that is not installed.
NOT_INSTALLED = "app must be installed into org"
_RUN_AS_META_KEY = "oauth.client_credentials.run_as"

GRANT_TYPES = ("authorization_code", "refresh_token", "password", "client_credentials")


def invalid_grant(description: str) -> OAuthError:
    return OAuthError("invalid_grant", description)


def expired_refresh_token() -> OAuthError:
    return invalid_grant("expired access/refresh token")


def invalid_client() -> OAuthError:
    return OAuthError("invalid_client", "invalid client credentials")


def refusal_redirect_error(refusal: ConnectedAppRefusal) -> tuple[str, str]:
    """The (error, error_description) a client receives for a connected-app refusal."""
    if refusal.code == BLOCKED:
        return BLOCKED, refusal.description
    if refusal.description == NOT_INSTALLED:
        return "invalid_client", NOT_INSTALLED
    return "invalid_app_access", refusal.description


@dataclass(frozen=True)
class TokenGrant:
    """A successful token response."""

    access_token: str
    refresh_token: str | None
    instance_url: str
    id_url: str
    issued_at: str
    signature: str
    scopes: tuple[str, ...]
    #: The session and refresh token behind the grant (ids, not sent to the client).
    issued: IssuedTokens | None = None

    def as_dict(self) -> dict[str, str]:
        """The JSON body, in Salesforce's key order."""
        body = {"access_token": self.access_token}
        if self.refresh_token:
            body["refresh_token"] = self.refresh_token
        body.update(
            signature=self.signature,
            scope=" ".join(self.scopes),
            instance_url=self.instance_url,
            id=self.id_url,
            token_type="Bearer",
            issued_at=self.issued_at,
        )
        return body


@dataclass(frozen=True)
class ClientAuth:
    """How the token request identified its client (body parameters or HTTP Basic)."""

    client_id: str | None
    client_secret: str | None


def epoch_millis(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def signature(*, id_url: str, issued_at: str, client_secret: str) -> str:
    """Salesforce's ``signature``: base64 HMAC-SHA256 of id + issued_at, keyed by the secret."""
    digest = hmac.new(
        client_secret.encode(), (id_url + issued_at).encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class OAuthServer:
    """Authorization codes, refresh tokens, consent, browser logins and credentials of the
    mock org, and the grants of its token endpoint."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        orgs: Orgs,
        sessions: SessionStore,
        connected_apps: ConnectedApps,
        urls: ServerUrls,
    ) -> None:
        self._store = store
        self._clock = clock
        self._orgs = orgs
        self._sessions = sessions
        self._connected_apps = connected_apps
        self._urls = urls
        self.codes = AuthorizationCodes(store, clock)
        self.refresh_tokens = RefreshTokens(store, clock)
        self.approvals = Approvals(store, clock)
        self.pending = PendingRequests(store, clock)
        self.browser = BrowserLogins(store, clock, sessions)
        self.credentials = Credentials(store, clock, orgs)

    # -- apps and users ------------------------------------------------------------------
    def app(self, client_id: str | None) -> ConnectedAppDefinition | None:
        """The connected app with this consumer key, or None."""
        if not client_id:
            return None
        return self._connected_apps.definition_by_client_id(client_id)

    def pkce_required(self, app: ConnectedAppDefinition) -> bool:
        """Whether the app requires PKCE on the authorization code flow."""
        return self._connected_apps.pkce_required(app.name)

    def check_app(self, *, org_id: str, user_id: str, app_name: str) -> None:
        """Raise :class:`ConnectedAppRefusal` unless the user may use the app in the org now."""
        self._connected_apps.check_authorization(org_id=org_id, user_id=user_id, app_name=app_name)

    def id_url(self, *, org_id: str, user_id: str) -> str:
        return f"{self._urls.https_base}/id/{org_id}/{user_id}"

    def user_is_active(self, *, org_id: str, user_id: str) -> bool:
        user = self._orgs.user(org_id, user_id)
        return bool(user and user["IsActive"])

    def log_in(self, *, username: str, password: str) -> tuple[str, str] | None:
        """(org_id, user_id) for right credentials of an active user (password, optionally
        followed by the security token), stamping the user's LastLoginDate; else None."""
        found = self.credentials.authenticate(username=username, password=password)
        if found is not None:
            org_id, user_id = found
            user = self._orgs.schema(org_id).get("User")
            assert user is not None
            self._store.execute(
                f'UPDATE {user.table} SET "LastLoginDate" = ? WHERE _org_id = ? AND "Id" = ?',
                [naive_utc(self._clock.now()), org_id, user_id],
            )
        return found

    def reset_security_token(self, *, org_id: str, user_id: str) -> str:
        """A new security token for the user (returned once; see :class:`Credentials`)."""
        return self.credentials.reset_security_token(org_id=org_id, user_id=user_id)

    def set_run_as_user(self, *, org_id: str, user_id: str) -> None:
        """The user the client credentials flow runs as (the connected app's "Run As")."""
        self._store.set_meta(_RUN_AS_META_KEY, f"{org_id}:{user_id}")

    def run_as_user(self) -> tuple[str, str] | None:
        """The configured "Run As" user; without one, the active user whose username starts
        with ``integration`` in the oldest org that has one."""
        configured = self._store.get_meta(_RUN_AS_META_KEY)
        if configured:
            org_id, user_id = configured.split(":", 1)
            return org_id, user_id
        for org in self._orgs.all():
            user = self._orgs.schema(org.org_id).get("User")
            assert user is not None
            rows = self._store.execute(
                f'SELECT "Id" FROM {user.table} WHERE _org_id = ? AND "IsActive" '
                'AND NOT "IsDeleted" AND lower("Username") LIKE \'integration%\' ORDER BY "Id" '
                "LIMIT 1",
                [org.org_id],
            )
            if rows:
                return org.org_id, rows[0][0]
        return None

    # -- consent and codes ---------------------------------------------------------------
    def needs_consent(self, *, org_id: str, user_id: str, request: AuthorizeRequest) -> bool:
        """True when the "Allow access?" page must be shown for this request."""
        return request.force_consent or not self.approvals.approved(
            org_id=org_id, user_id=user_id, app_name=request.app_name, scopes=request.scopes
        )

    def issue_code(
        self, *, org_id: str, user_id: str, request: AuthorizeRequest, remember_consent: bool
    ) -> str:
        """The authorization code for an allowed request (consent remembered when given)."""
        if remember_consent:
            self.approvals.remember(
                org_id=org_id, user_id=user_id, app_name=request.app_name, scopes=request.scopes
            )
        return self.codes.issue(
            AuthorizationCode(
                request.client_id,
                request.app_name,
                request.redirect_uri,
                org_id,
                user_id,
                request.scopes,
                request.challenge,
                request.challenge_method,
            )
        )

    # -- token endpoint ------------------------------------------------------------------
    def token(
        self, *, grant_type: str | None, params: dict[str, str], client: ClientAuth
    ) -> TokenGrant:
        """Run one token request; raises :class:`OAuthError` as Salesforce answers."""
        if grant_type not in GRANT_TYPES:
            raise OAuthError("unsupported_grant_type", "grant type not supported")
        app = self.app(client.client_id)
        if app is None:
            raise OAuthError("invalid_client_id", "client identifier invalid")
        if client.client_secret is not None and not hmac.compare_digest(
            client.client_secret.encode(), app.client_secret.encode()
        ):
            raise invalid_client()
        has_secret = client.client_secret is not None
        if grant_type == "authorization_code":
            return self._authorization_code(app, params, has_secret=has_secret)
        if grant_type == "refresh_token":
            return self._refresh(app, params, has_secret=has_secret)
        if not has_secret:
            raise invalid_client()
        if grant_type == "password":
            return self._password(app, params)
        return self._client_credentials(app)

    def _authorization_code(
        self, app: ConnectedAppDefinition, params: dict[str, str], *, has_secret: bool
    ) -> TokenGrant:
        value = params.get("code") or ""
        state, code = self.codes.look_up(value) if value else (CodeState.UNKNOWN, None)
        if code is not None and code.client_id != app.client_id:
            state, code = CodeState.UNKNOWN, None
        # PKCE makes the secret optional (a public client), as Salesforce allows.
        if not has_secret and (code is None or code.challenge is None):
            raise invalid_client()
        if state is CodeState.UNKNOWN or code is None:
            raise invalid_grant("invalid authorization code")
        if state is CodeState.EXPIRED:
            if self.codes.is_redeemed(value):
                self._revoke_replayed(value)
            raise invalid_grant("expired authorization code")
        if params.get("redirect_uri") != code.redirect_uri:
            raise OAuthError("redirect_uri_mismatch", "redirect_uri must match configuration")
        if (
            code.challenge is not None
            and code.challenge_method is not None
            and not (
                verifier_matches(
                    verifier=params.get("code_verifier"),
                    challenge=code.challenge,
                    method=code.challenge_method,
                )
            )
        ):
            raise invalid_grant("invalid code verifier")
        if code.challenge is None and self.pkce_required(app):
            # A code from before the app required PKCE.
            raise invalid_grant("invalid code verifier")
        if not self.user_is_active(org_id=code.org_id, user_id=code.user_id):
            raise OAuthError("inactive_user", "user is inactive")
        self._check_for_token(org_id=code.org_id, user_id=code.user_id, app=app)
        if not self.codes.redeem(value):
            self._revoke_replayed(value)
            raise invalid_grant("expired authorization code")
        grant = self._grant(
            app,
            org_id=code.org_id,
            user_id=code.user_id,
            scopes=code.scopes,
            with_refresh=True,
            public_client=code.challenge is not None,
        )
        assert grant.issued is not None
        if self.codes.record_tokens(value, grant.issued):
            # The code was presented again while this exchange ran: its tokens die with it.
            self._revoke_issued(grant.issued)
            raise invalid_grant("expired authorization code")
        return grant

    def _revoke_replayed(self, value: str) -> None:
        """RFC 6749 4.1.2: a code used twice revokes the tokens issued from it."""
        issued = self.codes.replayed(value)
        if issued is not None:
            self._revoke_issued(issued)

    def _revoke_issued(self, issued: IssuedTokens) -> None:
        if issued.refresh_id is not None:
            self.refresh_tokens.revoke(issued.refresh_id)
            self._sessions.revoke_where(refresh_id=issued.refresh_id)
        self._sessions.revoke_where(session_id=issued.session_id)

    def _refresh(
        self, app: ConnectedAppDefinition, params: dict[str, str], *, has_secret: bool
    ) -> TokenGrant:
        value = params.get("refresh_token") or ""
        record = self.refresh_tokens.find(value) if value else None
        if record is not None and record.client_id != app.client_id:
            record = None
        if record is None:
            raise expired_refresh_token()
        if not has_secret and not record.public_client:
            raise invalid_client()
        if not self.user_is_active(org_id=record.org_id, user_id=record.user_id):
            raise OAuthError("inactive_user", "user is inactive")
        try:
            self.check_app(org_id=record.org_id, user_id=record.user_id, app_name=app.name)
        except ConnectedAppRefusal:
            raise expired_refresh_token() from None
        self.refresh_tokens.touch(record.refresh_id)
        return self._grant(
            app,
            org_id=record.org_id,
            user_id=record.user_id,
            scopes=record.scopes,
            with_refresh=False,
            refresh_id=record.refresh_id,
        )

    def _password(self, app: ConnectedAppDefinition, params: dict[str, str]) -> TokenGrant:
        found = self.log_in(
            username=params.get("username") or "", password=params.get("password") or ""
        )
        if found is None:
            raise invalid_grant("authentication failure")
        org_id, user_id = found
        self._check_for_token(org_id=org_id, user_id=user_id, app=app)
        return self._grant(
            app,
            org_id=org_id,
            user_id=user_id,
            scopes=without_refresh(app.scopes),
            with_refresh=False,
        )

    def _client_credentials(self, app: ConnectedAppDefinition) -> TokenGrant:
        run_as = self.run_as_user()
        if run_as is None or not self.user_is_active(org_id=run_as[0], user_id=run_as[1]):
            raise invalid_grant("no client credentials user enabled")
        org_id, user_id = run_as
        self._check_for_token(org_id=org_id, user_id=user_id, app=app)
        return self._grant(
            app,
            org_id=org_id,
            user_id=user_id,
            scopes=without_refresh(app.scopes),
            with_refresh=False,
        )

    def _check_for_token(self, *, org_id: str, user_id: str, app: ConnectedAppDefinition) -> None:
        try:
            self.check_app(org_id=org_id, user_id=user_id, app_name=app.name)
        except ConnectedAppRefusal as refusal:
            raise OAuthError(*refusal_redirect_error(refusal)) from None

    def _grant(
        self,
        app: ConnectedAppDefinition,
        *,
        org_id: str,
        user_id: str,
        scopes: tuple[str, ...],
        with_refresh: bool,
        public_client: bool = False,
        refresh_id: str | None = None,
    ) -> TokenGrant:
        refresh_token = None
        if with_refresh and REFRESH_SCOPES & set(scopes):
            refresh_token, record, surplus = self.refresh_tokens.issue(
                client_id=app.client_id,
                app_name=app.name,
                org_id=org_id,
                user_id=user_id,
                scopes=scopes,
                public_client=public_client,
            )
            refresh_id = record.refresh_id
            for old in surplus:
                self._sessions.revoke_where(refresh_id=old)
        access_token, principal, issued = self._sessions.issue(
            org_id=org_id,
            user_id=user_id,
            app_name=app.name,
            scopes=scopes,
            refresh_id=refresh_id,
        )
        self._connected_apps.record_use(org_id=org_id, user_id=user_id, app_name=app.name)
        id_url = self.id_url(org_id=org_id, user_id=user_id)
        issued_at = epoch_millis(issued)
        return TokenGrant(
            access_token=access_token,
            refresh_token=refresh_token,
            instance_url=self._urls.https_base,
            id_url=id_url,
            issued_at=issued_at,
            signature=signature(
                id_url=id_url, issued_at=issued_at, client_secret=app.client_secret
            ),
            scopes=scopes,
            issued=IssuedTokens(principal.session_id, refresh_id),
        )

    # -- revocation ----------------------------------------------------------------------
    def revoke(self, *, token: str | None) -> None:
        """Revoke an access token, or a refresh token and every access token it produced;
        ``invalid_token`` when the token is unknown."""
        if token:
            record = self.refresh_tokens.find(token)
            if record is not None:
                self.refresh_tokens.revoke(record.refresh_id)
                self._sessions.revoke_where(refresh_id=record.refresh_id)
                return
            if self._sessions.revoke_token(token):
                return
        raise OAuthError("invalid_token", "invalid token")

    def revoke_refresh_tokens(
        self, *, org_id: str, app_name: str, user_id: str | None = None
    ) -> int:
        """Revoke the app's refresh tokens in the org (one user's, or everyone's), the access
        tokens they produced, and the remembered consent. Returns how many refresh tokens."""
        revoked = self.refresh_tokens.revoke_where(
            org_id=org_id, app_name=app_name, user_id=user_id
        )
        for refresh_id in revoked:
            self._sessions.revoke_where(refresh_id=refresh_id)
        self.approvals.forget(org_id=org_id, app_name=app_name, user_id=user_id)
        return len(revoked)
