"""Fixtures: the mock org started as a subprocess of the CLI, or in-process with a seeded
world and a control token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from mock_cli_process import MockProcess, start_mock

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import TOKEN_HEADER, new_control_token
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE


@pytest.fixture
def mock_process(tmp_path: Path) -> Iterator[MockProcess]:
    """``serve`` on free ports over a fresh data directory (``tmp_path``), stopped after."""
    running = start_mock(tmp_path)
    yield running
    running.stop()


@pytest.fixture
def seeded_server(tmp_path: Path) -> Iterator[ThreadedMockServer]:
    """A small seeded world whose control plane requires a token."""
    with ThreadedMockServer(data_dir=tmp_path, control_token=new_control_token()) as server:
        reset_world(server.backend, seed=42, scenario="default", size=SMALL_SIZE)
        yield server


@pytest.fixture
def api(seeded_server: ThreadedMockServer) -> Iterator[requests.Session]:
    """A session trusting the mock's CA and sending its control token."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(seeded_server.ca_bundle)
    assert seeded_server.control_token is not None
    session.headers[TOKEN_HEADER] = seeded_server.control_token
    yield session
    # An open TLS connection holds up the server's shutdown.
    session.close()
