"""``make demo``: start the mock Salesforce org and (once it exists) the portal, print one line
``DEMO {json}`` on stdout when both answer, and keep running until Ctrl-C, then stop both.

Environment: ``PORTAL_PORT`` (8501), ``MOCK_PORT`` (8443), ``MOCK_HTTP_PORT`` (8080),
``DATA_DIR`` (``data``). Options ``--scenario NAME``, ``--seed N`` and ``--reset`` go to the
mock (``make demo SCENARIO=app-blocked``). Everything meant for people goes to stderr.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

import bcrypt
import requests

ROOT = Path(__file__).resolve().parent.parent
PORTAL_APP = Path("portal/streamlit_app.py")
SECRETS_FILE = Path(".streamlit/secrets.toml")
DEMO_USERS_FILE = Path("portal") / "demo_users.json"
MOCK_START_TIMEOUT = 180.0
PORTAL_START_TIMEOUT = 120.0


class DemoError(Exception):
    """Why the demo could not start (printed without a traceback)."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _env(name: str, default: str) -> str:
    return os.environ.get(name, "").strip() or default


def _forward(stream: IO[str], prefix: str, ready: queue.Queue[str] | None = None) -> None:
    """Copy a child's output to stderr; hand the READY line to ``ready``."""
    for line in stream:
        if ready is not None and line.startswith("READY "):
            ready.put(line[len("READY ") :])
            continue
        sys.stderr.write(f"[{prefix}] {line}")
        sys.stderr.flush()


def start_mock(
    args: argparse.Namespace, data_dir: str
) -> tuple[subprocess.Popen[str], dict[str, Any]]:
    """The mock as a child process, and its READY object once both its ports answer."""
    command = [
        sys.executable,
        "-m",
        "mock_salesforce",
        "serve",
        "--port",
        _env("MOCK_PORT", "8443"),
        "--http-port",
        _env("MOCK_HTTP_PORT", "8080"),
        "--data-dir",
        data_dir,
    ]
    if args.scenario:
        command += ["--scenario", args.scenario]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.reset:
        command.append("--reset")
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, text=True, encoding="utf-8"
    )
    assert process.stdout is not None
    ready: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_forward, args=(process.stdout, "mock", ready), daemon=True).start()
    deadline = time.monotonic() + MOCK_START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            return process, json.loads(ready.get(timeout=0.5))
        except queue.Empty:
            if process.poll() is not None:
                raise DemoError(
                    f"The mock org exited with status {process.returncode} "
                    "before it was ready (see its messages above)."
                ) from None
    stop(process)
    raise DemoError("The mock org did not become ready in time.")


def portal_env(
    data_dir: str, port: str, users: Sequence[DemoPortalUser], environ: Mapping[str, str]
) -> dict[str, str]:
    """The portal's environment: mock mode over ``data_dir`` (it reads the mock's READY file),
    and, when ``users`` are given, those logins as ``PORTAL_USERS`` (bcrypt hashes only)."""
    env = {**environ, "DATA_DIR": data_dir, "PORTAL_PORT": port}
    if users:
        env["PORTAL_MODE"] = "mock"
        env["PORTAL_USERS"] = json.dumps([u.configured() for u in users])
    return env


def start_portal(port: str, env: dict[str, str]) -> subprocess.Popen[str]:
    """The portal (Streamlit) as a child process, returned once its health check answers."""
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(PORTAL_APP),
        "--server.port",
        port,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    threading.Thread(target=_forward, args=(process.stdout, "portal"), daemon=True).start()
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + PORTAL_START_TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise DemoError(
                f"The portal exited with status {process.returncode} before it "
                "answered (see its messages above)."
            )
        try:
            if session.get(f"http://127.0.0.1:{port}/_stcore/health", timeout=2).ok:
                return process
        except requests.RequestException:
            pass
        time.sleep(0.3)
    stop(process)
    raise DemoError(f"The portal did not answer on port {port} in time.")


@dataclass(frozen=True)
class DemoPortalUser:
    """A portal login made for the demo (the password is shown in the DEMO line)."""

    username: str
    password: str
    role: str

    def configured(self) -> dict[str, str]:
        """The entry the portal's ``PORTAL_USERS`` expects: a bcrypt hash, never the password."""
        digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt()).decode()
        return {"username": self.username, "password_hash": digest, "role": self.role}

    def shown(self) -> dict[str, str]:
        return {"username": self.username, "password": self.password, "role": self.role}


