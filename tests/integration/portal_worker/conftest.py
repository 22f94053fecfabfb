"""The portal over PostgreSQL, integrated with the default world's org (both areas on), which
the sync workers send for; the workers' environment for it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from worker_support import Tenant, admin_of

from mock_salesforce.seed import SeededOrg
from portal.adapters.clock import ShiftedClock
from portal.bootstrap import Hosting, Portal, build_hosting, build_portal
from portal.domain.config import PortalConfig
from portal.domain.demo_settings import configured_settings
from portal.domain.secret import SecretStr
from portal.domain.tenancy import HOME_COMPANY
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


@pytest.fixture
def hosting(pg_config: PortalConfig, clock: ShiftedClock) -> Iterator[Hosting]:
    built = build_hosting(config=pg_config, clock=clock)
    yield built
    built.close()


@pytest.fixture
def two_companies(world: World, hosting: Hosting, pg_config: PortalConfig) -> tuple[Tenant, Tenant]:
    """Two real companies in one database: the home company integrated with the default
    world's org (Acme), a second company ("beta") with the second org; calls on, meetings
    off, unmapped MiiTel users to each org's integration user."""
    acme_org, beta_org = world("second-org")
    beta = hosting.directory.add_company(slug="beta", name="Beta Trading")
    tenants = []
    for company_id, org in ((HOME_COMPANY, acme_org), (beta.id, beta_org)):
        portal = hosting.portal_for(company_id)
        integrate(portal, pg_config, org.integration_user, actor=admin_of(portal))
        portal.storage.repositories.settings.save(
            configured_settings(user_mappings={}, call_fields={}, video=False)
        )
        tenants.append(Tenant(portal, org))
    return tenants[0], tenants[1]
