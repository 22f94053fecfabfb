"""``make demo``'s script: the DEMO line once everything answers, and Ctrl-C stops it all."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import socket
import stat
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import urlsplit

import bcrypt
import psycopg
import pytest
import requests
from mock_cli_process import ROOT

from portal.adapters.config import load_config
from portal.domain.config import PortalRole


def _demo_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("demo_script", ROOT / "scripts" / "demo.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being made
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.slow
def test_demo_prints_one_demo_line_and_stops_everything_on_ctrl_c(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "PORTAL_PORT": str(_free_port()),
        "DATA_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("DEMO "), line
        demo = json.loads(line[len("DEMO ") :])
        assert set(demo) == {"portal_url", "portal_users", "mock"}
        mock = demo["mock"]
        assert {"instance_url", "http_url", "ca_bundle", "client_id", "users"} <= set(mock)
        session = requests.Session()
        session.trust_env = False
        session.verify = mock["ca_bundle"]
        # The control plane wants the token the mock put in its READY object.
        assert session.get(mock["instance_url"] + "/mock-api/state").status_code == 401
        session.headers["X-Mock-Token"] = mock["control_token"]
        assert session.get(mock["instance_url"] + "/mock-api/state").status_code == 200
        session.close()
        portal_there = (ROOT / "portal" / "streamlit_app.py").exists()
        assert (demo["portal_url"] is not None) == portal_there
        if portal_there and "PORTAL_USERS" not in os.environ:
            roles = {u["role"]: u for u in demo["portal_users"]}
            assert set(roles) == {"admin", "viewer"}
            assert all(u["password"] for u in demo["portal_users"])
        if portal_there:
            plain = requests.Session()
            plain.trust_env = False
            assert plain.get(demo["portal_url"]).status_code == 200
            plain.close()
        assert (tmp_path / "mock" / "ready.json").is_file()
        # Every scenario's orgs: Beta Trading (second-org) too, while the scenario is default.
        logins = {u["username"]: u for u in mock["logins"]}
        assert {u["username"] for u in mock["users"]} <= set(logins)
        beta = [u for u in logins.values() if u["org_name"] == "Beta Trading"]
        assert {u["role"] for u in beta} >= {"admin", "integration", "rep"}
        assert all(u["password"] and u["profile"] for u in beta)
        assert all(u["only_in_scenario"] == "second-org" for u in beta)
        if portal_there:
            # The portal and the mock name the same host; Salesforce sends the browser back
            # to the portal's own address (its session cookie is there).
            portal_host = urlsplit(demo["portal_url"]).hostname
            assert portal_host == urlsplit(mock["http_url"]).hostname == "127.0.0.1"
            assert demo["portal_url"] in mock["redirect_uris"]
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    # No start-up noise: no external-IP look-up, no Streamlit banner, one summary.
    assert "Did not auto detect external IP" not in stderr
    assert "You can now view your Streamlit app" not in stderr
    assert stderr.count("Demo is running.") == 1 and "Mock Salesforce org is ready" not in stderr
    assert "admin@beta-trading.example" in stderr
    # The mock removes its ready.json when it stops: nothing is left running.
    assert not (tmp_path / "mock" / "ready.json").exists()


def test_the_portal_accepts_the_demo_logins_and_they_stay_the_same(tmp_path: Path) -> None:
    demo = _demo_module()
    users = demo.demo_portal_users(tmp_path, {})
    if (ROOT / ".streamlit" / "secrets.toml").exists():
        assert users == []
        return
    assert [(u.username, u.role, u.company) for u in users] == [
        ("admin", "admin", None),
        ("viewer", "viewer", None),
        ("admin-b", "admin", "demo-b"),
        ("viewer-b", "viewer", "demo-b"),
    ], "the demo company's logins and a second company's, to show isolation"
    assert demo.demo_portal_users(tmp_path, {}) == users, "kept between demos"
    kept = tmp_path / "portal" / "demo_users.json"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert demo.demo_portal_users(tmp_path, {"PORTAL_USERS": "[...]"}) == []

    ca = tmp_path / "ca.pem"
    ca.write_text("not read here")
    (tmp_path / "mock").mkdir()
    (tmp_path / "mock" / "ready.json").write_text(
        json.dumps(
            {
                "login_url": "https://127.0.0.1:8443",
                "client_id": "id",
                "client_secret": "secret",
                "redirect_uris": ["http://localhost:8501/"],
                "ca_bundle": str(ca),
                "http_url": "http://127.0.0.1:8080",
            }
        )
    )
    env = demo.portal_env(str(tmp_path), "8501", users, {})
    assert all(u.password not in env["PORTAL_USERS"] for u in users), "hashes only"
    config = load_config(secrets={}, environ=env, data_dir=tmp_path)
    for user in users:
        configured = config.user(user.username)
        assert configured is not None
        assert configured.role is PortalRole(user.role)
        assert configured.company == user.company
        assert bcrypt.checkpw(user.password.encode(), configured.password_hash.encode())


def test_the_summary_lists_every_scenario_logins_with_password_and_profile() -> None:
    demo = _demo_module()
    login = {
        "org_name": "Beta Trading",
        "username": "admin@beta-trading.example",
        "password": "Demo-abcd2345",
        "profile": "System Administrator",
        "role": "admin",
        "only_in_scenario": "second-org",
    }
    mock = {
        "instance_url": "https://127.0.0.1:8443",
        "http_url": "http://127.0.0.1:8080",
        "setup_url": "http://127.0.0.1:8080/setup",
        "scenario": "default",
        "ca_bundle": "/tmp/ca.pem",
        "users": [],
        "logins": [login],
    }
    text = demo.describe({"portal_url": "http://127.0.0.1:8501/", "portal_users": [], "mock": mock})

    [line] = [x for x in text.splitlines() if "admin@beta-trading.example" in x]
    assert "Demo-abcd2345" in line and "System Administrator" in line and "second-org" in line


@pytest.mark.slow
def test_demo_with_a_database_url_keeps_both_demo_companies_in_postgresql(
    tmp_path: Path, postgres_url: str
) -> None:
    """``PORTAL_DATABASE_URL=postgresql://… make demo``: the same demo, stored in PostgreSQL:
    the demo company's starting state, its two users and the second company's two."""
    env = {
        **{k: v for k, v in os.environ.items() if k != "PORTAL_USERS"},
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "PORTAL_PORT": str(_free_port()),
        "DATA_DIR": str(tmp_path),
        "PORTAL_DATABASE_URL": postgres_url,
    }
    process = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("DEMO "), line
        demo = json.loads(line[len("DEMO ") :])
        plain = requests.Session()
        plain.trust_env = False
        assert plain.get(demo["portal_url"]).status_code == 200
        plain.close()
        if (ROOT / ".streamlit" / "secrets.toml").exists():
            return  # the owner's users, not the demo's
        with psycopg.connect(postgres_url, autocommit=True) as connection:
            users = dict(
                connection.execute(
                    "SELECT u.username, c.slug FROM portal_users u "
                    "JOIN companies c ON c.id = u.company_id"
                ).fetchall()
            )
            assert users == {
                "admin": "default",
                "viewer": "default",
                "admin-b": "demo-b",
                "viewer-b": "demo-b",
            }
            # The demo's starting state (integrated, with history) is the first company's.
            connection.execute("SELECT set_config('portal.company_id', '1', false)")
            (history,) = connection.execute(
                "SELECT count(*) FROM authentication_history"
            ).fetchone() or (0,)
            assert history > 0
        assert not (tmp_path / "portal.duckdb").exists(), "nothing in a DuckDB file"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
