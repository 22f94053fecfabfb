"""The real programs for the browser journeys: the mock org (``python -m mock_salesforce
serve``) and the portal (``streamlit run portal/streamlit_app.py``) as child processes on free
ports, and what a person does in them (log in, sign in at Salesforce, click in Setup)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import bcrypt
import requests
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.e2e.browser_support import log_in_to_mock

ROOT: Final = Path(__file__).resolve().parents[3]
ARTIFACTS: Final = ROOT / "test-artifacts" / "e2e-portal"
PORTAL_USERS: Final = {"admin": "e2e-admin-pass", "viewer": "e2e-viewer-pass"}
START_TIMEOUT: Final = 180.0
# Streamlit reruns and Salesforce round trips: generous, never a timed assertion.
WAIT_MS: Final = 60_000


@dataclass
class Stack:
    """Both programs, where they answer, and the mock's READY object."""

    portal_url: str
    ready: dict[str, Any]
    data_dir: Path
    processes: list[subprocess.Popen[str]] = field(default_factory=list)

    def mock_user(self, role: str, org_name: str = "Acme Japan") -> dict[str, str]:
        for user in self.ready["users"]:
            if user["role"] == role and user["org_name"] == org_name:
                return dict(user)
        raise LookupError(f"the mock org has no {role} user in {org_name}")

    @property
    def setup_url(self) -> str:
        return str(self.ready["http_url"]).rstrip("/") + "/setup"


def new_profile(browser: Browser, **options: Any) -> BrowserContext:
    """A fresh browser profile (no cookies) with a desktop-sized window, waiting up to
    :data:`WAIT_MS` for anything; ``options`` as Playwright's ``new_context`` takes them."""
    context = browser.new_context(viewport={"width": 1400, "height": 1100}, **options)
    context.set_default_timeout(WAIT_MS)
    return context


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


def _child_env(**extra: str) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("PORTAL_", "SALESFORCE_", "STREAMLIT_")) and name != "DATA_DIR"
    }
    env.update(extra)
    return env


@contextmanager
def running_stack(
    tmp: Path, *, scenario: str = "default", portal_env: dict[str, str] | None = None
) -> Iterator[Stack]:
    """The mock in ``scenario`` and the portal over a new data directory (with ``portal_env``
    added to its environment); both stopped after."""
    data_dir = tmp / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    stack = Stack(portal_url=f"http://localhost:{port}/", ready={}, data_dir=data_dir)
    logs = tmp / "logs"
    logs.mkdir(exist_ok=True)
    try:
        mock = _start(
            [
                sys.executable,
                "-m",
                "mock_salesforce",
                "serve",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data-dir",
                str(data_dir),
                "--scenario",
                scenario,
            ],
            env=_child_env(PORTAL_PORT=str(port)),
            stderr=logs / "mock.log",
        )
        stack.processes.append(mock)
        stack.ready = _ready_line(mock)
        stack.processes.append(
            start_portal(data_dir=data_dir, port=port, logs=logs, portal_env=portal_env)
        )
        yield stack
    finally:
        for process in reversed(stack.processes):
            _stop(process)


def start_portal(
    *, data_dir: Path, port: int, logs: Path, portal_env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """``streamlit run portal/streamlit_app.py`` in mock mode over ``data_dir`` on ``port``,
    with the journeys' portal users (and ``portal_env`` added to its environment); returns
    once it answers its health check (stopped again when it never does)."""
    users = [
        {"username": name, "password_hash": _hash(password), "role": name}
        for name, password in PORTAL_USERS.items()
    ]
    portal = _start(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "portal/streamlit_app.py",
            "--server.port",
            str(port),
            "--server.headless",
            "true",
        ],
        env=_child_env(
            DATA_DIR=str(data_dir),
            PORTAL_PORT=str(port),
            PORTAL_MODE="mock",
            PORTAL_USERS=json.dumps(users),
            **(portal_env or {}),
        ),
        stderr=logs / "portal.log",
    )
    try:
        _wait_for_health(portal, f"http://127.0.0.1:{port}/_stcore/health")
    except BaseException:
        _stop(portal)
        raise
    return portal


