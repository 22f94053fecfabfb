"""The portal's storage as one object: every repository, a unit of work per use case, and the
demo's wipe, in a DuckDB file or in memory (same contract, :class:`~portal.domain.ports.
PortalStorage`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import Database, TransactionalRunner
from portal.adapters.duckdb_sync import DuckDbSyncStore
from portal.adapters.memory import InMemoryStore, InMemorySyncStore, StoreState
from portal.adapters.unit_of_work import (
    DuckDbUnitOfWork,
    InMemoryUnitOfWork,
    RepositorySet,
    duckdb_repositories,
    memory_repositories,
)
from portal.domain.clock import Clock
from portal.domain.ports import PortalStorage, Repositories, UnitOfWork

# The tables a wipe empties (no foreign keys, so order does not matter): a demo reset must
# return to exactly the starting state, so queued calls and meetings go too. The schema
# version stays.
PORTAL_TABLES: Final = (
    "current_settings",
    "backups",
    "authentication_history",
    "pending_authorizations",
    "oauth_tokens",
    "integration_errors",
    "sync_log",
    "audit_log",
    "procedure_progress",
    "check_findings",
    "login_failures",
    "sync_inbox",
    "sync_outbox",
)


class SqlPortalStorage:
    """A SQL database as the services use it: the DuckDB file, or PostgreSQL (subclasses give
    their repositories, units of work and sync store)."""

    def __init__(
        self,
        *,
        database: TransactionalRunner,
        cipher: TokenCipher,
        repositories: RepositorySet,
        unit_of_work: Callable[[], DuckDbUnitOfWork],
        sync: DuckDbSyncStore,
    ) -> None:
        self._runner = database
        self._cipher = cipher
        self._repositories = repositories
        self._new_unit_of_work = unit_of_work
        self._sync = sync

    @property
    def repositories(self) -> RepositorySet:
        return self._repositories

    def unit_of_work(self) -> DuckDbUnitOfWork:
        return self._new_unit_of_work()

    @property
    def sync(self) -> DuckDbSyncStore:
        return self._sync

    def check_key(self) -> None:
        """Raise :class:`~portal.adapters.crypto.TokenDecryptionError` when the stored tokens
        or PKCE verifiers were encrypted with another key than this storage's."""
        for sql in (
            "SELECT access_token_ciphertext FROM oauth_tokens LIMIT 1",
            "SELECT code_verifier_ciphertext FROM pending_authorizations LIMIT 1",
        ):
            for (ciphertext,) in self._runner.execute(sql):
                self._cipher.decrypt(ciphertext)

    def wipe(self) -> None:
        transaction = self._runner.begin()
        try:
            for table in PORTAL_TABLES:
                transaction.execute(f"DELETE FROM {table}")
            transaction.commit()
        finally:
            transaction.close()


class DuckDbPortalStorage(SqlPortalStorage):
    """The portal's DuckDB file as the services use it."""

    def __init__(self, *, database: Database, cipher: TokenCipher, clock: Clock) -> None:
        super().__init__(
            database=database,
            cipher=cipher,
            repositories=duckdb_repositories(runner=database, cipher=cipher, clock=clock),
            unit_of_work=lambda: DuckDbUnitOfWork(database, cipher=cipher, clock=clock),
            sync=DuckDbSyncStore(database),
        )
        self.database = database

    def close(self) -> None:
        self.database.close()


class InMemoryPortalStorage:
    """Everything in memory, for service tests: same contract as :class:`DuckDbPortalStorage`."""

    def __init__(self, *, clock: Clock) -> None:
        self.store = InMemoryStore()
        self._clock = clock
        self._repositories = memory_repositories(store=self.store, clock=clock)
        self._sync = InMemorySyncStore(self.store)

    @property
    def repositories(self) -> RepositorySet:
        return self._repositories

    def unit_of_work(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, clock=self._clock)

    @property
    def sync(self) -> InMemorySyncStore:
        return self._sync

    def wipe(self) -> None:
        # Like the DuckDB wipe: the users' own preferences are not demo state.
        with self.store.lock:
            languages = dict(self.store.state.languages)
        self.store.restore(StoreState(languages=languages))

    def close(self) -> None:
        """Nothing to release."""


def _conforms(
    duckdb_storage: DuckDbPortalStorage, memory_storage: InMemoryPortalStorage
) -> tuple[PortalStorage, PortalStorage, Repositories, UnitOfWork]:
    # Type-checked only: both storages meet the ports' protocol.
    return (
        duckdb_storage,
        memory_storage,
        memory_storage.repositories,
        memory_storage.unit_of_work(),
    )
