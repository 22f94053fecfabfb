"""Storage as the services use it: every adapter repository plus the few tables the services own,
on one transaction per unit of work, in DuckDB or in memory.

The services own: extra token slots (the check sign-in, a sign-in to another org awaiting
confirmation, tokens parked until Salesforce has revoked them), procedure progress, what the
last check sign-in found, and failed portal logins. Their tables come from migration 2 in
:mod:`portal.adapters.db`; tokens live in the adapters' ``oauth_tokens`` table under slots other
than the integrated connection's, encrypted the same way.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Final, Protocol, Self

from portal.adapters.clock import Clock
from portal.adapters.crypto import TokenCipher
from portal.adapters.db import (
    Database,
    Row,
    SqlRunner,
    StorageError,
    Transaction,
    decode_enum,
    from_db_time,
    to_db_time,
)
from portal.adapters.memory import InMemoryStore, StoreState
from portal.adapters.ports import (
    AuditRepository,
    AuthenticationHistoryRepository,
    BackupRepository,
    IntegrationErrorRepository,
    PendingAuthorizationRepository,
    Repositories,
    SettingsRepository,
    SyncLogRepository,
    TokenRepository,
)
from portal.adapters.unit_of_work import (
    RepositorySet,
    duckdb_repositories,
    memory_repositories,
)
from portal.domain.oauth import TokenSet
from portal.domain.steps import StepStatus
from portal.domain.timestamps import require_aware

#: The check sign-in's tokens (steps 3, 4 and 6 after the integration was removed).
CHECK_SLOT: Final = "check"
#: Tokens of a sign-in to another org than step 1's, kept until the admin confirms or cancels.
OTHER_ORG_SLOT: Final = "other_org"
#: Prefix of slots holding tokens that still have to be revoked at Salesforce.
REVOKE_PREFIX: Final = "revoke:"
_CURRENT_SLOT: Final = "current"  # the adapters' own slot; never touched here


# --- values ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressEntry:
    """The last recorded outcome of one procedure step."""

    step: int
    status: StepStatus
    message: str
    updated_at: datetime
    updated_by: str
    branch: str | None = None
    next_step: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "updated_at", require_aware(self.updated_at, name="updated_at"))


@dataclass(frozen=True)
class Finding:
    """Something a check learnt that later checks read (e.g. the app refused the sign-in)."""

    name: str
    value: str
    recorded_at: datetime


# --- repository contracts -------------------------------------------------------------------


class TokenSlotRepository(Protocol):
    def save(self, slot: str, tokens: TokenSet) -> None:
        """Store ``tokens`` (encrypted) under ``slot``, replacing what was there."""
        ...

    def load(self, slot: str) -> TokenSet | None: ...

    def clear(self, slot: str) -> bool:
        """Forget the slot's tokens; returns whether there were any."""
        ...

    def slots(self, *, prefix: str) -> list[str]:
        """The occupied slots whose name starts with ``prefix``, oldest first."""
        ...


class ProgressRepository(Protocol):
    def record(self, entry: ProgressEntry) -> None: ...

    def all(self) -> dict[int, ProgressEntry]: ...

    def clear(self, *, after: int = 0) -> None:
        """Forget the outcomes of the steps after step ``after`` (all of them by default)."""
        ...


class FindingRepository(Protocol):
    def put(self, finding: Finding) -> None: ...

    def get(self, name: str) -> Finding | None: ...

    def delete(self, name: str) -> bool: ...


class LoginFailureRepository(Protocol):
    def add(self, *, username: str, client_key: str, at: datetime) -> None: ...

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        """When failures at or after ``since`` happened (for the username or the client)."""
        ...

    def forget(self, *, username: str) -> None: ...


class PortalRepositories(Repositories, Protocol):
    """The adapters' repositories plus the services' own."""

    @property
    def token_slots(self) -> TokenSlotRepository: ...

    @property
    def progress(self) -> ProgressRepository: ...

    @property
    def findings(self) -> FindingRepository: ...

    @property
    def login_failures(self) -> LoginFailureRepository: ...


