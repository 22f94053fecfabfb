"""The official Salesforce CLI (``sf``) against the mock org, as a developer drives it: the mock
started with ``python -m mock_salesforce serve``, an access token from the OAuth token endpoint,
``sf org login access-token``, then commands with ``--json``.

The CLI comes from ``scripts/install_sf_cli.sh`` (pinned in ``tests/cli/npm``, cached; `make
sf-cli`); one mock per test module.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sf_cli_support import ALIAS, CliFailed, SalesforceCli, access_token

from tests.integration.mock.serve.mock_cli_process import MockProcess, start_mock

ROOT = Path(__file__).resolve().parents[2]
INSTALLER = ROOT / "scripts" / "install_sf_cli.sh"


@pytest.fixture(scope="session")
def sf_executable() -> Path:
    """The pinned CLI, installed into its cache on first use."""
    done = subprocess.run(
        ["bash", str(INSTALLER)], capture_output=True, text=True, timeout=900, check=False
    )
    if done.returncode != 0:
        pytest.fail(
            "The Salesforce CLI could not be installed (make sf-cli installs Node.js, npm and "
            f"the CLI):\n{done.stderr}"
        )
    return Path(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def mock_org(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """``python -m mock_salesforce serve`` on free ports, seeded as the demo's default world."""
    running = start_mock(tmp_path_factory.mktemp("mock-data"), "--quiet")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def api(mock_org: MockProcess) -> Iterator[requests.Session]:
    """The admin's REST session beside the CLI, to check what the CLI did."""
    session = mock_org.session()
    session.headers["Authorization"] = f"Bearer {access_token(mock_org)}"
    yield session
    session.close()


@pytest.fixture(scope="module")
def sf(
    sf_executable: Path, mock_org: MockProcess, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SalesforceCli]:
    """The CLI logged in to the mock org as its admin, under the alias ``mock``."""
    cli = SalesforceCli(
        executable=sf_executable,
        home=tmp_path_factory.mktemp("sf-home"),
        ca_bundle=mock_org.ready["ca_bundle"],
    )
    code, body = cli.call(
        "org",
        "login",
        "access-token",
        "--instance-url",
        mock_org.ready["instance_url"],
        "--alias",
        ALIAS,
        "--set-default",
        "--no-prompt",
        env={"SF_ACCESS_TOKEN": access_token(mock_org)},
    )
    if code != 0:
        raise CliFailed(f"sf org login access-token failed: {json.dumps(body)[:3000]}")
    cli.login = body["result"]
    yield cli
    if os.environ.get("SF_CLI_TIMINGS"):
        for command, seconds in cli.timings:
            print(f"sf {command}: {seconds:.2f} s")
