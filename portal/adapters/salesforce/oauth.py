"""Salesforce's OAuth 2.0 web-server flow with PKCE, through Authlib, on the portal's session.

:class:`OAuthClient` builds the authorize URL, exchanges the code (checking Salesforce's
``signature``), refreshes, revokes and reads the identity. :func:`parse_callback` turns the
query parameters Salesforce redirects back with into a typed result. Keeping ``state`` and the
code verifier between the two requests is the caller's job (server-side, single use).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client import OAuthError as AuthlibOAuthError
from authlib.integrations.requests_client.oauth2_session import OAuth2Auth, OAuth2ClientAuth
from authlib.oauth2.client import OAuth2Client

from portal.adapters.salesforce.errors import from_response, from_transport, oauth_error
from portal.domain.gateway_errors import (
    OAuthFailure,
    SalesforceAuthError,
    SalesforceOAuthError,
    SalesforceRequestError,
    SalesforceUnavailable,
    reconnect,
)
from portal.domain.oauth import (
    AuthorizationCode,
    AuthorizationRefused,
    AuthorizationRequest,
    CallbackResult,
    Identity,
    RevokeOutcome,
    TokenSet,
)
from portal.domain.secret import SecretStr
from portal.domain.text import msg

#: What MiiTel asks for: the REST API, a refresh token for unattended sync, and the identity.
DEFAULT_SCOPES: tuple[str, ...] = ("api", "refresh_token", "id")

AUTHORIZE_PATH = "/services/oauth2/authorize"
TOKEN_PATH = "/services/oauth2/token"
REVOKE_PATH = "/services/oauth2/revoke"
USERINFO_PATH = "/services/oauth2/userinfo"


#: How Salesforce's revoke endpoint says it does not know the token.
_DEAD_TOKEN_CODES = frozenset({"invalid_token", "unsupported_token_type"})


_CALLBACK_KEYS = frozenset(
    {
        "code",
        "state",
        "error",
        "error_description",
        "error_uri",
        # Experience Cloud sites add these to the redirect.
        "sfdc_community_url",
        "sfdc_community_id",
    }
)


def _single(query_params: Mapping[str, str | Sequence[str]], key: str) -> str | None:
    value = query_params.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return value
    values = list(value)
    if len(values) != 1:
        raise ValueError(key)
    return str(values[0])


def _invalid(detail: str, state: str | None = None) -> AuthorizationRefused:
    return AuthorizationRefused(
        error=SalesforceOAuthError(
            reason=OAuthFailure.CALLBACK_INVALID, error_code="CALLBACK_INVALID", detail=detail
        ),
        state=state,
    )


def parse_callback(
    query_params: Mapping[str, str | Sequence[str]], *, allow_extra: Collection[str] = ()
) -> CallbackResult:
    """What Salesforce's redirect to the portal says: a code with its state, or a refusal whose
    error names the branch (denied, blocked, not installed, redirect mismatch, ...).

    Parameters other than Salesforce's own and ``allow_extra`` make the callback invalid, as
    do repeated parameters, a code without state, a code together with an error, or neither.
    """
    unexpected = sorted(set(query_params) - _CALLBACK_KEYS - set(allow_extra))
    try:
        code, state, error = (_single(query_params, k) for k in ("code", "state", "error"))
        description = _single(query_params, "error_description")
    except ValueError as repeated:
        return _invalid(f"parameter {repeated} given more than once")
    if unexpected:
        return _invalid(f"unexpected parameters: {', '.join(unexpected)}", state)
    if error is not None and code is not None:
        return _invalid("both code and error present", state)
    if error is not None:
        return AuthorizationRefused(
            error=oauth_error(error=error, description=description), state=state or None
        )
    if not code:
        return _invalid("no code and no error", state)
    if not state:
        return _invalid("code without state")
    return AuthorizationCode(code=SecretStr(code), state=state)


def salesforce_signature(*, identity_url: str, issued_at: str, client_secret: SecretStr) -> str:
    """Salesforce's ``signature``: base64 HMAC-SHA256 of ``id + issued_at`` keyed with the
    connected app's client secret."""
    digest = hmac.new(
        client_secret.get_secret_value().encode(),
        (identity_url + issued_at).encode(),
        hashlib.sha256,
    ).digest()
    return base64.b64encode(digest).decode("ascii")


