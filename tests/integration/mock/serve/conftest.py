"""Fixtures: the mock org started as a subprocess of the CLI."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mock_cli_process import MockProcess, start_mock


@pytest.fixture
def mock_process(tmp_path: Path) -> Iterator[MockProcess]:
    """``serve`` on free ports over a fresh data directory (``tmp_path``), stopped after."""
    running = start_mock(tmp_path)
    yield running
    running.stop()
