"""In-memory repositories for service tests: the same contract as the DuckDB ones, no file.

All repositories built on one :class:`InMemoryStore` share its state; a lock makes them safe to
use from several threads, and :class:`portal.adapters.unit_of_work.InMemoryUnitOfWork` holds it
for a whole unit of work so a rollback never undoes another thread's work.
"""

from __future__ import annotations

import copy
import itertools
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from portal.adapters.duckdb_auth import LOGIN_FAILURE_RETENTION
from portal.adapters.duckdb_exports import copy_statement
from portal.domain.audit import AuditEntry
from portal.domain.backup import BackupSnapshot
from portal.domain.calls import Activity, ActivityKind
from portal.domain.clock import Clock
from portal.domain.exports import CsvShape, ExportCancelled, ExportControl
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import (
    BUCKET,
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
from portal.domain.ports import (
    Finding,
    ProgressEntry,
    StoredBackup,
    check_limit,
    check_page_bounds,
    check_token_slot,
)
from portal.domain.settings import IntegrationSettings
from portal.domain.sync.outbox import (
    OPEN_STATES,
    DeliveryState,
    Enqueued,
    Failed,
    OutboxItem,
    StateCount,
    WaitingReason,
    Written,
)
from portal.domain.sync_log import SyncLogEntry, SyncOutcome
from portal.domain.timestamps import require_aware


@dataclass
class OutboxRow:
    """One outbox row of the in-memory sync store (the DuckDB table's columns)."""

    activity: Activity
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0
    org_id: str | None = None
    salesforce_id: str | None = None
    last_code: str | None = None
    last_message: str | None = None
    next_attempt_at: datetime | None = None
    look_up_after: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class StoreState:
    settings: IntegrationSettings | None = None
    backups: list[StoredBackup] = field(default_factory=list)
    authentication_history: list[AuthenticationHistoryEntry] = field(default_factory=list)
    pending_authorizations: dict[str, PendingAuthorization] = field(default_factory=dict)
    tokens: TokenSet | None = None
    integration_errors: list[IntegrationErrorEntry] = field(default_factory=list)
    sync_log: list[SyncLogEntry] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    token_slots: dict[str, TokenSet] = field(default_factory=dict)
    progress: dict[int, ProgressEntry] = field(default_factory=dict)
    findings: dict[str, Finding] = field(default_factory=dict)
    login_failures: list[tuple[datetime, str, str]] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)
    #: The sync's inbox and outbox in one: every call and meeting once, by kind and id.
    sync_outbox: dict[tuple[ActivityKind, str], OutboxRow] = field(default_factory=dict)


