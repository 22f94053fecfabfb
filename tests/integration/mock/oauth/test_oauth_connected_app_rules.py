"""The connected app's state in the org decides who may authorize it: blocked apps, the 2025
rule for uninstalled apps, admin-approved users, and what revoking access does."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauth_flow import Browser, OrgUser, Page, add_user, callback_query

from mock_salesforce import ThreadedMockServer
from mock_salesforce.backend import MockBackend
from mock_salesforce.connected_apps import ConnectedAppDefinition

TokenRequest = Callable[..., requests.Response]
SALES_USER = "sales@bare.example"


@pytest.fixture
def backend(mock_server: ThreadedMockServer) -> MockBackend:
    return mock_server.backend


@pytest.fixture
def sales_user(backend: MockBackend, bare_org: OrgUser) -> str:
    """A user with API access but without "Approve Uninstalled Connected Apps"."""
    return add_user(
        backend, org_id=bare_org.org_id, username=SALES_USER, permissions={"ApiEnabled"}
    )


def link_query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def exchange(token_request: TokenRequest, app: ConnectedAppDefinition, code: str) -> dict[str, str]:
    response = token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
    )
    assert response.status_code == 200, response.text
    body: dict[str, str] = response.json()
    return body


def test_blocked_app_goes_back_with_oauth_app_blocked(
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    backend.connected_apps.block(org_id=bare_org.org_id, app_name="MiiTel")
    login = visitor.authorize(state="blocked-state")
    answer = visitor.log_in(login, username=bare_org.username, password=bare_org.password)
    assert answer.status_code == 302
    assert callback_query(answer) == {
        "error": "OAUTH_APP_BLOCKED",
        "error_description": "this app is blocked by admin",
        "state": "blocked-state",
    }


def test_blocking_ends_sessions_and_refresh_fails(
    mock_server: ThreadedMockServer,
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    api: requests.Session,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    tokens = exchange(token_request, app, code)
    backend.connected_apps.block(org_id=bare_org.org_id, app_name="MiiTel")
    rest = api.get(
        f"{mock_server.https_url}/services/data/v59.0/sobjects/",
        headers={"Authorization": f"Bearer {tokens['access_token']}"},
    )
    assert rest.status_code == 401
    refreshed = token_request(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert refreshed.status_code == 400
    assert refreshed.json() == {
        "error": "invalid_grant",
        "error_description": "expired access/refresh token",
    }


def test_password_grant_for_a_blocked_app(
    backend: MockBackend,
    bare_org: OrgUser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    backend.connected_apps.block(org_id=bare_org.org_id, app_name="MiiTel")
    response = token_request(
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=bare_org.username,
        password=bare_org.password,
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "OAUTH_APP_BLOCKED",
        "error_description": "this app is blocked by admin",
    }


def test_uninstalled_app_without_the_permission_shows_the_approval_error_page(
    sales_user: str,
    visitor: Browser,
) -> None:
    login = visitor.authorize(state="st-uninstalled")
    page_response = visitor.log_in(login, username=SALES_USER, password="pass1234")
    assert page_response.status_code == 200
    page = Page(page_response.text)
    assert "OAUTH_APPROVAL_ERROR_GENERIC" in page.text
    continue_url = page.links["continue"]
    assert continue_url.startswith(visitor.redirect_uri + "?")
    assert "error_description=app%20must%20be%20installed%20into%20org" in continue_url
    assert link_query(continue_url) == {
        "error": "invalid_client",
        "error_description": "app must be installed into org",
        "state": "st-uninstalled",
    }


def test_uninstalled_app_with_the_permission_can_be_authorized(
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
) -> None:
    backend.connected_apps.record_use(
        org_id=bare_org.org_id, user_id=bare_org.user_id, app_name="MiiTel"
    )  # used before: now "uninstalled"
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    assert code


def test_installed_app_may_be_authorized_by_anyone(
    backend: MockBackend,
    bare_org: OrgUser,
    sales_user: str,
    visitor: Browser,
) -> None:
    backend.connected_apps.install(
        org_id=bare_org.org_id, app_name="MiiTel", actor_id=bare_org.user_id
    )
    code, _ = visitor.code_for(username=SALES_USER, password="pass1234")
    assert code


def test_password_grant_for_an_uninstalled_app_without_the_permission(
    sales_user: str,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    response = token_request(
        grant_type="password",
        client_id=app.client_id,
        client_secret=app.client_secret,
        username=SALES_USER,
        password="pass1234",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_client",
        "error_description": "app must be installed into org",
    }


def test_admin_approved_only_refuses_users_not_pre_authorized(
    backend: MockBackend,
    bare_org: OrgUser,
    sales_user: str,
    visitor: Browser,
) -> None:
    backend.connected_apps.install(
        org_id=bare_org.org_id, app_name="MiiTel", actor_id=bare_org.user_id
    )
    backend.connected_apps.set_policy(
        org_id=bare_org.org_id, app_name="MiiTel", admin_approved_only=True
    )
    page_response = visitor.log_in(
        visitor.authorize(state="s-admin"), username=SALES_USER, password="pass1234"
    )
    page = Page(page_response.text)
    assert "OAUTH_APPROVAL_ERROR_GENERIC" in page.text
    assert link_query(page.links["continue"]) == {
        "error": "invalid_app_access",
        "error_description": "user is not admin approved to access this app",
        "state": "s-admin",
    }


def test_every_grant_counts_as_a_use_of_the_app(
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    tokens = exchange(token_request, app, code)
    token_request(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    [usage] = backend.connected_apps.tokens(org_id=bare_org.org_id, app_name="MiiTel")
    assert usage.user_id == bare_org.user_id
    assert usage.use_count == 2


def test_revoking_a_user_ends_their_tokens_and_asks_for_consent_again(
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    tokens = exchange(token_request, app, code)
    backend.connected_apps.revoke_user(
        org_id=bare_org.org_id, user_id=bare_org.user_id, app_name="MiiTel"
    )
    refreshed = token_request(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert refreshed.json()["error"] == "invalid_grant"
    assert Page(visitor.authorize().text).title == "Allow access?"


def test_revoke_refresh_tokens_counts_what_it_revoked(
    backend: MockBackend,
    bare_org: OrgUser,
    visitor: Browser,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
) -> None:
    for _ in range(2):
        code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
        exchange(token_request, app, code)
    assert backend.oauth.revoke_refresh_tokens(org_id=bare_org.org_id, app_name="MiiTel") == 2
    assert backend.oauth.revoke_refresh_tokens(org_id=bare_org.org_id, app_name="MiiTel") == 0
