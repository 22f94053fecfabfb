"""The token endpoint: each grant, and each of Salesforce's error answers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from oauth_flow import Browser, OrgUser, add_user, make_pkce

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition

TokenRequest = Callable[..., requests.Response]


def oauth_error(response: requests.Response) -> dict[str, str]:
    assert response.status_code == 400, response.text
    body: dict[str, str] = response.json()
    return body


@pytest.fixture
def code_exchange(
    visitor: Browser,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> Callable[..., requests.Response]:
    """Get a fresh code (with the given authorize parameters), then redeem it with ``fields``."""

    def run(authorize: dict[str, str] | None = None, **fields: str | None) -> requests.Response:
        code, _ = visitor.code_for(
            username=bare_org.username, password=bare_org.password, **(authorize or {})
        )
        data: dict[str, str | None] = {
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": app.callback_urls[0],
        }
        data.update(fields)
        return token_request(**data)

    return run


def test_a_code_works_once(
    visitor: Browser,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    fields = {
        "grant_type": "authorization_code",
        "code": code,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uri": app.callback_urls[0],
    }
    assert token_request(**fields).status_code == 200
    assert oauth_error(token_request(**fields)) == {
        "error": "invalid_grant",
        "error_description": "expired authorization code",
    }


def test_a_code_expires_after_fifteen_minutes(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    mock_server.backend.clock.advance(timedelta(minutes=15, seconds=1))
    assert oauth_error(
        token_request(
            grant_type="authorization_code",
            code=code,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.callback_urls[0],
        )
    ) == {"error": "invalid_grant", "error_description": "expired authorization code"}


def test_a_code_still_works_just_before_fifteen_minutes(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    mock_server.backend.clock.advance(timedelta(minutes=14, seconds=50))
    assert (
        token_request(
            grant_type="authorization_code",
            code=code,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.callback_urls[0],
        ).status_code
        == 200
    )


def test_an_unknown_code_is_invalid(
    app: ConnectedAppDefinition, token_request: TokenRequest
) -> None:
    assert oauth_error(
        token_request(
            grant_type="authorization_code",
            code="aPrxmadeup",
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.callback_urls[0],
        )
    ) == {"error": "invalid_grant", "error_description": "invalid authorization code"}


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_a_wrong_code_verifier_is_refused(
    code_exchange: Callable[..., requests.Response],
    method: str,
) -> None:
    pkce = make_pkce(method)
    response = code_exchange(
        {"code_challenge": pkce.challenge, "code_challenge_method": method},
        client_secret=None,
        code_verifier=make_pkce(method).verifier,
    )
    assert oauth_error(response) == {
        "error": "invalid_grant",
        "error_description": "invalid code verifier",
    }


def test_a_missing_code_verifier_is_refused_even_with_the_secret(
    code_exchange: Callable[..., requests.Response],
) -> None:
    pkce = make_pkce()
    response = code_exchange({"code_challenge": pkce.challenge})
    assert oauth_error(response)["error_description"] == "invalid code verifier"


def test_the_redirect_uri_must_be_the_authorize_one(
    app: ConnectedAppDefinition,
    code_exchange: Callable[..., requests.Response],
) -> None:
    other_callback = app.callback_urls[1]
    assert oauth_error(code_exchange(redirect_uri=other_callback)) == {
        "error": "redirect_uri_mismatch",
        "error_description": "redirect_uri must match configuration",
    }
    assert oauth_error(code_exchange(redirect_uri=None))["error"] == "redirect_uri_mismatch"


def test_wrong_secret_is_invalid_client(code_exchange: Callable[..., requests.Response]) -> None:
    assert oauth_error(code_exchange(client_secret="not-the-secret")) == {
        "error": "invalid_client",
        "error_description": "invalid client credentials",
    }


def test_no_secret_and_no_pkce_is_invalid_client(
    code_exchange: Callable[..., requests.Response],
) -> None:
    assert oauth_error(code_exchange(client_secret=None))["error"] == "invalid_client"


def test_unknown_client_id_is_invalid_client_id(token_request: TokenRequest) -> None:
    assert oauth_error(
        token_request(
            grant_type="password",
            client_id="3MVG9nope",
            client_secret="x",
            username="a",
            password="b",
        )
    ) == {"error": "invalid_client_id", "error_description": "client identifier invalid"}


@pytest.mark.parametrize(
    "grant_type", ["implicit", "urn:ietf:params:oauth:grant-type:device_code", None]
)
def test_unsupported_grant_type(
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    grant_type: str | None,
) -> None:
    assert oauth_error(
        token_request(
            grant_type=grant_type, client_id=app.client_id, client_secret=app.client_secret
        )
    ) == {"error": "unsupported_grant_type", "error_description": "grant type not supported"}


def test_password_grant(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    api: requests.Session,
) -> None:
    response = token_request(
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=bare_org.username,
        password=bare_org.password,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "refresh_token" not in body
    assert "refresh_token" not in body["scope"].split()
    assert body["id"].endswith(f"/id/{bare_org.org_id}/{bare_org.user_id}")
    me = api.get(body["id"], headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["username"] == bare_org.username


def test_password_grant_accepts_the_security_token_suffix(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    security_token = mock_server.backend.oauth.reset_security_token(
        org_id=bare_org.org_id, user_id=bare_org.user_id
    )
    assert len(security_token) == 24
    ok = token_request(
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=bare_org.username,
        password=bare_org.password + security_token,
    )
    assert ok.status_code == 200
    wrong_token = token_request(
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=bare_org.username,
        password=bare_org.password + "X" * 24,
    )
    assert oauth_error(wrong_token) == {
        "error": "invalid_grant",
        "error_description": "authentication failure",
    }


def test_password_grant_with_a_wrong_password(
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    assert oauth_error(
        token_request(
            grant_type="password",
            client_id=app.client_id,
            client_secret=app.client_secret,
            username=bare_org.username,
            password="nope",
        )
    ) == {"error": "invalid_grant", "error_description": "authentication failure"}


def test_password_grant_needs_the_secret(
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    assert (
        oauth_error(
            token_request(
                grant_type="password",
                client_id=app.client_id,
                username=bare_org.username,
                password=bare_org.password,
            )
        )["error"]
        == "invalid_client"
    )


def test_client_credentials_runs_as_the_integration_user(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    api: requests.Session,
) -> None:
    fields = {
        "grant_type": "client_credentials",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
    }
    assert oauth_error(token_request(**fields)) == {
        "error": "invalid_grant",
        "error_description": "no client credentials user enabled",
    }

    integration_id = add_user(
        mock_server.backend,
        org_id=bare_org.org_id,
        username="integration@bare.example",
        permissions={"ApiEnabled", "CanApproveUninstalledApps"},
    )
    body = token_request(**fields).json()
    assert body["id"].endswith(f"/{integration_id}")
    assert "refresh_token" not in body
    info = api.get(
        f"{mock_server.https_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    ).json()
    assert info["preferred_username"] == "integration@bare.example"

    # An explicit "Run As" wins over the naming rule.
    mock_server.backend.oauth.set_run_as_user(org_id=bare_org.org_id, user_id=bare_org.user_id)
    assert token_request(**fields).json()["id"].endswith(f"/{bare_org.user_id}")


def test_refresh_for_a_deactivated_user_is_inactive_user(
    mock_server: ThreadedMockServer,
    code_exchange: Callable[..., requests.Response],
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    tokens = code_exchange().json()
    mock_server.backend.store.execute(
        'UPDATE "sobj_user" SET "IsActive" = false WHERE "Id" = ?', [bare_org.user_id]
    )
    assert oauth_error(
        token_request(
            grant_type="refresh_token",
            refresh_token=tokens["refresh_token"],
            client_id=app.client_id,
            client_secret=app.client_secret,
        )
    ) == {"error": "inactive_user", "error_description": "user is inactive"}


def test_refresh_of_a_confidential_client_needs_its_secret(
    code_exchange: Callable[..., requests.Response],
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    tokens = code_exchange().json()
    assert (
        oauth_error(
            token_request(
                grant_type="refresh_token",
                refresh_token=tokens["refresh_token"],
                client_id=app.client_id,
            )
        )["error"]
        == "invalid_client"
    )


def test_at_most_five_refresh_tokens_per_user_and_app(
    code_exchange: Callable[..., requests.Response],
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    refresh_tokens = [code_exchange().json()["refresh_token"] for _ in range(6)]

    def refresh(token: str) -> int:
        return token_request(
            grant_type="refresh_token",
            refresh_token=token,
            client_id=app.client_id,
            client_secret=app.client_secret,
        ).status_code

    assert refresh(refresh_tokens[0]) == 400  # the oldest made room for the sixth
    assert [refresh(t) for t in refresh_tokens[1:]] == [200] * 5


def test_revoke_answers(
    mock_server: ThreadedMockServer,
    code_exchange: Callable[..., requests.Response],
    api: requests.Session,
) -> None:
    revoke_url = f"{mock_server.https_url}/services/oauth2/revoke"
    unknown = api.post(revoke_url, data={"token": "00Dnothing!AQnothing"})
    assert unknown.status_code == 400
    assert unknown.json()["error"] == "invalid_token"
    assert api.post(revoke_url, data={}).status_code == 400

    first, second = code_exchange().json(), code_exchange().json()
    # Revoking an access token (here by GET) ends only that token.
    assert api.get(revoke_url, params={"token": first["access_token"]}).status_code == 200
    userinfo = f"{mock_server.https_url}/services/oauth2/userinfo"
    assert (
        api.get(userinfo, headers={"Authorization": f"Bearer {first['access_token']}"}).status_code
        == 403
    )
    assert (
        api.get(userinfo, headers={"Authorization": f"Bearer {second['access_token']}"}).status_code
        == 200
    )
