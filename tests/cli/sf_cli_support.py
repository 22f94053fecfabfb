"""``sf`` as the CLI tests run it: a HOME of its own, the mock's CA trusted through
NODE_EXTRA_CA_CERTS, no telemetry, update or version checks; and the admin's access token."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.integration.mock.serve.mock_cli_process import MockProcess

ALIAS = "mock"
#: One command's limit: the CLI starts in 1-3 s; bulk commands poll their job.
COMMAND_TIMEOUT = 180.0

#: Keep the CLI to itself: no telemetry, no update or version checks, no release notes.
QUIET_CLI = {
    "SF_DISABLE_TELEMETRY": "true",
    "SFDX_DISABLE_TELEMETRY": "true",
    "SF_AUTOUPDATE_DISABLE": "true",
    "SF_DISABLE_AUTOUPDATE": "true",
    "SFDX_AUTOUPDATE_DISABLE": "true",
    "SF_SKIP_NEW_VERSION_CHECK": "true",
    "SF_HIDE_RELEASE_NOTES": "true",
    "SF_HIDE_RELEASE_NOTES_FOOTER": "true",
    "SF_DISABLE_DNS_CHECK": "true",
    "SF_USE_PROGRESS_BAR": "false",
    "SF_CONTAINER_MODE": "false",
    "NO_COLOR": "1",
}


class CliFailed(AssertionError):
    """A command that was expected to succeed did not."""


@dataclass
class SalesforceCli:
    """``sf`` with its own HOME and the mock's CA; ``run`` returns the parsed ``--json``."""

    executable: Path
    home: Path
    ca_bundle: str
    #: ``sf org login access-token``'s result.
    login: dict[str, Any] = field(default_factory=dict)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(QUIET_CLI)
        env.update(
            HOME=str(self.home),
            XDG_CONFIG_HOME=str(self.home / ".config"),
            XDG_DATA_HOME=str(self.home / ".local" / "share"),
            XDG_CACHE_HOME=str(self.home / ".cache"),
            NODE_EXTRA_CA_CERTS=self.ca_bundle,
        )
        return env

    def execute(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        """``sf <args>`` as it is, timed."""
        started = time.perf_counter()
        done = subprocess.run(
            [str(self.executable), *args],
            env={**self.env, **(env or {})},
            cwd=cwd or self.home,
            capture_output=True,
            text=True,
            encoding="utf-8",
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        self.timings.append((" ".join(args[:3]), time.perf_counter() - started))
        return done

    def call(
        self, *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Exit code and JSON answer of ``sf <args> --json``."""
        done = self.execute(*args, "--json", env=env, cwd=cwd)
        try:
            body: dict[str, Any] = json.loads(done.stdout)
        except json.JSONDecodeError:
            raise CliFailed(
                f"sf {' '.join(args)} printed no JSON (exit {done.returncode}):\n"
                f"{done.stdout}\n{done.stderr}"
            ) from None
        return done.returncode, body

    def run(self, *args: str, cwd: Path | None = None) -> Any:
        """The ``result`` of a command that must succeed."""
        code, body = self.call(*args, cwd=cwd)
        if code != 0 or body.get("status") != 0:
            raise CliFailed(f"sf {' '.join(args)} failed (exit {code}):\n{json.dumps(body)[:3000]}")
        return body["result"]

    def fails(self, *args: str) -> dict[str, Any]:
        """The error answer of a command that must fail."""
        code, body = self.call(*args)
        assert code != 0, f"sf {' '.join(args)} succeeded: {json.dumps(body)[:2000]}"
        return body


def access_token(mock_org: MockProcess) -> str:
    """A token for the org's admin, from the username-password grant of the MiiTel app."""
    ready = mock_org.ready
    admin = next(u for u in ready["users"] if u["role"] == "admin")
    with mock_org.session() as session:
        response = session.post(
            ready["instance_url"] + "/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": ready["client_id"],
                "client_secret": ready["client_secret"],
                "username": admin["username"],
                "password": admin["password"],
            },
        )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token
