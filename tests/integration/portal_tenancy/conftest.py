"""Two companies on one hosting, over the DuckDB files and over PostgreSQL: the home company
(users ``admin`` and ``viewer``) and ``beta-co`` (``admin-b``, ``viewer-b``), each a user the
configuration names, as ``make demo`` configures its two demo companies."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from tenancy_support import USERS

from portal.adapters.clock import ShiftedClock
from portal.bootstrap import Hosting, build_hosting
from portal.domain.config import PortalConfig
from portal.domain.secret import SecretStr


@pytest.fixture(params=["duckdb", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def hosted_config(
    engine: str, config: PortalConfig, request: pytest.FixtureRequest
) -> PortalConfig:
    """The portal's configuration with both companies' users, on ``engine``."""
    config = replace(config, users=USERS)
    if engine == "postgresql":
        url = SecretStr(request.getfixturevalue("postgres_url"))
        config = replace(config, database_url=url)
    return config


@pytest.fixture
def hosting(hosted_config: PortalConfig, clock: ShiftedClock) -> Iterator[Hosting]:
    built = build_hosting(config=hosted_config, clock=clock)
    yield built
    built.close()