class InMemoryStore:
    """The shared state of the in-memory repositories."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.state = StoreState()
        # Like database sequences: ids are never reused, even after a rollback.
        self._ids = itertools.count(1)

    def next_id(self) -> int:
        return next(self._ids)

    def snapshot(self) -> StoreState:
        with self.lock:
            return copy.deepcopy(self.state)

    def restore(self, snapshot: StoreState) -> None:
        with self.lock:
            self.state = snapshot


class InMemorySettingsRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def load(self) -> IntegrationSettings:
        with self._store.lock:
            return self._store.state.settings or IntegrationSettings.default()

    def save(self, settings: IntegrationSettings) -> None:
        with self._store.lock:
            self._store.state.settings = settings


class InMemoryBackupRepository:
    def __init__(self, store: InMemoryStore, *, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def save_latest(self, snapshot: BackupSnapshot) -> StoredBackup:
        with self._store.lock:
            stored = StoredBackup(
                id=self._store.next_id(), saved_at=self._clock.now(), snapshot=snapshot
            )
            self._store.state.backups.append(stored)
            return stored

    def latest(self) -> BackupSnapshot | None:
        with self._store.lock:
            backups = self._store.state.backups
            return backups[-1].snapshot if backups else None

    def history(self, *, limit: int = 50) -> list[StoredBackup]:
        check_limit(limit)
        with self._store.lock:
            return list(reversed(self._store.state.backups))[:limit]


def _newest_first(entries: list[Any]) -> list[Any]:
    return sorted(entries, key=lambda e: (e.occurred_at, e.id), reverse=True)


class InMemoryAuthenticationHistoryRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def append(self, entry: AuthenticationHistoryEntry) -> AuthenticationHistoryEntry:
        with self._store.lock:
            stored = replace(entry, id=self._store.next_id())
            self._store.state.authentication_history.append(stored)
            return stored

    def recent(self, *, limit: int = 50) -> list[AuthenticationHistoryEntry]:
        check_limit(limit)
        with self._store.lock:
            return _newest_first(self._store.state.authentication_history)[:limit]

    def latest(self, *, event: AuthEvent | None = None) -> AuthenticationHistoryEntry | None:
        with self._store.lock:
            entries = [
                e
                for e in self._store.state.authentication_history
                if event is None or e.event is event
            ]
            newest = _newest_first(entries)
            return newest[0] if newest else None


class InMemoryPendingAuthorizationRepository:
    def __init__(self, store: InMemoryStore, *, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def add(self, request: PendingAuthorization) -> None:
        with self._store.lock:
            pending = self._store.state.pending_authorizations
            if request.state in pending:
                raise ValueError("an authorization request with this state is already pending")
            pending[request.state] = request

    def take(self, state: str) -> PendingAuthorization | None:
        with self._store.lock:
            request = self._store.state.pending_authorizations.pop(state, None)
        if request is None or request.is_expired(now=self._clock.now()):
            return None
        return request

    def purge_expired(self) -> int:
        now = self._clock.now()
        with self._store.lock:
            pending = self._store.state.pending_authorizations
            expired = [s for s, r in pending.items() if r.is_expired(now=now)]
            for state in expired:
                del pending[state]
            return len(expired)


class InMemoryTokenRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def save(self, tokens: TokenSet) -> None:
        with self._store.lock:
            self._store.state.tokens = tokens

    def load(self) -> TokenSet | None:
        with self._store.lock:
            return self._store.state.tokens

    def clear(self) -> bool:
        with self._store.lock:
            had_tokens = self._store.state.tokens is not None
            self._store.state.tokens = None
            return had_tokens


class InMemoryTokenSlotRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def save(self, slot: str, tokens: TokenSet) -> None:
        check_token_slot(slot)
        with self._store.lock:
            self._store.state.token_slots[slot] = tokens

    def load(self, slot: str) -> TokenSet | None:
        check_token_slot(slot)
        with self._store.lock:
            return self._store.state.token_slots.get(slot)

    def clear(self, slot: str) -> bool:
        check_token_slot(slot)
        with self._store.lock:
            return self._store.state.token_slots.pop(slot, None) is not None

    def slots(self, *, prefix: str) -> list[str]:
        with self._store.lock:
            items = list(self._store.state.token_slots.items())
        ordered = sorted(items, key=lambda item: (item[1].issued_at, item[0]))
        return [slot for slot, _ in ordered if slot.startswith(prefix)]


class InMemoryIntegrationErrorRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def append(self, entry: IntegrationErrorEntry) -> IntegrationErrorEntry:
        with self._store.lock:
            stored = replace(entry, id=self._store.next_id())
            self._store.state.integration_errors.append(stored)
            return stored

    def _matching(self, filter: ErrorLogFilter | None) -> list[IntegrationErrorEntry]:
        with self._store.lock:
            entries = list(self._store.state.integration_errors)
        return [e for e in entries if filter is None or filter.matches(e)]

    def page(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> ErrorLogPage:
        check_page_bounds(limit=limit, offset=offset)
        matching = _newest_first(self._matching(filter))
        return ErrorLogPage(
            entries=tuple(matching[offset : offset + limit]),
            total=len(matching),
            limit=limit,
            offset=offset,
        )

    def counts_by_code(self, *, filter: ErrorLogFilter | None = None) -> list[CodeCount]:
        counts = Counter(e.status_code for e in self._matching(filter))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        return [CodeCount(status_code=code, count=n) for code, n in ordered]

    def counts_by_day(self, *, filter: ErrorLogFilter | None = None) -> list[DayCount]:
        counts = Counter(e.occurred_at.date() for e in self._matching(filter))
        return [DayCount(day=day, count=n) for day, n in sorted(counts.items())]

    def distinct_objects(self, *, filter: ErrorLogFilter | None = None) -> list[str]:
        return sorted({e.sobject for e in self._matching(filter)})

    def distinct_codes_since(self, since: datetime) -> list[str]:
        return sorted({e.status_code for e in self._matching(ErrorLogFilter(since=since))})

    def new_codes_since(self, since: datetime) -> list[str]:
        since = require_aware(since, name="since")
        before = {e.status_code for e in self._matching(ErrorLogFilter(until=since))}
        return [code for code in self.distinct_codes_since(since) if code not in before]

    def entries(
        self, *, filter: ErrorLogFilter | None = None, limit: int = 50, offset: int = 0
    ) -> tuple[IntegrationErrorEntry, ...]:
        check_page_bounds(limit=limit, offset=offset)
        return tuple(_newest_first(self._matching(filter))[offset : offset + limit])

    def counts_by_bucket(self, *, filter: ErrorLogFilter | None = None) -> list[BucketCount]:
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        counts = Counter((e.occurred_at - epoch) // BUCKET for e in self._matching(filter))
        return [
            BucketCount(start=epoch + bucket * BUCKET, count=n)
            for bucket, n in sorted(counts.items())
        ]

    def export(
        self,
        target: Path,
        *,
        filter: ErrorLogFilter | None = None,
        parquet: bool = False,
        shape: CsvShape | None = None,
        control: ExportControl | None = None,
    ) -> None:
        if control is not None and control.cancelled:
            raise ExportCancelled
        # The same COPY as the DuckDB file's, over a throwaway in-memory table of the rows.
        import duckdb

        from portal.adapters.db import MIGRATIONS, to_db_time

        entries = self._matching(filter)
        with duckdb.connect() as connection:
            schema = next(m for m in MIGRATIONS if m.version == 1).statements
            for statement in schema:
                if "integration_errors" in statement:
                    connection.execute(statement)
            if entries:
                connection.executemany(
                    "INSERT INTO integration_errors VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        [
                            e.id,
                            to_db_time(e.occurred_at),
                            e.source.value,
                            e.miitel_record_id,
                            e.sobject,
                            e.operation.value,
                            e.status_code,
                            e.message,
                            list(e.fields),
                            e.org_id,
                        ]
                        for e in entries
                    ],
                )
            sql, params = copy_statement(
                where="", params=[], target=target, parquet=parquet, shape=shape
            )
            connection.execute(sql, params)

    def high_water_mark(self) -> HighWaterMark:
        with self._store.lock:
            ids = [e.id or 0 for e in self._store.state.integration_errors]
        return HighWaterMark(rows=len(ids), last_id=max(ids, default=0))


class InMemorySyncLogRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def append(self, entry: SyncLogEntry) -> SyncLogEntry:
        with self._store.lock:
            stored = replace(entry, id=self._store.next_id())
            self._store.state.sync_log.append(stored)
            return stored

    def recent(self, *, limit: int = 100, source: ErrorSource | None = None) -> list[SyncLogEntry]:
        check_limit(limit)
        with self._store.lock:
            entries = [
                e for e in self._store.state.sync_log if source is None or e.source is source
            ]
        return _newest_first(entries)[:limit]


class InMemoryAuditRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def append(self, entry: AuditEntry) -> AuditEntry:
        with self._store.lock:
            stored = replace(entry, id=self._store.next_id())
            self._store.state.audit.append(stored)
            return stored

    def recent(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        check_limit(limit)
        with self._store.lock:
            entries = [e for e in self._store.state.audit if actor is None or e.actor == actor]
        return _newest_first(entries)[:limit]


class InMemoryProgressRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def record(self, entry: ProgressEntry) -> None:
        with self._store.lock:
            self._store.state.progress[entry.step] = entry

    def all(self) -> dict[int, ProgressEntry]:
        with self._store.lock:
            return dict(sorted(self._store.state.progress.items()))

    def clear(self, *, after: int = 0) -> None:
        with self._store.lock:
            progress = self._store.state.progress
            for step in [s for s in progress if s > after]:
                del progress[step]


class InMemoryFindingRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def put(self, finding: Finding) -> None:
        with self._store.lock:
            self._store.state.findings[finding.name] = finding

    def get(self, name: str) -> Finding | None:
        with self._store.lock:
            return self._store.state.findings.get(name)

    def delete(self, name: str) -> bool:
        with self._store.lock:
            return self._store.state.findings.pop(name, None) is not None


class InMemoryLoginFailureRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def add(self, *, username: str, client_key: str, at: datetime) -> None:
        at = require_aware(at, name="at")
        with self._store.lock:
            # Like the DuckDB table: failures older than a day are dropped at each new one.
            self._store.state.login_failures = [
                row
                for row in self._store.state.login_failures
                if row[0] >= at - LOGIN_FAILURE_RETENTION
            ]
            self._store.state.login_failures.append((at, username, client_key))

    def times_since(
        self, *, since: datetime, username: str | None = None, client_key: str | None = None
    ) -> list[datetime]:
        with self._store.lock:
            rows = list(self._store.state.login_failures)
        return sorted(
            at
            for at, user, client in rows
            if at >= since
            and (username is None or user == username)
            and (client_key is None or client == client_key)
        )

    def forget(self, *, username: str) -> None:
        with self._store.lock:
            self._store.state.login_failures = [
                row for row in self._store.state.login_failures if row[1] != username
            ]


class InMemoryPreferenceRepository:
    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def language_of(self, username: str) -> str | None:
        with self._store.lock:
            return self._store.state.languages.get(username)

    def set_language(self, username: str, language: str, *, at: datetime) -> None:
        require_aware(at, name="at")
        with self._store.lock:
            self._store.state.languages[username] = language


class InMemoryOutbox:
    """Outbox changes on the shared state (each its own change, or inside a sync transaction
    that holds the lock)."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store

    def _rows(self, kind: ActivityKind, record_ids: Sequence[str]) -> list[OutboxRow]:
        outbox = self._store.state.sync_outbox
        return [row for i in dict.fromkeys(record_ids) if (row := outbox.get((kind, i)))]

    def mark_written(
        self, kind: ActivityKind, written: Sequence[Written], *, org_id: str, now: datetime
    ) -> None:
        if not written:
            return
        now = _utc(now)
        with self._store.lock:
            outbox = self._store.state.sync_outbox
            for w in written:
                if row := outbox.get((kind, w.record_id)):
                    row.state, row.salesforce_id, row.org_id = (
                        DeliveryState.WRITTEN,
                        w.salesforce_id,
                        org_id,
                    )
                    row.last_code = row.last_message = row.next_attempt_at = None
                    row.updated_at = now

    def mark_failed(
        self, kind: ActivityKind, failed: Sequence[Failed], *, org_id: str, now: datetime
    ) -> None:
        if not failed:
            return
        now = _utc(now)
        with self._store.lock:
            outbox = self._store.state.sync_outbox
            for f in failed:
                if row := outbox.get((kind, f.record_id)):
                    row.state, row.org_id = DeliveryState.FAILED, org_id
                    row.last_code, row.last_message = f.code, f.message
                    row.next_attempt_at, row.updated_at = None, now

    def claim(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        *,
        org_id: str,
        now: datetime,
        look_up_after: datetime,
    ) -> int:
        if not record_ids:
            return 0
        now, look_up_after = _utc(now), _utc(look_up_after)
        with self._store.lock:
            claimed = 0
            for row in self._rows(kind, record_ids):
                if row.state is DeliveryState.PENDING:
                    row.state, row.attempts, row.org_id = (
                        DeliveryState.SENDING,
                        row.attempts + 1,
                        org_id,
                    )
                    row.look_up_after, row.updated_at = look_up_after, now
                    claimed += 1
            return claimed

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
        if not record_ids:
            return
        now = _utc(now)
        next_attempt_at = _utc(next_attempt_at) if next_attempt_at is not None else None
        with self._store.lock:
            for row in self._rows(kind, record_ids):
                if row.state in OPEN_STATES:
                    row.state, row.last_code, row.last_message = state, code, message
                    row.next_attempt_at, row.look_up_after, row.updated_at = (
                        next_attempt_at,
                        None,
                        now,
                    )

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
        if not record_ids:
            return
        now = _utc(now)
        with self._store.lock:
            for row in self._rows(kind, record_ids):
                if row.state in OPEN_STATES:
                    row.state, row.last_code, row.last_message = state, code, message
                    row.next_attempt_at = now + delay(max(1, row.attempts))
                    if answered:
                        row.look_up_after = None
                    row.updated_at = now


