"""A worker SIGKILLed in the middle of a batch (its write to Salesforce on the way) loses
nothing and writes nothing twice, for two companies served by several workers: the others
take back the dead one's job once it has stopped saying it is alive, and once Salesforce
cannot still be carrying out the dead worker's write (``STILL_WRITING``; these workers start
with their clocks past it) look its records up by their marker, record those found and send
the rest. End state: each call one Task at its company's org, one "written" line in that
company's sync log, nothing queued, no drain job left."""

from __future__ import annotations

from pathlib import Path

import pytest
from worker_support import (
    Tenant,
    assert_each_once,
    call_rows,
    import_calls,
    jobs,
    start_worker,
    wait_for,
    worker_env,
)

from mock_salesforce import ThreadedMockServer
from portal.domain.config import PortalConfig
from portal.domain.sync.jobs import DRAIN_TASK
from portal.services.sync.engine import STILL_WRITING
from tests.integration.portal_sync.sync_support import Faults, Org

pytestmark = pytest.mark.slow

CALLS = {"acme": 300, "beta": 150}


def drain_jobs(database_url: str) -> list[dict[str, object]]:
    """The drain jobs waiting or running."""
    return [
        j
        for j in jobs(database_url)
        if j["task_name"] == DRAIN_TASK and j["status"] in ("todo", "doing")
    ]


def test_a_worker_killed_mid_batch_loses_nothing_and_writes_nothing_twice(
    two_companies: tuple[Tenant, Tenant],
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    tenants = dict(zip(CALLS, two_companies, strict=True))
    for prefix, tenant in tenants.items():
        import_calls(tenant.portal, CALLS[prefix], prefix=prefix)
    faults = Faults(mock_server)
    # Each request takes a while, so the kill lands while a claimed batch is being written.
    faults.set(latency_ms=150)
    env = worker_env(pg_config, postgres_url, batch=50, concurrency=2)

    first = start_worker(env, tmp_path / "first.log")
    try:
        first.wait_ready()

        def mid_batch() -> bool:
            calls = tenants["acme"].portal.sync.status().calls
            return calls.written >= 50 and calls.sending > 0

        wait_for(mid_batch, timeout=120, what="a batch on its way to Salesforce")
    finally:
        first.kill()
    faults.clear()
    left = tenants["acme"].portal.sync.status().calls
    assert left.sending > 0 and left.written < CALLS["acme"], left
    # The dead worker's jobs are left running.
    assert "doing" in [j["status"] for j in drain_jobs(postgres_url)]

    after_the_time_limit = STILL_WRITING.total_seconds() + 60
    others = [
        start_worker(env, tmp_path / f"worker-{n}.log", clock_advance_seconds=after_the_time_limit)
        for n in (2, 3)
    ]
    try:
        for worker in others:
            worker.wait_ready()
        wait_for(
            lambda: all(t.portal.sync.status().queued == 0 for t in tenants.values()),
            timeout=180,
            what="the rest",
        )
        wait_for(lambda: not drain_jobs(postgres_url), timeout=60, what="the last turns")
    finally:
        for worker in others:
            worker.stop()
    logs = "".join(worker.text() for worker in others)
    assert "Took back job" in logs, logs
    for prefix, tenant in tenants.items():
        ids = {r["call_id"] for r in call_rows(CALLS[prefix], prefix=prefix)}
        assert_each_once(tenant.portal, Org(mock_server, tenant.org), ids)
        assert tenant.portal.sync.status().calls.written == CALLS[prefix]
        ours = {t["CallObject"] for t in Org(mock_server, tenant.org).tasks()}
        assert not {m for m in ours if m.startswith(tuple(CALLS))} - ids  # no other's calls