def _start(command: list[str], *, env: dict[str, str], stderr: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=stderr.open("w"),
        text=True,
        start_new_session=True,
    )


def _ready_line(process: subprocess.Popen[str]) -> dict[str, Any]:
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if line.startswith("READY "):
            ready: dict[str, Any] = json.loads(line[len("READY ") :])
            return ready
        if not line and process.poll() is not None:
            raise RuntimeError(f"the mock org exited with status {process.returncode}")
    raise RuntimeError("the mock org printed no READY line")


def _wait_for_health(process: subprocess.Popen[str], url: str) -> None:
    session = requests.Session()
    session.trust_env = False
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"the portal exited with status {process.returncode}")
            try:
                if session.get(url, timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.3)
    finally:
        session.close()
    raise RuntimeError("the portal did not answer its health check")


def _stop(process: subprocess.Popen[str]) -> None:
    """Stop a child we started (its own process group), killing it if it lingers."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    if process.stdout is not None:
        process.stdout.close()


# --- what a person does ---------------------------------------------------------------------


class Shots:
    """Screenshots of one journey, numbered in the order they were taken."""

    def __init__(self, name: str) -> None:
        self.folder = ARTIFACTS / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.count = 0

    def take(self, page: Page, name: str, *, top: bool = True) -> Path:
        """Save the window; ``top`` scrolls the portal's main area up first (Streamlit scrolls
        that area, not the window)."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{name}.png"
        if top:
            page.evaluate(
                "() => document.querySelectorAll('[data-testid=stMain]')"
                ".forEach(e => e.scrollTo(0, 0))"
            )
        page.screenshot(path=str(path), full_page=True)
        return path


def main(page: Page) -> Locator:
    return page.get_by_test_id("stMain")


def settle(page: Page) -> None:
    """Wait until the portal finished the rerun a click started (Streamlit marks its app
    element), so the next click acts on what that rerun showed."""
    page.wait_for_timeout(250)
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=WAIT_MS
    )
    page.wait_for_selector(
        "[data-testid='stApp'][data-test-script-state='notRunning']", timeout=WAIT_MS
    )


def click(page: Page, target: Locator) -> None:
    """Click a portal control and wait for the rerun it causes."""
    target.click()
    settle(page)


def send_portal_login(
    page: Page, username: str, password: str, *, words: Callable[[str], str] | None = None
) -> None:
    """Fill in and send the portal's login form (labels in ``words``' language, English when
    not given) and wait for the rerun."""
    say = words or (lambda english: english)
    page.get_by_label(say("Username")).fill(username)
    page.get_by_role("textbox", name=say("Password")).fill(password)
    click(page, page.get_by_role("button", name=say("Log In")))


def log_in_to_portal(
    page: Page, username: str = "admin", *, words: Callable[[str], str] | None = None
) -> None:
    """Log in to the portal as ``username`` (see :func:`send_portal_login`); the page is
    logged in after it."""
    send_portal_login(page, username, PORTAL_USERS[username], words=words)
    expect_logged_in(page)


#: The sidebar's "Log out" button (its key ``sidebar.logout``), in any language.
LOGOUT: Final = ".st-key-sidebar-logout button"
#: Counts, per browser tab, the page loads of the portal that showed its login form.
_COUNT_LOGIN_PROMPTS: Final = """
(() => {
  if (!location.href.startsWith(%s)) return;
  const seen = () => {
    if (window.__portalLoginCounted) return;
    if (!document.querySelector('input[type=password]')) return;
    window.__portalLoginCounted = true;
    const n = Number(sessionStorage.getItem('portal.loginPrompts') || '0') + 1;
    sessionStorage.setItem('portal.loginPrompts', String(n));
  };
  new MutationObserver(seen).observe(document, {childList: true, subtree: true});
})();
"""


