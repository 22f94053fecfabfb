"""The sync store's contract, run against the DuckDB file and the in-memory fake alike: each
call and meeting once, claims and leases, written / failed / retry, why rows wait, and the
outbox, the sync log and the error log changed together on one transaction."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from portal_storage_support import Storage

from portal.adapters.db import Database
from portal.adapters.duckdb_sync import DuckDbSyncStore
from portal.domain.calls import Activity, ActivityKind, Call, Meeting
from portal.domain.integration_errors import ErrorSource, IntegrationErrorEntry, SyncOperation
from portal.domain.ports import SyncStore
from portal.domain.sync.outbox import DeliveryState, Failed, StateCount, WaitingReason, Written
from portal.domain.sync_log import SyncLogEntry, SyncOutcome
from portal.services.sync.simulation import simulate

NOW = datetime(2025, 5, 7, 3, 0, tzinfo=UTC)
ORG = "00D000000000001AAA"
JST = timezone(timedelta(hours=9))
CALL = ActivityKind.CALL
MEETING = ActivityKind.MEETING
PENDING = DeliveryState.PENDING
SENDING = DeliveryState.SENDING


class Boom(Exception):
    """Stands for any failure in the middle of a sync transaction."""


def calls(seed: int, n: int) -> list[Call]:
    return list(simulate(seed=seed, calls=n, meetings=0, now=NOW).calls)


def ids_in(store: SyncStore, state: DeliveryState, kind: ActivityKind = CALL) -> list[str]:
    return [i.activity.record_id for i in store.items(kind, states=(state,))]


def counts(store: SyncStore) -> dict[tuple[ActivityKind, DeliveryState], int]:
    return {(c.kind, c.state): c.count for c in store.counts()}


def written_line(call: Call, *, salesforce_id: str = "00TA") -> SyncLogEntry:
    return SyncLogEntry(
        occurred_at=NOW,
        source=ErrorSource.ACTIVITY,
        miitel_record_id=call.call_id,
        sobject="Task",
        outcome=SyncOutcome.WRITTEN,
        salesforce_id=salesforce_id,
    )


def error_line(call: Call) -> IntegrationErrorEntry:
    return IntegrationErrorEntry(
        occurred_at=NOW,
        source=ErrorSource.ACTIVITY,
        miitel_record_id=call.call_id,
        sobject="Task",
        operation=SyncOperation.CREATE,
        status_code="INVALID_FIELD",
        message="No such column",
    )


def claimed(storage: Storage, record_ids: list[str], *, look_up_after: datetime = NOW) -> int:
    """Claim ``record_ids`` (calls) for ORG and commit, as the sync does before a write."""
    with storage.sync.transaction() as tx:
        n = tx.outbox.claim(CALL, record_ids, org_id=ORG, now=NOW, look_up_after=look_up_after)
        tx.commit()
    return n


def no_delay(_attempts: int) -> timedelta:
    return timedelta(0)


class TestEnqueue:
    def test_calls_and_meetings_are_kept_once_and_queued_oldest_first(
        self, storage: Storage
    ) -> None:
        store = storage.sync
        activity = simulate(seed=1, calls=5, meetings=2, now=NOW)
        first = store.enqueue([*activity.calls, *activity.meetings], now=NOW)
        again = store.enqueue(list(activity.calls[:2]), now=NOW)

        assert (first.added, first.already_known) == (7, ())
        assert (again.added, again.already_known) == (
            0,
            tuple(c.call_id for c in activity.calls[:2]),
        )
        assert store.inbox_size() == 7
        pending = store.items(CALL, states=(PENDING,))
        assert [i.activity for i in pending] == sorted(
            activity.calls, key=lambda c: (c.started_at, c.call_id)
        )
        assert {(i.state, i.attempts, i.org_id, i.next_attempt_at) for i in pending} == {
            (PENDING, 0, None, None)
        }
        meetings = store.items(MEETING, states=(PENDING,))
        assert [i.activity for i in meetings] == sorted(
            activity.meetings, key=lambda m: (m.started_at, m.meeting_id)
        )
        assert counts(store) == {(CALL, PENDING): 5, (MEETING, PENDING): 2}

    def test_a_batch_of_new_and_known_ids_adds_the_new_and_reports_the_known_in_order(
        self, storage: Storage
    ) -> None:
        first, second, third = calls(seed=2, n=3)
        storage.sync.enqueue([second], now=NOW)

        outcome = storage.sync.enqueue([first, second, third], now=NOW)

        assert (outcome.added, outcome.already_known) == (2, (second.call_id,))
        assert storage.sync.inbox_size() == 3

    def test_an_id_twice_in_one_batch_is_kept_once(self, storage: Storage) -> None:
        first, second = calls(seed=24, n=2)

        outcome = storage.sync.enqueue([first, first, second], now=NOW)

        assert (outcome.added, outcome.already_known) == (2, ())
        assert storage.sync.inbox_size() == 2
        assert counts(storage.sync) == {(CALL, PENDING): 2}

    def test_a_known_id_keeps_the_activity_first_received(self, storage: Storage) -> None:
        [call] = calls(seed=3, n=1)
        storage.sync.enqueue([call], now=NOW)

        storage.sync.enqueue([replace(call, memo="changed later")], now=NOW)

        [item] = storage.sync.items(CALL, states=(PENDING,))
        assert item.activity == call

    def test_a_call_and_a_meeting_with_the_same_id_are_two_records(self, storage: Storage) -> None:
        activity = simulate(seed=4, calls=1, meetings=1, now=NOW)
        call = activity.calls[0]
        meeting: Meeting = replace(activity.meetings[0], meeting_id=call.call_id)

        outcome = storage.sync.enqueue([call, meeting], now=NOW)

        assert (outcome.added, outcome.already_known) == (2, ())
        assert storage.sync.inbox_size() == 2
        assert ids_in(storage.sync, PENDING, CALL) == ids_in(storage.sync, PENDING, MEETING)

    def test_nothing_to_enqueue_changes_nothing(self, storage: Storage) -> None:
        outcome = storage.sync.enqueue([], now=NOW)

        assert (outcome.added, outcome.already_known) == (0, ())
        assert storage.sync.inbox_size() == 0
        assert storage.sync.counts() == []
        assert storage.sync.open_count() == 0
        assert storage.sync.waiting_reasons() == []


class TestClaim:
    def test_only_pending_rows_are_claimed_once_each_with_one_attempt_more(
        self, storage: Storage
    ) -> None:
        batch = calls(seed=5, n=3)
        ids = [c.call_id for c in batch]
        storage.sync.enqueue(batch, now=NOW)

        assert claimed(storage, [*ids[:2], ids[0], "not-in-the-inbox"]) == 2
        assert claimed(storage, ids) == 1

        sending = storage.sync.items(CALL, states=(SENDING,))
        assert {i.activity.record_id for i in sending} == set(ids)
        assert {(i.org_id, i.attempts) for i in sending} == {(ORG, 1)}
        assert storage.sync.items(CALL, states=(PENDING,)) == []
        assert counts(storage.sync) == {(CALL, SENDING): 3}
        assert storage.sync.open_count() == 3

    def test_claiming_nothing_claims_nothing(self, storage: Storage) -> None:
        storage.sync.enqueue(calls(seed=6, n=1), now=NOW)

        assert claimed(storage, []) == 0
        assert counts(storage.sync) == {(CALL, PENDING): 1}

    def test_a_claim_is_only_for_its_kind(self, storage: Storage) -> None:
        activity = simulate(seed=7, calls=1, meetings=1, now=NOW)
        meeting = replace(activity.meetings[0], meeting_id=activity.calls[0].call_id)
        storage.sync.enqueue([activity.calls[0], meeting], now=NOW)

        assert claimed(storage, [activity.calls[0].call_id]) == 1

        assert counts(storage.sync) == {(CALL, SENDING): 1, (MEETING, PENDING): 1}

    def test_a_send_never_answered_is_looked_up_only_after_its_time(self, storage: Storage) -> None:
        store = storage.sync
        batch = calls(seed=8, n=3)
        ids = [c.call_id for c in batch]
        store.enqueue(batch, now=NOW)
        settled = NOW + timedelta(minutes=10)
        claimed(storage, ids, look_up_after=settled)

        def uncertain(at: datetime) -> set[str]:
            return {
                i.activity.record_id for i in store.items(CALL, states=(SENDING,), settled_at=at)
            }

        # Timed out: still unsure until the claim's time. Answered with a 503: the request is
        # over, so it may be looked up at once. No answer for one record: likewise.
        store.outbox.retry_later(
            CALL,
            [ids[0]],
            now=NOW,
            code="TIMEOUT",
            message="no answer",
            delay=no_delay,
            state=SENDING,
            answered=False,
        )
        store.outbox.retry_later(
            CALL,
            [ids[1]],
            now=NOW,
            code="SERVER_UNAVAILABLE",
            message="down",
            delay=no_delay,
            state=SENDING,
        )
        store.outbox.release(CALL, [ids[2]], now=NOW, state=SENDING)

        assert uncertain(NOW) == set(ids[1:])
        assert store.maybe_still_writing(CALL, now=NOW) == 1
        assert uncertain(settled) == set(ids)
        assert store.maybe_still_writing(CALL, now=settled) == 0
        assert store.items(CALL, states=(SENDING,)) == store.items(
            CALL, states=(SENDING,), settled_at=settled
        )


class TestOutcomes:
    def test_written_rows_keep_their_salesforce_id_and_are_no_longer_open(
        self, storage: Storage
    ) -> None:
        store = storage.sync
        batch = calls(seed=9, n=3)
        ids = [c.call_id for c in batch]
        store.enqueue(batch, now=NOW)
        claimed(storage, ids)

        store.outbox.mark_written(
            CALL, [Written(ids[0], "00TA"), Written(ids[1], "00TB")], org_id=ORG, now=NOW
        )

        assert store.salesforce_id(CALL, ids[0]) == "00TA"
        assert store.salesforce_id(CALL, ids[1]) == "00TB"
        assert store.salesforce_id(CALL, ids[2]) is None
        assert store.salesforce_id(CALL, "not-in-the-inbox") is None
        assert store.salesforce_id(MEETING, ids[0]) is None
        assert ids_in(store, DeliveryState.WRITTEN) == sorted(
            ids[:2], key=lambda i: (next(c.started_at for c in batch if c.call_id == i), i)
        )
        assert counts(store) == {(CALL, DeliveryState.WRITTEN): 2, (CALL, SENDING): 1}
        assert store.open_count() == 1

    def test_failed_rows_remember_why_and_can_be_queued_again(self, storage: Storage) -> None:
        store = storage.sync
        batch = calls(seed=10, n=3)
        ids = [c.call_id for c in batch]
        store.enqueue(batch, now=NOW)
        claimed(storage, ids[:2])

        store.outbox.mark_failed(
            CALL, [Failed(ids[0], "INVALID_FIELD", "no such column")], org_id=ORG, now=NOW
        )

        [failed] = store.items(CALL, states=(DeliveryState.FAILED,))
        assert (failed.activity.record_id, failed.org_id, failed.attempts) == (ids[0], ORG, 1)
        assert store.open_count() == 2
        assert store.requeue_failed(now=NOW, kind=MEETING) == 0
        assert store.requeue_failed(now=NOW, kind=CALL) == 1
        assert store.requeue_failed(now=NOW) == 0
        assert counts(store) == {(CALL, PENDING): 2, (CALL, SENDING): 1}
        [again] = [
            i for i in store.items(CALL, states=(PENDING,)) if i.activity.record_id == ids[0]
        ]
        assert (again.attempts, again.next_attempt_at) == (1, None)

    def test_requeue_without_a_kind_queues_every_refused_record(self, storage: Storage) -> None:
        store = storage.sync
        activity = simulate(seed=11, calls=2, meetings=1, now=NOW)
        store.enqueue([*activity.calls, *activity.meetings], now=NOW)
        store.outbox.mark_failed(
            CALL, [Failed(c.call_id, "X", "refused") for c in activity.calls], org_id=ORG, now=NOW
        )
        store.outbox.mark_failed(
            MEETING, [Failed(activity.meetings[0].meeting_id, "Y", "no")], org_id=ORG, now=NOW
        )

        assert store.requeue_failed(now=NOW) == 3
        assert counts(store) == {(CALL, PENDING): 2, (MEETING, PENDING): 1}

    def test_a_call_the_sync_log_says_was_written_is_never_offered_again(
        self, storage: Storage
    ) -> None:
        store = storage.sync
        [call, other] = calls(seed=12, n=2)
        store.enqueue([call, other], now=NOW)

        with store.transaction() as tx:
            tx.sync_log.append(written_line(call))
            tx.commit()

        assert ids_in(store, PENDING) == [other.call_id]
        # A "failed" line, or one for a meeting, hides nothing.
        storage.repos.sync_log.append(
            replace(written_line(other), outcome=SyncOutcome.FAILED, salesforce_id=None)
        )
        storage.repos.sync_log.append(replace(written_line(other), source=ErrorSource.VIDEO))
        assert ids_in(store, PENDING) == [other.call_id]

    def test_release_takes_open_rows_back_and_leaves_settled_ones(self, storage: Storage) -> None:
        store = storage.sync
        batch = calls(seed=13, n=3)
        ids = [c.call_id for c in batch]
        store.enqueue(batch, now=NOW)
        claimed(storage, ids)
        store.outbox.mark_written(CALL, [Written(ids[0], "00TA")], org_id=ORG, now=NOW)
        store.outbox.mark_failed(CALL, [Failed(ids[1], "X", "refused")], org_id=ORG, now=NOW)
        later = NOW + timedelta(hours=1)

        store.outbox.release(
            CALL, ids, now=NOW, code="NOT_INTEGRATED", message="not yet", next_attempt_at=later
        )

        assert counts(store) == {
            (CALL, DeliveryState.WRITTEN): 1,
            (CALL, DeliveryState.FAILED): 1,
            (CALL, PENDING): 1,
        }
        assert store.salesforce_id(CALL, ids[0]) == "00TA"
        [released] = store.items(CALL, states=(PENDING,))
        assert (released.activity.record_id, released.next_attempt_at) == (ids[2], later)
        assert store.waiting_reasons() == [WaitingReason(CALL, "NOT_INTEGRATED", "not yet", 1)]
        assert store.items(CALL, states=(PENDING,), ready_at=NOW) == []
        assert len(store.items(CALL, states=(PENDING,), ready_at=later)) == 1


class TestRetry:
    def test_waiting_rows_back_off_by_their_attempts(self, storage: Storage) -> None:
        store = storage.sync
        batch = calls(seed=14, n=3)
        ids = [c.call_id for c in batch]
        store.enqueue(batch, now=NOW)
        claimed(storage, ids[:2])
        store.outbox.mark_failed(CALL, [Failed(ids[2], "X", "refused")], org_id=ORG, now=NOW)

        store.outbox.retry_later(
            CALL,
            ids,
            now=NOW,
            code="SERVER_UNAVAILABLE",
            message="down",
            delay=lambda attempts: timedelta(minutes=attempts),
            state=PENDING,
        )

        assert store.items(CALL, states=(PENDING,), ready_at=NOW) == []
        later = store.items(CALL, states=(PENDING,), ready_at=NOW + timedelta(minutes=1))
        assert {i.next_attempt_at for i in later} == {NOW + timedelta(minutes=1)}
        assert {i.activity.record_id for i in later} == set(ids[:2])
        assert store.waiting_for_retry(CALL, now=NOW) == 2
        assert store.waiting_for_retry(CALL, now=NOW + timedelta(minutes=1)) == 0
        assert store.waiting_for_retry(MEETING, now=NOW) == 0
        # The refused record stays refused.
        assert counts(store) == {(CALL, PENDING): 2, (CALL, DeliveryState.FAILED): 1}

        assert store.requeue_failed(now=NOW) == 1
        assert store.open_count() == 3
        assert counts(store) == {(CALL, PENDING): 3}
        assert store.waiting_for_retry(CALL, now=NOW) == 2

    def test_a_row_never_tried_waits_as_if_tried_once(self, storage: Storage) -> None:
        [call] = calls(seed=15, n=1)
        storage.sync.enqueue([call], now=NOW)

        storage.sync.outbox.retry_later(
            CALL,
            [call.call_id],
            now=NOW,
            code="UNABLE_TO_LOCK_ROW",
            message="busy",
            delay=lambda attempts: timedelta(minutes=10 * attempts),
            state=PENDING,
        )

        [item] = storage.sync.items(CALL, states=(PENDING,))
        assert (item.attempts, item.next_attempt_at) == (0, NOW + timedelta(minutes=10))

    def test_waiting_reasons_group_open_rows_by_kind_and_last_code(self, storage: Storage) -> None:
        store = storage.sync
        activity = simulate(seed=16, calls=6, meetings=2, now=NOW)
        ids = [c.call_id for c in activity.calls]
        store.enqueue([*activity.calls, *activity.meetings], now=NOW)
        claimed(storage, ids[:5])
        store.outbox.retry_later(
            CALL,
            ids[:3],
            now=NOW,
            code="SERVER_UNAVAILABLE",
            message="down",
            delay=no_delay,
            state=PENDING,
        )
        store.outbox.release(CALL, [ids[3]], now=NOW, code="NOT_INTEGRATED", message=None)
        store.outbox.mark_failed(CALL, [Failed(ids[4], "X", "refused")], org_id=ORG, now=NOW)

        # Equally many: never tried first, then by code.
        assert store.waiting_reasons() == [
            WaitingReason(CALL, "SERVER_UNAVAILABLE", "down", 3),
            WaitingReason(CALL, None, None, 1),
            WaitingReason(CALL, "NOT_INTEGRATED", None, 1),
            WaitingReason(MEETING, None, None, 2),
        ]
        assert store.open_count() == 7

    def test_counts_are_by_kind_then_state(self, storage: Storage) -> None:
        store = storage.sync
        activity = simulate(seed=17, calls=4, meetings=2, now=NOW)
        ids = [c.call_id for c in activity.calls]
        store.enqueue([*activity.calls, *activity.meetings], now=NOW)
        claimed(storage, ids[:3])
        store.outbox.mark_written(CALL, [Written(ids[0], "00TA")], org_id=ORG, now=NOW)
        store.outbox.mark_failed(CALL, [Failed(ids[1], "X", "refused")], org_id=ORG, now=NOW)

        assert store.counts() == [
            StateCount(CALL, DeliveryState.FAILED, 1),
            StateCount(CALL, PENDING, 1),
            StateCount(CALL, SENDING, 1),
            StateCount(CALL, DeliveryState.WRITTEN, 1),
            StateCount(MEETING, PENDING, 2),
        ]


class TestSyncTransaction:
    def everything(self, storage: Storage) -> tuple[object, ...]:
        store = storage.sync
        return (
            store.counts(),
            [store.items(kind, states=tuple(DeliveryState)) for kind in ActivityKind],
            store.waiting_reasons(),
            storage.repos.sync_log.recent(limit=1000),
            storage.repos.integration_errors.page(limit=1000),
        )

    def test_a_committed_transaction_keeps_the_outbox_the_sync_log_and_the_error_log(
        self, storage: Storage
    ) -> None:
        first, second = calls(seed=18, n=2)
        storage.sync.enqueue([first, second], now=NOW)
        claimed(storage, [first.call_id, second.call_id])

        with storage.sync.transaction() as tx:
            tx.outbox.mark_written(CALL, [Written(first.call_id, "00TA")], org_id=ORG, now=NOW)
            tx.sync_log.append(written_line(first))
            tx.outbox.mark_failed(
                CALL,
                [Failed(second.call_id, "INVALID_FIELD", "No such column")],
                org_id=ORG,
                now=NOW,
            )
            tx.errors.append(error_line(second))
            tx.commit()

        assert counts(storage.sync) == {
            (CALL, DeliveryState.WRITTEN): 1,
            (CALL, DeliveryState.FAILED): 1,
        }
        assert [e.miitel_record_id for e in storage.repos.sync_log.recent()] == [first.call_id]
        page = storage.repos.integration_errors.page(limit=10)
        assert [e.miitel_record_id for e in page.entries] == [second.call_id]

    def test_leaving_without_commit_undoes_the_outbox_the_sync_log_and_the_error_log(
        self, storage: Storage
    ) -> None:
        first, second = calls(seed=19, n=2)
        storage.sync.enqueue([first, second], now=NOW)
        claimed(storage, [first.call_id])
        before = self.everything(storage)

        with storage.sync.transaction() as tx:
            tx.outbox.claim(CALL, [second.call_id], org_id=ORG, now=NOW, look_up_after=NOW)
            tx.outbox.mark_written(CALL, [Written(first.call_id, "00TA")], org_id=ORG, now=NOW)
            tx.sync_log.append(written_line(first))
            tx.errors.append(error_line(second))

        assert self.everything(storage) == before
        assert storage.sync.salesforce_id(CALL, first.call_id) is None

    def test_a_failure_inside_the_transaction_undoes_it(self, storage: Storage) -> None:
        [call] = calls(seed=20, n=1)
        storage.sync.enqueue([call], now=NOW)
        before = self.everything(storage)

        with pytest.raises(Boom), storage.sync.transaction() as tx:
            tx.outbox.claim(CALL, [call.call_id], org_id=ORG, now=NOW, look_up_after=NOW)
            tx.sync_log.append(written_line(call))
            raise Boom

        assert self.everything(storage) == before

    def test_work_after_a_commit_is_undone_unless_committed_too(self, storage: Storage) -> None:
        first, second = calls(seed=21, n=2)
        storage.sync.enqueue([first, second], now=NOW)

        with storage.sync.transaction() as tx:
            tx.outbox.claim(CALL, [first.call_id], org_id=ORG, now=NOW, look_up_after=NOW)
            tx.commit()
            tx.outbox.claim(CALL, [second.call_id], org_id=ORG, now=NOW, look_up_after=NOW)
            tx.errors.append(error_line(second))

        assert ids_in(storage.sync, SENDING) == [first.call_id]
        assert ids_in(storage.sync, PENDING) == [second.call_id]
        assert storage.repos.integration_errors.page(limit=10).entries == ()

    def test_outbox_changes_outside_a_transaction_are_kept_at_once(self, storage: Storage) -> None:
        [call] = calls(seed=22, n=1)
        storage.sync.enqueue([call], now=NOW)

        assert (
            storage.sync.outbox.claim(CALL, [call.call_id], org_id=ORG, now=NOW, look_up_after=NOW)
            == 1
        )
        with storage.sync.transaction():
            pass

        assert ids_in(storage.sync, SENDING) == [call.call_id]


class TestOneSender:
    def test_a_second_sender_waits_until_the_first_is_done(self, storage: Storage) -> None:
        """``exclusive()``: one sync run at a time over the outbox (on PostgreSQL across every
        connection, so across processes); a second waits instead of sending the same rows."""
        store = storage.sync
        events: list[str] = []
        first_in = threading.Event()

        def second() -> None:
            first_in.wait(timeout=10)
            with store.exclusive():
                events.append("second in")

        other = threading.Thread(target=second)
        other.start()
        with store.exclusive():
            events.append("first in")
            first_in.set()
            time.sleep(0.3)
            events.append("first out")
        other.join(timeout=10)
        assert events == ["first in", "first out", "second in"]

    def test_the_sender_lock_is_free_again_after_a_failure(self, storage: Storage) -> None:
        store = storage.sync
        with pytest.raises(Boom), store.exclusive():
            raise Boom
        with store.exclusive():
            pass


class TestTimes:
    def test_times_come_back_in_utc_whatever_zone_they_were_given_in(
        self, storage: Storage
    ) -> None:
        store = storage.sync
        [call] = calls(seed=25, n=1)
        store.enqueue([call], now=NOW.astimezone(JST))
        later = (NOW + timedelta(hours=1)).astimezone(JST)

        store.outbox.release(CALL, [call.call_id], now=NOW.astimezone(JST), next_attempt_at=later)

        [item] = store.items(CALL, states=(PENDING,), ready_at=later.astimezone(JST))
        assert item.next_attempt_at == later
        assert item.next_attempt_at is not None and item.next_attempt_at.tzinfo is UTC
        assert store.waiting_for_retry(CALL, now=NOW.astimezone(JST)) == 1

    @pytest.mark.parametrize(
        "change",
        [
            "enqueue",
            "claim",
            "release",
            "retry_later",
            "mark_written",
            "mark_failed",
            "items",
            "waiting_for_retry",
            "maybe_still_writing",
            "requeue_failed",
        ],
    )
    def test_a_time_without_a_zone_is_refused(self, storage: Storage, change: str) -> None:
        store = storage.sync
        [call] = calls(seed=26, n=1)
        if change != "enqueue":
            store.enqueue([call], now=NOW)
        naive = NOW.replace(tzinfo=None)
        ids = [call.call_id]
        attempts: dict[str, Callable[[], object]] = {
            "enqueue": lambda: store.enqueue([call], now=naive),
            "claim": lambda: store.outbox.claim(
                CALL, ids, org_id=ORG, now=NOW, look_up_after=naive
            ),
            "release": lambda: store.outbox.release(CALL, ids, now=naive),
            "retry_later": lambda: store.outbox.retry_later(
                CALL, ids, now=naive, code="X", message="x", delay=no_delay, state=PENDING
            ),
            "mark_written": lambda: store.outbox.mark_written(
                CALL, [Written(call.call_id, "00TA")], org_id=ORG, now=naive
            ),
            "mark_failed": lambda: store.outbox.mark_failed(
                CALL, [Failed(call.call_id, "X", "x")], org_id=ORG, now=naive
            ),
            "items": lambda: store.items(CALL, states=(PENDING,), settled_at=naive),
            "waiting_for_retry": lambda: store.waiting_for_retry(CALL, now=naive),
            "maybe_still_writing": lambda: store.maybe_still_writing(CALL, now=naive),
            "requeue_failed": lambda: store.requeue_failed(now=naive),
        }

        with pytest.raises(ValueError, match="timezone-aware"):
            attempts[change]()

        assert counts(store) == ({} if change == "enqueue" else {(CALL, PENDING): 1})


def test_states_survive_reopening_the_duckdb_file(tmp_path: Path) -> None:
    """The DuckDB store's own promise: what was committed is in the file after a restart."""
    path = tmp_path / "portal.duckdb"
    batch: list[Activity] = list(calls(seed=23, n=4))
    ids = [a.record_id for a in batch]
    with Database(path=path) as db:
        store = DuckDbSyncStore(db)
        store.enqueue(batch, now=NOW)
        with store.transaction() as tx:
            tx.outbox.claim(CALL, ids[:3], org_id=ORG, now=NOW, look_up_after=NOW)
            tx.commit()
        store.outbox.mark_written(CALL, [Written(ids[0], "00TA")], org_id=ORG, now=NOW)
        with store.transaction() as tx:
            tx.outbox.mark_failed(CALL, [Failed(ids[1], "X", "refused")], org_id=ORG, now=NOW)
            # Not committed: rolled back when the block ends.
    with Database(path=path) as db:
        store = DuckDbSyncStore(db)
        assert store.inbox_size() == 4
        assert [i.activity for i in store.items(CALL, states=(PENDING,))] == [batch[3]]
        assert set(ids_in(store, SENDING)) == set(ids[1:3])
        sending = store.items(CALL, states=(SENDING,))
        assert {(i.org_id, i.attempts) for i in sending} == {(ORG, 1)}
        assert store.salesforce_id(CALL, ids[0]) == "00TA"
