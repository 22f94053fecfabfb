"""Every failure is accounted for: records Salesforce refuses go to the error log (MiiTel's id,
object, operation, code, message, fields); transient failures wait in the outbox and are sent
later; nothing is written twice."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from sync_support import (
    ADMIN,
    Faults,
    Org,
    World,
    acme_settings,
    calls_csv,
    integrate,
    reps,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.permissions import FULL_ACCESS, READ_ONLY
from mock_salesforce.seed import SeededOrg, UserRole
from portal.adapters.clock import ShiftedClock
from portal.adapters.salesforce import SalesforceGateway
from portal.adapters.salesforce.http import Timeouts
from portal.adapters.salesforce.retries import RetryPolicy
from portal.adapters.salesforce.versions import NEWEST_SUPPORTED
from portal.bootstrap import Portal, build_portal
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.gateway_errors import SalesforceUnavailable
from portal.domain.history import AuthEvent
from portal.domain.integration_errors import ErrorLogFilter, ErrorSource, SyncOperation
from portal.domain.settings import (
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    MeetingDataItem,
    TodoObjectSettings,
    UnmappedRule,
)
from portal.domain.sync_log import SyncOutcome
from portal.services.sync.engine import STILL_WRITING

COLLECTIONS = f"/services/data/v{NEWEST_SUPPORTED}/composite/sobjects"


@pytest.fixture
def faults(mock_server: ThreadedMockServer) -> Iterator[Faults]:
    control = Faults(mock_server)
    yield control
    control.clear()
    control.http.close()


def _markers(server: ThreadedMockServer, org: SeededOrg) -> list[str]:
    return [t["CallObject"] for t in Org(server, org).tasks()]


def test_reintegration_into_the_second_org_logs_invalid_field_for_each_record(
    world: World, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    acme, beta = world("second-org")
    integrate(portal, config, acme.integration_user)
    portal.storage.repositories.settings.save(acme_settings(acme))
    assert portal.sync.simulate_and_sync(actor=ADMIN, calls=20, meetings=4).written == 24
    portal.removal.remove(actor=ADMIN)
    assert portal.sync.simulate_and_sync(actor=ADMIN, calls=15, meetings=3).queued == 18

    integrate(portal, config, beta.integration_user)
    preview = portal.restore.preview()
    assert preview.backup is not None
    portal.restore.restore(actor=ADMIN, expected_backup_id=preview.backup.id)
    summary = portal.sync.sync_pending(actor=ADMIN)

    assert (summary.written, summary.queued) == (0, 0)
    # Beta Trading lacks the MiiTel_* fields, and the reps Acme's assignee settings name.
    assert set(summary.failed_by_code) == {"INVALID_FIELD", "OWNER_NOT_FOUND"}
    assert summary.failed == 18
    page = portal.error_tables.page(filters=ErrorLogFilter(org_id=beta.org_id), page_size=100)
    assert page.total == 18
    queued_ids = {
        e.miitel_record_id for e in portal.sync.recent(limit=100) if e.org_id == beta.org_id
    }
    assert {e.miitel_record_id for e in page.entries} == queued_ids
    assert len([e for e in page.entries if e.sobject == "Task"]) == 15
    assert {e.source for e in page.entries if e.sobject == "Event"} == {ErrorSource.VIDEO}
    invalid = [e for e in page.entries if e.status_code == "INVALID_FIELD"]
    assert len(invalid) == summary.failed_by_code["INVALID_FIELD"]
    for entry in invalid:
        assert entry.operation is SyncOperation.CREATE
        assert "No such column 'MiiTel_" in entry.message
    assert "INVALID_FIELD" in portal.error_tables.new_codes_since_integration().codes
    assert not queued_ids & set(_markers(mock_server, beta))

    # Step 8's fix: map onto fields Beta Trading has, then send the refused records again.
    settings = portal.settings.current()
    beta_reps = reps(beta)
    fixed = replace(
        settings,
        assignee=AssigneeSettings.from_mapping(
            user_mappings={
                "sato@miitel.example": beta_reps[0].username,
                "suzuki@miitel.example": beta_reps[1].username,
            }
        ),
        activity_history=replace(
            settings.activity_history,
            todo=TodoObjectSettings(
                subject=settings.activity_history.todo.subject,
                field_mappings=FieldMappings.of({CallDataItem.SUMMARY: "Description"}),
            ),
        ),
        video_history=replace(
            settings.video_history,
            field_mappings=FieldMappings.of({MeetingDataItem.SUMMARY: "Description"}),
        ),
    )
    portal.storage.repositories.settings.save(fixed)
    again = portal.sync.retry_failed(actor=ADMIN)
    assert (again.written, again.failed, again.queued) == (18, 0, 0)
    assert len(queued_ids & set(_markers(mock_server, beta))) == 15


def test_a_user_without_create_access_on_task_gets_an_error_per_call(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    permissions = mock_server.backend.permissions
    objects = {name: FULL_ACCESS for name in ("Account", "Contact", "Lead", "Event")}
    profile = permissions.create_profile(
        org_id=acme.org_id,
        name="MiiTel Read-only Tasks",
        permissions={"ApiEnabled"},
        object_access={**objects, "Task": READ_ONLY},
    )
    permissions.set_user_profile(
        org_id=acme.org_id,
        user_id=acme.integration_user.user_id,
        profile_id=profile.profile_id,
        actor_id=acme.admin.user_id,
    )
    portal.storage.repositories.settings.save(
        replace(acme_settings(acme), assignee=AssigneeSettings.default())
    )

    summary = portal.sync.simulate_and_sync(actor=ADMIN, calls=12, meetings=2)

    assert summary.failed_by_code == {"INSUFFICIENT_ACCESS_OR_READONLY": 12}
    assert summary.written == 2  # the meetings: Events are still createable
    page = portal.error_tables.page(
        filters=ErrorLogFilter(status_code="INSUFFICIENT_ACCESS_OR_READONLY")
    )
    assert page.total == 12
    assert {e.sobject for e in page.entries} == {"Task"}
    assert all(e.source is ErrorSource.ACTIVITY for e in page.entries)


def test_an_inactive_owner_is_refused_by_salesforce_for_each_call(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    [inactive] = [u for u in acme.users if u.role is UserRole.INACTIVE]
    settings = acme_settings(acme)
    portal.storage.repositories.settings.save(
        replace(
            settings,
            assignee=AssigneeSettings.from_mapping(
                user_mappings={
                    "sato@miitel.example": inactive.username,
                    "suzuki@miitel.example": reps(acme)[0].username,
                }
            ),
        )
    )
    rows = [
        {
            "call_id": f"inactive-{i}",
            "direction": "outbound",
            "result": "connected",
            "started_at": "2025-05-01T11:00:00+09:00",
            "ended_at": "2025-05-01T11:05:00+09:00",
            "miitel_user": "sato@miitel.example" if i < 3 else "suzuki@miitel.example",
            "counterpart_number": "03-1111-2222",
        }
        for i in range(5)
    ]
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv(rows))

    summary = portal.sync.sync_pending(actor=ADMIN)

    assert summary.written == 2
    assert summary.failed_by_code == {"INACTIVE_OWNER_OR_USER": 3}
    entries = portal.error_tables.page(filters=ErrorLogFilter(text="inactive user")).entries
    assert sorted(e.miitel_record_id for e in entries) == ["inactive-0", "inactive-1", "inactive-2"]
    assert all(e.fields == ("OwnerId",) for e in entries)


def test_an_owner_the_org_does_not_have_is_logged_and_nothing_is_sent(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    portal.storage.repositories.settings.save(
        replace(
            acme_settings(acme),
            assignee=AssigneeSettings.from_mapping(
                user_mappings={"sato@miitel.example": "gone@acme-japan.example"},
                unmapped_rule=UnmappedRule.INTEGRATION_USER,
            ),
        )
    )
    rows = [
        {
            "call_id": "no-owner-1",
            "direction": "inbound",
            "result": "connected",
            "started_at": "2025-05-01T11:00:00+09:00",
            "ended_at": "2025-05-01T11:05:00+09:00",
            "miitel_user": "sato@miitel.example",
            "counterpart_number": "03-1111-2222",
        }
    ]
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv(rows))

    summary = portal.sync.sync_pending(actor=ADMIN)

    assert summary.failed_by_code == {"OWNER_NOT_FOUND": 1}
    [entry] = portal.error_tables.page(
        filters=ErrorLogFilter(status_code="OWNER_NOT_FOUND")
    ).entries
    assert "gone@acme-japan.example" in entry.message
    assert "no-owner-1" not in _markers(mock_server, acme)


def test_a_call_is_never_written_twice(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    first = portal.sync.simulate_and_sync(actor=ADMIN, calls=30, meetings=0, seed=5)
    again = portal.sync.simulate_and_sync(actor=ADMIN, calls=30, meetings=0, seed=5)
    resent = portal.sync.sync_pending(actor=ADMIN)

    assert first.written == 30
    assert (again.written, again.queued, resent.written) == (0, 0, 0)
    markers = _markers(mock_server, acme)
    assert len(markers) == len(set(markers))
    rows = [
        {
            "call_id": "dup-1",
            "direction": "inbound",
            "result": "connected",
            "started_at": "2025-05-01T11:00:00+09:00",
            "ended_at": "2025-05-01T11:05:00+09:00",
            "miitel_user": "sato@miitel.example",
            "counterpart_number": "03-1111-2222",
        }
    ]
    data = calls_csv(rows)
    assert portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data).imported == 1
    portal.sync.sync_pending(actor=ADMIN)
    reimported = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data)
    assert (reimported.imported, reimported.already_known) == (0, ("dup-1",))
    portal.sync.sync_pending(actor=ADMIN)
    assert _markers(mock_server, acme).count("dup-1") == 1


def test_a_write_whose_answer_was_lost_is_found_again_not_repeated(
    acme: SeededOrg,
    portal: Portal,
    clock: ShiftedClock,
    mock_server: ThreadedMockServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    written = SalesforceGateway.create_records

    def answer_lost(self: SalesforceGateway, *args: Any, **kwargs: Any) -> Any:
        written(self, *args, **kwargs)  # Salesforce creates the records...
        raise SalesforceUnavailable(  # ...and the answer never arrives.
            error_code="TIMEOUT", user_message="Salesforce did not answer in time."
        )

    monkeypatch.setattr(SalesforceGateway, "create_records", answer_lost)
    before = len(_markers(mock_server, acme))

    lost = portal.sync.simulate_and_sync(actor=ADMIN, calls=25, meetings=0)

    assert (lost.written, lost.queued) == (0, 25)
    assert portal.sync.status().calls.sending == 25
    assert len(_markers(mock_server, acme)) == before + 25
    monkeypatch.undo()

    # Salesforce could still be writing them: even "send now" leaves them alone...
    too_soon = portal.sync.sync_pending(actor=ADMIN)
    assert (too_soon.written, too_soon.queued) == (0, 25)
    assert any("never written twice" in note for note in too_soon.notes), too_soon.notes
    assert len(_markers(mock_server, acme)) == before + 25
    # ...until Salesforce's time limit for the request has passed.
    clock.advance(STILL_WRITING)
    recovered = portal.sync.sync_pending(actor=ADMIN)

    assert (recovered.written, recovered.failed, recovered.queued) == (25, 0, 0)
    assert any("not written again" in note for note in recovered.notes)
    markers = _markers(mock_server, acme)
    assert len(markers) == before + 25 == len(set(markers))
    written_log = [e for e in portal.sync.recent(limit=100) if e.outcome is SyncOutcome.WRITTEN]
    assert len({e.miitel_record_id for e in written_log}) == len(written_log) == 25


def test_a_write_that_timed_out_is_checked_then_sent_once(
    world: World, config: PortalConfig, mock_server: ThreadedMockServer, faults: Faults
) -> None:
    [acme] = world("default")
    clock = ShiftedClock()
    impatient = build_portal(
        config=config,
        clock=clock,
        timeouts=Timeouts(connect=5, read=0.5),
        retry=RetryPolicy(attempts=1, sleep=lambda _s: None),
    )
    try:
        integrate(impatient, config, acme.integration_user)
        impatient.storage.repositories.settings.save(acme_settings(acme, video=False))
        before = len(_markers(mock_server, acme))
        faults.set(latency_ms=1500, paths=[COLLECTIONS])

        timed_out = impatient.sync.simulate_and_sync(actor=ADMIN, calls=25, meetings=0)

        assert (timed_out.written, timed_out.queued) == (0, 25)
        assert any("TIMEOUT" in note for note in timed_out.notes)
    finally:
        impatient.close()
    faults.clear()
    clock.advance(STILL_WRITING)  # the timed-out request can no longer land
    # The same portal data, read with the usual patience (on a loaded machine 0.5 s is too
    # short even for the lookups that follow).
    patient = build_portal(config=config, clock=clock)
    try:
        later = patient.sync.sync_pending(actor=ADMIN)

        assert (later.written, later.failed, later.queued) == (25, 0, 0)
        markers = _markers(mock_server, acme)
        assert len(markers) == before + 25 == len(set(markers))
    finally:
        patient.close()


def test_calls_refused_with_503_wait_in_the_outbox_and_are_sent_later(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer, faults: Faults
) -> None:
    faults.set(error_rate=1.0, error_status=503, paths=[COLLECTIONS])

    refused = portal.sync.simulate_and_sync(actor=ADMIN, calls=230, meetings=5)

    assert (refused.written, refused.failed, refused.queued) == (0, 0, 235)
    assert any("SERVER_UNAVAILABLE" in note for note in refused.notes)
    assert portal.error_tables.page().total == 0  # an outage is not a record error
    [reason] = [w for w in portal.sync.status().waiting if w.kind is ActivityKind.CALL]
    assert (reason.code, reason.count) == ("SERVER_UNAVAILABLE", 230)
    assert faults.state()["requests_seen"] == 1  # a write is never retried blindly

    faults.clear()
    # The next simulation respects the retry time of the calls that met the outage; the
    # meetings were never tried, so they go now.
    meanwhile = portal.sync.simulate_and_sync(actor=ADMIN, calls=5, meetings=0)
    assert (meanwhile.written, meanwhile.queued) == (10, 230)
    assert any("wait for their retry time" in note for note in meanwhile.notes)
    later = portal.sync.sync_pending(actor=ADMIN)

    assert (later.written, later.failed, later.queued) == (230, 0, 0)
    markers = _markers(mock_server, acme)
    assert len(markers) == len(set(markers))


def test_an_expired_session_is_renewed_and_nothing_waits(
    acme: SeededOrg, portal: Portal, faults: Faults
) -> None:
    faults.set(expire_sessions=True)

    summary = portal.sync.simulate_and_sync(actor=ADMIN, calls=10, meetings=1)

    assert (summary.written, summary.queued) == (11, 0)
    assert portal.history.recent()[0].event is AuthEvent.REFRESHED


def test_an_expired_session_that_cannot_be_renewed_waits_and_is_sent_later(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer, faults: Faults
) -> None:
    faults.set(error_rate=1.0, error_status=503, paths=["/services/oauth2/token"])
    faults.set(
        error_rate=1.0,
        error_status=503,
        paths=["/services/oauth2/token"],
        expire_sessions=True,
    )

    waiting = portal.sync.simulate_and_sync(actor=ADMIN, calls=10, meetings=0)

    assert (waiting.written, waiting.queued) == (0, 10)
    faults.clear()
    sent = portal.sync.sync_pending(actor=ADMIN)
    assert (sent.written, sent.queued) == (10, 0)


def test_a_spent_api_allowance_keeps_the_calls_queued(
    acme: SeededOrg, portal: Portal, faults: Faults
) -> None:
    faults.set(exhaust_api=True)

    waiting = portal.sync.simulate_and_sync(actor=ADMIN, calls=10, meetings=0)

    assert (waiting.written, waiting.queued) == (0, 10)
    assert any("REQUEST_LIMIT_EXCEEDED" in note for note in waiting.notes)
    faults.clear()
    assert portal.sync.sync_pending(actor=ADMIN).written == 10
