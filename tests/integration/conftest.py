"""The portal over the mock org, for every integration test of the portal (services, sync,
gateway, the audit of secrets and trust): a seeded world on the shared ``mock_server``, the
portal's configuration for it, and the portal as ``build_portal`` makes it over a DuckDB file
in the test's temporary directory."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg
from portal.adapters.clock import ShiftedClock
from portal.adapters.salesforce.retries import RetryPolicy
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig
from tests.portal_over_mock import portal_config


@pytest.fixture
def world_seed() -> int:
    """The seed of the mock world (a directory's conftest may pick another)."""
    return 11


@pytest.fixture
def world(mock_server: ThreadedMockServer, world_seed: int) -> Callable[..., list[SeededOrg]]:
    """Reset the mock to a small seeded world in ``scenario``; returns its orgs."""

    def make(scenario: str = "default") -> list[SeededOrg]:
        return reset_world(mock_server.backend, seed=world_seed, scenario=scenario, size=SMALL_SIZE)

    return make


@pytest.fixture
def config(mock_server: ThreadedMockServer, tmp_path: Path) -> PortalConfig:
    """What ``load_config`` gives in mock mode for ``mock_server``."""
    return portal_config(mock=mock_server, data_dir=tmp_path)


@pytest.fixture
def clock() -> ShiftedClock:
    """The portal's clock: the machine's, moved on when a test lets time pass."""
    return ShiftedClock()


@pytest.fixture
def retry_waits() -> list[float]:
    """The backoff waits of the portal's retries, recorded instead of slept."""
    return []


@pytest.fixture
def portal(config: PortalConfig, clock: ShiftedClock, retry_waits: list[float]) -> Iterator[Portal]:
    """The portal as build_portal makes it; read retries wait no time."""
    built = build_portal(
        config=config, clock=clock, retry=RetryPolicy(attempts=3, sleep=retry_waits.append)
    )
    yield built
    built.close()
