"""``make demo``: start the mock Salesforce org and (once it exists) the portal, print one line
``DEMO {json}`` on stdout when both answer, and keep running until Ctrl-C, then stop both.

Environment: ``PORTAL_PORT`` (8501), ``MOCK_PORT`` (8443), ``MOCK_HTTP_PORT`` (8080),
``DATA_DIR`` (``data``); with ``PORTAL_DATABASE_URL`` (PostgreSQL) a sync worker
(``python -m portal.worker``) runs too. Options ``--scenario NAME``, ``--seed N`` and
``--reset`` go to the mock (``make demo SCENARIO=app-blocked``). Everything meant for people
goes to stderr.
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
from typing import IO, Any, Final

import bcrypt
import requests

ROOT = Path(__file__).resolve().parent.parent
PORTAL_APP = Path("portal/streamlit_app.py")
PORTAL_SERVER = Path("scripts/portal_server.py")
#: Where the portal and the mock listen, and the host every URL the demo prints names.
HOST = "127.0.0.1"
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


def _forward(stream: IO[str], prefix: str, catch: Mapping[str, queue.Queue[str]]) -> None:
    """Copy a child's output to stderr; hand a line starting with a key of ``catch`` (the
    mock's ``READY``, the portal's ``WARM``) to that queue instead."""
    for line in stream:
        for word, found in catch.items():
            if line.startswith(word):
                found.put(line[len(word) :].strip())
                break
        else:
            sys.stderr.write(f"[{prefix}] {line}")
            sys.stderr.flush()


def _wait(found: queue.Queue[str], process: subprocess.Popen[str], deadline: float) -> str | None:
    """What ``found`` receives before ``deadline``; None when the process exits first."""
    while time.monotonic() < deadline:
        try:
            return found.get(timeout=0.2)
        except queue.Empty:
            if process.poll() is not None:
                return None
    raise TimeoutError


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
        "--quiet",  # the demo's own summary (describe) lists the same URLs and logins
    ]
    if args.scenario:
        command += ["--scenario", args.scenario]
    if args.seed is not None:
        command += ["--seed", str(args.seed)]
    if args.reset:
        command.append("--reset")
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    ready: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=_forward, args=(process.stdout, "mock", {"READY ": ready}), daemon=True
    ).start()
    try:
        line = _wait(ready, process, time.monotonic() + MOCK_START_TIMEOUT)
    except TimeoutError:
        stop(process)
        raise DemoError("The mock org did not become ready in time.") from None
    if line is None:
        raise DemoError(
            f"The mock org exited with status {process.returncode} "
            "before it was ready (see its messages above)."
        )
    return process, json.loads(line)


def portal_env(
    data_dir: str, port: str, users: Sequence[DemoPortalUser], environ: Mapping[str, str]
) -> dict[str, str]:
    """The portal's environment: mock mode over ``data_dir`` (it reads the mock's READY file),
    and, when ``users`` are given, those logins as ``PORTAL_USERS`` (bcrypt hashes only) and
    Salesforce's redirect back to the portal's own address (:data:`HOST`, the mock's too)."""
    env = {**environ, "DATA_DIR": data_dir, "PORTAL_PORT": port}
    if users:
        env["PORTAL_MODE"] = "mock"
        env["PORTAL_USERS"] = json.dumps([u.configured() for u in users])
        env.setdefault("SALESFORCE_REDIRECT_URI", portal_url(port))
    return env


def portal_url(port: str) -> str:
    return f"http://{HOST}:{port}/"


def launch_portal(port: str, env: dict[str, str]) -> tuple[subprocess.Popen[str], queue.Queue[str]]:
    """The portal (Streamlit, through :data:`PORTAL_SERVER`) as a child process: it imports
    its modules at once, and builds its services when :func:`warm_portal` says the mock is
    ready. Streamlit listens on :data:`HOST` only, and prints no banner (the demo's
    summary names the URL) nor a look-up of the machine's external address."""
    command = [
        sys.executable,
        str(PORTAL_SERVER),
        "--warm-on-stdin",
        "--server.port",
        port,
        "--server.address",
        HOST,
        "--browser.serverAddress",
        HOST,
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--logger.hideWelcomeMessage",
        "true",
    ]
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    warmed: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=_forward, args=(process.stdout, "portal", {"WARM": warmed}), daemon=True
    ).start()
    return process, warmed


