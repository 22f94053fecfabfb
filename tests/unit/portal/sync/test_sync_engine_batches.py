"""The sync engine's batch limit (what a sync worker's turn sends) and the sync service's turn,
over the in-memory storage and a fake org: at most ``limit`` records a run, oldest first,
``more_due`` while more are due, and each record sent once across runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from portal.adapters.clock import FixedClock
from portal.adapters.storage import InMemoryPortalStorage
from portal.domain.calls import ActivityKind, Call, CallDirection, CallResult
from portal.domain.demo_settings import configured_settings
from portal.domain.gateway_errors import ApiUsage
from portal.domain.oauth import TokenSet
from portal.domain.salesforce import ObjectDescription, RecordResult
from portal.domain.secret import SecretStr
from portal.domain.sync.matching import Counterpart
from portal.domain.sync.outbox import DeliveryState
from portal.domain.sync.ports import OnRefused, PhoneDirectory, SalesforceUser
from portal.services.actors import Actor, Role
from portal.services.context import ServiceContext
from portal.services.sync.engine import SyncEngine, SyncSummary
from portal.services.sync.service import SyncService

NOW = datetime(2025, 5, 2, 9, 0, tzinfo=UTC)


class FakeOrg:
    """An org that finds nobody and writes every record, remembering each write."""

    def __init__(self) -> None:
        self.writes: list[list[Mapping[str, Any]]] = []

    @property
    def tokens(self) -> TokenSet:
        return TokenSet(
            access_token=SecretStr("t"),
            refresh_token=None,
            instance_url="https://fake.example",
            org_id="00DFAKE",
            user_id="005FAKE",
            issued_at=NOW,
        )

    def find_counterparts(
        self, numbers: Iterable[str], *, on_refused: OnRefused | None = None
    ) -> dict[str, Counterpart]:
        return {}

    def find_users(self, usernames: Iterable[str]) -> dict[str, SalesforceUser]:
        return {}

    def find_markers(self, kind: ActivityKind, markers: Iterable[str]) -> dict[str, str]:
        return {}

    def phone_directory(self) -> PhoneDirectory:
        return PhoneDirectory((), complete=True)

    def describe(self, sobject: str) -> ObjectDescription:
        return ObjectDescription(
            name=sobject, label=sobject, queryable=True, createable=True, updateable=True, fields=()
        )

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        self.writes.append(list(records))
        start = sum(len(w) for w in self.writes[:-1])
        return [RecordResult(i, True, f"00T{start + i:015d}") for i in range(len(records))]

    def api_usage(self) -> ApiUsage | None:
        return ApiUsage(used=1, maximum=100, seen_at=NOW)


def calls(count: int) -> list[Call]:
    return [
        Call(
            call_id=f"c-{n:03d}",
            direction=CallDirection.OUTBOUND,
            result=CallResult.CONNECTED,
            started_at=NOW - timedelta(hours=2, minutes=count - n),
            ended_at=NOW - timedelta(hours=2, minutes=count - n) + timedelta(seconds=90),
            miitel_user="sato@miitel.example",
            counterpart_number=f"03-1234-{n:04d}",
        )
        for n in range(count)
    ]


@pytest.fixture
def storage() -> InMemoryPortalStorage:
    storage = InMemoryPortalStorage(clock=FixedClock(NOW))
    storage.sync.enqueue(calls(25), now=NOW)
    return storage


def test_a_limited_run_sends_at_most_the_limit_oldest_first_and_says_more_is_due(
    storage: InMemoryPortalStorage,
) -> None:
    org, engine = FakeOrg(), SyncEngine(store=storage.sync, clock=FixedClock(NOW))
    settings = configured_settings(user_mappings={}, call_fields={}, video=False)

    first = engine.run(gateway=org, settings=settings, limit=10)

    assert (first.written, first.queued, first.more_due) == (10, 15, True)
    assert [r["CallObject"] for r in org.writes[0]] == [f"c-{n:03d}" for n in range(10)]
    second = engine.run(gateway=org, settings=settings, limit=10)
    last = engine.run(gateway=org, settings=settings, limit=10)
    assert (second.written, second.more_due) == (10, True)
    assert (last.written, last.queued, last.more_due) == (5, 0, False)
    sent = [r["CallObject"] for write in org.writes for r in write]
    assert sorted(sent) == [f"c-{n:03d}" for n in range(25)] == sorted(set(sent))


def test_a_run_without_a_limit_sends_everything_due(storage: InMemoryPortalStorage) -> None:
    engine = SyncEngine(store=storage.sync, clock=FixedClock(NOW))
    settings = configured_settings(user_mappings={}, call_fields={}, video=False)
    summary = engine.run(gateway=FakeOrg(), settings=settings)
    assert (summary.written, summary.queued, summary.more_due) == (25, 0, False)


def test_a_limit_exactly_the_queue_leaves_nothing_due(storage: InMemoryPortalStorage) -> None:
    engine = SyncEngine(store=storage.sync, clock=FixedClock(NOW))
    settings = configured_settings(user_mappings={}, call_fields={}, video=False)
    summary = engine.run(gateway=FakeOrg(), settings=settings, limit=25)
    assert (summary.written, summary.more_due) == (25, False)


def test_a_limit_below_one_is_refused(storage: InMemoryPortalStorage) -> None:
    engine = SyncEngine(store=storage.sync, clock=FixedClock(NOW))
    settings = configured_settings(user_mappings={}, call_fields={}, video=False)
    with pytest.raises(ValueError, match="at least 1"):
        engine.run(gateway=FakeOrg(), settings=settings, limit=0)


class Wakeups:
    def __init__(self) -> None:
        self.count = 0

    def wake(self) -> None:
        self.count += 1


def service(storage: InMemoryPortalStorage, org: FakeOrg | None, wakeups: Wakeups) -> SyncService:
    context = ServiceContext(storage=storage, clock=FixedClock(NOW), salesforce=cast(Any, None))
    storage.repositories.settings.save(
        configured_settings(user_mappings={}, call_fields={}, video=False)
    )
    return SyncService(context, gateway=lambda: org, wakeup=wakeups)


def test_a_workers_turn_sends_a_batch_unless_the_org_is_past_its_allowance_share() -> None:
    storage, org, wakeups = InMemoryPortalStorage(clock=FixedClock(NOW)), FakeOrg(), Wakeups()
    sync = service(storage, org, wakeups)
    asked: list[ApiUsage | None] = []

    def refuse(usage: ApiUsage | None) -> bool:
        asked.append(usage)
        return False

    assert sync.send_batch(limit=5, may_send=refuse) == SyncSummary(0, {}, 0)
    assert asked == []  # nothing to send: the org is not asked
    storage.sync.enqueue(calls(7), now=NOW)

    held = sync.send_batch(limit=5, may_send=refuse)
    assert (held.written, held.queued, held.held_back, held.more_due) == (0, 7, True, False)
    assert asked == [ApiUsage(used=1, maximum=100, seen_at=NOW)]
    assert "used 1 of its 100 API requests" in " ".join(held.notes)
    assert org.writes == []

    turn = sync.send_batch(limit=5, may_send=lambda usage: True)
    assert (turn.written, turn.more_due, turn.held_back) == (5, True, False)
    assert sync.send_batch(limit=5).written == 2
    assert not sync.has_queued()
    assert wakeups.count == 0  # a worker's own turn wakes nobody


def test_an_import_wakes_the_workers_once_something_is_queued() -> None:
    storage, wakeups = InMemoryPortalStorage(clock=FixedClock(NOW)), Wakeups()
    sync = service(storage, FakeOrg(), wakeups)
    header = "call_id,direction,result,started_at,ended_at,miitel_user,counterpart_number\n"
    row = "x-1,inbound,connected,2025-05-01T10:00:00+09:00,2025-05-01T10:02:00+09:00,a@b.c,03-1\n"
    admin = Actor(username="alice", role=Role.ADMIN)

    assert sync.import_csv(actor=admin, kind=ActivityKind.CALL, data=header + row).imported == 1
    assert wakeups.count == 1
    # The same file again queues nothing: nobody to wake.
    assert sync.import_csv(actor=admin, kind=ActivityKind.CALL, data=header + row).imported == 0
    assert wakeups.count == 1


class RacingOrg(FakeOrg):
    """While the engine looks the counterparts up, another sender claims three of its calls."""

    def __init__(self, storage: InMemoryPortalStorage) -> None:
        super().__init__()
        self._storage = storage

    def find_counterparts(
        self, numbers: Iterable[str], *, on_refused: OnRefused | None = None
    ) -> dict[str, Counterpart]:
        self._storage.sync.outbox.claim(
            ActivityKind.CALL,
            ["c-000", "c-001", "c-002"],
            org_id="00DFAKE",
            now=NOW,
            look_up_after=NOW + timedelta(minutes=10),
        )
        return {}


def test_records_another_sender_took_meanwhile_are_never_sent_twice(
    storage: InMemoryPortalStorage,
) -> None:
    """Without the outbox lock (``exclusive``), a second sender may claim records this run has
    read: the run then claims nothing of that chunk and stops, sending none of it."""
    org = RacingOrg(storage)
    engine = SyncEngine(store=storage.sync, clock=FixedClock(NOW))
    settings = configured_settings(user_mappings={}, call_fields={}, video=False)

    summary = engine.run(gateway=org, settings=settings, limit=10)

    assert org.writes == [] and summary.written == 0
    assert any("Another sync took 3 of the records" in note for note in summary.notes)
    counts = {(c.kind, c.state): c.count for c in storage.sync.counts()}
    # The other sender's three are its own; the rest wait, unclaimed, for the next run.
    assert counts == {
        (ActivityKind.CALL, DeliveryState.SENDING): 3,
        (ActivityKind.CALL, DeliveryState.PENDING): 22,
    }
