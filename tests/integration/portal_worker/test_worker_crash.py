"""A worker SIGKILLed in the middle of a batch (its write to Salesforce on the way) loses
nothing and writes nothing twice: another worker takes back the dead one's job once it has
stopped saying it is alive, and once Salesforce cannot still be carrying out the dead worker's
write (``STILL_WRITING``, so that worker starts with its clock past it) looks its records up
by their marker, records those found and sends the rest. End state: each call one Task at
the org, one "written" line in the sync log, nothing queued, no job left running."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_worker_sends import assert_each_once, call_rows, import_calls
from worker_support import jobs, running_worker, start_worker, wait_for, worker_env

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.sync.jobs import DRAIN_TASK
from portal.services.sync.engine import STILL_WRITING
from tests.integration.portal_sync.sync_support import Faults, Org

pytestmark = pytest.mark.slow

CALLS = 300


def test_a_worker_killed_mid_batch_loses_nothing_and_writes_nothing_twice(
    acme: SeededOrg,
    pg_portal: Portal,
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    org = Org(mock_server, acme)
    import_calls(pg_portal, CALLS, prefix="k")
    faults = Faults(mock_server)
    # Each request takes a while, so the kill lands while a claimed batch is being written.
    faults.set(latency_ms=150)
    env = worker_env(pg_config, postgres_url, batch=50)

    first = start_worker(env, tmp_path / "first.log")
    try:
        first.wait_ready()

        def mid_batch() -> bool:
            calls = pg_portal.sync.status().calls
            return calls.written >= 50 and calls.sending > 0

        wait_for(mid_batch, timeout=120, what="a batch on its way to Salesforce")
    finally:
        first.kill()
    faults.clear()
    left = pg_portal.sync.status().calls
    assert left.sending > 0 and left.written < CALLS, left
    # The dead worker's job is left running (and holds the company's lock).
    assert [j["status"] for j in drain_jobs(postgres_url)].count("doing") == 1

    after_the_time_limit = (STILL_WRITING.total_seconds()) + 60
    with running_worker(
        env, tmp_path / "second.log", clock_advance_seconds=after_the_time_limit
    ) as second:
        wait_for(lambda: pg_portal.sync.status().queued == 0, timeout=180, what="the rest")
        wait_for(lambda: not drain_jobs(postgres_url), timeout=60, what="the last turn")
        log = second.text()
    assert "Took back job" in log, log
    assert_each_once(pg_portal, org, {r["call_id"] for r in call_rows(CALLS, prefix="k")})
    assert pg_portal.sync.status().calls.written == CALLS


def drain_jobs(database_url: str) -> list[dict[str, object]]:
    """The drain jobs waiting or running."""
    return [
        j
        for j in jobs(database_url)
        if j["task_name"] == DRAIN_TASK and j["status"] in ("todo", "doing")
    ]
