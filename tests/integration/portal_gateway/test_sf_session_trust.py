"""The portal's session trusts exactly the right CAs, whatever REQUESTS_CA_BUNDLE says."""

from __future__ import annotations

import certifi
import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import TOKEN_HEADER
from portal.adapters.salesforce import Timeouts, Trust, build_session

# A control-plane route that every mock build serves (with the mock's control token).
PROBE = "/mock-api/faults"


def _probe(session: requests.Session, server: ThreadedMockServer) -> requests.Response:
    return session.get(
        server.https_url + PROBE, headers={TOKEN_HEADER: server.control_token or ""}, timeout=5
    )


@pytest.fixture
def env_bundle_without_mock_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """The machine's situation: an environment CA bundle that does not hold the mock's CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())


@pytest.mark.usefixtures("env_bundle_without_mock_ca")
def test_mock_mode_reaches_the_mock_where_a_plain_session_cannot(
    mock_server: ThreadedMockServer,
) -> None:
    with requests.Session() as plain, pytest.raises(requests.exceptions.SSLError):
        plain.verify = str(mock_server.ca_bundle)
        _probe(plain, mock_server)

    with build_session(trust=Trust.mock_ca(mock_server.ca_bundle), timeout=Timeouts()) as ours:
        assert _probe(ours, mock_server).status_code == 200


@pytest.mark.usefixtures("env_bundle_without_mock_ca")
def test_mock_mode_ignores_proxy_settings_from_the_environment(
    mock_server: ThreadedMockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    monkeypatch.setenv("NO_PROXY", "")
    with build_session(trust=Trust.mock_ca(mock_server.ca_bundle), timeout=Timeouts()) as ours:
        assert _probe(ours, mock_server).status_code == 200


def test_real_mode_trusts_what_requests_ca_bundle_names(
    mock_server: ThreadedMockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A corporate proxy's CA arrives through REQUESTS_CA_BUNDLE: here, the mock's CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(mock_server.ca_bundle))
    with build_session(trust=Trust.system(), timeout=Timeouts()) as session:
        assert _probe(session, mock_server).status_code == 200

    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    with (
        build_session(trust=Trust.system(), timeout=Timeouts()) as session,
        pytest.raises(requests.exceptions.SSLError),
    ):
        _probe(session, mock_server)


def test_real_mode_does_not_trust_the_mock_ca_by_itself(
    mock_server: ThreadedMockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    with (
        build_session(trust=Trust.system(), timeout=Timeouts()) as session,
        pytest.raises(requests.exceptions.SSLError),
    ):
        _probe(session, mock_server)
