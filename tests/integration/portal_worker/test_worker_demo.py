"""``make demo`` with ``PORTAL_DATABASE_URL``: a sync worker runs beside the portal (and stops
with it), as in a hosted deployment."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from worker_support import REPO, wait_for

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_demo_on_postgresql_runs_a_sync_worker(postgres_url: str, tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "SALESFORCE_"))},
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "PORTAL_PORT": str(_free_port()),
        "DATA_DIR": str(tmp_path / "data"),
        "PORTAL_DATABASE_URL": postgres_url,
    }
    log = tmp_path / "demo.log"
    with log.open("w") as errors:
        process = subprocess.Popen(
            [sys.executable, "scripts/demo.py"],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        try:
            assert process.stdout is not None
            line = process.stdout.readline()
            assert line.startswith("DEMO "), log.read_text()
            assert json.loads(line[len("DEMO ") :])["portal_url"]
            wait_for(
                lambda: "Sync worker ready" in log.read_text(),
                timeout=120,
                what="the demo's sync worker",
            )
            assert "Sync worker:          running" in log.read_text()
        finally:
            process.send_signal(signal.SIGINT)
            process.communicate(timeout=60)
    text = log.read_text()
    assert process.returncode == 0, text
    assert "Traceback" not in text
    # The demo stopped its worker too.
    [pid] = re.findall(r"\[worker\] .*Sync worker ready \(pid (\d+)\)", text)
    assert not Path(f"/proc/{pid}").exists()
