"""Helpers of the page tests: each page file run by Streamlit's AppTest over a real services
container.

The container is the real one (``build_portal``) over a DuckDB file in a temporary directory;
Salesforce is the bundled mock org served on free ports (seeded once per test session), or an
address where nothing answers when a test needs Salesforce to be absent. The pages get the
container through ``portal.ui.container.portal``, which the tests point at theirs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import bcrypt
import requests
from streamlit.testing.v1 import AppTest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.cli import ready_info
from mock_salesforce.control import ready_users
from mock_salesforce.scenarios import reset_world
from portal.adapters.crypto import generate_key
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig, PortalMode, PortalRole, PortalUser
from portal.domain.secret import SecretStr
from portal.services.actors import Actor, Role
from portal.services.integration import SignInPurpose
from portal.ui.markup import unescaped
from tests.portal_over_mock import guarded_server, portal_config

ROOT = Path(__file__).resolve().parents[4]
APP = ROOT / "portal" / "streamlit_app.py"
PAGES = ROOT / "portal" / "app_pages"
ADMIN = Actor(username="admin", role=Role.ADMIN)
VIEWER = Actor(username="viewer", role=Role.VIEWER)
PASSWORDS = {"admin": "admin-pass-1", "viewer": "viewer-pass-1"}
# Nothing listens on the discard port: every Salesforce call fails at once.
NOWHERE = "https://127.0.0.1:9"


def _users() -> tuple[PortalUser, ...]:
    # A low cost factor keeps the tests quick; the hashes are still real bcrypt.
    return (
        PortalUser("admin", _hash(PASSWORDS["admin"]), PortalRole.ADMIN),
        PortalUser("viewer", _hash(PASSWORDS["viewer"]), PortalRole.VIEWER),
    )


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(4)).decode()


USERS = _users()


def absent_config(
    data_dir: Path,
    *,
    users: tuple[PortalUser, ...] = USERS,
    database_url: str | None = None,
) -> PortalConfig:
    """A real-mode configuration over ``data_dir`` (or ``database_url``) with no Salesforce to
    reach."""
    return PortalConfig(
        mode=PortalMode.REAL,
        salesforce_login_url=NOWHERE,
        client_id="portal-tests",
        client_secret=SecretStr("not-a-secret"),
        redirect_uri="http://localhost:8501/",
        ca_bundle=None,
        db_path=data_dir / "portal.duckdb",
        encryption_key=generate_key(),
        users=users,
        data_dir=data_dir,
        database_url=SecretStr(database_url) if database_url else None,
    )


@dataclass(frozen=True)
class MockLogin:
    username: str
    password: str
    org_name: str
    role: str


@dataclass
class MockWorld:
    server: ThreadedMockServer

    def login(self, role: str, org_name: str = "Acme Japan") -> MockLogin:
        for user in ready_users(self.server.backend):
            if user["role"] == role and user["org_name"] == org_name:
                return MockLogin(user["username"], user["password"], org_name, role)
        raise LookupError(f"no {role} user in {org_name}")

    def config(self, data_dir: Path) -> PortalConfig:
        return portal_config(mock=self.server, data_dir=data_dir, users=USERS)

    def write_ready_file(self, data_dir: Path) -> None:
        """What ``python -m mock_salesforce serve`` writes, so the Demo page finds the mock."""
        (data_dir / "mock").mkdir(parents=True, exist_ok=True)
        (data_dir / "mock" / "ready.json").write_text(json.dumps(ready_info(self.server)))


def start_world(scenario: str = "default") -> ThreadedMockServer:
    server = guarded_server()
    server.start()
    reset_world(server.backend, seed=42, scenario=scenario)
    return server


def integrate(
    portal: Portal, world: MockWorld, *, role: str = "integration", org_name: str = "Acme Japan"
) -> None:
    """Click "Integrate" and sign in on the mock's pages as a person would ("Allow")."""
    redirect = portal.integration.start(actor=ADMIN, purpose=SignInPurpose.INTEGRATION)
    params = callback_params(portal, world, redirect.url, role=role, org_name=org_name)
    outcome = portal.integration.complete(actor=ADMIN, query_params=params)
    assert outcome.succeeded, outcome.result.message


def callback_params(
    portal: Portal, world: MockWorld, url: str, *, role: str, org_name: str = "Acme Japan"
) -> dict[str, str]:
    """The query parameters the mock's redirect back to the portal carries."""
    login = world.login(role, org_name)
    session = world_session(world)
    try:
        return sign_in(
            session=session,
            authorize_url=url,
            redirect_uri=world.config(Path("unused")).redirect_uri,
            username=login.username,
            password=login.password,
        )
    finally:
        session.close()


def world_session(world: MockWorld) -> requests.Session:
    """A session that trusts the mock's CA (REQUESTS_CA_BUNDLE is ignored)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(world.server.ca_bundle)
    return session


def texts(app: AppTest) -> str:
    """Everything the page wrote as text, alerts and captions included, in one string, with
    the escapes that keep data literal in Markdown taken out (what a person reads)."""
    return unescaped(sources(app))


def sources(app: AppTest) -> str:
    """:func:`texts` as the page wrote it: the Markdown sources, escapes included."""
    parts: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text"):
        parts += [str(element.value) for element in getattr(app, kind)]
    for kind in ("success", "info", "warning", "error", "exception"):
        parts += [str(element.value) for element in getattr(app, kind)]
    return "\n".join(parts)
