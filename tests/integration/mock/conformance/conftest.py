"""Fixtures of the whole-mock conformance tests (faults, OAuth, permissions, scenarios, Setup
actions): a seeded mock org and HTTP clients that trust its CA."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from tests.integration.mock.setup.setup_admin import World
from tests.portal_over_mock import control_session

SEED = 7


@pytest.fixture
def api(mock_server: ThreadedMockServer) -> Iterator[requests.Session]:
    """A client on the HTTPS port (API and control plane, with its token), no cookies shared
    with browsers."""
    session = control_session(mock_server)
    yield session
    # An open TLS keep-alive connection would hold up the server's shutdown.
    session.close()


@pytest.fixture
def small_world(mock_server: ThreadedMockServer) -> Callable[[str], World]:
    """Reset the served world to a scenario (small orgs, fixed seed) through the Python API."""

    def start(scenario: str) -> World:
        orgs = reset_world(mock_server.backend, seed=SEED, scenario=scenario, size=SMALL_SIZE)
        return World(mock_server, orgs)

    return start
