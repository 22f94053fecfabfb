"""The sync works over any storage behind the ports: the same import and send, against the
real mock org, with the portal over its DuckDB file, over PostgreSQL (``build_portal`` with a
``database_url``) and over the in-memory storage, land the same Tasks and Events and leave the
same status and sync log (before the sync sat behind its port, any storage but DuckDB had no
sync at all)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sync_support import ADMIN, Org, acme_settings, calls_csv, reps

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, UserRole
from portal.adapters.clock import ShiftedClock
from portal.adapters.salesforce.retries import RetryPolicy
from portal.adapters.storage import InMemoryPortalStorage
from portal.bootstrap import Portal, assemble_portal, build_portal, connect_salesforce
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.integration_errors import ErrorLogFilter, ErrorSource
from portal.domain.secret import SecretStr
from portal.domain.settings import AssigneeSettings
from portal.domain.sync_log import SyncOutcome
from portal.services.sync.service import KindStatus

CALLS = [
    ("any-1", "inbound", "03-6666-0001"),
    ("any-2", "outbound", "0120-666-002"),
    ("any-3", "outbound", "06-6666-0003"),
]
MEETINGS = (
    "meeting_id,title,host,started_at,ended_at\n"
    "any-meet-1,製品デモ,suzuki@miitel.example,2025-05-02T14:00:00+09:00,"
    "2025-05-02T14:45:00+09:00\n"
)


@pytest.fixture(params=["duckdb", "memory", "postgresql"])
def portal(
    request: pytest.FixtureRequest,
    config: PortalConfig,
    clock: ShiftedClock,
    retry_waits: list[float],
) -> Iterator[Portal]:
    """The portal as build_portal makes it, or the same services over the in-memory storage;
    both reach the mock org the same way."""
    retry = RetryPolicy(attempts=3, sleep=retry_waits.append)
    if request.param == "duckdb":
        built = build_portal(config=config, clock=clock, retry=retry)
    elif request.param == "postgresql":
        url = SecretStr(request.getfixturevalue("postgres_url"))
        built = build_portal(config=replace(config, database_url=url), clock=clock, retry=retry)
    else:
        salesforce, session = connect_salesforce(config=config, retry=retry)
        assembled = assemble_portal(
            storage=InMemoryPortalStorage(clock=clock),
            salesforce=salesforce,
            clock=clock,
            users=config.users,
        )
        built = replace(assembled, closer=lambda: (assembled.close(), session.close()))
    yield built
    built.close()


def our_tasks(org: Org) -> list[dict[str, Any]]:
    """The Tasks of :data:`CALLS` (the seeded world holds MiiTel Tasks of its own)."""
    ids = {call_id for call_id, _, _ in CALLS}
    return [t for t in org.tasks() if t["CallObject"] in ids]


def calls_file() -> str:
    return calls_csv(
        [
            {
                "call_id": call_id,
                "direction": direction,
                "result": "connected",
                "started_at": "2025-05-01T10:00:00+09:00",
                "ended_at": "2025-05-01T10:02:00+09:00",
                "miitel_user": "sato@miitel.example",
                "counterpart_number": number,
            }
            for call_id, direction, number in CALLS
        ]
    )


def test_imported_calls_and_meetings_reach_the_org_once_and_the_status_and_log_agree(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    imported = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_file())
    meetings = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.MEETING, data=MEETINGS)
    assert (imported.imported, meetings.imported) == (3, 1)
    assert portal.sync.status().queued == 4

    summary = portal.sync.sync_pending(actor=ADMIN)

    assert (summary.written, summary.failed, summary.queued) == (4, 0, 0)
    org = Org(mock_server, acme)
    tasks = {t["CallObject"]: t for t in our_tasks(org)}
    assert sorted(tasks) == [call_id for call_id, _, _ in CALLS]
    assert tasks["any-1"]["Subject"] == "[MiiTel] Inbound call with 03-6666-0001 (2:00)"
    [event] = [e for e in org.events() if e["Location"] == "MiiTel Meetings any-meet-1"]
    status = portal.sync.status()
    assert status.calls == KindStatus(ActivityKind.CALL, pending=0, sending=0, written=3, failed=0)
    assert status.meetings == KindStatus(
        ActivityKind.MEETING, pending=0, sending=0, written=1, failed=0
    )
    assert status.waiting == ()
    log = portal.sync.recent(limit=10)
    assert {e.outcome for e in log} == {SyncOutcome.WRITTEN}
    assert {e.org_id for e in log} == {acme.org_id}
    written = {(e.source, e.miitel_record_id): e.salesforce_id for e in log}
    assert written == {
        **{(ErrorSource.ACTIVITY, c): t["Id"] for c, t in tasks.items()},
        (ErrorSource.VIDEO, "any-meet-1"): event["Id"],
    }
    for call_id, task in tasks.items():
        assert portal.storage.sync.salesforce_id(ActivityKind.CALL, call_id) == task["Id"]

    # Imported again and sent again: nothing new, nothing twice.
    again = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_file())
    assert (again.imported, len(again.already_known)) == (0, 3)
    assert portal.sync.sync_pending(actor=ADMIN).written == 0
    assert len(our_tasks(org)) == 3
    assert len(portal.sync.recent(limit=10)) == 4


def test_refused_calls_are_in_the_error_log_and_written_once_fixed(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    [inactive] = [u for u in acme.users if u.role is UserRole.INACTIVE]
    settings = acme_settings(acme)
    portal.storage.repositories.settings.save(
        replace(
            settings,
            assignee=AssigneeSettings.from_mapping(
                user_mappings={"sato@miitel.example": inactive.username}
            ),
        )
    )
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_file())

    refused = portal.sync.sync_pending(actor=ADMIN)

    assert (refused.written, refused.failed_by_code) == (0, {"INACTIVE_OWNER_OR_USER": 3})
    entries = portal.error_tables.page(filters=ErrorLogFilter(source=ErrorSource.ACTIVITY)).entries
    assert sorted(e.miitel_record_id for e in entries) == [c for c, _, _ in CALLS]
    assert {e.status_code for e in entries} == {"INACTIVE_OWNER_OR_USER"}
    assert portal.sync.status().calls.failed == 3
    assert {e.outcome for e in portal.sync.recent(limit=10)} == {SyncOutcome.FAILED}
    assert our_tasks(Org(mock_server, acme)) == []

    portal.storage.repositories.settings.save(settings)
    fixed = portal.sync.retry_failed(actor=ADMIN)

    assert (fixed.written, fixed.failed) == (3, 0)
    tasks = our_tasks(Org(mock_server, acme))
    assert len(tasks) == 3 and {t["OwnerId"] for t in tasks} == {reps(acme)[0].user_id}
    assert portal.sync.status().calls == KindStatus(
        ActivityKind.CALL, pending=0, sending=0, written=3, failed=0
    )
    # Each refusal stays in the error log.
    assert len(portal.error_tables.page(filters=ErrorLogFilter()).entries) == 3
