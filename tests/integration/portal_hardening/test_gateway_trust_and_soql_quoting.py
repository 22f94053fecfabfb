"""Issue 4, the Salesforce gateway over real HTTPS:

- the session trusts exactly the right CAs, whatever REQUESTS_CA_BUNDLE says: the whole portal
  works in mock mode with an environment bundle that lacks the mock's CA; in real mode the
  environment bundle is what decides (a corporate proxy's CA), and without it the failure is a
  typed error that says what to check;
- values never change the meaning of a SOQL query (format_soql quotes them), and the SOSL phone
  search takes nothing but digits.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import certifi
import pytest
from hardening_support import ADMIN, browser_sign_in

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.salesforce import Timeouts, Trust, build_session, connect
from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.oauth import OAuthClient
from portal.adapters.salesforce.versions import NEWEST_SUPPORTED
from portal.bootstrap import build_portal
from portal.domain.config import PortalConfig, PortalMode
from portal.domain.gateway_errors import OAuthFailure, SalesforceRequestError
from portal.domain.salesforce import PermissionCheckStatus
from portal.domain.steps import StepStatus
from portal.services.integration import CallbackKind
from tests.portal_over_mock import portal_config

Scenario = Callable[..., list[SeededOrg]]


@pytest.fixture
def env_bundle_without_the_mock_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's situation: the environment names a CA bundle that lacks the mock's CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())


@pytest.mark.usefixtures("env_bundle_without_the_mock_ca")
def test_mock_mode_works_end_to_end_despite_requests_ca_bundle(
    world: Scenario, mock_server: ThreadedMockServer, tmp_path: Path
) -> None:
    [org] = world("default")
    config = portal_config(mock=mock_server, data_dir=tmp_path)
    portal = build_portal(config=config)
    try:
        # Authlib (code exchange), userinfo, simple-salesforce (SOQL, describe), revoke.
        assert browser_sign_in(portal, config, org.integration_user, mock_server).succeeded
        assert portal.integration.current().status.live is True
        assert portal.checks.installed().installed is True
        assert portal.validation.validate().checked_against_org
        assert portal.removal.remove(actor=ADMIN).revoked
    finally:
        portal.close()


def _real_mode(server: ThreadedMockServer, tmp_path: Path) -> PortalConfig:
    """REAL mode against the mock standing in for a Salesforce org behind a corporate proxy."""
    return portal_config(mock=server, data_dir=tmp_path, mode=PortalMode.REAL)


def test_real_mode_trusts_the_ca_that_requests_ca_bundle_names(
    world: Scenario,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [org] = world("default")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mock_server.ca_bundle))
    config = _real_mode(mock_server, tmp_path)
    assert config.ca_bundle is None
    portal = build_portal(config=config)
    try:
        outcome = browser_sign_in(portal, config, org.integration_user, mock_server)
        assert outcome.kind is CallbackKind.INTEGRATED
        assert portal.integration.current().status.live is True
        assert portal.removal.remove(actor=ADMIN).revoked
    finally:
        portal.close()


def test_real_mode_without_the_proxy_ca_is_a_clear_tls_error(
    world: Scenario,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [org] = world("default")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    config = _real_mode(mock_server, tmp_path)
    portal = build_portal(config=config)
    try:
        outcome = browser_sign_in(portal, config, org.integration_user, mock_server)
    finally:
        portal.close()

    assert outcome.kind is CallbackKind.FAILED
    assert outcome.result.status is StepStatus.ERROR
    assert "does not trust the certificate" in outcome.result.message
    assert "REQUESTS_CA_BUNDLE" in outcome.result.message
    assert outcome.failure is not OAuthFailure.ACCESS_DENIED


# --- SOQL: values are quoted by format_soql ---------------------------------------------------

HOSTILE = [
    "x' OR Username != '",
    "x\\' OR Username != \\'",
    "x\\",
    "' OR IsActive = true OR Name LIKE '%",
    "x') OR (Id != null",
]


@pytest.fixture
def gateway(
    world: Scenario, mock_server: ThreadedMockServer, tmp_path: Path
) -> tuple[SalesforceGateway, SeededOrg]:
    [org] = world("default")
    config = portal_config(mock=mock_server, data_dir=tmp_path)
    portal = build_portal(config=config)
    assert browser_sign_in(portal, config, org.admin, mock_server).succeeded
    tokens = portal.storage.repositories.tokens.load()
    portal.close()
    assert tokens is not None
    session = build_session(trust=Trust.mock_ca(mock_server.ca_bundle), timeout=Timeouts())
    oauth = OAuthClient(
        login_url=config.salesforce_login_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        redirect_uri=config.redirect_uri,
        session=session,
    )
    gateway = connect(
        tokens=tokens,
        session=session,
        oauth=oauth,
        on_refresh=lambda _t: None,
        api_version=NEWEST_SUPPORTED,
    )
    return gateway, org


@pytest.mark.parametrize("value", HOSTILE)
def test_a_value_never_changes_what_a_query_asks(
    gateway: tuple[SalesforceGateway, SeededOrg], value: str
) -> None:
    sf, org = gateway
    real = org.integration_user.username

    assert sf.query_all("SELECT Id FROM User WHERE Username = {u}", u=value) == []
    assert sf.active_usernames([value, real]) == {real}
    assert sf.user_permission(value).status is PermissionCheckStatus.USER_NOT_FOUND
    with pytest.raises(ValueError):  # the phone search refuses it before any statement
        sf.search_phones([value], ["Contact(Id)"])
    usage = sf.connected_app_usage(value)
    assert usage.connected_app is None and usage.tokens == () and usage.app_menu_item is None
    # The same calls with honest values do find things.
    assert len(sf.query_all("SELECT Id FROM User WHERE Username = {u}", u=real)) == 1
    assert sf.connected_app_usage("MiiTel").is_installed


def test_names_are_checked_before_they_reach_a_path(
    gateway: tuple[SalesforceGateway, SeededOrg],
) -> None:
    sf, _org = gateway
    for name in ("Task/../../limits", "Task; DROP", "Task WHERE"):
        with pytest.raises(SalesforceRequestError) as raised:
            sf.describe(name)
        assert raised.value.error_code == "INVALID_NAME"
    with pytest.raises(SalesforceRequestError) as raised:
        sf.user_permission("x", permission="CanApproveUninstalledApps FROM User")
    assert raised.value.error_code == "INVALID_NAME"
