"""The web-server flow with PKCE against the mock org over real HTTPS, and every way it fails."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest
import requests
from sf_flow import Integration, MockBrowser, connect_with, integrate, make_oauth_client

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.salesforce import OAuthClient, parse_callback
from portal.domain.gateway_errors import OAuthFailure, SalesforceAuthError, SalesforceOAuthError
from portal.domain.oauth import AuthorizationCode, AuthorizationRefused, RevokeOutcome
from portal.domain.secret import SecretStr


def test_integrate_query_expire_refresh_revoke(
    mock_server: ThreadedMockServer,
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
    sf_session: requests.Session,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    [acme] = world("default")
    user = acme.integration_user

    request = oauth_client.start(force_login=True)
    outcome = sf_browser.authorize(request.url, user=user)
    assert outcome.pages_seen == ("login", "consent")
    assert outcome.callback is not None
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationCode)
    assert result.state == request.state

    tokens = oauth_client.exchange(code=result.code, code_verifier=request.code_verifier)
    assert (tokens.org_id, tokens.user_id) == (acme.org_id, user.user_id)
    assert tokens.instance_url == mock_server.https_url
    assert tokens.refresh_token is not None
    assert tokens.access_token.get_secret_value().startswith(acme.org_id[:15] + "!")

    identity = oauth_client.identity(tokens)
    assert (identity.org_id, identity.user_id) == (acme.org_id, user.user_id)
    assert identity.username == user.username

    session_integration = connect_with(tokens=tokens, oauth=oauth_client, session=sf_session)
    gateway, refreshed = session_integration.gateway, session_integration.refreshed
    assert gateway.organization().name == "Acme Japan"
    live = gateway.identity()
    assert live.org_name == "Acme Japan" and live.username == user.username
    assert gateway.count("SELECT COUNT() FROM Account") == 20
    assert refreshed == []

    # Salesforce ends the session; the next call refreshes once, transparently.
    mock_server.backend.sessions.expire_all()
    accounts = gateway.query_all("SELECT Id, Name FROM Account ORDER BY Name LIMIT 3")
    assert len(accounts) == 3 and "attributes" not in accounts[0]
    assert len(refreshed) == 1
    fresh = refreshed[0]
    assert fresh.access_token != tokens.access_token
    assert fresh.refresh_token == tokens.refresh_token
    assert gateway.tokens == fresh

    # Remove integration: revoke the refresh token; the connection is then dead for good.
    assert tokens.refresh_token is not None
    assert oauth_client.revoke(tokens.refresh_token) is RevokeOutcome.REVOKED
    with pytest.raises(SalesforceAuthError) as caught:
        gateway.organization()
    assert "Integrate" in caught.value.user_message
    assert len(refreshed) == 1
    assert oauth_client.revoke(tokens.refresh_token) is RevokeOutcome.ALREADY_INVALID

    # Nothing secret reached a log on the way, even at DEBUG.
    app = mock_server.backend.connected_apps.definition("MiiTel")
    secrets = [
        tokens.access_token,
        fresh.access_token,
        tokens.refresh_token,
        request.code_verifier,
        result.code,
    ]
    assert caplog.records
    for secret in [*(s.get_secret_value() for s in secrets), app.client_secret]:
        assert secret not in caplog.text


def test_a_session_that_times_out_is_refreshed_too(
    mock_server: ThreadedMockServer, integrated: Callable[..., Integration]
) -> None:
    integration = integrated("default")
    mock_server.backend.clock.advance(mock_server.backend.sessions.timeout + timedelta(minutes=1))
    assert integration.gateway.organization().name == "Acme Japan"
    assert len(integration.refreshed) == 1


def test_without_a_refresh_token_an_expired_session_asks_to_reconnect(
    mock_server: ThreadedMockServer,
    integrated: Callable[..., Integration],
    oauth_client: OAuthClient,
    sf_session: requests.Session,
) -> None:
    integration = integrated("default")
    no_refresh = replace(integration.tokens, refresh_token=None)
    gateway = connect_with(tokens=no_refresh, oauth=oauth_client, session=sf_session).gateway
    mock_server.backend.sessions.expire_all()
    with pytest.raises(SalesforceAuthError, match="Integrate"):
        gateway.describe("Account")


def test_a_code_needs_its_verifier_and_works_once(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("default")

    def sign_in() -> tuple[AuthorizationCode, SecretStr]:
        request = oauth_client.start()
        outcome = sf_browser.authorize(request.url, user=acme.integration_user)
        assert outcome.callback is not None
        result = parse_callback(outcome.callback)
        assert isinstance(result, AuthorizationCode)
        return result, request.code_verifier

    code, _ = sign_in()
    with pytest.raises(SalesforceOAuthError) as wrong:
        oauth_client.exchange(code=code.code, code_verifier=SecretStr("x" * 64))
    assert wrong.value.reason is OAuthFailure.INVALID_GRANT

    code, verifier = sign_in()
    oauth_client.exchange(code=code.code, code_verifier=verifier)
    with pytest.raises(SalesforceOAuthError) as reused:
        oauth_client.exchange(code=code.code, code_verifier=verifier)
    assert reused.value.reason is OAuthFailure.INVALID_GRANT
    assert "Integrate" in reused.value.user_message


def test_a_wrong_client_secret_is_a_configuration_error(
    mock_server: ThreadedMockServer,
    world: Callable[..., list[SeededOrg]],
    sf_session: requests.Session,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("default")
    wrong = make_oauth_client(mock_server, sf_session, client_secret=SecretStr("not-it"))
    request = wrong.start()
    outcome = sf_browser.authorize(request.url, user=acme.integration_user)
    assert outcome.callback is not None
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationCode)
    with pytest.raises(SalesforceOAuthError) as caught:
        wrong.exchange(code=result.code, code_verifier=request.code_verifier)
    assert caught.value.reason is OAuthFailure.INVALID_CLIENT
    assert "client secret" in caught.value.user_message


def test_deny_is_access_denied(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("default")
    request = oauth_client.start()
    outcome = sf_browser.authorize(request.url, user=acme.integration_user, action="deny")
    assert outcome.callback is not None
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationRefused)
    assert result.error.reason is OAuthFailure.ACCESS_DENIED
    assert result.state == request.state


def test_a_blocked_app_says_unblock(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("app-blocked")
    outcome = sf_browser.authorize(oauth_client.start().url, user=acme.integration_user)
    assert outcome.callback is not None
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationRefused)
    assert result.error.reason is OAuthFailure.APP_BLOCKED
    assert "Unblock" in result.error.user_message


def test_an_uninstalled_app_without_the_approve_permission_must_be_installed(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("user-without-approve-permission")
    outcome = sf_browser.authorize(oauth_client.start().url, user=acme.integration_user)
    assert outcome.callback is not None, outcome.page[:300]
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationRefused)
    assert result.error.reason is OAuthFailure.APP_NOT_INSTALLED
    assert "Approve Uninstalled Connected Apps" in result.error.user_message


def test_a_permission_set_grant_lets_the_cloned_admin_integrate(
    integrated: Callable[..., Integration],
) -> None:
    integration = integrated("custom-profile-admin")
    assert integration.gateway.organization().name == "Acme Japan"


def test_a_redirect_uri_not_registered_is_refused_with_its_remedy(
    mock_server: ThreadedMockServer,
    world: Callable[..., list[SeededOrg]],
    sf_session: requests.Session,
    oauth_client: OAuthClient,
    sf_browser: MockBrowser,
) -> None:
    [acme] = world("default")
    # Salesforce shows its error page instead of redirecting to an unknown callback.
    stray = make_oauth_client(mock_server, sf_session, redirect_uri="http://localhost:9999/cb")
    outcome = sf_browser.authorize(stray.start().url, user=acme.integration_user)
    assert outcome.callback is None
    assert "redirect_uri_mismatch" in outcome.page

    # A code issued for one callback cannot be exchanged naming another.
    request = oauth_client.start()
    landed = sf_browser.authorize(request.url, user=acme.integration_user)
    assert landed.callback is not None
    result = parse_callback(landed.callback)
    assert isinstance(result, AuthorizationCode)
    with pytest.raises(SalesforceOAuthError) as caught:
        stray.exchange(code=result.code, code_verifier=request.code_verifier)
    assert caught.value.reason in {OAuthFailure.REDIRECT_URI_MISMATCH, OAuthFailure.INVALID_GRANT}


def test_integrating_a_second_org_shows_that_org(
    integrated: Callable[..., Integration],
) -> None:
    integration = integrated("second-org", user=lambda orgs: orgs[1].integration_user)
    identity = integration.gateway.identity()
    assert identity.org_name == "Beta Trading"
    assert identity.org_id == integration.tokens.org_id


def test_integrate_helper_round_trip(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_session: requests.Session,
) -> None:
    [acme] = world("app-never-used")
    integration = integrate(oauth=oauth_client, session=sf_session, user=acme.integration_user)
    assert integration.gateway.identity().user_id == acme.integration_user.user_id
