"""The portal's services over real HTTPS against the mock org, with real simple-salesforce and
a real DuckDB file in a temporary directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from portal_services_support import SEED, portal_config

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg
from portal.adapters.salesforce.retries import RetryPolicy
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig


@pytest.fixture
def world(mock_server: ThreadedMockServer) -> Callable[..., list[SeededOrg]]:
    """Reset the mock to a small seeded world in ``scenario``; returns its orgs."""

    def make(scenario: str = "default") -> list[SeededOrg]:
        return reset_world(mock_server.backend, seed=SEED, scenario=scenario, size=SMALL_SIZE)

    return make


@pytest.fixture
def config(mock_server: ThreadedMockServer, tmp_path: Path) -> PortalConfig:
    return portal_config(mock_server, tmp_path)


@pytest.fixture
def retry_waits() -> list[float]:
    return []


@pytest.fixture
def portal(config: PortalConfig, retry_waits: list[float]) -> Iterator[Portal]:
    """The portal as build_portal makes it, with backoff waits recorded instead of slept."""
    built = build_portal(config=config, retry=RetryPolicy(attempts=3, sleep=retry_waits.append))
    yield built
    built.close()
