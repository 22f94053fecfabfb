"""``python -m mock_salesforce serve`` as a person or the portal uses it: READY, both ports,
state that survives a restart, a clean stop."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from mock_cli_process import ROOT, MockProcess, run_mock, start_mock
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession

pytestmark = pytest.mark.slow

READY_KEYS = {
    "login_url",
    "instance_url",
    "http_url",
    "ca_bundle",
    "client_id",
    "client_secret",
    "redirect_uris",
    "scenario",
    "scenarios",
    "setup_url",
    "users",
}


def _login(mock: MockProcess, role: str = "integration") -> tuple[requests.Session, Salesforce]:
    """simple-salesforce, unmodified, on a token from the username-password grant."""
    user = next(u for u in mock.ready["users"] if u["role"] == role)
    session = mock.session()
    answer = session.post(
        mock.ready["login_url"] + "/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": mock.ready["client_id"],
            "client_secret": mock.ready["client_secret"],
            "username": user["username"],
            "password": user["password"],
        },
    )
    assert answer.status_code == 200, answer.text
    token = answer.json()
    sf = Salesforce(
        instance_url=token["instance_url"],
        session_id=token["access_token"],
        session=session,
        version="59.0",
    )
    return session, sf


def _state(mock: MockProcess) -> dict[str, Any]:
    with mock.session() as session:
        answer = session.get(mock.ready["instance_url"] + "/mock-api/state")
    assert answer.status_code == 200
    state: dict[str, Any] = answer.json()
    return state


def _miitel(state: dict[str, Any]) -> dict[str, Any] | None:
    apps = state["orgs"][0]["connected_apps"]
    return next((a for a in apps if a["name"] == "MiiTel"), None)


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MockProcess]:
    """One running mock for the tests that only look at it."""
    running = start_mock(tmp_path_factory.mktemp("shared"))
    yield running
    running.stop()


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _data_dir(mock: MockProcess) -> Path:
    return Path(mock.ready["ca_bundle"]).parents[2]


def test_ready_line_says_where_and_how_to_connect(shared: MockProcess) -> None:
    ready = shared.ready
    assert set(ready) >= READY_KEYS
    assert ready["login_url"] == ready["instance_url"]
    assert ready["instance_url"].startswith("https://127.0.0.1:")
    assert ready["http_url"].startswith("http://127.0.0.1:")
    assert _port(ready["instance_url"]) > 0 and _port(ready["http_url"]) > 0
    assert Path(ready["ca_bundle"]).is_absolute() and Path(ready["ca_bundle"]).is_file()
    assert ready["ca_bundle"] in shared.stderr, "the CA path is printed for people too"
    assert ready["client_id"] and ready["client_secret"]
    assert ready["scenario"] == "default"
    assert "app-blocked" in ready["scenarios"]
    assert ready["setup_url"].startswith(ready["http_url"])
    roles = {u["role"] for u in ready["users"]}
    assert roles == {"admin", "integration", "rep", "inactive"}
    for user in ready["users"]:
        assert set(user) == {"username", "password", "org_id", "org_name", "profile", "role"}
        assert user["org_name"] == "Acme Japan"
    integration = next(u for u in ready["users"] if u["role"] == "integration")
    assert integration["profile"] == "System Administrator"


def test_ready_file_holds_the_same_object_readable_only_by_its_owner(shared: MockProcess) -> None:
    path = _data_dir(shared) / "mock" / "ready.json"
    assert json.loads(path.read_text()) == shared.ready
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_both_ports_answer_and_https_is_trusted_only_through_the_printed_ca(
    shared: MockProcess,
) -> None:
    ready = shared.ready
    with shared.session() as session:
        assert session.get(ready["instance_url"] + "/mock-api/state").status_code == 200
    with requests.Session() as plain:
        plain.trust_env = False
        plain.headers["X-Mock-Token"] = ready["control_token"]
        assert plain.get(ready["http_url"] + "/mock-api/state").status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            plain.get(ready["instance_url"] + "/mock-api/state")


def test_a_listed_user_logs_in_and_queries_the_seeded_org(shared: MockProcess) -> None:
    session, sf = _login(shared)
    with session:
        assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 500
        calls = sf.query("SELECT Id, CallType FROM Task WHERE TaskSubtype = 'Call' LIMIT 5")
        assert calls["totalSize"] == 5


def test_a_taken_port_is_an_error_message_not_a_traceback(
    shared: MockProcess, tmp_path: Path
) -> None:
    port = str(_port(shared.ready["instance_url"]))
    result = run_mock(tmp_path, "--port", port, "--http-port", "0")
    assert result.returncode == 1
    assert "Cannot listen" in result.stderr and "MOCK_PORT" in result.stderr
    assert "Traceback" not in result.stderr
    assert "READY" not in result.stdout


def test_a_data_dir_in_use_is_an_error_message(shared: MockProcess) -> None:
    result = run_mock(_data_dir(shared), "--port", "0", "--http-port", "0")
    assert result.returncode == 1
    assert "another mock" in result.stderr
    assert "Traceback" not in result.stderr


def test_state_persists_across_a_restart_and_sigterm_stops_it_cleanly(tmp_path: Path) -> None:
    first = start_mock(tmp_path)
    try:
        _, sf = _login(first)
        sf.Account.create({"Name": "消える株式会社"})
        # A scenario switch resets the world: records made before it are gone.
        switched = first.session().post(
            first.ready["instance_url"] + "/mock-api/scenario", json={"name": "app-uninstalled"}
        )
        assert switched.status_code == 200
        _, sf = _login(first)
        kept = sf.Account.create({"Name": "再起動テスト株式会社", "Phone": "03-5555-0000"})
    finally:
        assert first.stop(signal.SIGTERM) == 0
    assert "Traceback" not in first.stderr
    assert not (tmp_path / "mock" / "ready.json").exists()
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", _port(first.ready["instance_url"]))) != 0

    # Another seed without --reset keeps the stored org (and says so).
    second = start_mock(tmp_path, "--seed", "6")
    try:
        assert "seeded with 42" in second.stderr
        assert second.ready["seed"] == 42
        assert second.ready["scenario"] == "app-uninstalled"
        assert second.ready["users"] == first.ready["users"]
        assert second.ready["client_id"] == first.ready["client_id"]
        assert (_miitel(_state(second)) or {}).get("state") == "uninstalled"
        _, sf = _login(second)
        assert sf.Account.get(kept["id"])["Phone"] == "03-5555-0000"
        assert sf.query("SELECT Id FROM Account WHERE Name = '消える株式会社'")["totalSize"] == 0
    finally:
        second.stop()


def test_reset_flag_seeds_a_fresh_org_in_the_given_scenario(tmp_path: Path) -> None:
    first = start_mock(tmp_path)
    try:
        _, sf = _login(first)
        sf.Account.create({"Name": "消える会社"})
    finally:
        first.stop()
    second = start_mock(tmp_path, "--reset", "--seed", "9", "--scenario", "app-never-used")
    try:
        assert second.ready["scenario"] == "app-never-used"
        assert second.ready["seed"] == 9
        assert _miitel(_state(second)) is None
        assert second.ready["users"] != first.ready["users"]
        admin = next(u for u in second.ready["users"] if u["role"] == "admin")
        assert admin["username"] == "admin@acme-japan.example"
        _, sf = _login(second, role="admin")
        assert sf.query("SELECT Id FROM Account WHERE Name = '消える会社'")["totalSize"] == 0
    finally:
        second.stop()


def test_environment_sets_ports_data_dir_and_redirect_uris_and_ctrl_c_stops_it(
    tmp_path: Path,
) -> None:
    env = {
        **os.environ,
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "DATA_DIR": str(tmp_path / "env"),
        "PORTAL_PORT": "9123",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "mock_salesforce", "serve"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("READY ")
        ready = json.loads(line[len("READY ") :])
        assert ready["redirect_uris"] == ["http://localhost:9123/", "http://127.0.0.1:9123/"]
        assert ready["ca_bundle"] == str(tmp_path / "env" / "mock" / "tls" / "ca.pem")
        assert (tmp_path / "env" / "mock" / "ready.json").is_file()
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert not (tmp_path / "env" / "mock" / "ready.json").exists()


def test_an_unknown_scenario_lists_the_known_ones(tmp_path: Path) -> None:
    result = run_mock(tmp_path, "--scenario", "no-such-thing")
    assert result.returncode == 2
    assert "app-blocked" in result.stderr
    assert "Traceback" not in result.stderr


def test_session_timeout_flag_expires_idle_sessions(tmp_path: Path) -> None:
    """``--session-timeout`` (minutes): an idle session then answers INVALID_SESSION_ID."""
    mock = start_mock(tmp_path, "--session-timeout", "0.03")  # 1.8 seconds
    try:
        session, sf = _login(mock)
        with session:
            assert sf.query("SELECT COUNT() FROM Lead")["totalSize"] > 0
            time.sleep(2.5)
            with pytest.raises(SalesforceExpiredSession) as expired:
                sf.query("SELECT COUNT() FROM Lead")
            assert "INVALID_SESSION_ID" in str(expired.value.content)
    finally:
        assert mock.stop() == 0


def test_a_bad_session_timeout_is_refused_with_a_message(tmp_path: Path) -> None:
    result = run_mock(tmp_path, "--session-timeout", "forever")
    assert result.returncode == 2
    assert "not a number of minutes" in result.stderr
