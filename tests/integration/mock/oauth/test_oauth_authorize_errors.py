"""Every way the authorize URL, the login page and the consent page say no."""

from __future__ import annotations

import pytest
import requests
from oauth_flow import LOGIN_ERROR, Browser, OrgUser, Page, add_user, callback_query

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition


def test_unknown_client_id_shows_an_error_page_and_does_not_redirect(visitor: Browser) -> None:
    response = visitor.authorize(client_id="3MVG9-not-a-real-consumer-key")
    assert response.status_code == 400
    assert "Location" not in response.headers
    page = Page(response.text)
    assert page.title == "OAuth Error"
    assert "invalid_client_id" in page.text
    assert "client identifier invalid" in page.text


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://evil.example/steal",
        "http://localhost:8501",  # no trailing slash: not an exact match
        "http://localhost:8501/?extra=1",
        None,
    ],
)
def test_redirect_uri_not_a_callback_url_shows_a_page_and_never_redirects(
    visitor: Browser,
    redirect_uri: str | None,
) -> None:
    response = visitor.authorize(redirect_uri=redirect_uri, response_type="token")
    assert response.status_code == 400
    assert "Location" not in response.headers
    page = Page(response.text)
    assert "redirect_uri_mismatch" in page.text
    assert "redirect_uri must match configuration" in page.text
    assert "evil.example" not in response.text


def test_unsupported_response_type_goes_back_with_the_error_and_state(visitor: Browser) -> None:
    response = visitor.authorize(response_type="token", state="s1")
    assert response.status_code == 302
    assert response.headers["Location"].startswith(visitor.redirect_uri + "?")
    assert callback_query(response) == {
        "error": "unsupported_response_type",
        "error_description": "response type not supported",
        "state": "s1",
    }


@pytest.mark.parametrize("scope", ["api calendar", "full", "api  Web"])
def test_a_scope_the_app_may_not_ask_for_is_invalid_scope(visitor: Browser, scope: str) -> None:
    response = visitor.authorize(scope=scope, state="s2")
    assert callback_query(response) == {
        "error": "invalid_scope",
        "error_description": "the requested scope is not allowed",
        "state": "s2",
    }


@pytest.mark.parametrize(
    ("challenge", "method", "description"),
    [
        ("a" * 43, "S512", "invalid code challenge method"),
        ("short", "plain", "invalid code challenge"),
        (None, "S256", "missing required code challenge"),
    ],
)
def test_malformed_pkce_is_invalid_request(
    visitor: Browser,
    challenge: str | None,
    method: str,
    description: str,
) -> None:
    response = visitor.authorize(code_challenge=challenge, code_challenge_method=method)
    query = callback_query(response)
    assert query["error"] == "invalid_request"
    assert query["error_description"] == description


def test_wrong_password_stays_on_the_login_page_with_the_message(
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    login = visitor.authorize()
    again = visitor.log_in(login, username=bare_org.username, password="wrong-password")
    assert again.status_code == 200
    page = Page(again.text)
    assert LOGIN_ERROR in page.text
    assert page.forms["login_form"]["inputs"]["username"] == bare_org.username
    assert "wrong-password" not in again.text
    assert "sid" not in visitor.http.cookies
    # The page still works: the right password now gets through.
    consent = visitor.log_in(again, username=bare_org.username, password=bare_org.password)
    assert Page(consent.text).title == "Allow access?"


def test_unknown_username_gets_the_same_message(visitor: Browser) -> None:
    login = visitor.authorize()
    again = visitor.log_in(login, username="nobody@nowhere.example", password="x")
    assert LOGIN_ERROR in Page(again.text).text


def test_inactive_user_cannot_log_in(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    add_user(
        mock_server.backend,
        org_id=bare_org.org_id,
        username="gone@bare.example",
        permissions={"ApiEnabled"},
        active=False,
    )
    again = visitor.log_in(visitor.authorize(), username="gone@bare.example", password="pass1234")
    assert again.status_code == 200
    assert LOGIN_ERROR in Page(again.text).text


def test_deny_goes_back_with_access_denied(visitor: Browser, bare_org: OrgUser) -> None:
    consent = visitor.log_in(
        visitor.authorize(state="deny-me"), username=bare_org.username, password=bare_org.password
    )
    denied = visitor.answer(consent, "deny")
    assert denied.status_code == 302
    assert callback_query(denied) == {
        "error": "access_denied",
        "error_description": "end-user denied authorization",
        "state": "deny-me",
    }
    assert "error_description=end-user%20denied%20authorization" in denied.headers["Location"]


def test_login_form_without_its_csrf_token_is_refused(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    login = visitor.authorize()
    request_id = Page(login.text).forms["login_form"]["inputs"]["request"]
    forged = visitor.http.post(
        f"{mock_server.http_url}/login",
        allow_redirects=False,
        data={
            "request": request_id,
            "username": bare_org.username,
            "password": bare_org.password,
            "csrf_token": "forged",
        },
    )
    assert forged.status_code == 403
    assert "sid" not in visitor.http.cookies


def test_a_csrf_token_works_once(visitor: Browser, bare_org: OrgUser) -> None:
    login = visitor.authorize()
    visitor.log_in(login, username=bare_org.username, password="wrong")
    replay = visitor.log_in(login, username=bare_org.username, password=bare_org.password)
    assert replay.status_code == 403
    assert "timed out" in Page(replay.text).text


def test_consent_form_without_its_csrf_token_is_refused(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    consent = visitor.log_in(
        visitor.authorize(), username=bare_org.username, password=bare_org.password
    )
    inputs = Page(consent.text).forms["consent_form"]["inputs"]
    forged = visitor.http.post(
        f"{mock_server.http_url}/services/oauth2/consent",
        data={"request": inputs["request"], "action": "allow"},
        allow_redirects=False,
    )
    assert forged.status_code == 403
    assert "Location" not in forged.headers


def test_another_browser_cannot_continue_someone_elses_request(
    mock_server: ThreadedMockServer,
    app: ConnectedAppDefinition,
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    login = visitor.authorize()
    stranger = Browser(mock_server, app)
    try:
        taken = stranger.http.get(
            f"{mock_server.http_url}/login",
            params={"request": Page(login.text).forms["login_form"]["inputs"]["request"]},
        )
        assert taken.status_code == 400
        assert "login_form" not in Page(taken.text).forms
    finally:
        stranger.http.close()


def test_an_answered_request_cannot_be_answered_again(
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    consent = visitor.log_in(
        visitor.authorize(), username=bare_org.username, password=bare_org.password
    )
    request_id = Page(consent.text).forms["consent_form"]["inputs"]["request"]
    visitor.answer(consent, "allow")
    again = visitor.http.get(
        f"{visitor.server.http_url}/services/oauth2/consent", params={"request": request_id}
    )
    assert again.status_code == 400
    assert "consent_form" not in Page(again.text).forms


def test_consent_page_needs_the_user_who_logged_in(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: OrgUser,
) -> None:
    consent = visitor.log_in(
        visitor.authorize(), username=bare_org.username, password=bare_org.password
    )
    request_id = Page(consent.text).forms["consent_form"]["inputs"]["request"]
    visitor.http.get(f"{mock_server.http_url}/secur/logout.jsp")
    back = visitor.http.get(
        f"{mock_server.http_url}/services/oauth2/consent",
        params={"request": request_id},
        allow_redirects=False,
    )
    assert back.status_code == 302
    assert back.headers["Location"].startswith("/login?request=")


def test_pages_are_not_cached_or_framed(visitor: Browser) -> None:
    response: requests.Response = visitor.authorize()
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Frame-Options"] == "DENY"
