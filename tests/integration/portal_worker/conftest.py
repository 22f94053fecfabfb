"""The portal over PostgreSQL, integrated with the default world's org (both areas on), which
the sync workers send for; the workers' environment for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest

from mock_salesforce.seed import SeededOrg
from portal.adapters.clock import ShiftedClock
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig
from portal.domain.secret import SecretStr
from tests.integration.portal_sync.sync_support import World, acme_settings, integrate


@pytest.fixture
def pg_config(config: PortalConfig, postgres_url: str) -> PortalConfig:
    return replace(config, database_url=SecretStr(postgres_url))


@pytest.fixture
def pg_portal(pg_config: PortalConfig, clock: ShiftedClock) -> Iterator[Portal]:
    built = build_portal(config=pg_config, clock=clock)
    yield built
    built.close()


@pytest.fixture
def acme(world: World, pg_portal: Portal, pg_config: PortalConfig) -> SeededOrg:
    """The default world's org, integrated over PostgreSQL, calls and meetings enabled."""
    [org] = world("default")
    integrate(pg_portal, pg_config, org.integration_user)
    pg_portal.storage.repositories.settings.save(acme_settings(org))
    return org
