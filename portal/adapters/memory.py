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
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from portal.adapters.duckdb_exports import copy_statement
from portal.domain.audit import AuditEntry
from portal.domain.backup import BackupSnapshot
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
from portal.domain.sync_log import SyncLogEntry
from portal.domain.timestamps import require_aware


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
        with self._store.lock:
            self._store.state.login_failures.append(
                (require_aware(at, name="at"), username, client_key)
            )

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
