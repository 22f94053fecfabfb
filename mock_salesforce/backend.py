"""The mock org's state and rules, shared by every route: storage, clock, orgs, sessions, and
the components each area adds (limits, permissions, connected apps, faults)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from starlette.requests import Request

from mock_salesforce.addresses import ServerUrls
from mock_salesforce.clock import Clock
from mock_salesforce.connected_apps import ConnectedApps
from mock_salesforce.faults import Faults
from mock_salesforce.limits import ApiLimits
from mock_salesforce.oauth.server import OAuthServer
from mock_salesforce.orgs import Org, Orgs
from mock_salesforce.permissions import Permissions
from mock_salesforce.records import Records
from mock_salesforce.schema import OrgSchema
from mock_salesforce.sessions import DEFAULT_SESSION_TIMEOUT, Principal, SessionStore
from mock_salesforce.soql import SoqlEngine
from mock_salesforce.store import Store

DB_FILE = "mock_org.duckdb"


@dataclass(frozen=True)
class MockOptions:
    seed: int = 42
    scenario: str = "default"
    session_timeout: timedelta = DEFAULT_SESSION_TIMEOUT
    #: Callback URLs of the MiiTel connected app (the portal's OAuth redirect URIs).
    redirect_uris: tuple[str, ...] = (
        "http://localhost:8501/",
        "http://127.0.0.1:8501/",
    )


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
        self.records = Records(self.store, self.clock)
        self.queries = SoqlEngine(self.store, self.clock)
        self.limits = ApiLimits(self.store, self.clock)
        self.permissions = Permissions(self.store, self.clock, self.orgs)
        self.records.access_check = self.permissions.require_object_access
        self.connected_apps = ConnectedApps(
            store=self.store,
            clock=self.clock,
            orgs=self.orgs,
            permissions=self.permissions,
            sessions=self.sessions,
            seed=self.options.seed,
            callback_urls=self.options.redirect_uris,
        )
        self.faults = Faults(
            store=self.store,
            orgs=self.orgs,
            sessions=self.sessions,
            limits=self.limits,
            seed=self.options.seed,
        )
        self.oauth = OAuthServer(
            store=self.store,
            clock=self.clock,
            orgs=self.orgs,
            sessions=self.sessions,
            connected_apps=self.connected_apps,
            urls=self.urls,
        )
        self.connected_apps.revoke_refresh_tokens = self.oauth.revoke_refresh_tokens

    def org(self, org_id: str) -> Org:
        return self.orgs.require(org_id)

    def org_schema(self, org_id: str) -> OrgSchema:
        """The org's whole schema, before any user's permissions."""
        return self.orgs.schema(org_id)

    def schema_for(self, principal: Principal) -> OrgSchema:
        """What this user can see: readable objects only, minus the fields they cannot read,
        with createable/updateable narrowed to their permissions."""
        return self.permissions.schema_for(principal, self.org_schema(principal.org_id))

    def authorize_api(self, principal: Principal) -> None:
        """Raise ``API_DISABLED_FOR_ORG`` (403) unless the caller's user holds ApiEnabled."""
        self.permissions.require_api(principal)

    def close(self) -> None:
        self.limits.flush()
        self.store.close()


def backend_of(request: Request) -> MockBackend:
    """The backend of the app serving ``request``."""
    backend: MockBackend = request.app.state.backend
    return backend
