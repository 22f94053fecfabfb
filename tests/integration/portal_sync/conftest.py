"""The org the sync tests write to: the default world's org, integrated by its integration
user with both areas on (:func:`sync_support.acme_settings`), and records created in it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sync_support import World, acme_settings, admin_client, integrate

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig


@pytest.fixture
def acme(world: World, portal: Portal, config: PortalConfig) -> SeededOrg:
    """The default world's org, integrated, with :func:`sync_support.acme_settings` saved."""
    [org] = world("default")
    integrate(portal, config, org.integration_user)
    portal.storage.repositories.settings.save(acme_settings(org))
    return org


@pytest.fixture
def create(mock_server: ThreadedMockServer, acme: SeededOrg) -> Iterator[Callable[..., str]]:
    """Create one record as the org's admin, a minute after the previous one (so which is the
    newest is known); a Lead gets a Company unless given one. Returns its id."""
    client, http = admin_client(mock_server, acme)

    def make(sobject: str, **fields: Any) -> str:
        mock_server.backend.clock.advance(timedelta(minutes=1))
        if sobject == "Lead":
            fields.setdefault("Company", "電話番号商事")
        return str(getattr(client, sobject).create(fields)["id"])

    yield make
    http.close()
