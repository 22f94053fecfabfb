"""What the services may ask of storage: one Protocol per repository, the unit of work, and
the storage that hands them out.

Two implementations of each among the adapters: DuckDB (``duckdb_*.py``, ``storage.py``) and
in memory (``memory.py``, ``storage.py``), held to the same contract by the same tests.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from portal.domain.audit import AuditEntry
from portal.domain.backup import BackupSnapshot
from portal.domain.calls import Activity, ActivityKind
from portal.domain.exports import CsvShape, ExportControl
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import (
    BucketCount,
    CodeCount,
    DayCount,
    ErrorLogFilter,
    ErrorLogPage,
    ErrorSource,
    HighWaterMark,
    IntegrationErrorEntry,
)
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.settings import IntegrationSettings
from portal.domain.steps import StepStatus
from portal.domain.sync.outbox import (
    DeliveryState,
    Enqueued,
    Failed,
    OutboxItem,
    StateCount,
    WaitingReason,
    Written,
)
from portal.domain.sync_log import SyncLogEntry
from portal.domain.tenancy import Company, CompanyId, DirectoryUser
from portal.domain.timestamps import require_aware
from portal.domain.web_sessions import WebSessionStore

if TYPE_CHECKING:  # a type only: the domain names paths, the adapters write them
    from pathlib import Path

MAX_PAGE_SIZE = 1000
#: The integrated connection's token slot: :class:`TokenRepository`'s, never a named slot.
CURRENT_TOKEN_SLOT = "current"


@dataclass(frozen=True)
class StoredBackup:
    """A backup as kept in the history: its id, when it was saved, and the snapshot."""

    id: int
    saved_at: datetime
    snapshot: BackupSnapshot


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


class SettingsRepository(Protocol):
    def load(self) -> IntegrationSettings:
        """The current settings; the documented defaults for an area never saved."""
        ...

    def save(self, settings: IntegrationSettings) -> None:
        """Replace the current settings of all four areas."""
        ...


class BackupRepository(Protocol):
    def save_latest(self, snapshot: BackupSnapshot) -> StoredBackup:
        """Store ``snapshot`` as the latest backup; earlier ones stay in the history."""
        ...

    def latest(self) -> BackupSnapshot | None:
        """The backup a restore uses (the most recently saved), or None if there is none."""
        ...

    def history(self, *, limit: int = 50) -> list[StoredBackup]:
        """Saved backups, newest first. A restore never deletes any."""
        ...


class AuthenticationHistoryRepository(Protocol):
    def append(self, entry: AuthenticationHistoryEntry) -> AuthenticationHistoryEntry:
        """Store ``entry``; returns it with its ``id``."""
        ...

    def recent(self, *, limit: int = 50) -> list[AuthenticationHistoryEntry]:
        """Entries, newest first."""
        ...

    def latest(self, *, event: AuthEvent | None = None) -> AuthenticationHistoryEntry | None:
        """The newest entry (of kind ``event`` when given), or None."""
        ...


class PendingAuthorizationRepository(Protocol):
    def add(self, request: PendingAuthorization) -> None:
        """Keep ``request`` until it is taken or expires; its ``state`` must be new."""
        ...

    def take(self, state: str) -> PendingAuthorization | None:
        """The request for ``state``, exactly once: later calls, unknown and expired states
        all give None."""
        ...

    def purge_expired(self) -> int:
        """Delete requests past their expiry; returns how many."""
        ...


class TokenRepository(Protocol):
    def save(self, tokens: TokenSet) -> None:
        """Store the integrated connection's tokens (encrypted), replacing any before."""
        ...

    def load(self) -> TokenSet | None:
        """The stored tokens, decrypted, or None when not integrated."""
        ...

    def clear(self) -> bool:
        """Forget the tokens; returns whether there were any."""
        ...


class TokenSlotRepository(Protocol):
    """Token sets other than the integrated connection's (which :class:`TokenRepository`
    holds), each under a named slot, encrypted like it."""

    def save(self, slot: str, tokens: TokenSet) -> None:
        """Store ``tokens`` (encrypted) under ``slot``, replacing what was there."""
        ...

    def load(self, slot: str) -> TokenSet | None:
        """The slot's tokens, decrypted, or None."""
        ...

    def clear(self, slot: str) -> bool:
        """Forget the slot's tokens; returns whether there were any."""
        ...

    def slots(self, *, prefix: str) -> list[str]:
        """The occupied slots whose name starts with ``prefix``, oldest first."""
        ...


