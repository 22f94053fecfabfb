"""``python -m mock_salesforce serve``: run the mock org until SIGINT/SIGTERM.

When both ports answer, prints exactly one line ``READY {json}`` on stdout (and writes the same
object to ``<data-dir>/mock/ready.json``, mode 0600). Everything meant for people goes to stderr.

The control plane (``/mock-api/``) requires the ``control_token`` of the READY object in
``X-Mock-Token`` (a new random one per start; ``MOCK_CONTROL_TOKEN`` pins one,
``--no-control-token`` turns the requirement off).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from types import FrameType
from typing import Any

import duckdb
import requests

from mock_salesforce import control, scenarios
from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.connected_apps import MIITEL
from mock_salesforce.file_modes import make_private_dir, private_umask
from mock_salesforce.seed import world_seed
from mock_salesforce.server import ThreadedMockServer, bind
from mock_salesforce.sessions import DEFAULT_SESSION_TIMEOUT

DEFAULT_SEED = 42
DEFAULT_PORT = 8443
DEFAULT_HTTP_PORT = 8080
DEFAULT_PORTAL_PORT = 8501
DEFAULT_DATA_DIR = "data"
#: Setup Home (Quick Find, procedure step 3); it asks an admin to log in first.
SETUP_PATH = "/setup"


class CliError(Exception):
    """A problem the person starting the mock can fix; printed without a traceback."""


@dataclass(frozen=True)
class ServeArgs:
    port: int
    http_port: int
    seed: int | None
    data_dir: Path
    scenario: str | None
    reset: bool
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT
    #: No summary on stderr when ready (``make demo`` prints its own); READY still comes.
    quiet: bool = False
    #: What the control plane requires in ``X-Mock-Token`` (None: no token needed).
    control_token: str | None = field(default=None, repr=False)


def _env_port(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) > 65535:
        raise CliError(f"{name}={value!r} is not a port number (0-65535).")
    return int(value)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number (0-65535)")
    return int(text)


def redirect_uris_from_env() -> tuple[str, ...]:
    """The portal's OAuth callback URLs, on ``PORTAL_PORT`` (default 8501)."""
    port = _env_port("PORTAL_PORT", DEFAULT_PORTAL_PORT)
    return (f"http://localhost:{port}/", f"http://127.0.0.1:{port}/")


def parse_args(argv: Sequence[str] | None = None) -> ServeArgs:
    parser = argparse.ArgumentParser(
        prog="python -m mock_salesforce",
        description="A mock Salesforce org (HTTPS API, HTTP browser pages).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the mock org until Ctrl-C")
    serve.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"HTTPS port (env MOCK_PORT, default {DEFAULT_PORT}; 0 = any free)",
    )
    serve.add_argument(
        "--http-port",
        type=_port,
        default=None,
        help=f"HTTP port for browser pages (env MOCK_HTTP_PORT, default "
        f"{DEFAULT_HTTP_PORT}; 0 = any free)",
    )
    serve.add_argument(
        "--seed",
        type=int,
        default=None,
        help=f"seed of the generated org (default {DEFAULT_SEED}; an existing "
        "org keeps its seed unless --reset)",
    )
    serve.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help=f"data directory; the mock keeps its files in <dir>/mock "
        f"(env DATA_DIR, default {DEFAULT_DATA_DIR})",
    )
    serve.add_argument(
        "--scenario",
        choices=control.scenario_names(),
        default=None,
        help="start in this scenario (resets the org into it when it differs from the stored one)",
    )
    serve.add_argument(
        "--reset", action="store_true", help="discard the stored org and seed a new one"
    )
    serve.add_argument(
        "--session-timeout",
        type=_minutes,
        default=DEFAULT_SESSION_TIMEOUT,
        metavar="MINUTES",
        help="sessions expire after this many minutes without use (default 120)",
    )
    serve.add_argument(
        "--quiet",
        action="store_true",
        help="no summary of URLs and logins on stderr when ready (the READY line still comes)",
    )
    serve.add_argument(
        "--no-control-token",
        action="store_true",
        help="let the control plane (/mock-api/) answer without the READY line's control_token "
        "(env MOCK_CONTROL_TOKEN pins the token instead of a new random one)",
    )
    ns = parser.parse_args(argv)
    return ServeArgs(
        port=ns.port if ns.port is not None else _env_port("MOCK_PORT", DEFAULT_PORT),
        http_port=ns.http_port
        if ns.http_port is not None
        else _env_port("MOCK_HTTP_PORT", DEFAULT_HTTP_PORT),
        seed=ns.seed,
        data_dir=ns.data_dir or Path(os.environ.get("DATA_DIR") or DEFAULT_DATA_DIR),
        scenario=ns.scenario,
        reset=ns.reset,
        session_timeout=ns.session_timeout,
        quiet=ns.quiet,
        control_token=None if ns.no_control_token else _control_token(),
    )


