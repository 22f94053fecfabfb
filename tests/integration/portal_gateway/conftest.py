"""Fixtures for the gateway against the real mock org (its seeded world comes from
tests/integration/conftest.py): the portal's session and OAuth client, and a scripted browser
that logs in and answers "Allow access?"."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests
from sf_flow import Integration, MockBrowser, Sleeps, integrate, make_oauth_client

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser
from portal.adapters.salesforce import OAuthClient, RetryPolicy, Timeouts, Trust, build_session


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def sf_session(mock_server: ThreadedMockServer, sleeps: Sleeps) -> Iterator[requests.Session]:
    """The portal's session in mock mode, with instant (recorded) backoff."""
    session = build_session(
        trust=Trust.mock_ca(mock_server.ca_bundle),
        timeout=Timeouts(connect=5, read=30),
        retry=RetryPolicy(attempts=3, sleep=sleeps),
    )
    yield session
    # An idle keep-alive connection would hold up the mock server's shutdown.
    session.close()


@pytest.fixture
def world_seed() -> int:
    """The gateway's tests read the world seeded with 7."""
    return 7


@pytest.fixture
def oauth_client(mock_server: ThreadedMockServer, sf_session: requests.Session) -> OAuthClient:
    return make_oauth_client(mock_server, sf_session)


@pytest.fixture
def sf_browser(oauth_client: OAuthClient) -> Iterator[MockBrowser]:
    driver = MockBrowser(redirect_uri=oauth_client.redirect_uri)
    yield driver
    driver.http.close()


@pytest.fixture
def integrated(
    world: Callable[..., list[SeededOrg]],
    oauth_client: OAuthClient,
    sf_session: requests.Session,
) -> Callable[..., Integration]:
    """Seed ``scenario`` and integrate as its first org's integration user (or ``user``)."""

    def make(
        scenario: str = "default", user: Callable[[list[SeededOrg]], SeededUser] | None = None
    ) -> Integration:
        orgs = world(scenario)
        chosen = user(orgs) if user else orgs[0].integration_user
        integration = integrate(oauth=oauth_client, session=sf_session, user=chosen)
        integration.orgs = orgs
        return integration

    return make
