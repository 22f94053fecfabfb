"""Fairness between companies: one worker, one job at a time, and company A with ten times
company B's queue: B's calls are all written after a couple of A's batches, long before A's
are, because each company's turn is one bounded batch and the next queues behind the other
company's waiting job."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from worker_support import (
    Tenant,
    call_rows,
    import_calls,
    running_worker,
    wait_for,
    worker_env,
)

from mock_salesforce import ThreadedMockServer
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.sync_log import SyncOutcome
from tests.integration.portal_sync.sync_support import Org

pytestmark = pytest.mark.slow

BATCH = 20


def written_at(portal: Portal) -> list[datetime]:
    """When each call was written, in order."""
    return sorted(
        e.occurred_at for e in portal.sync.recent(limit=1000) if e.outcome is SyncOutcome.WRITTEN
    )


def test_a_busy_company_does_not_starve_a_small_one(
    two_companies: tuple[Tenant, Tenant],
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    busy, small = two_companies
    # The busy company's calls are queued (and its job deferred) first.
    import_calls(busy.portal, 10 * 4 * BATCH, prefix="busy")
    import_calls(small.portal, 4 * BATCH, prefix="small")

    env = worker_env(pg_config, postgres_url, batch=BATCH, concurrency=1)
    with running_worker(env, tmp_path / "worker.log"):
        wait_for(
            lambda: busy.portal.sync.status().queued == small.portal.sync.status().queued == 0,
            timeout=300,
            what="both queues",
        )

    busy_times, small_times = written_at(busy.portal), written_at(small.portal)
    assert (len(busy_times), len(small_times)) == (800, 80)
    # The companies took turns: by the small company's last call the busy one had sent about
    # as many (a batch each per turn, the busy company first), a tenth of its queue.
    busy_before = sum(1 for t in busy_times if t <= small_times[-1])
    assert busy_before <= 5 * BATCH, busy_before
    assert small_times[-1] < busy_times[-1]
    # Each company's calls went to its own org, once.
    for tenant, prefix, count in ((busy, "busy", 800), (small, "small", 80)):
        ids = {r["call_id"] for r in call_rows(count, prefix=prefix)}
        markers = [t["CallObject"] for t in Org(mock_server, tenant.org).tasks()]
        assert sorted(m for m in markers if m.startswith(prefix)) == sorted(ids)
