"""Fixtures of the Setup tests: the mock org reset to a scenario."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from setup_admin import World

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE

SEED = 7


@pytest.fixture
def start_world(mock_server: ThreadedMockServer) -> Callable[[str], World]:
    """Reset the served world to a scenario (small orgs, fixed seed)."""

    def start(scenario: str) -> World:
        orgs = reset_world(mock_server.backend, seed=SEED, scenario=scenario, size=SMALL_SIZE)
        return World(mock_server, orgs)

    return start
