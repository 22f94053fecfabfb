"""The composition root: the one module that builds adapters and hands them to the services.

One :class:`Portal` per process holds a service per use case; pages get it through
``@st.cache_resource`` (:mod:`portal.ui.container`); it is thread-safe (DuckDB gets a cursor
per thread, the HTTP session is shared). The pages reach the adapters only through here: the
configuration (:func:`read_config`), the language catalogs (:func:`translations`) and the
browser sessions (:func:`web_sessions`).
"""

from __future__ import annotations

import gettext
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import requests

from portal.adapters import catalogs
from portal.adapters.clock import SystemClock
from portal.adapters.config import READY_FILE, changed_key_problem, load_config
from portal.adapters.crypto import TokenCipher, TokenDecryptionError
from portal.adapters.db import Database
from portal.adapters.mock_org import MockOrg
from portal.adapters.postgres import PostgresDatabase, redacted
from portal.adapters.postgres_storage import PostgresPortalStorage
from portal.adapters.salesforce.access import LiveSalesforce
from portal.adapters.salesforce.http import Timeouts, Trust, build_session
from portal.adapters.salesforce.oauth import OAuthClient
from portal.adapters.salesforce.retries import RetryPolicy
from portal.adapters.salesforce.sync_reads import sync_gateway
from portal.adapters.salesforce.versions import NEWEST_SUPPORTED, VersionPolicy
from portal.adapters.storage import DuckDbPortalStorage
from portal.adapters.sync_jobs import QueuedSyncWakeup, defer_drain
from portal.adapters.web_sessions import process_store
from portal.domain.clock import Clock
from portal.domain.config import ConfigError, PortalConfig, PortalMode, PortalUser
from portal.domain.ports import PortalStorage
from portal.domain.sync.ports import SyncWakeup
from portal.services.access import AccessService
from portal.services.backups import BackupsService
from portal.services.checks import ChecksService
from portal.services.connections import Connections
from portal.services.context import ServiceContext, SetupLinks
from portal.services.demo import DemoService
from portal.services.error_tables import ErrorTablesService
from portal.services.integration import IntegrationService, WrongOrgPolicy
from portal.services.logs import AuditService, HistoryService
from portal.services.preferences import PreferencesService
from portal.services.procedure import ProcedureService
from portal.services.removal import RemovalService
from portal.services.restore import RestoreService
from portal.services.salesforce import SalesforceAccess
from portal.services.settings import SettingsService
from portal.services.sync.service import SyncService
from portal.services.validation import ValidationService
from portal.services.web_sessions import WebSessions

#: The one company a portal serves until companies are stored (the sync workers' job key).
DEFAULT_COMPANY_ID = 1

#: Defers a company's drain job on a procrastinate app (the sync workers re-defer with it).
defer_sync_drain = defer_drain


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class Portal:
    """Every use case of the portal, one service each."""

    access: AccessService
    integration: IntegrationService
    removal: RemovalService
    checks: ChecksService
    restore: RestoreService
    validation: ValidationService
    settings: SettingsService
    error_tables: ErrorTablesService
    backups: BackupsService
    history: HistoryService
    audit: AuditService
    procedure: ProcedureService
    #: Each portal user's language.
    preferences: PreferencesService
    #: Calls and meetings to Salesforce (simulate, import, send the queue).
    sync: SyncService
    #: Only in mock mode.
    demo: DemoService | None
    storage: PortalStorage
    #: HTTP sessions to close with the portal.
    sessions: tuple[Closable, ...] = ()

    def close(self) -> None:
        """Close the database and the HTTP sessions (the portal cannot be used afterwards)."""
        for session in self.sessions:
            session.close()
        self.storage.close()


def build_storage(*, config: PortalConfig, clock: Clock) -> PortalStorage:
    """The storage ``config`` names: PostgreSQL for a ``database_url``, else the DuckDB file
    (each migrated at open), after checking the key decrypts the tokens it holds."""
    cipher = TokenCipher(config.encryption_key)
    storage: DuckDbPortalStorage | PostgresPortalStorage
    if config.database_url is not None:
        url = config.database_url.get_secret_value()
        storage = PostgresPortalStorage(
            database=PostgresDatabase(url=url), cipher=cipher, clock=clock
        )
        where: Path | str = redacted(url)
    else:
        storage = DuckDbPortalStorage(
            database=Database(path=config.db_path), cipher=cipher, clock=clock
        )
        where = config.db_path
    try:
        storage.check_key()
    except TokenDecryptionError:
        storage.close()
        raise ConfigError((changed_key_problem(where),)) from None
    return storage


