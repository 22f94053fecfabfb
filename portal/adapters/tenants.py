"""Every company's storage: the hosting's :class:`~portal.domain.ports.Tenants`.

- DuckDB (embedded, the default): the portal's file (``DATA_DIR/portal.duckdb``) holds the
  directory and is the home company's storage; every other company has its own file,
  ``DATA_DIR/companies/<id>.duckdb``, opened when first asked for. A company's storage cannot
  name another company's rows: they are in another file.
- PostgreSQL (hosted): one database; each company's storage is a view of the pool whose
  connections are scoped to the company by row-level security (:mod:`portal.adapters.postgres`).
- In memory (service tests): one store per company.

The browser login sessions are kept beside the directory (the portal's DuckDB file, PostgreSQL's
plain connection), not in any company's storage: a login comes before its company is known.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import Database
from portal.adapters.directory import InMemoryDirectory, SqlDirectory
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.postgres_storage import PostgresPortalStorage
from portal.adapters.storage import DuckDbPortalStorage, InMemoryPortalStorage
from portal.adapters.web_sessions import InMemoryWebSessionStore, SqlWebSessionStore
from portal.domain.clock import Clock
from portal.domain.ports import Directory, PortalStorage, Tenants
from portal.domain.tenancy import HOME_COMPANY, CompanyId, UnknownCompanyError

#: Where the DuckDB files of companies other than the home company are, under DATA_DIR.
COMPANIES_DIR = "companies"


class _OpenedStorages:
    """Each company's storage, opened once on first use (thread-safe) and closed together."""

    def __init__(self, directory: Directory, open_storage: Callable[[CompanyId], PortalStorage]):
        self._directory = directory
        self._open = open_storage
        self._lock = threading.Lock()
        self._opened: dict[CompanyId, PortalStorage] = {}

    def get(self, company_id: CompanyId) -> PortalStorage:
        with self._lock:
            opened = self._opened.get(company_id)
            if opened is None:
                if self._directory.company(company_id) is None:
                    raise UnknownCompanyError(f"no company has the id {company_id}")
                opened = self._opened[company_id] = self._open(company_id)
            return opened

    def close(self) -> None:
        with self._lock:
            opened, self._opened = list(self._opened.values()), {}
        for storage in opened:
            storage.close()


class _SqlTenants:
    """The directory and the login sessions over ``runner``, and each company's storage opened
    by ``open_storage``."""

    def __init__(
        self,
        runner: Database | PostgresDatabase,
        open_storage: Callable[[CompanyId], PortalStorage],
    ) -> None:
        self._directory = SqlDirectory(runner)
        self._web_sessions = SqlWebSessionStore(runner)
        self._storages = _OpenedStorages(self._directory, open_storage)

    @property
    def directory(self) -> SqlDirectory:
        return self._directory

    @property
    def web_sessions(self) -> SqlWebSessionStore:
        return self._web_sessions

    def for_company(self, company_id: CompanyId) -> PortalStorage:
        return self._storages.get(company_id)

    def close(self) -> None:
        self._storages.close()


class DuckDbTenants(_SqlTenants):
    """The home company in the portal's DuckDB file, every other company in a file of its own."""

    def __init__(self, *, home: DuckDbPortalStorage, cipher: TokenCipher, clock: Clock) -> None:
        self.home = home
        root = home.database.path.parent / COMPANIES_DIR

        def open_storage(company_id: CompanyId) -> PortalStorage:
            if company_id == HOME_COMPANY:
                home.check_key()
                return home
            root.mkdir(parents=True, exist_ok=True)
            storage = DuckDbPortalStorage(
                database=Database(path=root / f"{int(company_id)}.duckdb"),
                cipher=cipher,
                clock=clock,
            )
            storage.check_key()
            return storage

        super().__init__(home.database, open_storage)

    def close(self) -> None:
        super().close()
        self.home.close()


class PostgresTenants(_SqlTenants):
    """Every company in one PostgreSQL database, each storage scoped by row-level security."""

    def __init__(self, *, database: PostgresDatabase, cipher: TokenCipher, clock: Clock) -> None:
        self.database = database

        def open_storage(company_id: CompanyId) -> PortalStorage:
            storage = PostgresPortalStorage(
                database=database.for_company(int(company_id)),
                cipher=cipher,
                clock=clock,
                company_id=company_id,
            )
            storage.check_key()
            return storage

        super().__init__(database, open_storage)

    def close(self) -> None:
        super().close()
        self.database.close()


class InMemoryTenants:
    """Each company's storage in memory, for service tests."""

    def __init__(self, *, clock: Clock) -> None:
        self._directory = InMemoryDirectory()
        self._web_sessions = InMemoryWebSessionStore()
        self._storages = _OpenedStorages(
            self._directory, lambda _company: InMemoryPortalStorage(clock=clock)
        )

    @property
    def directory(self) -> InMemoryDirectory:
        return self._directory

    @property
    def web_sessions(self) -> InMemoryWebSessionStore:
        return self._web_sessions

    def for_company(self, company_id: CompanyId) -> PortalStorage:
        return self._storages.get(company_id)

    def close(self) -> None:
        self._storages.close()


def _conforms(
    duckdb: DuckDbTenants, postgres: PostgresTenants, memory: InMemoryTenants
) -> tuple[Tenants, ...]:
    # Type-checked only: each meets the port.
    return duckdb, postgres, memory