@dataclass(frozen=True)
class InMemorySyncTransaction:
    """The outbox, the sync log and the error log of one :meth:`InMemorySyncStore.transaction`."""

    outbox: InMemoryOutbox
    sync_log: InMemorySyncLogRepository
    errors: InMemoryIntegrationErrorRepository
    commit: Callable[[], None]


class InMemorySyncStore:
    """The sync store in memory: the same contract as
    :class:`~portal.adapters.duckdb_sync.DuckDbSyncStore`, on an :class:`InMemoryStore`."""

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self.outbox = InMemoryOutbox(store)
        self._sending = threading.Lock()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One sender at a time (the store lives in this process)."""
        with self._sending:
            yield

    @contextmanager
    def transaction(self) -> Iterator[InMemorySyncTransaction]:
        """Holds the store's lock; whatever is not committed when the block ends is undone."""
        with self._store.lock:
            saved = [self._store.snapshot()]

            def commit() -> None:
                saved[0] = self._store.snapshot()

            try:
                yield InMemorySyncTransaction(
                    outbox=self.outbox,
                    sync_log=InMemorySyncLogRepository(self._store),
                    errors=InMemoryIntegrationErrorRepository(self._store),
                    commit=commit,
                )
            finally:
                self._store.restore(saved[0])

    def enqueue(self, activities: Sequence[Activity], *, now: datetime) -> Enqueued:
        added: set[tuple[ActivityKind, str]] = set()
        if activities:
            now = _utc(now)
        with self._store.lock:
            outbox = self._store.state.sync_outbox
            for activity in activities:
                key = (activity.kind, activity.record_id)
                if key not in outbox:
                    outbox[key] = OutboxRow(activity=activity, updated_at=now)
                    added.add(key)
        return Enqueued.of(activities, added=added)

    def inbox_size(self) -> int:
        with self._store.lock:
            return len(self._store.state.sync_outbox)

    def _rows(self, kind: ActivityKind | None = None) -> list[OutboxRow]:
        with self._store.lock:
            rows = list(self._store.state.sync_outbox.values())
        return [r for r in rows if kind is None or r.activity.kind is kind]

    def _written_ids(self, kind: ActivityKind) -> set[str]:
        with self._store.lock:
            return {
                e.miitel_record_id
                for e in self._store.state.sync_log
                if e.source is kind.source and e.outcome is SyncOutcome.WRITTEN
            }

    def items(
        self,
        kind: ActivityKind,
        *,
        states: Sequence[DeliveryState],
        ready_at: datetime | None = None,
        settled_at: datetime | None = None,
    ) -> list[OutboxItem]:
        ready_at = _utc(ready_at) if ready_at is not None else None
        settled_at = _utc(settled_at) if settled_at is not None else None
        written = self._written_ids(kind)
        rows = [
            r
            for r in self._rows(kind)
            if r.state in states
            and r.activity.record_id not in written
            and (ready_at is None or r.next_attempt_at is None or r.next_attempt_at <= ready_at)
            and (settled_at is None or r.look_up_after is None or r.look_up_after <= settled_at)
        ]
        rows.sort(key=lambda r: (r.activity.started_at, r.activity.record_id))
        return [
            OutboxItem(
                activity=r.activity,
                state=r.state,
                attempts=r.attempts,
                org_id=r.org_id,
                next_attempt_at=r.next_attempt_at,
            )
            for r in rows
        ]

    def waiting_for_retry(self, kind: ActivityKind, *, now: datetime) -> int:
        now = _utc(now)
        return sum(
            1
            for r in self._rows(kind)
            if r.state is DeliveryState.PENDING
            and r.next_attempt_at is not None
            and r.next_attempt_at > now
        )

    def maybe_still_writing(self, kind: ActivityKind, *, now: datetime) -> int:
        now = _utc(now)
        return sum(
            1
            for r in self._rows(kind)
            if r.state is DeliveryState.SENDING
            and r.look_up_after is not None
            and r.look_up_after > now
        )

    def counts(self) -> list[StateCount]:
        counted = Counter((r.activity.kind, r.state) for r in self._rows())
        return [
            StateCount(kind, state, n)
            for (kind, state), n in sorted(
                counted.items(), key=lambda c: (c[0][0].value, c[0][1].value)
            )
        ]

    def open_count(self) -> int:
        return sum(1 for r in self._rows() if r.state in OPEN_STATES)

    def waiting_reasons(self) -> list[WaitingReason]:
        groups: dict[tuple[ActivityKind, str | None], list[OutboxRow]] = {}
        for row in self._rows():
            if row.state in OPEN_STATES:
                groups.setdefault((row.activity.kind, row.last_code), []).append(row)
        reasons = [
            WaitingReason(kind, code, _any_message(rows), len(rows))
            for (kind, code), rows in groups.items()
        ]
        return sorted(
            reasons, key=lambda w: (w.kind.value, -w.count, w.code is not None, w.code or "")
        )

    def salesforce_id(self, kind: ActivityKind, record_id: str) -> str | None:
        with self._store.lock:
            row = self._store.state.sync_outbox.get((kind, record_id))
            return row.salesforce_id if row else None

    def requeue_failed(self, *, now: datetime, kind: ActivityKind | None = None) -> int:
        now = _utc(now)
        with self._store.lock:
            failed = [r for r in self._rows(kind) if r.state is DeliveryState.FAILED]
            for row in failed:
                row.state, row.next_attempt_at, row.updated_at = DeliveryState.PENDING, None, now
            return len(failed)


def _utc(value: datetime) -> datetime:
    # Like the DuckDB store's columns: aware times only, kept and handed back in UTC.
    return require_aware(value, name="timestamp")


def _any_message(rows: Sequence[OutboxRow]) -> str | None:
    # Like DuckDB's any_value: one of the group's messages, NULLs skipped.
    return next((r.last_message for r in rows if r.last_message is not None), None)
