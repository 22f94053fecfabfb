"""Each org's API allowance: the workers stop sending for an org once it has used the share of
its daily allowance they may use (``PORTAL_WORKER_API_SHARE``), try again after a pause, and
send the rest once the org has room again."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from worker_support import (
    assert_each_once,
    call_rows,
    import_calls,
    running_worker,
    wait_for,
    worker_env,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.gateway_errors import ApiUsage
from tests.integration.portal_sync.sync_support import Org

pytestmark = pytest.mark.slow

CALLS = 200
BATCH = 20
#: Requests one turn takes at most (usage, phone search, describe, owners, one write).
TURN_REQUESTS = 8


def test_a_worker_stops_sending_past_the_orgs_allowance_share_and_resumes_when_there_is_room(
    acme: SeededOrg,
    pg_portal: Portal,
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    org = Org(mock_server, acme)
    limits = mock_server.backend.limits
    import_calls(pg_portal, CALLS, prefix="a")
    # Half the allowance for the workers: room for about three turns beyond what is used.
    ceiling = org.api_usage() + 3 * TURN_REQUESTS
    limits.set_daily_max(org_id=acme.org_id, maximum=2 * ceiling)

    env = worker_env(pg_config, postgres_url, batch=BATCH, api_share=0.5, api_pause_seconds=2)
    with running_worker(env, tmp_path / "worker.log") as worker:
        wait_for(lambda: "the workers stop at" in worker.text(), timeout=120, what="the stop")
        stopped = pg_portal.sync.status().calls
        assert 0 < stopped.written < CALLS and stopped.queued == CALLS - stopped.written
        assert org.api_usage() <= ceiling + TURN_REQUESTS
        assert f"the workers stop at {ceiling}" in worker.text()

        # Still over: the next turns only look at the usage, and send nothing.
        time.sleep(5)
        assert pg_portal.sync.status().calls.written == stopped.written
        assert worker.text().count("the workers stop at") >= 2

        limits.set_daily_max(org_id=acme.org_id, maximum=1_000_000)
        wait_for(lambda: pg_portal.sync.status().queued == 0, timeout=120, what="the rest")
    assert_each_once(pg_portal, org, {r["call_id"] for r in call_rows(CALLS, prefix="a")})


def test_a_turn_reads_the_orgs_usage_as_salesforce_reports_it(
    acme: SeededOrg, pg_portal: Portal, mock_server: ThreadedMockServer
) -> None:
    """``GET limits`` (``DailyApiRequests``) through the portal's gateway, before anything is
    sent: the figures the mock counts."""
    limits = mock_server.backend.limits
    limits.set_daily_max(org_id=acme.org_id, maximum=5_000)
    import_calls(pg_portal, 3, prefix="u")
    seen: list[ApiUsage | None] = []

    def may_send(usage: ApiUsage | None) -> bool:
        seen.append(usage)
        return True

    before = limits.usage(org_id=acme.org_id).used
    turn = pg_portal.sync.send_batch(limit=10, may_send=may_send)

    assert turn.written == 3
    [usage] = seen
    assert usage is not None and usage.maximum == 5_000
    assert before <= usage.used < limits.usage(org_id=acme.org_id).used
