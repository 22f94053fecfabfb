"""The mock org's state and rules, shared by every route: storage, clock, orgs, sessions, and
the components each area adds (limits, permissions, connected apps, faults)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from mock_salesforce.clock import Clock
from mock_salesforce.orgs import Org, Orgs
from mock_salesforce.schema import OrgSchema
from mock_salesforce.sessions import DEFAULT_SESSION_TIMEOUT, Principal, SessionStore
from mock_salesforce.store import Store

DB_FILE = "mock_org.duckdb"


@dataclass
class ServerUrls:
    """Where the mock answers; filled in once the server has bound its ports."""

    https_base: str = "https://127.0.0.1:8443"
    http_base: str = "http://127.0.0.1:8080"


@dataclass(frozen=True)
class MockOptions:
    seed: int = 42
    scenario: str = "default"
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT


class MockBackend:
    """Everything the routes need. One per server; tests may build one without a server."""

    def __init__(self, *, data_dir: Path | None, options: MockOptions | None = None) -> None:
        self.options = options or MockOptions()
        self.data_dir = data_dir
        self.store = Store(data_dir / DB_FILE if data_dir else None)
        self.clock = Clock()
        self.urls = ServerUrls()
        self.orgs = Orgs(self.store, self.clock)
        self.sessions = SessionStore(self.store, self.clock, timeout=self.options.session_timeout)

    def org(self, org_id: str) -> Org:
        org = self.orgs.get(org_id)
        if org is None:
            raise LookupError(f"unknown org {org_id}")
        return org

    def org_schema(self, org_id: str) -> OrgSchema:
        """The org's whole schema, before any user's permissions."""
        return self.org(org_id).schema

    def schema_for(self, principal: Principal) -> OrgSchema:
        """What this user can see: the org's schema (permissions narrow it once wired in)."""
        return self.org_schema(principal.org_id)

    def close(self) -> None:
        self.store.close()
