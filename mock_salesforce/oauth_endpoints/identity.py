"""Who a token belongs to: the identity URL ``/id/{orgId}/{userId}``, the OpenID Connect
UserInfo endpoint, and the discovery document."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from mock_salesforce.backend import MockBackend, backend_of
from mock_salesforce.connected_apps import ConnectedAppState
from mock_salesforce.errors import JSON_CONTENT_TYPE, SalesforceError
from mock_salesforce.ids import is_valid_id, normalize_id
from mock_salesforce.oauth.scopes import IDENTITY_SCOPES, SCOPE_WORDS
from mock_salesforce.sessions import Principal

VERSION_PLACEHOLDER = "{version}"


class IdentityError(Exception):
    """An identity service error: Salesforce answers with the status and a bare code."""

    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code

    def response(self) -> Response:
        return PlainTextResponse(self.code, status_code=self.status)


def bearer_token(request: Request) -> str | None:
    """The access token of ``Authorization: Bearer|OAuth <token>`` or ``?oauth_token=``."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in ("bearer", "oauth") and value.strip():
        return value.strip()
    return request.query_params.get("oauth_token") or None


def _principal(backend: MockBackend, token: str | None) -> Principal:
    if not token:
        raise IdentityError(403, "Missing_OAuth_Token")
    try:
        principal = backend.sessions.resolve(token)
    except SalesforceError:
        raise IdentityError(403, "Bad_OAuth_Token") from None
    # OAuth tokens reach the identity service only with an identity scope; UI and SOAP
    # sessions (no connected app) always do.
    if principal.app_name is not None and not IDENTITY_SCOPES & set(principal.scopes):
        raise IdentityError(403, "Bad_OAuth_Token")
    return principal


def _utc_offset_ms(zone: str | None) -> int:
    try:
        offset = datetime.now(ZoneInfo(zone or "UTC")).utcoffset()
    except (ZoneInfoNotFoundError, ValueError):
        return 0
    return int(offset.total_seconds() * 1000) if offset else 0


def _user_row(backend: MockBackend, org_id: str, user_id: str) -> dict[str, Any] | None:
    user = backend.org_schema(org_id).get("User")
    assert user is not None
    names, rows = backend.store.execute_with_columns(
        'SELECT "Id", "Username", "Name", "FirstName", "LastName", "Email", "Alias", '
        '"IsActive", "UserType", "LanguageLocaleKey", "LocaleSidKey", "TimeZoneSidKey", '
        f'"MobilePhone", "LastModifiedDate" FROM {user.table} WHERE _org_id = ? AND "Id" = ? '
        'AND NOT "IsDeleted"',
        [org_id, user_id],
    )
    return dict(zip(names, rows[0], strict=True)) if rows else None


def _urls(base: str, org_id: str, user_id: str) -> dict[str, str]:
    v = VERSION_PLACEHOLDER
    data = f"{base}/services/data/v{v}"
    return {
        "enterprise": f"{base}/services/Soap/c/{v}/{org_id}",
        "metadata": f"{base}/services/Soap/m/{v}/{org_id}",
        "partner": f"{base}/services/Soap/u/{v}/{org_id}",
        "rest": f"{data}/",
        "sobjects": f"{data}/sobjects/",
        "search": f"{data}/search/",
        "query": f"{data}/query/",
        "recent": f"{data}/recent/",
        "tooling_soap": f"{base}/services/Soap/T/{v}/{org_id}",
        "tooling_rest": f"{data}/tooling/",
        "profile": f"{base}/{user_id}",
        "feeds": f"{data}/chatter/feeds",
        "groups": f"{data}/chatter/groups",
        "users": f"{data}/chatter/users",
        "feed_items": f"{data}/chatter/feed-items",
        "feed_elements": f"{data}/chatter/feed-elements",
        "custom_domain": base,
    }


def _with_version(urls: dict[str, str], version: str | None) -> dict[str, str]:
    if not version:
        return urls
    return {k: u.replace(VERSION_PLACEHOLDER, version) for k, u in urls.items()}


