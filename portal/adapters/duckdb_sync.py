"""The sync store on DuckDB: calls and meetings (the inbox) and what is left to send (the
outbox), in the portal's DuckDB file (tables from migration 3 of :mod:`portal.adapters.db`);
the port is :class:`~portal.domain.ports.SyncStore`, its in-memory twin
:class:`~portal.adapters.memory.InMemorySyncStore`.

The states an outbox row goes through are in :mod:`portal.domain.sync.outbox`.

A :class:`DuckDbSyncTransaction` changes outbox rows, the sync log and the error log together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

from portal.adapters.db import (
    SqlRunner,
    TransactionalRunner,
    TransactionRunner,
    from_db_time,
    to_db_time,
)
from portal.adapters.duckdb_logs import DuckDbIntegrationErrorRepository, DuckDbSyncLogRepository
from portal.domain.calls import Activity, ActivityKind
from portal.domain.sync.codec import from_json, to_json
from portal.domain.sync.outbox import (
    DeliveryState,
    Enqueued,
    Failed,
    OutboxItem,
    StateCount,
    WaitingReason,
    Written,
)
from portal.domain.sync_log import SyncOutcome


class DuckDbOutbox:
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


class DuckDbSyncTransaction:
    """The outbox, the sync log and the error log on one transaction."""

    def __init__(self, transaction: TransactionRunner) -> None:
        self._transaction = transaction
        self.runner: SqlRunner = transaction
        self.outbox = DuckDbOutbox(transaction)
        self.sync_log = DuckDbSyncLogRepository(transaction)
        self.errors = DuckDbIntegrationErrorRepository(transaction)

    def commit(self) -> None:
        self._transaction.commit()


class DuckDbSyncStore:
    """The inbox and outbox in the portal's DuckDB file."""

    def __init__(self, database: TransactionalRunner) -> None:
        self._database = database
        self.outbox = DuckDbOutbox(database)
        self._sending = threading.Lock()

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """One sender at a time: the DuckDB file has one writing process, so a lock in it."""
        with self._sending:
            yield

    @contextmanager
    def transaction(self) -> Iterator[DuckDbSyncTransaction]:
        """A transaction; whatever is not committed when the block ends is rolled back."""
        transaction = self._database.begin()
        try:
            yield DuckDbSyncTransaction(transaction)
        finally:
            transaction.close()

    def enqueue(self, activities: Sequence[Activity], *, now: datetime) -> Enqueued:
        """Keep new calls and meetings (inbox) and queue them (outbox, ``pending``), in one
        transaction. Ids already in the inbox are left as they are and reported."""
        added: set[tuple[ActivityKind, str]] = set()
        with self.transaction() as tx:
            for kind in ActivityKind:
                batch = [a for a in activities if a.kind is kind]
                if batch:
                    new_ids = _keep(tx.runner, kind, batch, now=now)
                    _queue(tx.runner, kind, new_ids, now=now)
                    added.update((kind, i) for i in new_ids)
            tx.commit()
        return Enqueued.of(activities, added=added)

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
               ORDER BY 1, 4 DESC, 2 NULLS FIRST"""
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


def _keep(
    runner: SqlRunner, kind: ActivityKind, batch: Sequence[Activity], *, now: datetime
) -> list[str]:
    """Insert the inbox rows of ``batch`` (all of ``kind``); returns the ids that were new."""
    rows = runner.execute(
        """INSERT INTO sync_inbox (kind, record_id, payload, started_at, received_at)
           SELECT ?, unnest(?::VARCHAR[]), unnest(?::VARCHAR[]), unnest(?::TIMESTAMP[]), ?
           ON CONFLICT DO NOTHING RETURNING record_id""",
        [
            kind.value,
            [a.record_id for a in batch],
            [to_json(a) for a in batch],
            [to_db_time(a.started_at) for a in batch],
            to_db_time(now),
        ],
    )
    return [str(r[0]) for r in rows]


def _queue(
    runner: SqlRunner, kind: ActivityKind, record_ids: Sequence[str], *, now: datetime
) -> None:
    """Outbox rows, ``pending``, for newly kept records."""
    runner.execute(
        """INSERT INTO sync_outbox (kind, record_id, state, attempts, updated_at)
           SELECT ?, unnest(?::VARCHAR[]), 'pending', 0, ?""",
        [kind.value, list(record_ids), to_db_time(now)],
    )
