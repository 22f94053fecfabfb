"""The demo controls against a served mock org: reset to the ``make demo`` starting state,
switch scenario, and bootstrap an empty portal."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_services_support import ADMIN

from mock_salesforce import ThreadedMockServer
from mock_salesforce.cli import ready_info
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from portal.adapters.config import READY_FILE
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.steps import StepStatus
from portal.services.actors import Actor, Role
from portal.services.errors import DemoUnavailable, NotAllowed
from tests.portal_over_mock import portal_config


@pytest.fixture
def demo_config(mock_server: ThreadedMockServer, tmp_path: Path) -> PortalConfig:
    reset_world(mock_server.backend, seed=5, scenario="default", size=SMALL_SIZE)
    ready = tmp_path / READY_FILE
    ready.parent.mkdir(parents=True)
    ready.write_text(json.dumps(ready_info(mock_server)), encoding="utf-8")
    return portal_config(mock=mock_server, data_dir=tmp_path)


@pytest.fixture
def demo_portal(demo_config: PortalConfig) -> Iterator[Portal]:
    built = build_portal(config=demo_config)
    yield built
    built.close()


@pytest.mark.slow
def test_bootstrap_then_reset_and_switch(demo_portal: Portal) -> None:
    demo = demo_portal.demo
    assert demo is not None and demo.available
    assert "app-blocked" in demo.scenarios()

    started = demo.bootstrap_if_empty()
    assert started is not None and started.integrated
    assert demo.bootstrap_if_empty() is None  # not empty any more
    demo_portal.sync.simulate_and_sync(actor=ADMIN, calls=5, meetings=2)
    assert demo_portal.sync.status().calls.written + demo_portal.sync.status().calls.failed

    state = demo.reset(actor=ADMIN)

    # Exactly the starting state: calls and meetings of before the reset are gone too.
    status = demo_portal.sync.status()
    assert (status.calls.written, status.calls.failed, status.queued) == (0, 0, 0)

    assert state.integrated and state.org_name == "Acme Japan"
    assert demo_portal.integration.current().status.live is True
    assert demo_portal.validation.validate().ok  # the demo's settings suit the demo org
    events = [e.event for e in demo_portal.history.recent()]
    assert events[0] is AuthEvent.INTEGRATED and AuthEvent.REFRESHED in events
    assert demo_portal.error_tables.page().total == 36
    assert demo_portal.settings.current().activity_history.enabled

    switched = demo.switch(actor=ADMIN, scenario="app-blocked")

    assert switched.integrated is False and switched.scenario == "app-blocked"
    assert demo.current_scenario() == "app-blocked"
    assert demo_portal.storage.repositories.tokens.load() is None
    assert demo_portal.backups.latest() is not None
    assert demo_portal.integration.current().result.status is StepStatus.OK
    assert demo_portal.restore.preview().available


def test_viewers_cannot_reset_and_without_the_mock_there_is_no_demo(
    demo_portal: Portal, demo_config: PortalConfig
) -> None:
    demo = demo_portal.demo
    assert demo is not None
    with pytest.raises(NotAllowed):
        demo.reset(actor=Actor(username="victor", role=Role.VIEWER))
    with pytest.raises(DemoUnavailable):
        demo.reset(actor=ADMIN, scenario="no-such-scenario")
    (demo_config.data_dir / READY_FILE).unlink()
    assert demo.available is False
    with pytest.raises(DemoUnavailable) as raised:
        demo.scenarios()
    assert "make demo" in raised.value.user_message