def _timestamp(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _app_installed(backend: MockBackend, principal: Principal) -> bool:
    if principal.app_name is None:
        return True
    state = backend.connected_apps.state(org_id=principal.org_id, app_name=principal.app_name)
    return state is ConnectedAppState.INSTALLED


def _photos(base: str, user_id: str) -> dict[str, str]:
    return {
        "picture": f"{base}/profilephoto/005/F",
        "thumbnail": f"{base}/profilephoto/005/T",
        "user": f"{base}/{user_id}",
    }


def identity(
    backend: MockBackend, *, principal: Principal, org_id: str, user_id: str, version: str | None
) -> dict[str, Any]:
    """The identity URL's document for ``/id/{org_id}/{user_id}`` as seen by ``principal``."""
    if not (is_valid_id(org_id) and is_valid_id(user_id)) or not (
        org_id.startswith("00D") and user_id.startswith("005")
    ):
        raise IdentityError(404, "Bad_Id")
    org_id, user_id = normalize_id(org_id), normalize_id(user_id)
    if org_id != principal.org_id:
        raise IdentityError(403, "Wrong_Org")
    if user_id != principal.user_id:
        raise IdentityError(403, "Bad_Id")
    user = _user_row(backend, org_id, user_id)
    if user is None:
        raise IdentityError(404, "Bad_Id")
    if not user["IsActive"]:
        raise IdentityError(404, "Inactive")
    base = backend.urls.https_base
    return {
        "id": f"{base}/id/{org_id}/{user_id}",
        "asserted_user": True,
        "user_id": user_id,
        "organization_id": org_id,
        "username": user["Username"],
        "nick_name": user["Alias"],
        "display_name": user["Name"],
        "email": user["Email"],
        "email_verified": True,
        "first_name": user["FirstName"],
        "last_name": user["LastName"],
        "timezone": user["TimeZoneSidKey"],
        "photos": {k: v for k, v in _photos(base, user_id).items() if k != "user"},
        "addr_street": None,
        "addr_city": None,
        "addr_state": None,
        "addr_country": None,
        "addr_zip": None,
        "mobile_phone": user["MobilePhone"],
        "mobile_phone_verified": False,
        "is_lightning_login_user": False,
        "status": {"created_date": None, "body": None},
        "urls": _with_version(_urls(base, org_id, user_id), version),
        "active": True,
        "user_type": (user["UserType"] or "Standard").upper(),
        "language": user["LanguageLocaleKey"],
        "locale": user["LocaleSidKey"],
        "utcOffset": _utc_offset_ms(user["TimeZoneSidKey"]),
        "last_modified_date": _timestamp(user["LastModifiedDate"]),
        "is_app_installed": _app_installed(backend, principal),
    }


def userinfo(backend: MockBackend, *, principal: Principal, version: str | None) -> dict[str, Any]:
    """The OpenID Connect UserInfo document of the token's user."""
    user = _user_row(backend, principal.org_id, principal.user_id)
    if user is None or not user["IsActive"]:
        raise IdentityError(403, "Bad_OAuth_Token")
    base = backend.urls.https_base
    org_id, user_id = principal.org_id, principal.user_id
    photos = _photos(base, user_id)
    return {
        "sub": f"{base}/id/{org_id}/{user_id}",
        "user_id": user_id,
        "organization_id": org_id,
        "preferred_username": user["Username"],
        "nickname": user["Alias"],
        "name": user["Name"],
        "email": user["Email"],
        "email_verified": True,
        "given_name": user["FirstName"],
        "family_name": user["LastName"],
        "zoneinfo": user["TimeZoneSidKey"],
        "photos": {"picture": photos["picture"], "thumbnail": photos["thumbnail"]},
        "profile": photos["user"],
        "picture": photos["picture"],
        "address": {},
        "is_salesforce_integration_user": False,
        "urls": _with_version(_urls(base, org_id, user_id), version),
        "active": True,
        "user_type": (user["UserType"] or "Standard").upper(),
        "language": user["LanguageLocaleKey"],
        "locale": user["LocaleSidKey"],
        "utcOffset": _utc_offset_ms(user["TimeZoneSidKey"]),
        "updated_at": _timestamp(user["LastModifiedDate"]),
        "is_app_installed": _app_installed(backend, principal),
    }


def _json(body: dict[str, Any]) -> Response:
    return JSONResponse(body, media_type=JSON_CONTENT_TYPE)


async def identity_url(request: Request) -> Response:
    backend = backend_of(request)

    def run() -> Response:
        try:
            principal = _principal(backend, bearer_token(request))
            return _json(
                identity(
                    backend,
                    principal=principal,
                    org_id=request.path_params["org_id"],
                    user_id=request.path_params["user_id"],
                    version=request.query_params.get("version"),
                )
            )
        except IdentityError as exc:
            return exc.response()

    return await run_in_threadpool(run)


async def userinfo_endpoint(request: Request) -> Response:
    backend = backend_of(request)

    def run() -> Response:
        try:
            principal = _principal(backend, bearer_token(request))
            return _json(
                userinfo(backend, principal=principal, version=request.query_params.get("version"))
            )
        except IdentityError as exc:
            return exc.response()

    return await run_in_threadpool(run)


async def openid_configuration(request: Request) -> Response:
    base = backend_of(request).urls.https_base
    return _json(
        {
            "issuer": base,
            "authorization_endpoint": f"{base}/services/oauth2/authorize",
            "token_endpoint": f"{base}/services/oauth2/token",
            "revocation_endpoint": f"{base}/services/oauth2/revoke",
            "userinfo_endpoint": f"{base}/services/oauth2/userinfo",
            "scopes_supported": sorted(SCOPE_WORDS),
            "response_types_supported": ["code"],
            "grant_types_supported": [
                "authorization_code",
                "refresh_token",
                "password",
                "client_credentials",
            ],
            "code_challenge_methods_supported": ["S256", "plain"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_post",
                "client_secret_basic",
                "none",
            ],
            "prompt_values_supported": ["login", "consent", "none"],
            "claims_supported": [
                "sub",
                "user_id",
                "organization_id",
                "preferred_username",
                "nickname",
                "name",
                "email",
                "email_verified",
                "given_name",
                "family_name",
                "zoneinfo",
                "locale",
                "language",
                "utcOffset",
            ],
        }
    )


ROUTES = [
    Route("/id/{org_id}/{user_id}", identity_url, methods=["GET", "POST"]),
    Route("/services/oauth2/userinfo", userinfo_endpoint, methods=["GET", "POST"]),
    Route("/.well-known/openid-configuration", openid_configuration, methods=["GET"]),
]
