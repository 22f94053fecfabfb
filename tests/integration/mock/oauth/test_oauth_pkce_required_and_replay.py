"""Issue 11.9: a connected app can require PKCE, as Salesforce's "Require Proof Key for Code
Exchange (PKCE) extension for Supported Authorization Flows" does (the seeded MiiTel app does),
and an authorization code exchanged twice is refused and revokes every token issued from it
(RFC 6749 section 4.1.2)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from oauth_flow import Browser, callback_query, make_pkce, trusting_session

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import MIITEL, ConnectedAppDefinition
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from portal.adapters.mock_org import sign_in
from portal.adapters.salesforce.oauth import OAuthClient
from portal.domain.secret import SecretStr
from tests.conftest import BareOrg

TokenRequest = Callable[..., requests.Response]


def _exchange(
    token_request: TokenRequest,
    app: ConnectedAppDefinition,
    code: str,
    verifier: str | None,
) -> requests.Response:
    return token_request(
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        client_secret=app.client_secret,
        redirect_uri=app.callback_urls[0],
        code_verifier=verifier,
    )


def _api_status(server: ThreadedMockServer, api: requests.Session, access_token: str) -> int:
    return api.get(
        f"{server.https_url}/services/data/v60.0/limits",
        headers={"Authorization": f"Bearer {access_token}"},
    ).status_code


@pytest.fixture
def pkce_required(mock_server: ThreadedMockServer) -> None:
    mock_server.backend.connected_apps.require_pkce(MIITEL)


def test_the_seeded_miitel_app_requires_pkce(mock_server: ThreadedMockServer) -> None:
    backend = mock_server.backend
    assert not backend.connected_apps.pkce_required(MIITEL)
    reset_world(backend, seed=3, scenario="default", size=SMALL_SIZE)
    assert backend.connected_apps.pkce_required(MIITEL)


@pytest.mark.usefixtures("pkce_required")
def test_an_authorize_request_without_a_challenge_gets_salesforce_s_error(
    visitor: Browser,
) -> None:
    response = visitor.authorize(state="s-1")
    assert response.is_redirect
    assert callback_query(response) == {
        "error": "invalid_request",
        "error_description": "missing required code challenge",
        "state": "s-1",
    }


@pytest.mark.usefixtures("pkce_required")
@pytest.mark.parametrize("verifier", [None, "wrong"])
def test_a_token_request_without_the_right_verifier_is_refused(
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    verifier: str | None,
) -> None:
    pkce = make_pkce()
    code, _ = visitor.code_for(
        username=bare_org.username,
        password=bare_org.password,
        code_challenge=pkce.challenge,
        code_challenge_method="S256",
    )
    wrong = make_pkce().verifier if verifier else None
    answer = _exchange(token_request, app, code, wrong)
    assert answer.status_code == 400
    assert answer.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}
    # The code is still good for the client that holds the verifier.
    assert _exchange(token_request, app, code, pkce.verifier).status_code == 200


@pytest.mark.usefixtures("pkce_required")
def test_the_right_verifier_gets_tokens(
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    mock_server: ThreadedMockServer,
    api: requests.Session,
) -> None:
    pkce = make_pkce()
    code, _ = visitor.code_for(
        username=bare_org.username, password=bare_org.password, code_challenge=pkce.challenge
    )
    answer = _exchange(token_request, app, code, pkce.verifier)
    assert answer.status_code == 200
    assert _api_status(mock_server, api, answer.json()["access_token"]) == 200


@pytest.mark.parametrize("with_pkce", [True, False])
def test_a_code_exchanged_twice_revokes_the_tokens_issued_from_it(
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    mock_server: ThreadedMockServer,
    api: requests.Session,
    with_pkce: bool,
) -> None:
    pkce = make_pkce()
    extra = {"code_challenge": pkce.challenge} if with_pkce else {}
    verifier = pkce.verifier if with_pkce else None
    code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password, **extra)
    first = _exchange(token_request, app, code, verifier)
    assert first.status_code == 200
    tokens = first.json()
    assert _api_status(mock_server, api, tokens["access_token"]) == 200

    replay = _exchange(token_request, app, code, verifier)
    assert replay.status_code == 400
    assert replay.json() == {
        "error": "invalid_grant",
        "error_description": "expired authorization code",
    }
    # Both tokens the first exchange got are dead now.
    assert _api_status(mock_server, api, tokens["access_token"]) == 401
    refreshed = token_request(
        grant_type="refresh_token",
        refresh_token=tokens["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"


def test_a_replay_revokes_only_that_code_s_tokens(
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
    token_request: TokenRequest,
    mock_server: ThreadedMockServer,
    api: requests.Session,
) -> None:
    code_a, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    code_b, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
    tokens_a = _exchange(token_request, app, code_a, None).json()
    tokens_b = _exchange(token_request, app, code_b, None).json()
    assert _exchange(token_request, app, code_a, None).status_code == 400
    assert _api_status(mock_server, api, tokens_a["access_token"]) == 401
    assert _api_status(mock_server, api, tokens_b["access_token"]) == 200
    assert _api_status(mock_server, api, bare_org.token) == 200


def test_the_portal_s_oauth_client_gets_in_where_pkce_is_required(
    mock_server: ThreadedMockServer, app: ConnectedAppDefinition
) -> None:
    """The portal's OAuth client always sends S256 PKCE, so the seeded org's rule lets it in."""
    [org] = reset_world(mock_server.backend, seed=3, scenario="default", size=SMALL_SIZE)
    user = org.integration_user
    with trusting_session(mock_server) as session:
        client = OAuthClient(
            login_url=mock_server.https_url,
            authorize_base_url=mock_server.http_url,
            client_id=app.client_id,
            client_secret=SecretStr(app.client_secret),
            redirect_uri=app.callback_urls[0],
            session=session,
        )
        started = client.start()
        params = sign_in(
            session=session,
            authorize_url=started.url,
            redirect_uri=app.callback_urls[0],
            username=user.username,
            password=user.password,
        )
        assert "error" not in params
        tokens = client.exchange(
            code=SecretStr(params["code"]), code_verifier=started.code_verifier
        )
        assert tokens.access_token.get_secret_value()
