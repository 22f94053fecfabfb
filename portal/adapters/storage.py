"""The portal's storage as one object: every repository, a unit of work per use case, and the
demo's wipe, in a DuckDB file or in memory (same contract, :class:`~portal.domain.ports.
PortalStorage`)."""

from __future__ import annotations

from typing import Final

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import Database
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


class DuckDbPortalStorage:
    """The portal's DuckDB file as the services use it."""

    def __init__(self, *, database: Database, cipher: TokenCipher, clock: Clock) -> None:
        self.database = database
        self._cipher = cipher
        self._clock = clock
        self._repositories = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
        self._sync = DuckDbSyncStore(database)

    @property
    def repositories(self) -> RepositorySet:
        return self._repositories

    def unit_of_work(self) -> DuckDbUnitOfWork:
        return DuckDbUnitOfWork(self.database, cipher=self._cipher, clock=self._clock)

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
            for (ciphertext,) in self.database.execute(sql):
                self._cipher.decrypt(ciphertext)

    def wipe(self) -> None:
        transaction = self.database.begin()
        try:
            for table in PORTAL_TABLES:
                transaction.execute(f"DELETE FROM {table}")
            transaction.commit()
        finally:
            transaction.close()

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