def verify_signature(*, token: Mapping[str, Any], client_secret: SecretStr) -> None:
    """Refuse a token response whose ``signature`` is missing or does not match."""
    identity_url, issued_at = str(token.get("id") or ""), str(token.get("issued_at") or "")
    given = str(token.get("signature") or "")
    expected = salesforce_signature(
        identity_url=identity_url, issued_at=issued_at, client_secret=client_secret
    )
    if not (identity_url and issued_at and given) or not hmac.compare_digest(
        given.encode(), expected.encode()
    ):
        raise SalesforceOAuthError(
            reason=OAuthFailure.SIGNATURE_MISMATCH,
            error_code="SIGNATURE_MISMATCH",
            detail="missing signature" if not given else "signature does not match",
        )


def ids_from_identity_url(identity_url: str) -> tuple[str, str]:
    """(org id, user id) from ``https://login.salesforce.com/id/<org>/<user>``."""
    parts = [p for p in urlsplit(identity_url).path.split("/") if p]
    if len(parts) < 3 or parts[-3] != "id":
        raise SalesforceRequestError(
            error_code="UNEXPECTED_RESPONSE",
            user_message=reconnect(msg("Salesforce's token answer had no usable identity URL.")),
            detail="bad id URL",
        )
    return parts[-2], parts[-1]


def _issued_at(token: Mapping[str, Any]) -> datetime:
    raw = token.get("issued_at")
    try:
        return datetime.fromtimestamp(int(str(raw)) / 1000, tz=UTC)
    except (TypeError, ValueError):
        raise SalesforceRequestError(
            error_code="UNEXPECTED_RESPONSE",
            user_message=reconnect(msg("Salesforce's token answer had no usable issue time.")),
            detail="bad issued_at",
        ) from None


class _SessionOAuth2Client(OAuth2Client):
    """Authlib's OAuth 2 client speaking through the portal's session (not its own)."""

    client_auth_class = OAuth2ClientAuth
    token_auth_class = OAuth2Auth
    oauth_error_class = AuthlibOAuthError


