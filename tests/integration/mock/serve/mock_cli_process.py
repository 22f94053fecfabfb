"""Helpers that start ``python -m mock_salesforce serve`` the way people start it."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[4]
READY_TIMEOUT = 120.0


@dataclass
class MockProcess:
    """A running ``serve`` subprocess, its READY object and what it wrote to stderr."""

    process: subprocess.Popen[str]
    ready: dict[str, Any]
    stderr_lines: list[str] = field(default_factory=list)

    def session(self) -> requests.Session:
        """A session trusting only the mock's CA (REQUESTS_CA_BUNDLE is set on this machine),
        sending the READY line's control token to the control plane."""
        session = requests.Session()
        session.trust_env = False
        session.verify = self.ready["ca_bundle"]
        if self.ready.get("control_token"):
            session.headers["X-Mock-Token"] = self.ready["control_token"]
        return session

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)

    @property
    def stderr(self) -> str:
        return "".join(self.stderr_lines)


def _pump(stream: IO[str], sink: queue.Queue[str | None], lines: list[str] | None) -> None:
    for line in stream:
        if lines is not None:
            lines.append(line)
        else:
            sink.put(line)
    sink.put(None)


def start_mock(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, umask: int = -1
) -> MockProcess:
    """Start the CLI on free ports and wait for its READY line (fails the test without it);
    ``umask`` (when not -1) is the one the process starts with."""
    command = [
        sys.executable,
        "-m",
        "mock_salesforce",
        "serve",
        "--port",
        "0",
        "--http-port",
        "0",
        "--data-dir",
        str(data_dir),
        *args,
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, **(env or {})},
        umask=umask,
    )
    assert process.stdout is not None and process.stderr is not None
    stdout: queue.Queue[str | None] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=_pump, args=(process.stdout, stdout, None), daemon=True).start()
    threading.Thread(
        target=_pump, args=(process.stderr, queue.Queue(), errors), daemon=True
    ).start()
    try:
        line = stdout.get(timeout=READY_TIMEOUT)
    except queue.Empty:
        process.kill()
        pytest.fail(f"no READY line in {READY_TIMEOUT} s; stderr:\n{''.join(errors)}")
    if line is None or not line.startswith("READY "):
        process.kill()
        process.wait()
        pytest.fail(f"expected READY, got {line!r}; stderr:\n{''.join(errors)}")
    return MockProcess(process, json.loads(line[len("READY ") :]), errors)


def run_mock(data_dir: Path, *args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    """Run the CLI expecting it to exit by itself (an error)."""
    command = [sys.executable, "-m", "mock_salesforce", "serve", "--data-dir", str(data_dir), *args]
    return subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