class ProgressRepository(Protocol):
    def record(self, entry: ProgressEntry) -> None:
        """Store ``entry`` as its step's latest outcome."""
        ...

    def all(self) -> dict[int, ProgressEntry]:
        """The latest outcome of every step that has one, by step."""
        ...

    def clear(self, *, after: int = 0) -> None:
        """Forget the outcomes of the steps after step ``after`` (all of them by default)."""
        ...


class FindingRepository(Protocol):
    def put(self, finding: Finding) -> None:
        """Store ``finding``, replacing the one of the same name."""
        ...

    def get(self, name: str) -> Finding | None: ...

    def delete(self, name: str) -> bool:
        """Forget the finding; returns whether there was one."""
        ...


class LoginFailureRepository(Protocol):
    def add(self, *, username: str, client_key: str, at: datetime) -> None:
        """Record one failed portal login."""
        ...

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        """When failures at or after ``since`` happened (for the username or the client)."""
        ...

    def forget(self, *, username: str) -> None:
        """Forget the username's failures (after a successful login)."""
        ...


class PreferenceRepository(Protocol):
    """Each portal user's own choices (the language); a demo reset keeps them."""

    def language_of(self, username: str) -> str | None:
        """The language ``username`` chose, if any."""
        ...

    def set_language(self, username: str, language: str, *, at: datetime) -> None:
        """Store ``username``'s choice, replacing the previous one."""
        ...


