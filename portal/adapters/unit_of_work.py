"""Units of work: every repository on one transaction, all-or-nothing.

``with uow:`` begins; ``uow.commit()`` makes the work so far permanent; leaving the block
without committing, or by an exception, rolls everything back. "Remove integration" (backup
first) and "Restore" each run in one unit of work, so a failure leaves settings, backups and
logs exactly as they were.

Outside a unit of work, :func:`duckdb_repositories` gives the same repositories with every
call in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Self

from portal.adapters.crypto import TokenCipher
from portal.adapters.db import SqlRunner, TransactionalRunner, TransactionRunner
from portal.adapters.duckdb_auth import (
    DuckDbAuthenticationHistoryRepository,
    DuckDbLoginFailureRepository,
    DuckDbPendingAuthorizationRepository,
    DuckDbTokenRepository,
    DuckDbTokenSlotRepository,
)
from portal.adapters.duckdb_logs import (
    DuckDbAuditRepository,
    DuckDbIntegrationErrorRepository,
    DuckDbSyncLogRepository,
)
from portal.adapters.duckdb_preferences import DuckDbPreferenceRepository
from portal.adapters.duckdb_procedure import DuckDbFindingRepository, DuckDbProgressRepository
from portal.adapters.duckdb_settings import DuckDbBackupRepository, DuckDbSettingsRepository
from portal.adapters.memory import (
    InMemoryAuditRepository,
    InMemoryAuthenticationHistoryRepository,
    InMemoryBackupRepository,
    InMemoryFindingRepository,
    InMemoryIntegrationErrorRepository,
    InMemoryLoginFailureRepository,
    InMemoryPendingAuthorizationRepository,
    InMemoryPreferenceRepository,
    InMemoryProgressRepository,
    InMemorySettingsRepository,
    InMemoryStore,
    InMemorySyncLogRepository,
    InMemoryTokenRepository,
    InMemoryTokenSlotRepository,
    StoreState,
)
from portal.domain.clock import Clock
from portal.domain.failures import StorageError
from portal.domain.ports import (
    AuditRepository,
    AuthenticationHistoryRepository,
    BackupRepository,
    FindingRepository,
    IntegrationErrorRepository,
    LoginFailureRepository,
    PendingAuthorizationRepository,
    PreferenceRepository,
    ProgressRepository,
    Repositories,
    SettingsRepository,
    SyncLogRepository,
    TokenRepository,
    TokenSlotRepository,
    UnitOfWork,
)


@dataclass(frozen=True)
class RepositorySet:
    """Every repository, over one connection or transaction."""

    settings: SettingsRepository
    backups: BackupRepository
    authentication_history: AuthenticationHistoryRepository
    pending_authorizations: PendingAuthorizationRepository
    tokens: TokenRepository
    integration_errors: IntegrationErrorRepository
    sync_log: SyncLogRepository
    audit: AuditRepository
    token_slots: TokenSlotRepository
    progress: ProgressRepository
    findings: FindingRepository
    login_failures: LoginFailureRepository
    preferences: PreferenceRepository


def duckdb_repositories(*, runner: SqlRunner, cipher: TokenCipher, clock: Clock) -> RepositorySet:
    """The DuckDB repositories over ``runner`` (the :class:`Database` for one transaction per
    call, or a :class:`Transaction`)."""
    return RepositorySet(
        settings=DuckDbSettingsRepository(runner, clock=clock),
        backups=DuckDbBackupRepository(runner, clock=clock),
        authentication_history=DuckDbAuthenticationHistoryRepository(runner),
        pending_authorizations=DuckDbPendingAuthorizationRepository(
            runner, cipher=cipher, clock=clock
        ),
        tokens=DuckDbTokenRepository(runner, cipher=cipher),
        integration_errors=DuckDbIntegrationErrorRepository(runner),
        sync_log=DuckDbSyncLogRepository(runner),
        audit=DuckDbAuditRepository(runner),
        token_slots=DuckDbTokenSlotRepository(runner, cipher=cipher),
        progress=DuckDbProgressRepository(runner),
        findings=DuckDbFindingRepository(runner),
        login_failures=DuckDbLoginFailureRepository(runner),
        preferences=DuckDbPreferenceRepository(runner),
    )


def memory_repositories(*, store: InMemoryStore, clock: Clock) -> RepositorySet:
    """The in-memory repositories over ``store``."""
    return RepositorySet(
        settings=InMemorySettingsRepository(store),
        backups=InMemoryBackupRepository(store, clock=clock),
        authentication_history=InMemoryAuthenticationHistoryRepository(store),
        pending_authorizations=InMemoryPendingAuthorizationRepository(store, clock=clock),
        tokens=InMemoryTokenRepository(store),
        integration_errors=InMemoryIntegrationErrorRepository(store),
        sync_log=InMemorySyncLogRepository(store),
        audit=InMemoryAuditRepository(store),
        token_slots=InMemoryTokenSlotRepository(store),
        progress=InMemoryProgressRepository(store),
        findings=InMemoryFindingRepository(store),
        login_failures=InMemoryLoginFailureRepository(store),
        preferences=InMemoryPreferenceRepository(store),
    )


class _UnitOfWorkBase:
    """The repository attributes, set while a unit of work is open."""

    settings: SettingsRepository
    backups: BackupRepository
    authentication_history: AuthenticationHistoryRepository
    pending_authorizations: PendingAuthorizationRepository
    tokens: TokenRepository
    integration_errors: IntegrationErrorRepository
    sync_log: SyncLogRepository
    audit: AuditRepository
    token_slots: TokenSlotRepository
    progress: ProgressRepository
    findings: FindingRepository
    login_failures: LoginFailureRepository
    preferences: PreferenceRepository

    def _bind(self, repositories: RepositorySet) -> None:
        self.settings = repositories.settings
        self.backups = repositories.backups
        self.authentication_history = repositories.authentication_history
        self.pending_authorizations = repositories.pending_authorizations
        self.tokens = repositories.tokens
        self.integration_errors = repositories.integration_errors
        self.sync_log = repositories.sync_log
        self.audit = repositories.audit
        self.token_slots = repositories.token_slots
        self.progress = repositories.progress
        self.findings = repositories.findings
        self.login_failures = repositories.login_failures
        self.preferences = repositories.preferences


class DuckDbUnitOfWork(_UnitOfWorkBase):
    """A unit of work on one transaction of ``database`` (DuckDB's cursor, or PostgreSQL's
    pooled connection in the subclass): BEGIN at enter, ROLLBACK of anything uncommitted at
    exit. Reusable: each ``with`` is a new transaction."""

    def __init__(self, database: TransactionalRunner, *, cipher: TokenCipher, clock: Clock) -> None:
        self._database = database
        self._cipher = cipher
        self._clock = clock
        self._transaction: TransactionRunner | None = None

    def _repositories(self, transaction: TransactionRunner) -> RepositorySet:
        return duckdb_repositories(runner=transaction, cipher=self._cipher, clock=self._clock)

    def __enter__(self) -> Self:
        if self._transaction is not None:
            raise StorageError("This unit of work is already open; units of work do not nest.")
        self._transaction = self._database.begin()
        self._bind(self._repositories(self._transaction))
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            transaction.close()

    def commit(self) -> None:
        self._open_transaction().commit()

    def rollback(self) -> None:
        self._open_transaction().rollback()

    def _open_transaction(self) -> TransactionRunner:
        if self._transaction is None:
            raise StorageError("Use the unit of work inside a 'with' block.")
        return self._transaction


class InMemoryUnitOfWork(_UnitOfWorkBase):
    """A unit of work over an :class:`InMemoryStore`: the state is copied at enter and put
    back at exit unless committed. Holds the store's lock while open, so concurrent units of
    work run one after another."""

    def __init__(self, store: InMemoryStore, *, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._saved: StoreState | None = None

    def __enter__(self) -> Self:
        if self._saved is not None:
            raise StorageError("This unit of work is already open; units of work do not nest.")
        self._store.lock.acquire()
        self._saved = self._store.snapshot()
        self._bind(memory_repositories(store=self._store, clock=self._clock))
        return self

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        saved, self._saved = self._saved, None
        try:
            if saved is not None:
                self._store.restore(saved)
        finally:
            self._store.lock.release()

    def commit(self) -> None:
        self._require_open()
        self._saved = self._store.snapshot()

    def rollback(self) -> None:
        saved = self._require_open()
        self._store.restore(saved)
        self._saved = self._store.snapshot()

    def _require_open(self) -> StoreState:
        if self._saved is None:
            raise StorageError("Use the unit of work inside a 'with' block.")
        return self._saved


def _conforms(
    duckdb_uow: DuckDbUnitOfWork, memory_uow: InMemoryUnitOfWork, repositories: RepositorySet
) -> tuple[UnitOfWork, UnitOfWork, Repositories]:
    # Type-checked only: both units of work and the repository set meet the ports' protocols.
    return duckdb_uow, memory_uow, repositories