class OAuthClient:
    """The MiiTel connected app's side of Salesforce OAuth, over the portal's session."""

    def __init__(
        self,
        *,
        login_url: str,
        client_id: str,
        client_secret: SecretStr,
        redirect_uri: str,
        session: requests.Session,
        authorize_base_url: str | None = None,
        scopes: Sequence[str] = DEFAULT_SCOPES,
    ) -> None:
        self.login_url = login_url.rstrip("/")
        self.authorize_base_url = (authorize_base_url or login_url).rstrip("/")
        self.client_id = client_id
        self._client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.scopes = tuple(scopes)
        self._session = session

    def __repr__(self) -> str:
        return (
            f"OAuthClient(login_url={self.login_url!r}, client_id={self.client_id!r}, "
            f"redirect_uri={self.redirect_uri!r}, client_secret=SecretStr('**********'))"
        )

    @property
    def token_url(self) -> str:
        return self.login_url + TOKEN_PATH

    @property
    def revoke_url(self) -> str:
        return self.login_url + REVOKE_PATH

    def _client(self) -> _SessionOAuth2Client:
        # A fresh Authlib client per call: it keeps the last token as state, we share nothing.
        return _SessionOAuth2Client(
            session=self._session,
            client_id=self.client_id,
            client_secret=self._client_secret.get_secret_value(),
            token_endpoint_auth_method="client_secret_post",
            revocation_endpoint_auth_method="none",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
        )

    def start(self, *, force_login: bool = False) -> AuthorizationRequest:
        """A new authorize URL with a fresh ``state`` and PKCE (S256) verifier. Salesforce
        always asks "Allow access?"; ``force_login`` also makes it ask for the login again."""
        code_verifier = generate_token(64)
        prompt = "login consent" if force_login else "consent"
        url, state = self._client().create_authorization_url(
            self.authorize_base_url + AUTHORIZE_PATH,
            state=generate_token(32),
            code_verifier=code_verifier,
            scope=" ".join(self.scopes),
            prompt=prompt,
        )
        return AuthorizationRequest(url=url, state=state, code_verifier=SecretStr(code_verifier))

    def parse_callback(self, query_params: Mapping[str, str | Sequence[str]]) -> CallbackResult:
        """:func:`parse_callback`: what Salesforce's redirect back to the portal says."""
        return parse_callback(query_params)

    def _token_request(self, call: Callable[[_SessionOAuth2Client], Any]) -> dict[str, Any]:
        """Run one token-endpoint call through Authlib; failures become the portal's errors."""
        try:
            token = call(self._client())
        except AuthlibOAuthError as exc:
            raise oauth_error(error=str(exc.error), description=exc.description) from None
        except requests.HTTPError as exc:
            raise from_response(exc.response) from None
        except requests.RequestException as exc:
            raise from_transport(exc) from None
        except ValueError:
            raise SalesforceUnavailable(
                error_code="UNEXPECTED_RESPONSE",
                user_message=msg(
                    "Salesforce's token endpoint did not answer with JSON. Check the configured "
                    "login URL, then try again."
                ),
            ) from None
        return dict(token)

    def _token_set(self, token: Mapping[str, Any], *, refresh_token: SecretStr | None) -> TokenSet:
        verify_signature(token=token, client_secret=self._client_secret)
        org_id, user_id = ids_from_identity_url(str(token["id"]))
        access_token, instance_url = token.get("access_token"), token.get("instance_url")
        if not access_token or not instance_url:
            raise SalesforceRequestError(
                error_code="UNEXPECTED_RESPONSE",
                user_message=reconnect(
                    msg("Salesforce's token answer lacked the access token or instance URL.")
                ),
            )
        given_refresh = token.get("refresh_token")
        return TokenSet(
            access_token=SecretStr(str(access_token)),
            refresh_token=SecretStr(str(given_refresh)) if given_refresh else refresh_token,
            instance_url=str(instance_url).rstrip("/"),
            org_id=org_id,
            user_id=user_id,
            issued_at=_issued_at(token),
        )

    def exchange(self, *, code: SecretStr, code_verifier: SecretStr) -> TokenSet:
        """Trade the callback's code (with its PKCE verifier) for tokens; refuses an answer
        whose signature does not match the client secret."""
        token = self._token_request(
            lambda client: client.fetch_token(
                self.token_url,
                grant_type="authorization_code",
                code=code.get_secret_value(),
                code_verifier=code_verifier.get_secret_value(),
            )
        )
        return self._token_set(token, refresh_token=None)

    def refresh(self, refresh_token: SecretStr) -> TokenSet:
        """A new access token; the refresh token stays the same unless Salesforce rotates it.
        A rejected refresh token is :class:`SalesforceAuthError` (reconnect with "Integrate")."""
        try:
            token = self._token_request(
                lambda client: client.refresh_token(
                    self.token_url, refresh_token=refresh_token.get_secret_value()
                )
            )
        except SalesforceOAuthError as exc:
            if exc.reason in {
                OAuthFailure.INVALID_GRANT,
                OAuthFailure.INACTIVE_USER,
                OAuthFailure.INACTIVE_ORG,
                OAuthFailure.APP_BLOCKED,
            }:
                raise SalesforceAuthError(
                    error_code=exc.error_code,
                    user_message=reconnect(
                        msg(
                            "Salesforce no longer accepts the portal's connection (it expired, "
                            "was revoked, or the app was blocked)."
                        )
                    ),
                    detail=exc.detail,
                ) from None
            raise
        return self._token_set(token, refresh_token=refresh_token)

    def revoke(self, token: SecretStr) -> RevokeOutcome:
        """End a refresh token (and its access tokens) or an access token at Salesforce."""
        try:
            response = self._client().revoke_token(self.revoke_url, token=token.get_secret_value())
        except requests.RequestException as exc:
            raise from_transport(exc) from None
        if response.status_code == 200:
            return RevokeOutcome.REVOKED
        error = from_response(response)
        if isinstance(error, SalesforceOAuthError) and error.error_code in _DEAD_TOKEN_CODES:
            return RevokeOutcome.ALREADY_INVALID
        raise error

    def identity(self, tokens: TokenSet) -> Identity:
        """Who ``tokens`` belong to, from Salesforce's userinfo endpoint on the instance."""
        try:
            response = self._session.get(
                tokens.instance_url + USERINFO_PATH,
                headers={
                    "Authorization": f"Bearer {tokens.access_token.get_secret_value()}",
                    "Accept": "application/json",
                },
            )
        except requests.RequestException as exc:
            raise from_transport(exc) from None
        if response.status_code != 200:
            raise from_response(response)
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, Mapping):
            raise SalesforceUnavailable(
                error_code="UNEXPECTED_RESPONSE",
                user_message=msg("Salesforce's userinfo endpoint did not answer with JSON."),
            )
        return identity_from_payload(payload)


def identity_from_payload(payload: Mapping[str, Any]) -> Identity:
    """An :class:`Identity` from a userinfo (OpenID) or identity-URL answer."""
    org_id = str(payload.get("organization_id") or "")
    user_id = str(payload.get("user_id") or "")
    if not (org_id and user_id):
        raise SalesforceRequestError(
            error_code="UNEXPECTED_RESPONSE",
            user_message=msg(
                "Salesforce's identity answer did not say which org and user this is."
            ),
        )
    username = str(payload.get("preferred_username") or payload.get("username") or "")
    display_name = str(payload.get("name") or payload.get("display_name") or username)
    return Identity(
        org_id=org_id,
        user_id=user_id,
        username=username,
        display_name=display_name,
        email=str(payload.get("email") or ""),
    )
