"""The web server flow end to end over real HTTP(S): authorize → login → "Allow access?" →
code → token (PKCE) → REST → refresh → revoke → 401."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
import requests
from oauth_flow import Browser, OrgUser, Page, callback_query, make_pkce
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition

TokenRequest = Callable[..., requests.Response]


def rest_client(server: ThreadedMockServer, session: requests.Session, token: str) -> Salesforce:
    return Salesforce(
        instance_url=server.https_url, session_id=token, session=session, version="59.0"
    )


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_whole_flow_with_pkce_then_refresh_and_revoke(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    visitor: Browser,
    api: requests.Session,
    token_request: TokenRequest,
    method: str,
) -> None:
    pkce = make_pkce(method)
    login = visitor.authorize(
        state="portal-state-1", code_challenge=pkce.challenge, code_challenge_method=method
    )
    page = Page(login.text)
    assert login.status_code == 200
    assert page.labels == ["Username", "Password"]
    assert page.buttons == ["Log In"]

    consent = visitor.log_in(login, username=bare_org.username, password=bare_org.password)
    page = Page(consent.text)
    assert page.title == "Allow access?"
    assert "MiiTel is asking to:" in page.text
    assert "Manage user data via APIs (api)" in page.text
    assert "Perform requests at any time (refresh_token, offline_access)" in page.text
    assert "Access the identity URL service" in page.text
    assert "Ada Admin" in page.text and bare_org.username in page.text
    assert page.buttons == ["Deny", "Allow"]

    allowed = visitor.answer(consent, "allow")
    assert allowed.status_code == 302
    assert allowed.headers["Location"].startswith(app.callback_urls[0] + "?")
    query = callback_query(allowed)
    assert query["state"] == "portal-state-1"
    assert query["code"].startswith("aPrx")

    # A public client: PKCE instead of the secret.
    response = token_request(
        grant_type="authorization_code",
        code=query["code"],
        client_id=app.client_id,
        redirect_uri=app.callback_urls[0],
        code_verifier=pkce.verifier,
    )
    assert response.status_code == 200, response.text
    assert "no-store" in response.headers["Cache-Control"]
    tokens = response.json()
    assert re.fullmatch(r"00D[0-9A-Za-z]{12}![A-Za-z0-9_\-.]+", tokens["access_token"])
    assert bare_org.org_id.startswith(tokens["access_token"].split("!")[0])
    assert tokens["instance_url"] == mock_server.https_url
    assert tokens["id"] == f"{mock_server.https_url}/id/{bare_org.org_id}/{bare_org.user_id}"
    assert tokens["token_type"] == "Bearer"
    assert tokens["scope"] == "api refresh_token id"
    assert tokens["issued_at"].isdigit() and len(tokens["issued_at"]) == 13
    expected_signature = base64.b64encode(
        hmac.new(
            app.client_secret.encode(),
            (tokens["id"] + tokens["issued_at"]).encode(),
            hashlib.sha256,
        ).digest()
    ).decode()
    assert tokens["signature"] == expected_signature
    assert tokens["refresh_token"]

    sf = rest_client(mock_server, api, tokens["access_token"])
    result = sf.query("SELECT Id, Username FROM User")
    assert bare_org.username in {r["Username"] for r in result["records"]}

    refreshed = token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=app.client_id
    )
    assert refreshed.status_code == 200, refreshed.text
    second = refreshed.json()
    assert second["access_token"] != tokens["access_token"]
    assert "refresh_token" not in second
    assert second["scope"] == "api refresh_token id"
    userinfo = api.get(
        f"{mock_server.https_url}/services/oauth2/userinfo",
        headers={"Authorization": f"Bearer {second['access_token']}"},
    )
    assert userinfo.json()["preferred_username"] == bare_org.username

    revoked = api.post(
        f"{mock_server.https_url}/services/oauth2/revoke", data={"token": tokens["refresh_token"]}
    )
    assert revoked.status_code == 200
    assert revoked.text == ""
    for access_token in (tokens["access_token"], second["access_token"]):
        gone = api.get(
            f"{mock_server.https_url}/services/data/v59.0/sobjects/",
            headers={"Authorization": f"Bearer {access_token}"},
        )
        assert gone.status_code == 401
        assert gone.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    with pytest.raises(SalesforceExpiredSession):
        rest_client(mock_server, api, second["access_token"]).query("SELECT Id FROM User")
    again = token_request(
        grant_type="refresh_token", refresh_token=tokens["refresh_token"], client_id=app.client_id
    )
    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_confidential_client_with_basic_auth_and_no_pkce(
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    visitor: Browser,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(
        username=bare_org.username, password=bare_org.password, scope="api id"
    )
    response = token_request(
        auth=(app.client_id, app.client_secret),
        grant_type="authorization_code",
        code=code,
        redirect_uri=app.callback_urls[0],
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["scope"] == "api id"
    assert "refresh_token" not in body  # neither refresh_token nor offline_access asked


def test_offline_access_alone_also_gives_a_refresh_token(
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    visitor: Browser,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(
        username=bare_org.username, password=bare_org.password, scope="api offline_access"
    )
    body = token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
    ).json()
    assert body["refresh_token"]


def test_browser_session_skips_login_and_remembered_consent_skips_the_page(
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    visitor: Browser,
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)
    sid = next(c for c in visitor.http.cookies if c.name == "sid")
    assert sid.has_nonstandard_attr("HttpOnly")
    assert sid.get_nonstandard_attr("SameSite", "").lower() == "lax"

    again = visitor.authorize(state="second")
    assert again.status_code == 302  # no login page, no consent page: straight back
    query = callback_query(again)
    assert query["state"] == "second" and query["code"]


def test_more_scopes_than_approved_ask_for_consent_again(
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password, scope="api")
    wider = visitor.authorize(scope="api refresh_token")
    assert Page(wider.text).title == "Allow access?"


def test_prompt_login_shows_the_login_page_despite_a_browser_session(
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)
    forced = visitor.authorize(prompt="login")
    assert forced.status_code == 200
    assert "login_form" in Page(forced.text).forms
    done = visitor.log_in(forced, username=bare_org.username, password=bare_org.password)
    assert done.status_code == 302 and callback_query(done)["code"]


def test_prompt_consent_shows_the_consent_page_again(
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)
    forced = visitor.authorize(prompt="consent", state="s-consent")
    assert Page(forced.text).title == "Allow access?"
    assert callback_query(visitor.answer(forced, "allow"))["state"] == "s-consent"


def test_prompt_none_without_a_login_answers_login_required(visitor: Browser) -> None:
    response = visitor.authorize(prompt="none", state="quiet")
    assert response.status_code == 302
    assert callback_query(response) == {
        "error": "login_required",
        "error_description": "user must log in",
        "state": "quiet",
    }


def test_session_expiry_then_refresh_still_works(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    visitor: Browser,
    api: requests.Session,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    tokens = token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
    ).json()
    mock_server.backend.clock.advance(mock_server.backend.sessions.timeout + timedelta(minutes=1))
    expired = api.get(
        f"{mock_server.https_url}/services/data/v59.0/sobjects/",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert expired.status_code == 401
    assert expired.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    refreshed = token_request(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert refreshed.status_code == 200
    fresh = api.get(
        f"{mock_server.https_url}/services/data/v59.0/sobjects/",
        headers={"Authorization": f"Bearer {refreshed.json()['access_token']}"},
    )
    assert fresh.status_code == 200


def test_logout_ends_the_browser_session(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)
    out = visitor.http.get(f"{mock_server.http_url}/secur/logout.jsp")
    assert "You have logged out." in Page(out.text).text
    again = visitor.authorize()
    assert "login_form" in Page(again.text).forms


def test_login_hint_fills_in_the_username(visitor: Browser, bare_org: OrgUser) -> None:
    login = visitor.authorize(login_hint=bare_org.username)
    assert Page(login.text).forms["login_form"]["inputs"]["username"] == bare_org.username


def test_not_you_logs_out_and_returns_to_the_login_page_of_the_same_request(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    consent = visitor.log_in(
        visitor.authorize(state="switch"), username=bare_org.username, password=bare_org.password
    )
    not_you = Page(consent.text).links["not_you"]
    login = visitor.go(visitor.http.get(f"{mock_server.http_url}{not_you}", allow_redirects=False))
    assert "login_form" in Page(login.text).forms
    assert "sid" not in visitor.http.cookies
    again = visitor.log_in(login, username=bare_org.username, password=bare_org.password)
    assert callback_query(visitor.answer(again, "allow"))["state"] == "switch"
