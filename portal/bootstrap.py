"""The composition root: the one module that builds adapters and hands them to the services.

One :class:`Hosting` per process serves every company: the login (one directory of users),
the users' and companies' management, and a :class:`Portal` per company (a service per use
case over that company's storage only), built on first use. Pages get the hosting through
``@st.cache_resource`` (:mod:`portal.ui.container`) and the portal of the signed-in user's
company; it is thread-safe (DuckDB gets a cursor per thread, the HTTP session is shared).
The pages reach the adapters only through here: the
configuration (:func:`read_config`), the language catalogs (:func:`translations`) and the
browser sessions (:attr:`Hosting.web_sessions`, in the portal's database, signed with a key
derived from the configured encryption key: a login survives a restart and every replica on
one PostgreSQL resumes it).
"""

from __future__ import annotations

import gettext
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Final, Protocol

import requests

from portal.adapters import catalogs
from portal.adapters.clock import SystemClock
from portal.adapters.config import READY_FILE, changed_key_problem, load_config
from portal.adapters.crypto import TokenCipher, TokenDecryptionError, derived_key
from portal.adapters.db import Database
from portal.adapters.directory import InMemoryDirectory
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
from portal.adapters.sync_jobs import QueuedSyncWakeup, defer_drain, defer_drain_async
from portal.adapters.tenants import DuckDbTenants, PostgresTenants
from portal.adapters.web_sessions import InMemoryWebSessionStore
from portal.domain.clock import Clock
from portal.domain.config import ConfigError, PortalConfig, PortalMode, PortalUser
from portal.domain.ports import PortalStorage, Tenants
from portal.domain.sync.ports import SyncWakeup
from portal.domain.tenancy import HOME_COMPANY, Company, CompanyId
from portal.services.access import AccessService
from portal.services.backups import BackupsService
from portal.services.checks import ChecksService
from portal.services.connections import Connections
from portal.services.context import ServiceContext, SetupLinks
from portal.services.demo import DemoService
from portal.services.directory import DirectoryService
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

#: Defer a company's drain job on a procrastinate app (the sync workers re-defer with them):
#: from a job's thread, and from the worker's event loop.
defer_sync_drain = defer_drain
defer_sync_drain_async = defer_drain_async

#: What the login cookies' signing key is derived for (from PORTAL_ENCRYPTION_KEY).
COOKIE_KEY_PURPOSE: Final = "miitel-portal login cookie v1"


class Closable(Protocol):
    def close(self) -> None: ...


@dataclass(frozen=True)
class Portal:
    """Every use case of the portal for one company, one service each."""

    #: Logging in and out (one for every company: the hosting's).
    access: AccessService
    #: The browsers' login sessions (one for every company: the hosting's).
    web_sessions: WebSessions
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
    company_id: CompanyId = HOME_COMPANY
    #: What closing this portal releases (the hosting's portals leave that to the hosting).
    closer: Callable[[], None] | None = None

    def close(self) -> None:
        """Release what this portal owns (it cannot be used afterwards)."""
        if self.closer is not None:
            self.closer()


