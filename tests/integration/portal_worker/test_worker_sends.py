"""``python -m portal.worker``: refuses without PostgreSQL; with it, sends what the portal
queues (an import defers the company's job) and what waits with nobody on the page (the
sweep), each call once."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from worker_support import (
    REPO,
    assert_each_once,
    call_rows,
    import_calls,
    jobs,
    running_worker,
    wait_for,
    worker_env,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.sync.jobs import DRAIN_TASK, company_lock
from tests.integration.portal_sync.sync_support import ADMIN, Org

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("language", "says"),
    [("C.UTF-8", "postgresql://"), ("ja_JP.UTF-8", "PostgreSQL データベースが必要")],
)
def test_without_postgresql_the_worker_refuses_and_says_why(
    config: PortalConfig, tmp_path: Path, language: str, says: str
) -> None:
    env = worker_env(config, "unused")
    del env["PORTAL_DATABASE_URL"]
    env["LANG"] = language
    env.pop("LC_ALL", None)
    env.pop("LC_MESSAGES", None)
    done = subprocess.run(
        [sys.executable, "-m", "portal.worker"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert "PORTAL_DATABASE_URL" in done.stderr
    assert says in done.stderr


def test_an_unreachable_database_is_said_without_its_password(
    config: PortalConfig, tmp_path: Path
) -> None:
    url = f"postgresql://portal:hunter2@/portal?host={tmp_path}&port=5999"
    done = subprocess.run(
        [sys.executable, "-m", "portal.worker"],
        cwd=REPO,
        env=worker_env(config, url),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1, done.stderr
    assert "cannot be reached" in done.stderr
    assert "hunter2" not in done.stderr and "Traceback" not in done.stderr


def test_an_import_defers_the_companys_job_and_a_worker_sends_each_call_once(
    acme: SeededOrg,
    pg_portal: Portal,
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    import_calls(pg_portal, 45)
    import_calls(pg_portal, 5, prefix="w2")  # its wake-up finds the job already waiting
    [job] = jobs(postgres_url)
    assert (job["task_name"], job["status"], job["args"]) == (DRAIN_TASK, "todo", {"company_id": 1})
    assert job["queueing_lock"] == company_lock(1)

    env = worker_env(pg_config, postgres_url, batch=20)
    with running_worker(env, tmp_path / "worker.log") as worker:
        wait_for(lambda: pg_portal.sync.status().queued == 0, timeout=120, what="the queue")
        log = worker.text()
    ids = {r["call_id"] for r in call_rows(45)} | {r["call_id"] for r in call_rows(5, prefix="w2")}
    assert_each_once(pg_portal, Org(mock_server, acme), ids)
    # Three turns of at most 20, each deferring the next while more was due.
    assert log.count("more due: next turn deferred") == 2, log
    assert pg_portal.sync.status().calls.written == 50


def test_the_sweep_sends_calls_queued_with_nobody_to_wake_the_workers(
    acme: SeededOrg,
    pg_portal: Portal,
    pg_config: PortalConfig,
    postgres_url: str,
    mock_server: ThreadedMockServer,
    tmp_path: Path,
) -> None:
    import_calls(pg_portal, 12, prefix="s")
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        connection.execute("DELETE FROM procrastinate_jobs")  # as if the wake-up was lost

    with running_worker(worker_env(pg_config, postgres_url), tmp_path / "worker.log"):
        wait_for(lambda: pg_portal.sync.status().queued == 0, timeout=120, what="the sweep")
    assert_each_once(
        pg_portal, Org(mock_server, acme), {r["call_id"] for r in call_rows(12, prefix="s")}
    )


def test_the_send_button_still_works_over_postgresql_with_no_worker_running(
    acme: SeededOrg, pg_portal: Portal, mock_server: ThreadedMockServer
) -> None:
    import_calls(pg_portal, 3, prefix="b")
    summary = pg_portal.sync.sync_pending(actor=ADMIN)
    assert (summary.written, summary.queued) == (3, 0)
    assert_each_once(
        pg_portal, Org(mock_server, acme), {r["call_id"] for r in call_rows(3, prefix="b")}
    )