def expect_logged_in(page: Page) -> None:
    """The portal shows a logged-in page: the sidebar's "Log out", no password field."""
    expect(page.locator(LOGOUT)).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("input[type=password]")).to_have_count(0)


def expect_login_page(page: Page) -> None:
    """The portal shows its login form and nothing of a logged-in page."""
    expect(page.locator("input[type=password]")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator(LOGOUT)).to_have_count(0)


def count_login_prompts(page: Page, stack: Stack) -> None:
    """From now on, count the portal page loads in this tab that show the login form."""
    page.add_init_script(_COUNT_LOGIN_PROMPTS % json.dumps(stack.portal_url.rstrip("/")))


def login_prompts(page: Page, stack: Stack) -> int:
    """How many portal page loads of this tab showed the login form (see
    :func:`count_login_prompts`); read on a portal page."""
    assert page.url.startswith(stack.portal_url.rstrip("/"))
    return int(page.evaluate("() => Number(sessionStorage.getItem('portal.loginPrompts') || 0)"))


def open_step(page: Page, number: int) -> None:
    click(page, page.get_by_role("radio", name=str(number), exact=True))
    expect(page.get_by_role("heading", name=re.compile(rf"^{number}\. "))).to_be_visible(
        timeout=WAIT_MS
    )


def sign_in_at_salesforce(page: Page, stack: Stack, user: dict[str, str]) -> None:
    """On the mock's pages: log in as ``user`` (switching user on the consent page when
    someone else is logged in), "Allow", and follow an error page's "Continue", until the
    mock sends the browser back to the portal."""
    page.wait_for_url(re.compile(r".*/services/oauth2/.*|.*/login.*"), timeout=WAIT_MS)
    deadline = time.monotonic() + WAIT_MS / 1000
    while not page.url.startswith(stack.portal_url):
        if time.monotonic() > deadline:
            raise AssertionError(f"the mock did not send the browser back (at {page.url})")
        allow = page.get_by_role("button", name="Allow")
        if allow.count():
            if user["username"] not in page.locator("#username").inner_text():
                page.get_by_role("link", name="Not you?").click()
            else:
                allow.click()
        elif page.get_by_label("Username").count():
            log_in_to_mock(page, user["username"], user["password"])
        elif page.get_by_role("link", name="Continue").count():
            page.get_by_role("link", name="Continue").click()
        page.wait_for_load_state()
        page.wait_for_timeout(200)


def back_at_portal(page: Page, stack: Stack) -> None:
    """Salesforce sent the browser back: the portal is still logged in (its login cookie)
    and has finished the sign-in; no second login."""
    page.wait_for_url(re.compile(re.escape(stack.portal_url) + ".*"), timeout=WAIT_MS)
    settle(page)
    expect_logged_in(page)
    expect(page).not_to_have_url(re.compile(r".*[?&](code|state)="))


def setup_page(page: Page, stack: Stack, admin: dict[str, str]) -> None:
    """Log in to the mock's Setup as ``admin`` and open Connected Apps OAuth Usage."""
    page.goto(stack.setup_url + "/login")
    if page.get_by_label("Username").count():
        log_in_to_mock(page, admin["username"], admin["password"])
    page.goto(stack.setup_url + "/connected-apps-oauth-usage")
    expect(page.get_by_role("heading", name="Connected Apps OAuth Usage")).to_be_visible()


def app_action(page: Page, action: str) -> None:
    """Load MiiTel's actions and click ``action`` ("Unblock", "Install")."""
    page.get_by_role("button", name="Load Action MiiTel").click()
    page.get_by_role("button", name=f"{action} MiiTel").click()
    expect(page.get_by_role("status")).to_contain_text("MiiTel was")