class Hosting:
    """Every company's portal, the login for all of them, the browsers' login sessions, and the
    directory's management."""

    def __init__(
        self,
        *,
        tenants: Tenants,
        clock: Clock,
        context: Callable[[PortalStorage, CompanyId], ServiceContext],
        build: Callable[[ServiceContext, AccessService, WebSessions], Portal],
        cookie_key: bytes,
        sessions: tuple[Closable, ...] = (),
    ) -> None:
        """``cookie_key`` signs the login cookies: the same on every replica and after a
        restart, or their logins are not resumed."""
        self.tenants = tenants
        self._new_context = context
        self._build = build
        self._sessions = sessions
        self._lock = threading.RLock()
        self._contexts: dict[CompanyId, ServiceContext] = {}
        self._portals: dict[CompanyId, Portal] = {}
        self.access = AccessService(directory=tenants.directory, context_for=self._context)
        #: The browsers' login sessions, kept beside the directory.
        self.web_sessions = WebSessions(store=tenants.web_sessions, clock=clock, key=cookie_key)
        self.directory = DirectoryService(
            directory=tenants.directory, clock=clock, context_for=self._context
        )

    def companies(self) -> tuple[Company, ...]:
        return tuple(self.tenants.directory.companies())

    def portal_for(self, company_id: CompanyId) -> Portal:
        """The services of one company (built once);
        :class:`~portal.domain.tenancy.UnknownCompanyError` for an unknown company."""
        with self._lock:
            built = self._portals.get(company_id)
            if built is None:
                built = self._portals[company_id] = self._build(
                    self._context(company_id), self.access, self.web_sessions
                )
            return built

    def _context(self, company_id: CompanyId) -> ServiceContext:
        with self._lock:
            context = self._contexts.get(company_id)
            if context is None:
                storage = self.tenants.for_company(company_id)
                context = self._contexts[company_id] = self._new_context(storage, company_id)
            return context

    def close(self) -> None:
        """Close every company's storage and the HTTP sessions."""
        for session in self._sessions:
            session.close()
        self.tenants.close()


def build_tenants(*, config: PortalConfig, clock: Clock) -> Tenants:
    """Every company's storage as ``config`` names it: PostgreSQL for a ``database_url``, else
    the DuckDB files (each migrated at open), after checking the key decrypts the tokens the
    home company holds."""
    cipher = TokenCipher(config.encryption_key)
    tenants: DuckDbTenants | PostgresTenants
    if config.database_url is not None:
        url = config.database_url.get_secret_value()
        database = PostgresDatabase(url=url, max_connections=config.database_pool_size)
        tenants = PostgresTenants(database=database, cipher=cipher, clock=clock)
        where: Path | str = redacted(url)
    else:
        home = DuckDbPortalStorage(
            database=Database(path=config.db_path), cipher=cipher, clock=clock
        )
        tenants = DuckDbTenants(home=home, cipher=cipher, clock=clock)
        where = config.db_path
    try:
        tenants.for_company(HOME_COMPANY)
    except TokenDecryptionError:
        tenants.close()
        raise ConfigError((changed_key_problem(where),)) from None
    return tenants


def build_hosting(
    *,
    config: PortalConfig,
    clock: Clock | None = None,
    wrong_org_policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
    apply_configured_users: bool = True,
) -> Hosting:
    """The portal of every company for ``config``: the storage (migrated at open) with the
    configured users made true (unless ``apply_configured_users`` is False: the command line
    leaves that to the portal, whose configuration is the one that counts), one Salesforce
    HTTP session trusting the right CAs and one OAuth client for all, and each company's
    services with its own Salesforce integration (tokens in its storage, its own API
    version)."""
    clock = clock or SystemClock()
    tenants = build_tenants(config=config, clock=clock)
    mock = config.mode is PortalMode.MOCK
    session = build_session(trust=_trust(config), timeout=timeouts or Timeouts(), retry=retry)
    demo_session = build_session(trust=_trust(config), timeout=timeouts or Timeouts(), retry=retry)
    oauth = _oauth_client(config, session)
    links = SetupLinks(mock_http_url=config.mock_http_url if mock else None)
    mock_org = (
        MockOrg(session=demo_session, ready_path=config.data_dir / READY_FILE) if mock else None
    )

    def context(storage: PortalStorage, company_id: CompanyId) -> ServiceContext:
        salesforce = LiveSalesforce(oauth=oauth, session=session, versions=_versions(config))
        return ServiceContext(
            storage=storage, clock=clock, salesforce=salesforce, links=links, company_id=company_id
        )

    def build(context: ServiceContext, access: AccessService, web: WebSessions) -> Portal:
        return _services(
            context,
            access=access,
            web_sessions=web,
            wrong_org_policy=wrong_org_policy,
            demo_config=config if mock else None,
            mock_org=mock_org,
            sync_wakeup=_sync_wakeup(context.storage, company_id=context.company_id),
        )

    hosting = Hosting(
        tenants=tenants,
        clock=clock,
        context=context,
        build=build,
        cookie_key=derived_key(config.encryption_key, purpose=COOKIE_KEY_PURPOSE),
        sessions=(session, demo_session),
    )
    try:
        if apply_configured_users:
            hosting.directory.apply_configured(config.users)
    except BaseException:
        hosting.close()
        raise
    return hosting


