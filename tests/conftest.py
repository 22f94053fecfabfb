"""Fixtures shared by every layer's tests: the mock org served over real HTTPS, and a
throwaway PostgreSQL server with a fresh database per test."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.backend import MockBackend
from mock_salesforce.rows import insert
from mock_salesforce.schema import USER_PERMISSIONS
from tests.portal_over_mock import guarded_server
from tests.postgres_server import PostgresServer, postgres_bin_dir


@dataclass(frozen=True)
class BareOrg:
    """An org with one System Administrator user and a live access token."""

    org_id: str
    user_id: str
    username: str
    password: str
    token: str


def make_bare_org(
    backend: MockBackend,
    *,
    name: str = "Bare Org",
    profile: str = "acme",
    username: str = "admin@bare.example",
) -> BareOrg:
    org = backend.orgs.create(name=name, schema_profile=profile)
    schema = org.schema
    now = backend.clock.now()
    profile_obj, user_obj = schema.get("Profile"), schema.get("User")
    assert profile_obj and user_obj
    [profile_id] = insert(
        backend.store,
        org_id=org.org_id,
        obj=profile_obj,
        actor_id=None,
        now=now,
        rows=[
            {
                "Name": "System Administrator",
                "UserType": "Standard",
                **{f"Permissions{p}": True for p in USER_PERMISSIONS},
            }
        ],
    )
    [user_id] = insert(
        backend.store,
        org_id=org.org_id,
        obj=user_obj,
        actor_id=None,
        now=now,
        rows=[
            {
                "Username": username,
                "FirstName": "Ada",
                "LastName": "Admin",
                "Alias": "aadmin",
                "Email": username,
                "IsActive": True,
                "ProfileId": profile_id,
                "UserType": "Standard",
                "TimeZoneSidKey": "Asia/Tokyo",
                "LocaleSidKey": "ja_JP",
                "LanguageLocaleKey": "ja",
                "EmailEncodingKey": "UTF-8",
            }
        ],
    )
    backend.orgs.set_password(
        org_id=org.org_id, user_id=user_id, username=username, password="pass1234"
    )
    token, _, _ = backend.sessions.issue(org_id=org.org_id, user_id=user_id, app_name="MiiTel")
    return BareOrg(org.org_id, user_id, username, "pass1234", token)


@pytest.fixture(scope="session", autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """DATA_DIR of this test process (one per xdist worker): nothing a test runs writes the
    repository's data/ (the portal's default), which parallel workers would share."""
    path = tmp_path_factory.mktemp("data-dir")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATA_DIR", str(path))
        yield path


@pytest.fixture
def mock_server() -> Iterator[ThreadedMockServer]:
    """A fresh, empty mock org server (in memory) on free ports; its control plane requires
    its token (reach it through ``tests.portal_over_mock.control_session``)."""
    with guarded_server() as server:
        yield server


@pytest.fixture
def bare_org(mock_server: ThreadedMockServer) -> BareOrg:
    return make_bare_org(mock_server.backend)


@pytest.fixture
def trusted_session(mock_server: ThreadedMockServer) -> Iterator[requests.Session]:
    """A requests session that trusts the mock's CA despite REQUESTS_CA_BUNDLE."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(mock_server.ca_bundle)
    yield session
    # An open TLS keep-alive connection would hold the server's shutdown for its full timeout.
    session.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server per test process (per xdist worker)."""
    bin_dir = postgres_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (initdb, pg_ctl): apt-get install postgresql")
    server = PostgresServer(bin_dir=bin_dir)
    try:
        server.start()
        server.create_template()
        yield server
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """A fresh database with the portal's schema, dropped after the test."""
    url = postgres_server.new_database()
    yield url
    postgres_server.drop_database(url)
