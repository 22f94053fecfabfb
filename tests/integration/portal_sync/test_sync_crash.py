"""A process killed between Salesforce's answer to a write and the commit of its outcome loses
nothing and duplicates nothing: a sync run once Salesforce cannot still be writing that batch
finds its records by their marker and records them; the rest are sent."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from sync_support import ADMIN, Org, acme_settings, integrate

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.clock import ShiftedClock
from portal.bootstrap import build_portal
from portal.domain.config import PortalConfig
from portal.domain.sync_log import SyncOutcome
from portal.services.sync.engine import STILL_WRITING

REPO = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("sync_child.py")


def _child_config(config: PortalConfig) -> str:
    return json.dumps(
        {
            "login_url": config.salesforce_login_url,
            "client_id": config.client_id,
            "client_secret": config.client_secret.get_secret_value(),
            "redirect_uri": config.redirect_uri,
            "ca_bundle": str(config.ca_bundle),
            "db_path": str(config.db_path),
            "encryption_key": config.encryption_key.get_secret_value(),
            "data_dir": str(config.data_dir),
            "mock_http_url": config.mock_http_url,
        }
    )


@pytest.mark.slow
def test_killed_between_the_write_and_its_record_loses_and_duplicates_nothing(
    world: Callable[..., list[SeededOrg]],
    config: PortalConfig,
    mock_server: ThreadedMockServer,
) -> None:
    [acme] = world("default")
    org = Org(mock_server, acme)
    portal = build_portal(config=config)
    integrate(portal, config, acme.integration_user)
    settings = acme_settings(acme, video=False)
    portal.storage.repositories.settings.save(
        replace(settings, activity_history=replace(settings.activity_history, enabled=False))
    )
    queued = portal.sync.simulate_and_sync(actor=ADMIN, calls=500, meetings=0)
    assert queued.queued == 500
    portal.storage.repositories.settings.save(settings)
    before = len(org.tasks())
    portal.close()  # DuckDB lets one process at a time open the file

    child = subprocess.run(
        [sys.executable, str(CHILD)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "PORTAL_CHILD_CONFIG": _child_config(config)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    # Salesforce holds two batches; the portal recorded only the first.
    assert len(org.tasks()) == before + 400
    clock = ShiftedClock()
    reopened = build_portal(config=config, clock=clock)
    try:
        status = reopened.sync.status().calls
        assert (status.written, status.sending, status.pending) == (200, 200, 100)

        # Restarted at once: Salesforce may still be writing the batch the dead process
        # sent, so it is left alone (looking it up now could find nothing and resend it).
        at_once = reopened.sync.sync_pending(actor=ADMIN)
        assert (at_once.written, at_once.failed, at_once.queued) == (100, 0, 200)
        assert any("never written twice" in note for note in at_once.notes), at_once.notes

        # Once Salesforce's request time limit has passed, the batch is looked up and found.
        clock.advance(STILL_WRITING)
        resumed = reopened.sync.sync_pending(actor=ADMIN)
        assert (resumed.written, resumed.failed, resumed.queued) == (200, 0, 0)
        markers = [t["CallObject"] for t in org.tasks()]
        assert len(markers) == before + 500 == len(set(markers))
        written = [e for e in reopened.sync.recent(limit=1000) if e.outcome is SyncOutcome.WRITTEN]
        assert len(written) == 500 == len({e.miitel_record_id for e in written})
        assert reopened.sync.status().calls.written == 500
    finally:
        reopened.close()