def build_portal(
    *,
    config: PortalConfig,
    clock: Clock | None = None,
    wrong_org_policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
    retry: RetryPolicy | None = None,
    timeouts: Timeouts | None = None,
) -> Portal:
    """The home company's portal for ``config`` (a portal run for one company); closing it
    closes everything :func:`build_hosting` opened."""
    hosting = build_hosting(
        config=config,
        clock=clock,
        wrong_org_policy=wrong_org_policy,
        retry=retry,
        timeouts=timeouts,
    )
    return replace(hosting.portal_for(HOME_COMPANY), closer=hosting.close)


def _sync_wakeup(storage: PortalStorage, *, company_id: CompanyId) -> SyncWakeup | None:
    """On PostgreSQL the sync workers send what the portal queues; on DuckDB nobody else can
    (one writing process), and the sync runs in the portal's process."""
    if isinstance(storage, PostgresPortalStorage):
        return QueuedSyncWakeup(database=storage.database, company_id=int(company_id))
    return None


def connect_salesforce(
    *, config: PortalConfig, retry: RetryPolicy | None = None, timeouts: Timeouts | None = None
) -> tuple[LiveSalesforce, requests.Session]:
    """Salesforce as ``config`` reaches it (the org, or the mock org trusting its CA): the
    access the services use, and its HTTP session to close with the portal."""
    session = build_session(trust=_trust(config), timeout=timeouts or Timeouts(), retry=retry)
    salesforce = LiveSalesforce(
        oauth=_oauth_client(config, session), session=session, versions=_versions(config)
    )
    return salesforce, session


def _oauth_client(config: PortalConfig, session: requests.Session) -> OAuthClient:
    return OAuthClient(
        login_url=config.salesforce_login_url,
        client_id=config.client_id,
        client_secret=config.client_secret,
        redirect_uri=config.redirect_uri,
        session=session,
        # People's browsers reach the mock org over its plain-HTTP port (no local CA to trust).
        authorize_base_url=config.mock_http_url if config.mode is PortalMode.MOCK else None,
    )


def _versions(config: PortalConfig) -> VersionPolicy:
    return VersionPolicy(
        pinned=config.api_version, ceiling=config.api_version_ceiling or NEWEST_SUPPORTED
    )


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
) -> Portal:
    """One company's services over given storage and Salesforce access, with ``users`` as its
    only users (tests pass fakes here); closing it closes ``storage``."""
    context = ServiceContext(
        storage=storage, clock=clock, salesforce=salesforce, links=links or SetupLinks()
    )
    directory = InMemoryDirectory()
    DirectoryService(
        directory=directory, clock=clock, context_for=lambda _: context
    ).apply_configured(users)
    web_sessions = WebSessions(
        store=InMemoryWebSessionStore(), clock=clock, key=secrets.token_bytes(32)
    )
    portal = _services(
        context,
        access=AccessService(directory=directory, context_for=lambda _: context),
        web_sessions=web_sessions,
        wrong_org_policy=wrong_org_policy,
        demo_config=demo_config,
        mock_org=mock_org,
    )
    return replace(portal, closer=storage.close)


def _services(
    context: ServiceContext,
    *,
    access: AccessService,
    web_sessions: WebSessions,
    wrong_org_policy: WrongOrgPolicy,
    demo_config: PortalConfig | None,
    mock_org: MockOrg | None,
    sync_wakeup: SyncWakeup | None = None,
) -> Portal:
    """Wire every service over one company's context."""
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
        access=access,
        web_sessions=web_sessions,
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
        storage=context.storage,
        sync=SyncService(
            context,
            gateway=lambda: sync_gateway(connections.integration()),
            wakeup=sync_wakeup,
        ),
        company_id=context.company_id,
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
