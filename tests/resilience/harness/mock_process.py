"""The mock org as its own process (``python -m mock_salesforce serve``), so a test can stop it
and start it again on the same ports with the same data directory, as an outage looks to the
portal."""

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
from typing import IO, Any, Final

from tests.portal_over_mock import MockEndpoint

ROOT: Final = Path(__file__).resolve().parents[3]
READY_TIMEOUT_S: Final = 120.0


class MockProcessError(Exception):
    """The mock process did not start (its stderr is in the message)."""


def _pump(stream: IO[str], sink: queue.Queue[str | None] | None, lines: list[str]) -> None:
    for line in stream:
        lines.append(line)
        if sink is not None:
            sink.put(line)
    if sink is not None:
        sink.put(None)


@dataclass
class MockProcess:
    """A running ``serve`` process: its READY object and its output so far."""

    data_dir: Path
    process: subprocess.Popen[str]
    ready: dict[str, Any]
    stderr: list[str] = field(default_factory=list)

    @property
    def endpoint(self) -> MockEndpoint:
        return MockEndpoint.from_ready(self.ready)

    @property
    def ports(self) -> tuple[int, int]:
        https = int(self.ready["instance_url"].rsplit(":", 1)[1])
        http = int(self.ready["http_url"].rsplit(":", 1)[1])
        return https, http

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self, *, sig: int = signal.SIGTERM, timeout: float = 30.0) -> int:
        """Stop the process (SIGTERM: as an operator stops it) and wait for it."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout=timeout)


def start_mock(*, data_dir: Path, port: int = 0, http_port: int = 0, seed: int) -> MockProcess:
    """Start ``serve`` and wait for its READY line."""
    command = [
        sys.executable,
        "-m",
        "mock_salesforce",
        "serve",
        "--port",
        str(port),
        "--http-port",
        str(http_port),
        "--seed",
        str(seed),
        "--data-dir",
        str(data_dir),
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None and process.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    stdout: list[str] = []
    stderr: list[str] = []
    threading.Thread(target=_pump, args=(process.stdout, lines, stdout), daemon=True).start()
    threading.Thread(target=_pump, args=(process.stderr, None, stderr), daemon=True).start()
    try:
        line = lines.get(timeout=READY_TIMEOUT_S)
        while line is not None and not line.startswith("READY "):
            line = lines.get(timeout=READY_TIMEOUT_S)
    except queue.Empty:
        line = None
    if line is None:
        process.kill()
        process.wait()
        raise MockProcessError("the mock org did not start:\n" + "".join(stderr))
    return MockProcess(data_dir, process, json.loads(line[len("READY ") :]), stderr)


def restart_mock(previous: MockProcess, *, seed: int) -> MockProcess:
    """Start the mock again on the ports and data directory of ``previous`` (stopped)."""
    if previous.running:
        previous.stop(sig=signal.SIGTERM)
    https, http = previous.ports
    return start_mock(data_dir=previous.data_dir, port=https, http_port=http, seed=seed)