def _control_token() -> str:
    pinned = os.environ.get("MOCK_CONTROL_TOKEN", "").strip()
    if pinned and len(pinned) < 16:
        raise CliError("MOCK_CONTROL_TOKEN must be at least 16 characters long.")
    return pinned or control.new_control_token()


def _minutes(value: str) -> timedelta:
    try:
        minutes = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of minutes: {value!r}") from None
    if not 0 < minutes <= 24 * 60:
        raise argparse.ArgumentTypeError("give between 0 and 1440 minutes")
    return timedelta(minutes=minutes)


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_backend(mock_dir: Path, seed: int, session_timeout: timedelta) -> MockBackend:
    options = MockOptions(
        seed=seed, redirect_uris=redirect_uris_from_env(), session_timeout=session_timeout
    )
    try:
        return MockBackend(data_dir=mock_dir, options=options)
    except duckdb.IOException as exc:
        raise CliError(
            f"Cannot open the mock's database in {mock_dir} (is another mock using this data "
            f"directory?): {exc}"
        ) from None


def prepare_backend(args: ServeArgs) -> MockBackend:
    """The backend over ``<data-dir>/mock``: the stored org kept as it is, or (empty store,
    ``--reset``, or another ``--scenario``) a freshly seeded world."""
    mock_dir = args.data_dir.resolve() / "mock"
    make_private_dir(mock_dir)
    backend = _open_backend(
        mock_dir, args.seed if args.seed is not None else DEFAULT_SEED, args.session_timeout
    )
    if backend.orgs.all() and not args.reset:
        stored = world_seed(backend)
        if stored is not None and args.seed is not None and args.seed != stored:
            _say(
                f"The stored org was seeded with {stored}; keeping it (use --reset to seed "
                f"with {args.seed})."
            )
        if stored is not None and stored != backend.options.seed:
            # The connected app's credentials derive from the seed: match the stored world.
            backend.close()
            backend = _open_backend(mock_dir, stored, args.session_timeout)
        seed = backend.options.seed
        current = control.current_scenario(backend)
        if args.scenario is None or args.scenario == current:
            _say(f"Using the stored org in {mock_dir} (seed {seed}, scenario {current}).")
            return backend
        _say(f"Switching the stored org to scenario {args.scenario} (seed {seed}).")
        scenarios.reset_world(backend, seed=seed, scenario=args.scenario)
        return backend
    seed = backend.options.seed
    scenario = args.scenario or "default"
    _say(f"Seeding a new org in {mock_dir} (seed {seed}, scenario {scenario})...")
    started = time.perf_counter()
    scenarios.reset_world(backend, seed=seed, scenario=scenario)
    _say(f"Seeded in {time.perf_counter() - started:.1f} s.")
    return backend


def ready_info(server: ThreadedMockServer) -> dict[str, Any]:
    """The READY object: where the mock answers, how to trust it, how to log in."""
    backend = server.backend
    app = backend.connected_apps.definition(MIITEL)
    return {
        "login_url": server.https_url,
        "instance_url": server.https_url,
        "http_url": server.http_url,
        "ca_bundle": str(server.ca_bundle.resolve()),
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "redirect_uris": list(app.callback_urls),
        "scenario": control.current_scenario(backend),
        "scenarios": control.scenario_names(),
        "seed": world_seed(backend),
        "setup_url": server.http_url + SETUP_PATH,
        "control_url": server.https_url + "/mock-api",
        "users": control.ready_users(backend),
        "logins": scenarios.every_scenario_logins(backend),
        # Sent in X-Mock-Token to /mock-api/ (None: the control plane needs none).
        "control_token": server.control_token,
    }


