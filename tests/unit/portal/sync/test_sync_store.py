"""The inbox and outbox in a real DuckDB file: each call once, states that survive a restart,
and the sync log as the last word on what was written."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from portal.adapters.db import Database
from portal.adapters.duckdb_sync import DuckDbSyncStore
from portal.domain.calls import ActivityKind
from portal.domain.integration_errors import ErrorSource
from portal.domain.sync.outbox import DeliveryState, Failed, Written
from portal.domain.sync_log import SyncLogEntry, SyncOutcome
from portal.services.sync.simulation import simulate

NOW = datetime(2025, 5, 7, 3, 0, tzinfo=UTC)
ORG = "00D000000000001AAA"


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(path=tmp_path / "portal.duckdb") as db:
        yield db


def _ids(store: DuckDbSyncStore, state: DeliveryState) -> list[str]:
    return [i.activity.record_id for i in store.items(ActivityKind.CALL, states=(state,))]


def test_calls_are_kept_once_and_queued(database: Database) -> None:
    store = DuckDbSyncStore(database)
    activity = simulate(seed=1, calls=5, meetings=2, now=NOW)
    first = store.enqueue([*activity.calls, *activity.meetings], now=NOW)
    again = store.enqueue(list(activity.calls[:2]), now=NOW)
    assert (first.added, first.already_known) == (7, ())
    assert (again.added, again.already_known) == (0, tuple(c.call_id for c in activity.calls[:2]))
    assert store.inbox_size() == 7
    pending = store.items(ActivityKind.CALL, states=(DeliveryState.PENDING,))
    assert [i.activity for i in pending] == sorted(
        activity.calls, key=lambda c: (c.started_at, c.call_id)
    )


def test_states_move_and_survive_reopening_the_file(tmp_path: Path) -> None:
    path = tmp_path / "portal.duckdb"
    calls = simulate(seed=2, calls=4, meetings=0, now=NOW).calls
    ids = [c.call_id for c in calls]
    with Database(path=path) as db:
        store = DuckDbSyncStore(db)
        store.enqueue(list(calls), now=NOW)
        with store.transaction() as tx:
            claimed = tx.outbox.claim(
                ActivityKind.CALL, ids[:3], org_id=ORG, now=NOW, look_up_after=NOW
            )
            assert claimed == 3
            tx.commit()
        with store.transaction() as tx:
            tx.outbox.mark_written(
                ActivityKind.CALL, [Written(ids[0], "00TA")], org_id=ORG, now=NOW
            )
            tx.outbox.mark_failed(
                ActivityKind.CALL,
                [Failed(ids[1], "INVALID_FIELD", "no such column")],
                org_id=ORG,
                now=NOW,
            )
            # Not committed: rolled back when the block ends.
        assert _ids(store, DeliveryState.SENDING) == sorted(ids[:3], key=ids.index)
    with Database(path=path) as db:
        store = DuckDbSyncStore(db)
        assert set(_ids(store, DeliveryState.SENDING)) == set(ids[:3])
        assert _ids(store, DeliveryState.PENDING) == [ids[3]]
        sending = store.items(ActivityKind.CALL, states=(DeliveryState.SENDING,))
        assert {i.org_id for i in sending} == {ORG} and {i.attempts for i in sending} == {1}


def test_a_call_the_sync_log_says_was_written_is_never_offered_again(database: Database) -> None:
    store = DuckDbSyncStore(database)
    [call] = simulate(seed=3, calls=1, meetings=0, now=NOW).calls
    store.enqueue([call], now=NOW)
    with store.transaction() as tx:
        tx.sync_log.append(
            SyncLogEntry(
                occurred_at=NOW,
                source=ErrorSource.ACTIVITY,
                miitel_record_id=call.call_id,
                sobject="Task",
                outcome=SyncOutcome.WRITTEN,
                salesforce_id="00TA",
            )
        )
        tx.commit()
    assert store.items(ActivityKind.CALL, states=(DeliveryState.PENDING,)) == []


def test_waiting_rows_back_off_and_failed_rows_can_be_queued_again(database: Database) -> None:
    store = DuckDbSyncStore(database)
    calls = simulate(seed=4, calls=3, meetings=0, now=NOW).calls
    ids = [c.call_id for c in calls]
    store.enqueue(list(calls), now=NOW)
    with store.transaction() as tx:
        tx.outbox.claim(ActivityKind.CALL, ids[:2], org_id=ORG, now=NOW, look_up_after=NOW)
        tx.outbox.mark_failed(
            ActivityKind.CALL, [Failed(ids[2], "X", "refused")], org_id=ORG, now=NOW
        )
        tx.commit()
    store.outbox.retry_later(
        ActivityKind.CALL,
        ids[:2],
        now=NOW,
        code="SERVER_UNAVAILABLE",
        message="down",
        delay=lambda attempts: timedelta(minutes=attempts),
        state=DeliveryState.PENDING,
    )
    assert store.items(ActivityKind.CALL, states=(DeliveryState.PENDING,), ready_at=NOW) == []
    later = store.items(
        ActivityKind.CALL, states=(DeliveryState.PENDING,), ready_at=NOW + timedelta(minutes=1)
    )
    assert len(later) == 2
    [reason] = [w for w in store.waiting_reasons() if w.code]
    assert (reason.code, reason.count) == ("SERVER_UNAVAILABLE", 2)
    assert store.open_count() == 2

    assert store.requeue_failed(now=NOW) == 1
    assert store.open_count() == 3
    assert {c.state: c.count for c in store.counts()} == {DeliveryState.PENDING: 3}


def test_a_send_never_answered_is_looked_up_only_after_its_time(database: Database) -> None:
    store = DuckDbSyncStore(database)
    calls = simulate(seed=5, calls=3, meetings=0, now=NOW).calls
    ids = [c.call_id for c in calls]
    store.enqueue(list(calls), now=NOW)
    settled = NOW + timedelta(minutes=10)
    with store.transaction() as tx:
        tx.outbox.claim(ActivityKind.CALL, ids, org_id=ORG, now=NOW, look_up_after=settled)
        tx.commit()

    def uncertain(at: datetime) -> list[str]:
        items = store.items(ActivityKind.CALL, states=(DeliveryState.SENDING,), settled_at=at)
        return [i.activity.record_id for i in items]

    # Timed out: still unsure until the claim's time. Answered with a 503: the request is
    # over, so it may be looked up at once. No answer for one record: likewise.
    store.outbox.retry_later(
        ActivityKind.CALL,
        [ids[0]],
        now=NOW,
        code="TIMEOUT",
        message="no answer",
        delay=lambda _attempts: timedelta(0),
        state=DeliveryState.SENDING,
        answered=False,
    )
    store.outbox.retry_later(
        ActivityKind.CALL,
        [ids[1]],
        now=NOW,
        code="SERVER_UNAVAILABLE",
        message="down",
        delay=lambda _attempts: timedelta(0),
        state=DeliveryState.SENDING,
    )
    store.outbox.release(ActivityKind.CALL, [ids[2]], now=NOW, state=DeliveryState.SENDING)

    assert set(uncertain(NOW)) == set(ids[1:])
    assert store.maybe_still_writing(ActivityKind.CALL, now=NOW) == 1
    assert set(uncertain(settled)) == set(ids)
    assert store.maybe_still_writing(ActivityKind.CALL, now=settled) == 0