def _new_password() -> str:
    letters = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4))
    digits = "".join(secrets.choice("23456789") for _ in range(4))
    return f"Portal-{letters}{digits}"


def demo_portal_users(data_dir: Path, environ: Mapping[str, str]) -> list[DemoPortalUser]:
    """Portal logins for the demo: an admin and a viewer, made once and kept in
    ``DATA_DIR/portal/demo_users.json`` (mode 0600) so they stay the same between demos.

    None when the portal's users are configured already (``PORTAL_USERS`` or
    ``.streamlit/secrets.toml``): their passwords are the owner's, not the demo's."""
    if environ.get("PORTAL_USERS", "").strip() or (ROOT / SECRETS_FILE).exists():
        return []
    path = data_dir / DEMO_USERS_FILE
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return [DemoPortalUser(u["username"], u["password"], u["role"]) for u in stored]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    users = [
        DemoPortalUser("admin", _new_password(), "admin"),
        DemoPortalUser("viewer", _new_password(), "viewer"),
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump([u.shown() for u in users], handle, indent=2)
    return users


def stop(process: subprocess.Popen[str], *, grace: float = 15.0) -> None:
    """Ask a child to stop (SIGTERM), and kill it if it does not within ``grace`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def describe(demo: dict[str, Any]) -> str:
    mock = demo["mock"]
    lines = ["", "Demo is running. Ctrl-C stops it."]
    if demo["portal_url"]:
        lines.append(f"  Portal:               {demo['portal_url']}")
    else:
        lines.append(
            "  Portal:               not there yet (portal/streamlit_app.py is "
            "missing); the mock org runs alone."
        )
    lines += [
        f"  Salesforce (mock):    {mock['instance_url']}  (HTTPS, API)",
        f"  Salesforce pages:     {mock['http_url']}  (login, consent, Setup)",
        f"  Setup:                {mock['setup_url']}",
        f"  Scenario:             {mock['scenario']}",
        f"  CA certificate:       {mock['ca_bundle']}",
    ]
    if demo["portal_url"] and not demo["portal_users"]:
        lines.append(
            "  Portal logins:        as configured (PORTAL_USERS or .streamlit/secrets.toml)"
        )
    for user in demo["portal_users"]:
        lines.append(f"  Portal login ({user['role']}): {user['username']} / {user['password']}")
    lines.append("  Salesforce logins:")
    for user in mock["users"]:
        lines.append(
            f"    {user['org_name']:<14} {user['role']:<12} {user['username']:<42} "
            f"{user['password']}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/demo.py", description=__doc__)
    parser.add_argument("--scenario", default=None, help="mock scenario to start in")
    parser.add_argument("--seed", type=int, default=None, help="seed of a new mock org")
    parser.add_argument("--reset", action="store_true", help="discard the stored mock org")
    args = parser.parse_args(argv)

    finished = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        finished.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)

    data_dir = _env("DATA_DIR", "data")
    portal_port = _env("PORTAL_PORT", "8501")
    children: list[subprocess.Popen[str]] = []
    try:
        mock_process, mock = start_mock(args, data_dir)
        children.append(mock_process)
        portal_url = None
        users: list[DemoPortalUser] = []
        if (ROOT / PORTAL_APP).exists():
            users = demo_portal_users(Path(data_dir), os.environ)
            env = portal_env(data_dir, portal_port, users, os.environ)
            children.append(start_portal(portal_port, env))
            portal_url = f"http://localhost:{portal_port}/"
        demo = {
            "portal_url": portal_url,
            "portal_users": [u.shown() for u in users],
            "mock": mock,
        }
        print("DEMO " + json.dumps(demo), flush=True)
        _say(describe(demo))
        while not finished.wait(0.5):
            exited = [c for c in children if c.poll() is not None]
            if exited:
                _say(f"A demo process exited (status {exited[0].returncode}); stopping.")
                return 1
        _say("Stopping the demo...")
        return 0
    except DemoError as exc:
        _say(f"error: {exc}")
        return 1
    finally:
        for child in reversed(children):
            stop(child)


if __name__ == "__main__":
    raise SystemExit(main())
