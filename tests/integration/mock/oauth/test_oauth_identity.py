"""The identity URL and UserInfo: who a token belongs to, and who may ask."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from oauth_flow import Browser, OrgUser, add_user

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition

TokenRequest = Callable[..., requests.Response]


@pytest.fixture
def tokens(
    visitor: Browser, bare_org: OrgUser, app: ConnectedAppDefinition, token_request: TokenRequest
) -> dict[str, str]:
    code, _ = visitor.code_for(
        username=bare_org.username, password=bare_org.password, scope="api refresh_token id openid"
    )
    body: dict[str, str] = token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
    ).json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_identity_url_describes_the_user(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    response = api.get(tokens["id"], headers=bearer(tokens["access_token"]))
    assert response.status_code == 200
    me = response.json()
    assert me["id"] == tokens["id"]
    assert me["user_id"] == bare_org.user_id
    assert me["organization_id"] == bare_org.org_id
    assert me["username"] == bare_org.username
    assert me["display_name"] == "Ada Admin"
    assert me["email"] == bare_org.username
    assert me["active"] is True
    assert me["user_type"] == "STANDARD"
    assert (me["language"], me["locale"]) == ("ja", "ja_JP")
    assert me["utcOffset"] == 9 * 3600 * 1000
    base = mock_server.https_url
    assert me["urls"]["rest"] == f"{base}/services/data/v{{version}}/"
    assert me["urls"]["partner"] == f"{base}/services/Soap/u/{{version}}/{bare_org.org_id}"
    assert me["urls"]["sobjects"] == f"{base}/services/data/v{{version}}/sobjects/"


def test_identity_url_fills_in_the_version(tokens: dict[str, str], api: requests.Session) -> None:
    me = api.get(
        tokens["id"], params={"version": "59.0"}, headers=bearer(tokens["access_token"])
    ).json()
    assert me["urls"]["query"].endswith("/services/data/v59.0/query/")


def test_identity_url_accepts_fifteen_character_ids(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    url = f"{mock_server.https_url}/id/{bare_org.org_id[:15]}/{bare_org.user_id[:15]}"
    assert api.get(url, headers=bearer(tokens["access_token"])).status_code == 200


def test_identity_of_another_user_is_bad_id(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    other = add_user(
        mock_server.backend,
        org_id=bare_org.org_id,
        username="x@bare.example",
        permissions={"ApiEnabled"},
    )
    response = api.get(
        f"{mock_server.https_url}/id/{bare_org.org_id}/{other}",
        headers=bearer(tokens["access_token"]),
    )
    assert (response.status_code, response.text) == (403, "Bad_Id")


def test_identity_in_another_org_is_wrong_org(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    second = mock_server.backend.orgs.create(name="Second", schema_profile="second")
    response = api.get(
        f"{mock_server.https_url}/id/{second.org_id}/{bare_org.user_id}",
        headers=bearer(tokens["access_token"]),
    )
    assert (response.status_code, response.text) == (403, "Wrong_Org")


def test_identity_with_a_malformed_id_is_bad_id(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    response = api.get(
        f"{mock_server.https_url}/id/{bare_org.org_id}/not-an-id",
        headers=bearer(tokens["access_token"]),
    )
    assert (response.status_code, response.text) == (404, "Bad_Id")


def test_identity_without_or_with_a_dead_token(
    tokens: dict[str, str], api: requests.Session
) -> None:
    missing = api.get(tokens["id"])
    assert (missing.status_code, missing.text) == (403, "Missing_OAuth_Token")
    dead = api.get(tokens["id"], headers=bearer("00Dxx!AQdead"))
    assert (dead.status_code, dead.text) == (403, "Bad_OAuth_Token")


def test_identity_needs_an_identity_scope(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    api: requests.Session,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password, scope="api")
    body = token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
    ).json()
    response = api.get(body["id"], headers=bearer(body["access_token"]))
    assert (response.status_code, response.text) == (403, "Bad_OAuth_Token")
    # The same token still works for the REST API.
    rest = api.get(
        f"{mock_server.https_url}/services/data/v59.0/sobjects/",
        headers=bearer(body["access_token"]),
    )
    assert rest.status_code == 200


def test_userinfo(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    tokens: dict[str, str],
    api: requests.Session,
) -> None:
    response = api.get(
        f"{mock_server.https_url}/services/oauth2/userinfo", headers=bearer(tokens["access_token"])
    )
    assert response.status_code == 200
    info = response.json()
    assert info["sub"] == tokens["id"]
    assert info["user_id"] == bare_org.user_id
    assert info["organization_id"] == bare_org.org_id
    assert info["preferred_username"] == bare_org.username
    assert info["name"] == "Ada Admin"
    assert info["email"] == bare_org.username
    assert info["zoneinfo"] == "Asia/Tokyo"
    assert info["locale"] == "ja_JP"
    assert info["urls"]["rest"].endswith("/services/data/v{version}/")


def test_userinfo_with_a_dead_token(mock_server: ThreadedMockServer, api: requests.Session) -> None:
    response = api.get(
        f"{mock_server.https_url}/services/oauth2/userinfo", headers=bearer("00Dxx!AQdead")
    )
    assert (response.status_code, response.text) == (403, "Bad_OAuth_Token")


def test_openid_configuration_names_the_endpoints(
    mock_server: ThreadedMockServer, api: requests.Session
) -> None:
    config = api.get(f"{mock_server.https_url}/.well-known/openid-configuration").json()
    assert config["token_endpoint"] == f"{mock_server.https_url}/services/oauth2/token"
    assert config["code_challenge_methods_supported"] == ["S256", "plain"]