class IntegrationErrorRepository(Protocol):
    def append(self, entry: IntegrationErrorEntry) -> IntegrationErrorEntry:
        """Store ``entry``; returns it with its ``id``."""
        ...

    def page(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> ErrorLogPage:
        """Errors matching ``filter``, newest first, ``limit`` (1 to 1000) from ``offset``."""
        ...

    def counts_by_code(self, *, filter: ErrorLogFilter | None = None) -> list[CodeCount]:
        """How many errors per error code, most frequent first."""
        ...

    def counts_by_day(self, *, filter: ErrorLogFilter | None = None) -> list[DayCount]:
        """How many errors per UTC day, oldest day first; days without errors are absent."""
        ...

    def distinct_codes_since(self, since: datetime) -> list[str]:
        """The error codes seen at or after ``since``, sorted."""
        ...

    def distinct_objects(self, *, filter: ErrorLogFilter | None = None) -> list[str]:
        """The objects (``sobject``) of the errors matching ``filter``, sorted."""
        ...

    def new_codes_since(self, since: datetime) -> list[str]:
        """The error codes seen at or after ``since`` that never occurred before it, sorted."""
        ...

    def entries(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[IntegrationErrorEntry, ...]:
        """Errors matching ``filter``, newest first (ties on the time: the higher id first),
        ``limit`` (1 to 1000) from ``offset``, without counting them all."""
        ...

    def counts_by_bucket(self, *, filter: ErrorLogFilter | None = None) -> list[BucketCount]:
        """How many errors per :data:`~portal.domain.integration_errors.BUCKET` of time (UTC,
        aligned on the epoch), oldest first; buckets without errors are absent."""
        ...

    def export(
        self,
        target: Path,
        *,
        filter: ErrorLogFilter | None = None,
        parquet: bool = False,
        shape: CsvShape | None = None,
        control: ExportControl | None = None,
    ) -> None:
        """Write every error matching ``filter``, newest first, to the file ``target`` as
        Parquet or as CSV shaped by ``shape`` (:mod:`portal.domain.exports`), without holding
        the rows in memory. ``control`` reports progress and can cancel (then
        :class:`~portal.domain.exports.ExportCancelled`, and no file)."""
        ...

    def high_water_mark(self) -> HighWaterMark:
        """How many errors there are and the newest id (changes with every append or wipe)."""
        ...


class SyncLogRepository(Protocol):
    def append(self, entry: SyncLogEntry) -> SyncLogEntry:
        """Store ``entry``; returns it with its ``id``."""
        ...

    def recent(self, *, limit: int = 100, source: ErrorSource | None = None) -> list[SyncLogEntry]:
        """Entries, newest first."""
        ...


class AuditRepository(Protocol):
    def append(self, entry: AuditEntry) -> AuditEntry:
        """Store ``entry``; returns it with its ``id``."""
        ...

    def recent(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        """Entries, newest first (of one portal user when ``actor`` is given)."""
        ...


class Repositories(Protocol):
    """Every repository, on one connection or transaction."""

    @property
    def settings(self) -> SettingsRepository: ...

    @property
    def backups(self) -> BackupRepository: ...

    @property
    def authentication_history(self) -> AuthenticationHistoryRepository: ...

    @property
    def pending_authorizations(self) -> PendingAuthorizationRepository: ...

    @property
    def tokens(self) -> TokenRepository: ...

    @property
    def integration_errors(self) -> IntegrationErrorRepository: ...

    @property
    def sync_log(self) -> SyncLogRepository: ...

    @property
    def audit(self) -> AuditRepository: ...

    @property
    def token_slots(self) -> TokenSlotRepository: ...

    @property
    def progress(self) -> ProgressRepository: ...

    @property
    def findings(self) -> FindingRepository: ...

    @property
    def login_failures(self) -> LoginFailureRepository: ...

    @property
    def preferences(self) -> PreferenceRepository: ...


class UnitOfWork(Repositories, Protocol):
    """``with uow:`` gives every repository on one transaction. :meth:`commit` makes the work
    permanent; leaving the block without committing (or by an exception) undoes it all."""

    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        _exc_type: type[BaseException] | None,
        _exc: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None: ...

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


class Outbox(Protocol):
    """Changes to outbox rows (:mod:`portal.domain.sync.outbox`), on a sync transaction or
    each its own transaction. Rows of another state than a change expects stay as they are."""

    def mark_written(
        self, kind: ActivityKind, written: Sequence[Written], *, org_id: str, now: datetime
    ) -> None:
        """The rows become ``written`` to ``org_id`` with their Salesforce id."""
        ...

    def mark_failed(
        self, kind: ActivityKind, failed: Sequence[Failed], *, org_id: str, now: datetime
    ) -> None:
        """The rows become ``failed``, remembering Salesforce's code and message."""
        ...

    def claim(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        *,
        org_id: str,
        now: datetime,
        look_up_after: datetime,
    ) -> int:
        """Pending rows become ``sending`` to ``org_id`` (one attempt more); returns how many.
        Until the request's answer settles them, they may be looked up only from
        ``look_up_after`` (a write whose answer never came may land at Salesforce until then)."""
        ...

    def release(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        *,
        now: datetime,
        code: str | None = None,
        message: str | None = None,
        next_attempt_at: datetime | None = None,
        state: DeliveryState = DeliveryState.PENDING,
    ) -> None:
        """Open rows go (back) to ``state`` (pending, or kept ``sending`` when whether
        Salesforce wrote them is unknown), remembering why and when to try again. Their
        request has been answered: they may be looked up at once."""
        ...

    def retry_later(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        *,
        now: datetime,
        code: str,
        message: str,
        delay: Callable[[int], timedelta],
        state: DeliveryState,
        answered: bool = True,
    ) -> None:
        """Like :meth:`release`, each row waiting ``delay(its attempts so far, at least 1)``.
        Without an ``answered`` request, rows keep the time from which their claim lets them
        be looked up."""
        ...


class SyncTransaction(Protocol):
    """The outbox, the sync log and the error log on one transaction: :meth:`commit` makes
    the changes permanent; whatever is not committed when the block ends is undone."""

    @property
    def outbox(self) -> Outbox: ...

    @property
    def sync_log(self) -> SyncLogRepository: ...

    @property
    def errors(self) -> IntegrationErrorRepository: ...

    def commit(self) -> None: ...


class SyncStore(Protocol):
    """The sync's inbox (every call and meeting once, keyed by kind and MiiTel id) and outbox
    (where each stands on its way to Salesforce), next to the portal's other records.

    A claim is committed before the write to Salesforce and each outcome after it, so what a
    crash interrupts is found ``sending`` afterwards, never lost and never sent blindly."""

    @property
    def outbox(self) -> Outbox:
        """Outbox changes, each its own transaction."""
        ...

    def transaction(self) -> AbstractContextManager[SyncTransaction]:
        """A transaction over the outbox, the sync log and the error log."""
        ...

    def exclusive(self) -> AbstractContextManager[None]:
        """Held while a sync runs: one sender at a time over this outbox, across every process
        that shares it (a second waits for the first to finish)."""
        ...

    def enqueue(self, activities: Sequence[Activity], *, now: datetime) -> Enqueued:
        """Keep new calls and meetings (inbox) and queue them (outbox, ``pending``), all or
        nothing. Ids already in the inbox are left as they are and reported."""
        ...

    def inbox_size(self) -> int:
        """How many calls and meetings the inbox holds."""
        ...

    def items(
        self,
        kind: ActivityKind,
        *,
        states: Sequence[DeliveryState],
        ready_at: datetime | None = None,
        settled_at: datetime | None = None,
    ) -> list[OutboxItem]:
        """Outbox rows of ``kind`` in ``states`` (oldest call first, then by id) whose MiiTel
        id has no "written" line in the sync log; with ``ready_at``, only rows not waiting
        past it; with ``settled_at``, only rows Salesforce can no longer be writing by then."""
        ...

    def waiting_for_retry(self, kind: ActivityKind, *, now: datetime) -> int:
        """Pending rows of ``kind`` whose retry time is still ahead of ``now``."""
        ...

    def maybe_still_writing(self, kind: ActivityKind, *, now: datetime) -> int:
        """Sending rows of ``kind`` whose request, never answered, may still land at ``now``."""
        ...

    def counts(self) -> list[StateCount]:
        """How many rows per kind and state (by kind, then state)."""
        ...

    def open_count(self) -> int:
        """Records not yet written nor refused (pending or sending)."""
        ...

    def waiting_reasons(self) -> list[WaitingReason]:
        """Open rows per kind and last error code (by kind, the most frequent first, then
        those never tried, then by code)."""
        ...

    def salesforce_id(self, kind: ActivityKind, record_id: str) -> str | None:
        """The Salesforce id a written record got (None if not written or unknown)."""
        ...

    def requeue_failed(self, *, now: datetime, kind: ActivityKind | None = None) -> int:
        """Refused records (of ``kind``, or all) go back to ``pending``; returns how many."""
        ...


class PortalStorage(Protocol):
    """Where the services keep everything."""

    @property
    def repositories(self) -> Repositories:
        """Repositories whose every call is its own transaction (for reads and single writes)."""
        ...

    def unit_of_work(self) -> UnitOfWork:
        """A new unit of work (use it in a ``with`` block)."""
        ...

    @property
    def sync(self) -> SyncStore:
        """The calls and meetings the sync holds, and what is left to send."""
        ...

    def wipe(self) -> None:
        """Delete every row the portal holds (the demo's reset); the schema stays."""
        ...

    def close(self) -> None:
        """Release the storage; it cannot be used afterwards."""
        ...


class Directory(Protocol):
    """The companies and their portal users (not scoped: the hosting's own records)."""

    def companies(self) -> list[Company]:
        """Every company, oldest first."""
        ...

    def company(self, company_id: CompanyId) -> Company | None: ...

    def company_count(self) -> int: ...

    def company_by_slug(self, slug: str) -> Company | None: ...

    def add_company(self, *, slug: str, name: str) -> Company:
        """A new company; :class:`~portal.domain.failures.WriteConflictError` when the slug is
        taken."""
        ...

    def rename_company(self, company_id: CompanyId, *, name: str) -> None: ...

    def user(self, username: str) -> DirectoryUser | None: ...

    def users(self, company_id: CompanyId | None = None) -> list[DirectoryUser]:
        """Portal users by username (of one company when ``company_id`` is given)."""
        ...

    def save_user(self, user: DirectoryUser, *, at: datetime) -> None:
        """Add ``user`` or replace the user of that username."""
        ...

    def remove_user(self, username: str) -> None: ...


class Tenants(Protocol):
    """Every company's storage, the directory of companies and users, and the browser login
    sessions."""

    @property
    def directory(self) -> Directory: ...

    @property
    def web_sessions(self) -> WebSessionStore:
        """The browser login sessions, beside the directory (no company's data)."""
        ...

    def for_company(self, company_id: CompanyId) -> PortalStorage:
        """The storage of one company: whatever it reads or writes is that company's only.
        :class:`~portal.domain.tenancy.UnknownCompanyError` for a company not in the
        directory."""
        ...

    def close(self) -> None:
        """Release every company's storage."""
        ...


def check_page_bounds(*, limit: int, offset: int) -> None:
    """Raise ValueError for a page size outside 1..1000 or a negative offset."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")
    if offset < 0:
        raise ValueError(f"offset must be 0 or more, not {offset}")


def check_limit(limit: int) -> None:
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise ValueError(f"limit must be between 1 and {MAX_PAGE_SIZE}, not {limit}")


def check_token_slot(slot: str) -> None:
    """Raise ValueError for a slot name :class:`TokenSlotRepository` must not use."""
    if not slot or slot == CURRENT_TOKEN_SLOT:
        raise ValueError("the integrated connection's tokens belong to the token repository")
