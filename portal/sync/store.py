"""Where the sync keeps calls and meetings (the inbox) and what is left to send (the outbox),
in the portal's DuckDB file (tables from migration 3 of :mod:`portal.adapters.db`).

Every call or meeting is in the inbox once (its MiiTel id is the key) with one outbox row
whose state says where it stands:

- ``pending``: waiting to be sent (new, its area disabled, not integrated, or retrying later);
- ``sending``: claimed and committed *before* the write to Salesforce, so after a crash or a
  failed request it is known that a write may have happened (the next sync looks it up by its
  marker before sending it again);
- ``written``: in Salesforce, with its record id; ``failed``: Salesforce refused the record
  (the error log says why); it can be queued again after the settings are fixed.

A :class:`SyncTransaction` changes outbox rows, the sync log and the error log together.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

from portal.adapters.db import Database, SqlRunner, Transaction, from_db_time, to_db_time
from portal.adapters.duckdb_logs import DuckDbIntegrationErrorRepository, DuckDbSyncLogRepository
from portal.domain.calls import Activity, ActivityKind
from portal.domain.sync_log import SyncOutcome
from portal.sync.codec import from_json, to_json


class DeliveryState(Enum):
    PENDING = "pending"
    SENDING = "sending"
    WRITTEN = "written"
    FAILED = "failed"


@dataclass(frozen=True)
class OutboxItem:
    """One call or meeting still to be sent, with its outbox bookkeeping."""

    activity: Activity
    state: DeliveryState
    attempts: int
    org_id: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Enqueued:
    """What adding calls or meetings did: how many are new, and the ids already known."""

    added: int
    already_known: tuple[str, ...]


@dataclass(frozen=True)
class StateCount:
    kind: ActivityKind
    state: DeliveryState
    count: int


@dataclass(frozen=True)
class WaitingReason:
    """Why queued records wait: the last error code (None: never tried) and how many."""

    kind: ActivityKind
    code: str | None
    message: str | None
    count: int


@dataclass(frozen=True)
class Written:
    record_id: str
    salesforce_id: str


@dataclass(frozen=True)
class Failed:
    record_id: str
    code: str
    message: str


class OutboxRows:
    """Outbox changes on one runner (a transaction or the database)."""

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def mark_written(
        self, kind: ActivityKind, written: Sequence[Written], *, org_id: str, now: datetime
    ) -> None:
        if not written:
            return
        self._runner.execute(
            """UPDATE sync_outbox AS o SET state = 'written', salesforce_id = v.sfid,
                   org_id = ?, last_code = NULL, last_message = NULL, next_attempt_at = NULL,
                   updated_at = ?
               FROM (SELECT unnest(?::VARCHAR[]) AS rid, unnest(?::VARCHAR[]) AS sfid) AS v
               WHERE o.kind = ? AND o.record_id = v.rid""",
            [
                org_id,
                to_db_time(now),
                [w.record_id for w in written],
                [w.salesforce_id for w in written],
                kind.value,
            ],
        )

    def mark_failed(
        self, kind: ActivityKind, failed: Sequence[Failed], *, org_id: str, now: datetime
    ) -> None:
        if not failed:
            return
        self._runner.execute(
            """UPDATE sync_outbox AS o SET state = 'failed', org_id = ?, last_code = v.code,
                   last_message = v.message, next_attempt_at = NULL, updated_at = ?
               FROM (SELECT unnest(?::VARCHAR[]) AS rid, unnest(?::VARCHAR[]) AS code,
                            unnest(?::VARCHAR[]) AS message) AS v
               WHERE o.kind = ? AND o.record_id = v.rid""",
            [
                org_id,
                to_db_time(now),
                [f.record_id for f in failed],
                [f.code for f in failed],
                [f.message for f in failed],
                kind.value,
            ],
        )

    def claim(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        *,
        org_id: str,
        now: datetime,
        look_up_after: datetime,
    ) -> int:
        """Pending rows become ``sending`` to ``org_id``; returns how many. Until the
        request's answer settles them, they may be looked up only from ``look_up_after`` (a
        write whose answer never came may land at Salesforce until then)."""
        if not record_ids:
            return 0
        rows = self._runner.execute(
            """UPDATE sync_outbox SET state = 'sending', attempts = attempts + 1, org_id = ?,
                   look_up_after = ?, updated_at = ?
               WHERE kind = ? AND state = 'pending'
                 AND record_id IN (SELECT unnest(?::VARCHAR[]))
               RETURNING record_id""",
            [org_id, to_db_time(look_up_after), to_db_time(now), kind.value, list(record_ids)],
        )
        return len(rows)

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
        """Rows go (back) to ``state`` (pending, or kept ``sending`` when whether Salesforce
        wrote them is unknown), remembering why and when to try again. Their request has been
        answered: they may be looked up at once."""
        if not record_ids:
            return
        self._runner.execute(
            """UPDATE sync_outbox SET state = ?, last_code = ?, last_message = ?,
                   next_attempt_at = ?, look_up_after = NULL, updated_at = ?
               WHERE kind = ? AND record_id IN (SELECT unnest(?::VARCHAR[]))
                 AND state IN ('pending', 'sending')""",
            [
                state.value,
                code,
                message,
                to_db_time(next_attempt_at) if next_attempt_at else None,
                to_db_time(now),
                kind.value,
                list(record_ids),
            ],
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
        """Like :meth:`release`, each row waiting ``delay(its attempts so far)``. Without an
        ``answered`` request, rows keep the time from which their claim lets them be looked up."""
        if not record_ids:
            return
        rows = self._runner.execute(
            "SELECT record_id, attempts FROM sync_outbox "
            "WHERE kind = ? AND record_id IN (SELECT unnest(?::VARCHAR[]))",
            [kind.value, list(record_ids)],
        )
        self._runner.execute(
            """UPDATE sync_outbox AS o SET state = ?, last_code = ?, last_message = ?,
                   next_attempt_at = v.next_at,
                   look_up_after = CASE WHEN ? THEN NULL ELSE o.look_up_after END,
                   updated_at = ?
               FROM (SELECT unnest(?::VARCHAR[]) AS rid, unnest(?::TIMESTAMP[]) AS next_at) AS v
               WHERE o.kind = ? AND o.record_id = v.rid AND o.state IN ('pending', 'sending')""",
            [
                state.value,
                code,
                message,
                answered,
                to_db_time(now),
                [str(r[0]) for r in rows],
                [to_db_time(now + delay(max(1, int(r[1])))) for r in rows],
                kind.value,
            ],
        )


class SyncTransaction:
    """The outbox, the sync log and the error log on one transaction."""

    def __init__(self, transaction: Transaction) -> None:
        self._transaction = transaction
        self.runner: SqlRunner = transaction
        self.outbox = OutboxRows(transaction)
        self.sync_log = DuckDbSyncLogRepository(transaction)
        self.errors = DuckDbIntegrationErrorRepository(transaction)

    def commit(self) -> None:
        self._transaction.commit()


class SyncStore:
    """The inbox and outbox in the portal's DuckDB file."""

    def __init__(self, database: Database) -> None:
        self._database = database
        self.outbox = OutboxRows(database)

    @contextmanager
    def transaction(self) -> Iterator[SyncTransaction]:
        """A transaction; whatever is not committed when the block ends is rolled back."""
        transaction = self._database.begin()
        try:
            yield SyncTransaction(transaction)
        finally:
            transaction.close()

    def enqueue(self, activities: Sequence[Activity], *, now: datetime) -> Enqueued:
        """Keep new calls and meetings (inbox) and queue them (outbox, ``pending``), in one
        transaction. Ids already in the inbox are left as they are and reported."""
        added: set[tuple[str, str]] = set()
        received = to_db_time(now)
        with self.transaction() as tx:
            runner = tx.runner
            for kind in ActivityKind:
                batch = [a for a in activities if a.kind is kind]
                if not batch:
                    continue
                rows = runner.execute(
                    """INSERT INTO sync_inbox (kind, record_id, payload, started_at, received_at)
                       SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]),
                              unnest(?::TIMESTAMP[]), ?
                       ON CONFLICT DO NOTHING RETURNING record_id""",
                    [
                        kind.value,
                        [a.record_id for a in batch],
                        [to_json(a) for a in batch],
                        [to_db_time(a.started_at) for a in batch],
                        received,
                    ],
                )
                new_ids = [str(r[0]) for r in rows]
                runner.execute(
                    """INSERT INTO sync_outbox (kind, record_id, state, attempts, updated_at)
                       SELECT ?, unnest(?::VARCHAR[]), 'pending', 0, ?""",
                    [kind.value, new_ids, received],
                )
                added.update((kind.value, i) for i in new_ids)
            tx.commit()
        known = tuple(a.record_id for a in activities if (a.kind.value, a.record_id) not in added)
        return Enqueued(added=len(added), already_known=known)

    def inbox_size(self) -> int:
        return int(self._database.execute("SELECT count(*) FROM sync_inbox")[0][0])

    def items(
        self,
        kind: ActivityKind,
        *,
        states: Sequence[DeliveryState],
        ready_at: datetime | None = None,
        settled_at: datetime | None = None,
    ) -> list[OutboxItem]:
        """Outbox rows of ``kind`` in ``states`` (oldest call first) whose MiiTel id has no
        "written" line in the sync log; with ``ready_at``, only rows not waiting past it; with
        ``settled_at``, only rows Salesforce can no longer be writing by then."""
        clauses = ["o.kind = ?", "o.state IN (SELECT unnest(?::VARCHAR[]))"]
        params: list[object] = [kind.value, [s.value for s in states]]
        if ready_at is not None:
            clauses.append("(o.next_attempt_at IS NULL OR o.next_attempt_at <= ?)")
            params.append(to_db_time(ready_at))
        if settled_at is not None:
            clauses.append("(o.look_up_after IS NULL OR o.look_up_after <= ?)")
            params.append(to_db_time(settled_at))
        rows = self._database.execute(
            f"""SELECT i.payload, o.state, o.attempts, o.org_id, o.next_attempt_at
                FROM sync_outbox o JOIN sync_inbox i
                  ON i.kind = o.kind AND i.record_id = o.record_id
                WHERE {" AND ".join(clauses)}
                  AND NOT EXISTS (
                      SELECT 1 FROM sync_log s
                      WHERE s.source = ? AND s.miitel_record_id = o.record_id
                        AND s.outcome = ?)
                ORDER BY i.started_at, o.record_id""",
            [*params, kind.source.value, SyncOutcome.WRITTEN.value],
        )
        return [
            OutboxItem(
                activity=from_json(kind, payload),
                state=DeliveryState(state),
                attempts=int(attempts),
                org_id=org_id,
                next_attempt_at=from_db_time(next_at) if next_at is not None else None,
            )
            for payload, state, attempts, org_id, next_at in rows
        ]

    def waiting_for_retry(self, kind: ActivityKind, *, now: datetime) -> int:
        """Pending rows of ``kind`` whose retry time is still ahead of ``now``."""
        rows = self._database.execute(
            "SELECT count(*) FROM sync_outbox WHERE kind = ? AND state = 'pending' "
            "AND next_attempt_at > ?",
            [kind.value, to_db_time(now)],
        )
        return int(rows[0][0])

    def maybe_still_writing(self, kind: ActivityKind, *, now: datetime) -> int:
        """Sending rows of ``kind`` whose request, never answered, may still land at ``now``."""
        rows = self._database.execute(
            "SELECT count(*) FROM sync_outbox WHERE kind = ? AND state = 'sending' "
            "AND look_up_after > ?",
            [kind.value, to_db_time(now)],
        )
        return int(rows[0][0])

    def counts(self) -> list[StateCount]:
        rows = self._database.execute(
            "SELECT kind, state, count(*) FROM sync_outbox GROUP BY kind, state ORDER BY 1, 2"
        )
        return [StateCount(ActivityKind(k), DeliveryState(s), int(n)) for k, s, n in rows]

    def open_count(self) -> int:
        """Records not yet written nor refused (pending or sending)."""
        rows = self._database.execute(
            "SELECT count(*) FROM sync_outbox WHERE state IN ('pending', 'sending')"
        )
        return int(rows[0][0])

    def waiting_reasons(self) -> list[WaitingReason]:
        rows = self._database.execute(
            """SELECT kind, last_code, any_value(last_message), count(*) FROM sync_outbox
               WHERE state IN ('pending', 'sending') GROUP BY kind, last_code
               ORDER BY 1, 4 DESC"""
        )
        return [WaitingReason(ActivityKind(k), c, m, int(n)) for k, c, m, n in rows]

    def salesforce_id(self, kind: ActivityKind, record_id: str) -> str | None:
        rows = self._database.execute(
            "SELECT salesforce_id FROM sync_outbox WHERE kind = ? AND record_id = ?",
            [kind.value, record_id],
        )
        return rows[0][0] if rows else None

    def requeue_failed(self, *, now: datetime, kind: ActivityKind | None = None) -> int:
        """Refused records go back to ``pending``; returns how many."""
        where, params = ("AND kind = ?", [kind.value]) if kind else ("", [])
        rows = self._database.execute(
            "UPDATE sync_outbox SET state = 'pending', next_attempt_at = NULL, updated_at = ? "
            f"WHERE state = 'failed' {where} RETURNING record_id",
            [to_db_time(now), *params],
        )
        return len(rows)