def launch_worker(env: dict[str, str]) -> subprocess.Popen[str]:
    """A sync worker (``python -m portal.worker``) with the portal's environment: on
    PostgreSQL it sends what the portal queues, as in a hosted deployment."""
    process = subprocess.Popen(
        [sys.executable, "-m", "portal.worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
    )
    assert process.stdout is not None
    threading.Thread(target=_forward, args=(process.stdout, "worker", {}), daemon=True).start()
    return process


def warm_portal(process: subprocess.Popen[str], warmed: queue.Queue[str], port: str) -> None:
    """Tell the portal the mock is ready, and return once it answers with its services built
    (the first visit is then quick)."""
    assert process.stdin is not None
    process.stdin.write("mock ready\n")
    process.stdin.flush()
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
            if session.get(f"http://{HOST}:{port}/_stcore/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        time.sleep(0.1)
    else:
        raise DemoError(f"The portal did not answer on port {port} in time.")
    try:
        if _wait(warmed, process, deadline) is None:
            raise DemoError(
                f"The portal exited with status {process.returncode} while starting "
                "(see its messages above)."
            )
    except TimeoutError:
        raise DemoError("The portal did not finish starting in time.") from None


#: The demo's second company, so isolation can be shown: its users see none of the first's data.
SECOND_COMPANY: Final = ("demo-b", "デモ第二株式会社")


@dataclass(frozen=True)
class DemoPortalUser:
    """A portal login made for the demo (the password is shown in the DEMO line)."""

    username: str
    password: str
    role: str
    #: The company's slug; None: the portal's home company (the demo's first company).
    company: str | None = None

    def configured(self) -> dict[str, str]:
        """The entry the portal's ``PORTAL_USERS`` expects: a bcrypt hash, never the password."""
        digest = bcrypt.hashpw(self.password.encode(), bcrypt.gensalt()).decode()
        entry = {"username": self.username, "password_hash": digest, "role": self.role}
        if self.company is not None:
            entry["company"] = self.company
            entry["company_name"] = dict([SECOND_COMPANY]).get(self.company, self.company)
        return entry

    def shown(self) -> dict[str, str]:
        shown = {"username": self.username, "password": self.password, "role": self.role}
        if self.company is not None:
            shown["company"] = self.company
        return shown


def _new_password() -> str:
    letters = "".join(secrets.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4))
    digits = "".join(secrets.choice("23456789") for _ in range(4))
    return f"Portal-{letters}{digits}"


def demo_portal_users(data_dir: Path, environ: Mapping[str, str]) -> list[DemoPortalUser]:
    """Portal logins for the demo: an admin and a viewer of the demo company, and an admin and
    a viewer of a second company (to show that companies never see each other's data), made
    once and kept in ``DATA_DIR/portal/demo_users.json`` (mode 0600) so they stay the same
    between demos.

    None when the portal's users are configured already (``PORTAL_USERS`` or
    ``.streamlit/secrets.toml``): their passwords are the owner's, not the demo's."""
    if environ.get("PORTAL_USERS", "").strip() or (ROOT / SECRETS_FILE).exists():
        return []
    path = data_dir / DEMO_USERS_FILE
    users: list[DemoPortalUser] = []
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        users = [
            DemoPortalUser(u["username"], u["password"], u["role"], u.get("company"))
            for u in stored
        ]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        users = []
    wanted = [
        ("admin", "admin", None),
        ("viewer", "viewer", None),
        ("admin-b", "admin", SECOND_COMPANY[0]),
        ("viewer-b", "viewer", SECOND_COMPANY[0]),
    ]
    known = {u.username for u in users}
    missing = [
        DemoPortalUser(name, _new_password(), role, company)
        for name, role, company in wanted
        if name not in known
    ]
    if not missing:
        return users
    users += missing  # a demo from before the second company keeps its first logins
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
        if os.environ.get("PORTAL_DATABASE_URL", "").strip():
            lines.append("  Sync worker:          running (PostgreSQL: python -m portal.worker)")
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
        company = user.get("company") or "demo"
        lines.append(
            f"  Portal login ({company}, {user['role']}): {user['username']} / {user['password']}"
        )
    lines.append("  Salesforce logins (every org of every scenario; password, profile):")
    for user in demo_logins(mock):
        only_in = user.get("only_in_scenario")
        where = f"  (only in scenario {only_in})" if only_in else ""
        lines.append(
            f"    {user['org_name']:<14} {user['role']:<12} {user['username']:<42} "
            f"{user['password']:<15} {user.get('profile', '')}{where}"
        )
    return "\n".join(lines)


def demo_logins(mock: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The mock's logins of every scenario's orgs (``logins``; an older mock: ``users``)."""
    logins = mock.get("logins")
    return list(logins if isinstance(logins, list) else mock["users"])


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
        portal: tuple[subprocess.Popen[str], queue.Queue[str]] | None = None
        users: list[DemoPortalUser] = []
        if (ROOT / PORTAL_APP).exists():
            # The portal imports its modules while the mock starts; it needs the mock only
            # when it builds its services (warm_portal).
            users = demo_portal_users(Path(data_dir), os.environ)
            portal = launch_portal(
                portal_port, portal_env(data_dir, portal_port, users, os.environ)
            )
            children.append(portal[0])
        mock_process, mock = start_mock(args, data_dir)
        children.append(mock_process)
        if portal is not None:
            warm_portal(*portal, portal_port)
            if os.environ.get("PORTAL_DATABASE_URL", "").strip():
                # The portal has migrated the database; the worker shares it.
                children.append(launch_worker(portal_env(data_dir, portal_port, users, os.environ)))
        demo = {
            "portal_url": portal_url(portal_port) if portal is not None else None,
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