def build_portal(
    *,
    config: PortalConfig,
    clock: Clock | None = None,
    wrong_org_policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
) -> Portal:
    """The portal for ``config``: its storage (migrated at open), the Salesforce session
    trusting the right CAs, the OAuth client, and every service."""
    clock = clock or SystemClock()
    storage = build_storage(config=config, clock=clock)
    mock = config.mode is PortalMode.MOCK
    salesforce, session = connect_salesforce(config=config, retry=retry, timeouts=timeouts)
    demo_session = build_session(trust=_trust(config), timeout=timeouts or Timeouts(), retry=retry)
    portal = assemble_portal(
        storage=storage,
        salesforce=salesforce,
        clock=clock,
        sync_wakeup=_sync_wakeup(storage, company_id=DEFAULT_COMPANY_ID),
        users=config.users,
        links=SetupLinks(mock_http_url=config.mock_http_url if mock else None),
        wrong_org_policy=wrong_org_policy,
        demo_config=config if mock else None,
        mock_org=MockOrg(session=demo_session, ready_path=config.data_dir / READY_FILE)
        if mock
        else None,
    )
    return replace(portal, sessions=(session, demo_session))


def _sync_wakeup(storage: PortalStorage, *, company_id: int) -> SyncWakeup | None:
    """On PostgreSQL the sync workers send what the portal queues; on DuckDB nobody else can
    (one writing process), and the sync runs in the portal's process."""
    if isinstance(storage, PostgresPortalStorage):
        return QueuedSyncWakeup(database=storage.database, company_id=company_id)
    return None


def connect_salesforce(
    *, config: PortalConfig, retry: RetryPolicy | None = None, timeouts: Timeouts | None = None
) -> tuple[LiveSalesforce, requests.Session]:
    """Salesforce as ``config`` reaches it (the org, or the mock org trusting its CA): the
    access the services use, and its HTTP session to close with the portal."""
    mock = config.mode is PortalMode.MOCK
    session = build_session(trust=_trust(config), timeout=timeouts or Timeouts(), retry=retry)
    oauth = OAuthClient(
        login_url=config.salesforce_login_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        redirect_uri=config.redirect_uri,
        session=session,
        # People's browsers reach the mock org over its plain-HTTP port (no local CA to trust).
        authorize_base_url=config.mock_http_url if mock else None,
    )
    salesforce = LiveSalesforce(
        oauth=oauth,
        session=session,
        versions=VersionPolicy(
            pinned=config.api_version,
            ceiling=config.api_version_ceiling or NEWEST_SUPPORTED,
        ),
    )
    return salesforce, session


def _trust(config: PortalConfig) -> Trust:
    if config.mode is PortalMode.MOCK:
        assert config.ca_bundle is not None, "load_config requires the CA bundle in mock mode"
        return Trust.mock_ca(config.ca_bundle)
    return Trust.system()


def assemble_portal(
    *,
    storage: PortalStorage,
    salesforce: SalesforceAccess,
    clock: Clock,
    users: tuple[PortalUser, ...],
    links: SetupLinks | None = None,
    wrong_org_policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
    demo_config: PortalConfig | None = None,
    mock_org: MockOrg | None = None,
    sync_wakeup: SyncWakeup | None = None,
) -> Portal:
    """Wire the services over given storage and Salesforce access (tests pass fakes here)."""
    context = ServiceContext(
        storage=storage, clock=clock, salesforce=salesforce, links=links or SetupLinks()
    )
    connections = Connections(context)
    integration = IntegrationService(
        context, connections=connections, wrong_org_policy=wrong_org_policy
    )
    removal = RemovalService(context, connections=connections)
    checks = ChecksService(context, connections=connections)
    restore = RestoreService(context)
    validation = ValidationService(context, connections=connections)
    settings = SettingsService(context, connections=connections)
    error_tables = ErrorTablesService(context)
    demo = None
    if demo_config is not None and mock_org is not None:
        demo = DemoService(
            context,
            config=demo_config,
            integration=integration,
            mock_org=mock_org,
            redirect_uri=demo_config.redirect_uri,
        )
    return Portal(
        access=AccessService(context, users=users),
        integration=integration,
        removal=removal,
        checks=checks,
        restore=restore,
        validation=validation,
        settings=settings,
        error_tables=error_tables,
        backups=BackupsService(context),
        history=HistoryService(context),
        audit=AuditService(context),
        procedure=ProcedureService(
            context,
            integration=integration,
            removal=removal,
            checks=checks,
            restore=restore,
            validation=validation,
            settings=settings,
            error_tables=error_tables,
        ),
        preferences=PreferencesService(context),
        demo=demo,
        storage=storage,
        sync=SyncService(
            context,
            gateway=lambda: sync_gateway(connections.integration()),
            wakeup=sync_wakeup,
        ),
    )


def read_config(
    *, secrets: Mapping[str, Any], environ: Mapping[str, str], data_dir: Path
) -> PortalConfig:
    """The validated configuration from ``secrets`` (``.streamlit/secrets.toml``), overridden by
    ``environ``, and in mock mode completed from the mock org's READY file under ``data_dir``;
    :class:`~portal.domain.config.ConfigError` lists every value to fix."""
    return load_config(secrets=secrets, environ=environ, data_dir=data_dir)


def translations(language: str) -> gettext.NullTranslations:
    """The gettext catalog of ``language`` from the portal's locale files (none for a language
    without catalogs)."""
    return catalogs.load(language)


def web_sessions(*, key: bytes) -> WebSessions:
    """The browser sessions over this process's one store (the pages and the cookie routes
    share it) and the system clock, signed with ``key``."""
    return WebSessions(store=process_store(), clock=SystemClock(), key=key)
