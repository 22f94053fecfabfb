"""Sync workers as the tests run them: real ``python -m portal.worker`` processes (or the same
worker with its clock moved on, :mod:`worker_child`) over the test's PostgreSQL database and
the mock org over HTTPS, their logs in files, and what the job queue holds."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import bcrypt
import psycopg

from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.sync_log import SyncOutcome
from portal.services.actors import Actor, Role
from tests.integration.portal_sync.sync_support import Org, calls_csv

REPO = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("worker_child.py")
_HASH = bcrypt.hashpw(b"unused", bcrypt.gensalt(rounds=4)).decode()


def worker_env(config: PortalConfig, database_url: str, **settings: object) -> dict[str, str]:
    """The environment of a worker for ``config`` over ``database_url``; ``settings`` are
    ``PORTAL_WORKER_*`` values by their suffix (``api_pause_seconds=2`` is
    ``PORTAL_WORKER_API_PAUSE_SECONDS=2``)."""
    assert config.ca_bundle is not None
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTAL_", "SALESFORCE_"))
    }
    env.update(
        {
            "PYTHONPATH": str(REPO),
            "PORTAL_MODE": "mock",
            "SALESFORCE_LOGIN_URL": config.salesforce_login_url,
            "SALESFORCE_CLIENT_ID": config.client_id,
            "SALESFORCE_CLIENT_SECRET": config.client_secret.get_secret_value(),
            "SALESFORCE_REDIRECT_URI": config.redirect_uri,
            "SALESFORCE_CA_BUNDLE": str(config.ca_bundle),
            "PORTAL_ENCRYPTION_KEY": config.encryption_key.get_secret_value(),
            "PORTAL_DATABASE_URL": database_url,
            "DATA_DIR": str(config.data_dir),
            # The configuration the portal's replicas share (a worker logs nobody in).
            "PORTAL_USERS": json.dumps(
                [{"username": "admin", "password_hash": _HASH, "role": "admin"}]
            ),
            # Fast enough for a test: a dead worker is noticed after 3 s, the sweep each second.
            "PORTAL_WORKER_STALLED_SECONDS": "3",
            "PORTAL_WORKER_SWEEP_SECONDS": "1",
        }
    )
    for name, value in settings.items():
        env[f"PORTAL_WORKER_{name.upper()}"] = str(value)
    return env


@dataclass
class Worker:
    """A running worker process and its log."""

    process: subprocess.Popen[bytes]
    log: Path

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for(
            lambda: "Sync worker ready" in self.text() or self.process.poll() is not None,
            timeout=timeout,
            what="the worker to start",
        )
        assert self.process.poll() is None, self.text()

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> int:
        """SIGTERM, as a deployment stops a worker; killed if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=30)
        return int(self.process.returncode)


def start_worker(
    env: Mapping[str, str], log: Path, *, clock_advance_seconds: float | None = None
) -> Worker:
    """``python -m portal.worker`` in the repository (or, with ``clock_advance_seconds``, the
    same worker whose clock runs that far ahead: :mod:`worker_child`)."""
    command = (
        [sys.executable, "-m", "portal.worker"]
        if clock_advance_seconds is None
        else [sys.executable, str(CHILD), str(clock_advance_seconds)]
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=REPO, env=dict(env), stdout=out, stderr=subprocess.STDOUT
        )
    return Worker(process, log)


@contextmanager
def running_worker(env: Mapping[str, str], log: Path, **options: Any) -> Iterator[Worker]:
    worker = start_worker(env, log, **options)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()


def wait_for(condition: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def jobs(database_url: str) -> list[dict[str, Any]]:
    """The sync's jobs in the queue (every status), oldest first."""
    with psycopg.connect(database_url, autocommit=True) as connection:
        cursor = connection.execute(
            "SELECT id, task_name, status::text, args, queueing_lock, scheduled_at, "
            "scheduled_at > now() AS later FROM procrastinate_jobs ORDER BY id"
        )
        names = [c.name for c in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def admin_of(portal: Portal) -> Actor:
    """An admin of the portal's company."""
    return Actor(username="alice", role=Role.ADMIN, company_id=portal.company_id)


@dataclass(frozen=True)
class Tenant:
    """A company of the hosting: its portal and the org it is integrated with."""

    portal: Portal
    org: SeededOrg


def call_rows(count: int, *, prefix: str = "w") -> list[dict[str, str]]:
    return [
        {
            "call_id": f"{prefix}-{n:04d}",
            "direction": "outbound",
            "result": "connected",
            "started_at": "2025-05-01T10:00:00+09:00",
            "ended_at": "2025-05-01T10:02:00+09:00",
            "miitel_user": "sato@miitel.example",
            "counterpart_number": f"03-5555-{n:04d}",
        }
        for n in range(count)
    ]


def import_calls(portal: Portal, count: int, *, prefix: str = "w") -> None:
    data = calls_csv(call_rows(count, prefix=prefix))
    result = portal.sync.import_csv(actor=admin_of(portal), kind=ActivityKind.CALL, data=data)
    assert result.imported == count, result.problems


def assert_each_once(portal: Portal, org: Org, ids: set[str]) -> None:
    """Each call one Task at the org and one "written" line in the sync log."""
    markers = [t["CallObject"] for t in org.tasks() if t["CallObject"] in ids]
    assert sorted(markers) == sorted(ids)
    assert len(ids) < 1000
    written = [
        e.miitel_record_id
        for e in portal.sync.recent(limit=1000)
        if e.outcome is SyncOutcome.WRITTEN and e.miitel_record_id in ids
    ]
    assert sorted(written) == sorted(ids)