class PortalUnitOfWork(PortalRepositories, Protocol):
    """``with uow:`` opens one transaction over every repository; :meth:`commit` keeps the
    work, leaving without committing (or by an exception) undoes all of it."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...


class PortalStorage(Protocol):
    """Where the services keep everything."""

    @property
    def repositories(self) -> PortalRepositories:
        """Repositories whose every call is its own transaction (for reads and single writes)."""
        ...

    def unit_of_work(self) -> PortalUnitOfWork:
        """A new unit of work (use it in a ``with`` block)."""
        ...

    def wipe(self) -> None:
        """Delete every row the portal holds (the demo's reset); the schema stays."""
        ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class _Bound:
    """A repository set with the services' own repositories."""

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


def _bound(
    core: RepositorySet,
    *,
    token_slots: TokenSlotRepository,
    progress: ProgressRepository,
    findings: FindingRepository,
    login_failures: LoginFailureRepository,
) -> _Bound:
    return _Bound(
        settings=core.settings,
        backups=core.backups,
        authentication_history=core.authentication_history,
        pending_authorizations=core.pending_authorizations,
        tokens=core.tokens,
        integration_errors=core.integration_errors,
        sync_log=core.sync_log,
        audit=core.audit,
        token_slots=token_slots,
        progress=progress,
        findings=findings,
        login_failures=login_failures,
    )


class _UnitOfWorkAttributes:
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

    def _bind(self, bound: _Bound) -> None:
        for name in bound.__dataclass_fields__:
            setattr(self, name, getattr(bound, name))


# --- DuckDB ---------------------------------------------------------------------------------


class DuckDbTokenSlotRepository:
    def __init__(self, runner: SqlRunner, *, cipher: TokenCipher) -> None:
        self._runner = runner
        self._cipher = cipher

    def save(self, slot: str, tokens: TokenSet) -> None:
        _check_slot(slot)
        refresh = (
            self._cipher.encrypt(tokens.refresh_token) if tokens.refresh_token is not None else None
        )
        self._runner.execute(
            """INSERT INTO oauth_tokens (slot, access_token_ciphertext, refresh_token_ciphertext,
                                         instance_url, org_id, user_id, issued_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (slot) DO UPDATE SET
                   access_token_ciphertext = excluded.access_token_ciphertext,
                   refresh_token_ciphertext = excluded.refresh_token_ciphertext,
                   instance_url = excluded.instance_url,
                   org_id = excluded.org_id,
                   user_id = excluded.user_id,
                   issued_at = excluded.issued_at""",
            [
                slot,
                self._cipher.encrypt(tokens.access_token),
                refresh,
                tokens.instance_url,
                tokens.org_id,
                tokens.user_id,
                to_db_time(tokens.issued_at),
            ],
            retry_duplicate_key=True,
        )

    def load(self, slot: str) -> TokenSet | None:
        _check_slot(slot)
        rows = self._runner.execute(
            """SELECT access_token_ciphertext, refresh_token_ciphertext, instance_url, org_id,
                      user_id, issued_at
               FROM oauth_tokens WHERE slot = ?""",
            [slot],
        )
        if not rows:
            return None
        access, refresh, instance_url, org_id, user_id, issued_at = rows[0]
        return TokenSet(
            access_token=self._cipher.decrypt(access),
            refresh_token=self._cipher.decrypt(refresh) if refresh is not None else None,
            instance_url=instance_url,
            org_id=org_id,
            user_id=user_id,
            issued_at=from_db_time(issued_at),
        )

    def clear(self, slot: str) -> bool:
        _check_slot(slot)
        rows = self._runner.execute(
            "DELETE FROM oauth_tokens WHERE slot = ? RETURNING slot", [slot]
        )
        return bool(rows)

    def slots(self, *, prefix: str) -> list[str]:
        rows = self._runner.execute(
            "SELECT slot FROM oauth_tokens WHERE starts_with(slot, ?) AND slot <> ? "
            "ORDER BY issued_at, slot",
            [prefix, _CURRENT_SLOT],
        )
        return [str(row[0]) for row in rows]


class DuckDbProgressRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def record(self, entry: ProgressEntry) -> None:
        self._runner.execute(
            """INSERT INTO procedure_progress
                   (step, status, branch, next_step, message, updated_at, updated_by)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (step) DO UPDATE SET
                   status = excluded.status, branch = excluded.branch,
                   next_step = excluded.next_step, message = excluded.message,
                   updated_at = excluded.updated_at, updated_by = excluded.updated_by""",
            [
                entry.step,
                entry.status.value,
                entry.branch,
                entry.next_step,
                entry.message,
                to_db_time(entry.updated_at),
                entry.updated_by,
            ],
            retry_duplicate_key=True,
        )

    def all(self) -> dict[int, ProgressEntry]:
        rows = self._runner.execute(
            "SELECT step, status, branch, next_step, message, updated_at, updated_by "
            "FROM procedure_progress ORDER BY step"
        )
        return {int(row[0]): _progress_entry(row) for row in rows}

    def clear(self, *, after: int = 0) -> None:
        self._runner.execute("DELETE FROM procedure_progress WHERE step > ?", [after])


def _progress_entry(row: Row) -> ProgressEntry:
    step, status, branch, next_step, message, updated_at, updated_by = row
    return ProgressEntry(
        step=int(step),
        status=decode_enum(StepStatus, status, table="procedure_progress"),
        branch=branch,
        next_step=int(next_step) if next_step is not None else None,
        message=message,
        updated_at=from_db_time(updated_at),
        updated_by=updated_by,
    )


class DuckDbFindingRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def put(self, finding: Finding) -> None:
        self._runner.execute(
            """INSERT INTO check_findings (name, value, recorded_at) VALUES (?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET value = excluded.value,
                   recorded_at = excluded.recorded_at""",
            [finding.name, finding.value, to_db_time(finding.recorded_at)],
            retry_duplicate_key=True,
        )

    def get(self, name: str) -> Finding | None:
        rows = self._runner.execute(
            "SELECT name, value, recorded_at FROM check_findings WHERE name = ?", [name]
        )
        if not rows:
            return None
        found_name, value, recorded_at = rows[0]
        return Finding(name=found_name, value=value, recorded_at=from_db_time(recorded_at))

    def delete(self, name: str) -> bool:
        rows = self._runner.execute(
            "DELETE FROM check_findings WHERE name = ? RETURNING name", [name]
        )
        return bool(rows)


class DuckDbLoginFailureRepository:
    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def add(self, *, username: str, client_key: str, at: datetime) -> None:
        self._runner.execute(
            "INSERT INTO login_failures (occurred_at, username, client_key) VALUES (?, ?, ?)",
            [to_db_time(at), username, client_key],
        )

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        where: list[str] = ["occurred_at >= ?"]
        params: list[object] = [to_db_time(since)]
        if username is not None:
            where.append("username = ?")
            params.append(username)
        if client_key is not None:
            where.append("client_key = ?")
            params.append(client_key)
        rows = self._runner.execute(
            "SELECT occurred_at FROM login_failures WHERE "
            + " AND ".join(where)
            + " ORDER BY occurred_at",
            params,
        )
        return [from_db_time(row[0]) for row in rows]

    def forget(self, *, username: str) -> None:
        self._runner.execute("DELETE FROM login_failures WHERE username = ?", [username])


def _check_slot(slot: str) -> None:
    if not slot or slot == _CURRENT_SLOT:
        raise ValueError("the integrated connection's tokens belong to the token repository")


def _duckdb_bound(*, runner: SqlRunner, cipher: TokenCipher, clock: Clock) -> _Bound:
    return _bound(
        duckdb_repositories(runner=runner, cipher=cipher, clock=clock),
        token_slots=DuckDbTokenSlotRepository(runner, cipher=cipher),
        progress=DuckDbProgressRepository(runner),
        findings=DuckDbFindingRepository(runner),
        login_failures=DuckDbLoginFailureRepository(runner),
    )


class DuckDbPortalUnitOfWork(_UnitOfWorkAttributes):
    """One DuckDB transaction over every repository."""

    def __init__(self, database: Database, *, cipher: TokenCipher, clock: Clock) -> None:
        self._database = database
        self._cipher = cipher
        self._clock = clock
        self._transaction: Transaction | None = None

    def __enter__(self) -> Self:
        if self._transaction is not None:
            raise StorageError("This unit of work is already open; units of work do not nest.")
        self._transaction = self._database.begin()
        self._bind(_duckdb_bound(runner=self._transaction, cipher=self._cipher, clock=self._clock))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        transaction, self._transaction = self._transaction, None
        if transaction is not None:
            transaction.close()

    def commit(self) -> None:
        if self._transaction is None:
            raise StorageError("Use the unit of work inside a 'with' block.")
        self._transaction.commit()


# Tables a wipe empties, children of nothing: order does not matter, schema_version stays.
_PORTAL_TABLES: Final = (
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
)


class DuckDbPortalStorage:
    """The portal's DuckDB file as the services use it."""

    def __init__(self, *, database: Database, cipher: TokenCipher, clock: Clock) -> None:
        self.database = database
        self._cipher = cipher
        self._clock = clock
        self._repositories = _duckdb_bound(runner=database, cipher=cipher, clock=clock)

    @property
    def repositories(self) -> PortalRepositories:
        return self._repositories

    def unit_of_work(self) -> PortalUnitOfWork:
        return DuckDbPortalUnitOfWork(self.database, cipher=self._cipher, clock=self._clock)

    def wipe(self) -> None:
        transaction = self.database.begin()
        try:
            for table in _PORTAL_TABLES:
                transaction.execute(f"DELETE FROM {table}")
            transaction.commit()
        finally:
            transaction.close()

    def close(self) -> None:
        self.database.close()


# --- in memory ------------------------------------------------------------------------------


@dataclass
class _Extras:
    token_slots: dict[str, TokenSet] = field(default_factory=dict)
    progress: dict[int, ProgressEntry] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    login_failures: list[tuple[datetime, str, str]] = field(default_factory=list)


class _ExtrasHolder:
    def __init__(self, lock: threading.RLock) -> None:
        self.lock = lock
        self.state = _Extras()


class InMemoryTokenSlotRepository:
    def __init__(self, holder: _ExtrasHolder) -> None:
        self._holder = holder

    def save(self, slot: str, tokens: TokenSet) -> None:
        _check_slot(slot)
        with self._holder.lock:
            self._holder.state.token_slots.pop(slot, None)
            self._holder.state.token_slots[slot] = tokens

    def load(self, slot: str) -> TokenSet | None:
        _check_slot(slot)
        with self._holder.lock:
            return self._holder.state.token_slots.get(slot)

    def clear(self, slot: str) -> bool:
        _check_slot(slot)
        with self._holder.lock:
            return self._holder.state.token_slots.pop(slot, None) is not None

    def slots(self, *, prefix: str) -> list[str]:
        with self._holder.lock:
            items = list(self._holder.state.token_slots.items())
        ordered = sorted(items, key=lambda item: (item[1].issued_at, item[0]))
        return [slot for slot, _ in ordered if slot.startswith(prefix)]


class InMemoryProgressRepository:
    def __init__(self, holder: _ExtrasHolder) -> None:
        self._holder = holder

    def record(self, entry: ProgressEntry) -> None:
        with self._holder.lock:
            self._holder.state.progress[entry.step] = entry

    def all(self) -> dict[int, ProgressEntry]:
        with self._holder.lock:
            return dict(sorted(self._holder.state.progress.items()))

    def clear(self, *, after: int = 0) -> None:
        with self._holder.lock:
            progress = self._holder.state.progress
            for step in [s for s in progress if s > after]:
                del progress[step]


class InMemoryFindingRepository:
    def __init__(self, holder: _ExtrasHolder) -> None:
        self._holder = holder

    def put(self, finding: Finding) -> None:
        with self._holder.lock:
            self._holder.state.findings[finding.name] = finding

    def get(self, name: str) -> Finding | None:
        with self._holder.lock:
            return self._holder.state.findings.get(name)

    def delete(self, name: str) -> bool:
        with self._holder.lock:
            return self._holder.state.findings.pop(name, None) is not None


class InMemoryLoginFailureRepository:
    def __init__(self, holder: _ExtrasHolder) -> None:
        self._holder = holder

    def add(self, *, username: str, client_key: str, at: datetime) -> None:
        with self._holder.lock:
            self._holder.state.login_failures.append(
                (require_aware(at, name="at"), username, client_key)
            )

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        with self._holder.lock:
            rows = list(self._holder.state.login_failures)
        return sorted(
            at
            for at, user, client in rows
            if at >= since
            and (username is None or user == username)
            and (client_key is None or client == client_key)
        )

    def forget(self, *, username: str) -> None:
        with self._holder.lock:
            self._holder.state.login_failures = [
                row for row in self._holder.state.login_failures if row[1] != username
            ]


def _memory_bound(*, store: InMemoryStore, holder: _ExtrasHolder, clock: Clock) -> _Bound:
    return _bound(
        memory_repositories(store=store, clock=clock),
        token_slots=InMemoryTokenSlotRepository(holder),
        progress=InMemoryProgressRepository(holder),
        findings=InMemoryFindingRepository(holder),
        login_failures=InMemoryLoginFailureRepository(holder),
    )


class InMemoryPortalUnitOfWork(_UnitOfWorkAttributes):
    """Copies the whole state at enter and puts it back at exit unless committed; holds the
    store's lock meanwhile, so units of work run one after another."""

    def __init__(self, storage: InMemoryPortalStorage) -> None:
        self._storage = storage
        self._saved: tuple[StoreState, _Extras] | None = None

    def __enter__(self) -> Self:
        if self._saved is not None:
            raise StorageError("This unit of work is already open; units of work do not nest.")
        self._storage.store.lock.acquire()
        self._saved = self._storage.snapshot()
        self._bind(self._storage.bound)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        saved, self._saved = self._saved, None
        try:
            if saved is not None:
                self._storage.restore(saved)
        finally:
            self._storage.store.lock.release()

    def commit(self) -> None:
        if self._saved is None:
            raise StorageError("Use the unit of work inside a 'with' block.")
        self._saved = self._storage.snapshot()


class InMemoryPortalStorage:
    """Everything in memory, for service tests: same contract as :class:`DuckDbPortalStorage`."""

    def __init__(self, *, clock: Clock) -> None:
        self.store = InMemoryStore()
        self._holder = _ExtrasHolder(self.store.lock)
        self.bound = _memory_bound(store=self.store, holder=self._holder, clock=clock)

    @property
    def repositories(self) -> PortalRepositories:
        return self.bound

    def unit_of_work(self) -> PortalUnitOfWork:
        return InMemoryPortalUnitOfWork(self)

    def snapshot(self) -> tuple[StoreState, _Extras]:
        with self.store.lock:
            return self.store.snapshot(), copy.deepcopy(self._holder.state)

    def restore(self, saved: tuple[StoreState, _Extras]) -> None:
        with self.store.lock:
            self.store.restore(saved[0])
            self._holder.state = saved[1]

    def wipe(self) -> None:
        with self.store.lock:
            self.store.restore(StoreState())
            self._holder.state = _Extras()

    def close(self) -> None:
        """Nothing to release."""


def _conforms(
    duckdb_storage: DuckDbPortalStorage,
    memory_storage: InMemoryPortalStorage,
    duckdb_uow: DuckDbPortalUnitOfWork,
    memory_uow: InMemoryPortalUnitOfWork,
) -> Iterator[PortalStorage | PortalUnitOfWork]:
    # Type-checked only: both storages and units of work meet the protocols above.
    yield duckdb_storage
    yield memory_storage
    yield duckdb_uow
    yield memory_uow