def wait_until_answering(server: ThreadedMockServer, *, timeout: float = 30.0) -> None:
    """Both ports answer an HTTP request (HTTPS verified with the mock's own CA)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    if server.control_token:
        session.headers[control.TOKEN_HEADER] = server.control_token
    deadline = time.monotonic() + timeout
    for base in (server.https_url, server.http_url):
        while True:
            try:
                session.get(base + "/mock-api/faults", timeout=5)
                break
            except requests.RequestException as exc:
                if time.monotonic() > deadline:
                    raise CliError(f"The mock does not answer on {base}: {exc}") from None
                time.sleep(0.05)
    session.close()


def _describe(info: dict[str, Any]) -> str:
    lines = [
        "Mock Salesforce org is ready.",
        f"  API (HTTPS):     {info['instance_url']}",
        f"  Browser (HTTP):  {info['http_url']}",
        f"  Setup:           {info['setup_url']}",
        f"  Scenario:        {info['scenario']}",
        f"  CA certificate:  {info['ca_bundle']}",
        "  (trust it, e.g. REQUESTS_CA_BUNDLE, or curl --cacert)",
        "  Logins:",
    ]
    lines += _login_lines(info.get("logins") or info["users"], indent="    ")
    return "\n".join(lines)


def _login_lines(logins: Sequence[dict[str, Any]], *, indent: str) -> list[str]:
    """One line per login (org, role, username, password, profile); an org only some
    scenario has says which."""
    lines = []
    for user in logins:
        only_in = user.get("only_in_scenario")
        where = f"  (scenario {only_in})" if only_in else ""
        lines.append(
            f"{indent}{user['org_name']:<14} {user['role']:<12} {user['username']:<42} "
            f"{user['password']:<15} {user.get('profile', '')}{where}"
        )
    return lines


def _not_a_shutdown_timeout(record: logging.LogRecord) -> bool:
    # Idle clients' connections are cut after a short grace on stop: expected, not an error.
    return "timeout graceful shutdown exceeded" not in record.getMessage()


def _port_error(args: ServeArgs, exc: OSError) -> CliError:
    return CliError(
        f"Cannot listen on port {args.port} or {args.http_port}: {exc.strerror}. "
        "Set MOCK_PORT / MOCK_HTTP_PORT (or --port / --http-port)."
    )


def check_ports_free(args: ServeArgs) -> None:
    """Fail before seeding when a requested (non-zero) port is taken."""
    for port in {args.port, args.http_port} - {0}:
        try:
            bind(port).close()
        except OSError as exc:
            raise _port_error(args, exc) from None


def serve(args: ServeArgs) -> int:
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, on_signal)
    # Everything the mock creates (DuckDB file and log, keys, READY file) is the owner's alone.
    private_umask()
    check_ports_free(args)
    backend = prepare_backend(args)
    if stop.is_set():  # stopped while seeding
        backend.close()
        return 0
    server = ThreadedMockServer(
        port=args.port,
        http_port=args.http_port,
        data_dir=backend.data_dir,
        backend=backend,
        control_token=args.control_token,
    )
    try:
        server.start()
    except OSError as exc:
        backend.close()
        raise _port_error(args, exc) from None
    logging.getLogger("uvicorn.error").addFilter(_not_a_shutdown_timeout)
    assert backend.data_dir is not None
    ready_file = backend.data_dir / control.READY_FILE
    try:
        wait_until_answering(server)
        info = ready_info(server)
        control.write_ready_file(ready_file, info)
        if not args.quiet:
            _say(_describe(info))
        print("READY " + json.dumps(info), flush=True)
        while not stop.wait(0.5):
            pass
        _say("Stopping the mock org...")
    finally:
        ready_file.unlink(missing_ok=True)
        server.stop()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parse_args(argv)
        return serve(args)
    except CliError as exc:
        _say(f"error: {exc}")
        return 1
    except KeyboardInterrupt:
        return 130
