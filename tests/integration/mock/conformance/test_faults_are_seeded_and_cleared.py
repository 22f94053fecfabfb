"""Issue 3, faults: the same seed gives the same failures on any server (also when the seed is
the mock's own), ``DELETE`` and a scenario reset clear every fault, injected failures on the
OAuth endpoints keep OAuth's shape, and a forced session expiry leaves refresh tokens working
while ending Setup logins."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator

import pytest
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceGeneralError

from mock_salesforce import MockOptions, ThreadedMockServer
from tests.conftest import BareOrg, make_bare_org
from tests.integration.mock.oauth.oauth_flow import Browser, make_pkce
from tests.integration.mock.setup.setup_admin import World, password_grant, salesforce
from tests.portal_over_mock import control_session, guarded_server

QUERY = "SELECT Id FROM User LIMIT 1"
DRAWS = 30


def _outcomes(sf: Salesforce, n: int = DRAWS) -> list[int]:
    found = []
    for _ in range(n):
        try:
            sf.query(QUERY)
            found.append(200)
        except SalesforceGeneralError as exc:
            found.append(exc.status)
    return found


@pytest.fixture
def seeded_pair() -> Iterator[tuple[ThreadedMockServer, ThreadedMockServer]]:
    """Two independent mock servers started with the same ``--seed``."""
    options = MockOptions(seed=5)
    with (
        guarded_server(options=options) as first,
        guarded_server(options=options) as second,
    ):
        yield first, second


def test_failures_follow_the_mocks_own_seed_on_every_server(
    seeded_pair: tuple[ThreadedMockServer, ThreadedMockServer],
) -> None:
    runs = []
    for server in seeded_pair:
        org = make_bare_org(server.backend)
        with control_session(server) as control:
            answer = control.post(f"{server.https_url}/mock-api/faults", json={"error_rate": 0.5})
            assert answer.status_code == 200
            runs.append(_outcomes(salesforce(server, org.token)))
            # Another seed picks other requests.
            control.post(f"{server.https_url}/mock-api/faults", json={"error_rate": 0.5, "seed": 6})
            runs.append(_outcomes(salesforce(server, org.token)))
            control.delete(f"{server.https_url}/mock-api/faults")
    stream = random.Random(5)
    expected = [503 if stream.random() < 0.5 else 200 for _ in range(DRAWS)]
    assert runs[0] == runs[2] == expected
    assert runs[1] == runs[3] != expected


def test_delete_clears_every_fault(
    mock_server: ThreadedMockServer, bare_org: BareOrg, api: requests.Session
) -> None:
    sf = salesforce(mock_server, bare_org.token)
    url = f"{mock_server.https_url}/mock-api/faults"
    api.post(url, json={"error_rate": 1.0, "error_status": 500, "latency_ms": 1})
    assert _outcomes(sf, 3) == [500, 500, 500]

    cleared = api.delete(url)

    assert cleared.status_code == 200
    state = api.get(url).json()
    assert (state["error_rate"], state["latency_ms"], state["exhaust_api"]) == (0.0, 0, False)
    assert (state["expire_sessions"], state["paths"]) == (False, [])
    assert _outcomes(sf, 10) == [200] * 10


def test_a_scenario_reset_clears_faults(
    small_world: Callable[[str], World], api: requests.Session
) -> None:
    world = small_world("default")
    server = world.server
    url = f"{server.https_url}/mock-api/faults"
    api.post(url, json={"error_rate": 1.0, "exhaust_api": True})
    assert _outcomes(world.api(), 1) != [200]

    switched = api.post(f"{server.https_url}/mock-api/scenario", json={"name": "app-uninstalled"})

    assert switched.status_code == 200
    assert api.get(url).json()["error_rate"] == 0.0
    assert _outcomes(World(server, world.orgs).api(), 5) == [200] * 5


def test_injected_failures_on_oauth_endpoints_have_oauths_shape(
    small_world: Callable[[str], World], api: requests.Session
) -> None:
    world = small_world("default")
    server = world.server
    url = f"{server.https_url}/mock-api/faults"
    api.post(url, json={"error_rate": 1.0, "paths": ["/services/oauth2/"]})

    refused = password_grant(server, world.org.integration_user)

    assert refused.status_code == 503
    assert refused.json()["error"] == "unknown_error"
    api.delete(url)
    assert password_grant(server, world.org.integration_user).status_code == 200


def test_forced_expiry_keeps_refresh_tokens_and_ends_setup_logins(
    small_world: Callable[[str], World], api: requests.Session
) -> None:
    world = small_world("default")
    server = world.server
    app = server.backend.connected_apps.definition("MiiTel")
    visitor = Browser(server, app)
    integration = world.org.integration_user
    pkce = make_pkce()  # the seeded MiiTel app requires PKCE
    try:
        code, _ = visitor.code_for(
            username=integration.username,
            password=integration.password,
            code_challenge=pkce.challenge,
        )
    finally:
        visitor.http.close()
    token_url = f"{server.https_url}/services/oauth2/token"
    tokens = api.post(
        token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "redirect_uri": app.callback_urls[0],
            "code_verifier": pkce.verifier,
        },
    ).json()
    setup, _ = world.browser()
    assert setup.open("/setup/users").h1 == "Users"

    state = api.post(f"{server.https_url}/mock-api/faults", json={"expire_sessions": True}).json()

    assert state["sessions_expired"] >= 2  # the API session and the Setup login at least
    rest = f"{server.https_url}/services/data/v59.0/sobjects/"
    gone = api.get(rest, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert gone.status_code == 401 and gone.json()[0]["errorCode"] == "INVALID_SESSION_ID"
    assert setup.open("/setup/users").h1 == "Log in to Setup"
    refreshed = api.post(
        token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": app.client_id,
            "client_secret": app.client_secret,
        },
    )
    assert refreshed.status_code == 200, refreshed.text
    fresh = refreshed.json()["access_token"]
    assert api.get(rest, headers={"Authorization": f"Bearer {fresh}"}).status_code == 200
