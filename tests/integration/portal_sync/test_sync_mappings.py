"""What lands in Salesforce: one Task per call and one Event per meeting, as the settings say
(timing, Subject, Status, field mappings, owner), and nothing while an area is disabled or the
integration is removed, until it can be sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sync_support import (
    ADMIN,
    VIEWER,
    Org,
    acme_settings,
    calls_csv,
    integrate,
    reps,
    with_activity,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.settings import (
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
)
from portal.domain.sync_log import SyncOutcome
from portal.services.errors import NotAllowed


def call_row(
    call_id: str,
    *,
    number: str = "06-5555-0101",
    user: str = "sato@miitel.example",
    direction: str = "outbound",
    result: str = "connected",
    started: str = "2025-05-01T10:23:00+09:00",
    ended: str = "2025-05-01T10:27:05+09:00",
) -> dict[str, str]:
    return {
        "call_id": call_id,
        "direction": direction,
        "result": result,
        "started_at": started,
        "ended_at": ended,
        "miitel_user": user,
        "user_name": "佐藤 花子",
        "counterpart_number": number,
        "call_url": f"https://miitel.example/app/calls/{call_id}",
        "transcript": "佐藤: お世話になっております。\n山田: よろしくお願いします。",
        "summary": "見積もりを送付する。",
        "memo": "来週火曜に再度連絡",
    }


def test_each_call_becomes_one_task_with_the_mapped_call_data(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    imported = portal.sync.import_csv(
        actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv([call_row("call-map-1")])
    )
    assert imported.imported == 1 and not imported.problems

    summary = portal.sync.sync_pending(actor=ADMIN)

    assert (summary.written, summary.failed, summary.queued) == (1, 0, 0)
    [task] = [t for t in Org(mock_server, acme).tasks() if t["CallObject"] == "call-map-1"]
    assert task["Subject"] == "[MiiTel] Outbound call with 06-5555-0101 (4:05)"
    assert task["Status"] == "Completed"
    assert task["TaskSubtype"] == "Call"
    assert task["ActivityDate"] == date(2025, 5, 1)  # the call's day in Japan
    assert task["MiiTel_Call_End__c"] == datetime(2025, 5, 1, 1, 27, 5)  # UTC
    assert task["CallType"] == "Outbound"
    assert task["CallDurationInSeconds"] == 245
    assert task["MiiTel_Call_URL__c"] == "https://miitel.example/app/calls/call-map-1"
    assert task["MiiTel_Transcript__c"].startswith("佐藤: お世話になっております。")
    assert task["MiiTel_Summary__c"] == "見積もりを送付する。"
    assert task["Description"] == "来週火曜に再度連絡"
    assert task["OwnerId"] == reps(acme)[0].user_id
    [entry] = portal.sync.recent(limit=1)
    assert entry.outcome is SyncOutcome.WRITTEN
    assert (entry.miitel_record_id, entry.salesforce_id) == ("call-map-1", task["Id"])
    assert entry.org_id == acme.org_id


def test_status_open_and_only_the_mapped_items_are_written(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    settings = with_activity(
        acme_settings(acme),
        todo=TodoObjectSettings(
            subject="{user}: {phone_number} at {start_time}",
            status=TaskStatus.OPEN,
            field_mappings=FieldMappings.of({CallDataItem.DURATION: "CallDurationInSeconds"}),
        ),
    )
    portal.storage.repositories.settings.save(settings)
    portal.sync.import_csv(
        actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv([call_row("call-open-1")])
    )

    portal.sync.sync_pending(actor=ADMIN)

    [task] = [t for t in Org(mock_server, acme).tasks() if t["CallObject"] == "call-open-1"]
    assert task["Subject"] == "佐藤 花子: 06-5555-0101 at 2025-05-01 10:23"
    assert task["Status"] == "Not Started"
    assert task["CallDurationInSeconds"] == 245
    for unmapped in ("ActivityDate", "CallType", "MiiTel_Transcript__c", "Description"):
        assert task[unmapped] is None, unmapped


def test_timing_after_call_end_waits_for_the_end_and_after_call_start_does_not(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    now = datetime.now(UTC)
    ongoing = call_row(
        "call-ongoing-1",
        started=(now - timedelta(minutes=2)).isoformat(),
        ended=(now + timedelta(hours=1)).isoformat(),
    )
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv([ongoing]))

    waiting = portal.sync.sync_pending(actor=ADMIN)

    assert (waiting.written, waiting.queued) == (0, 1)
    assert any("not due yet" in note and "after call end" in note for note in waiting.notes)
    settings = with_activity(acme_settings(acme), timing=ActivityTiming.AFTER_CALL_START)
    portal.storage.repositories.settings.save(settings)

    started = portal.sync.sync_pending(actor=ADMIN)

    assert (started.written, started.queued) == (1, 0)
    assert [t["CallObject"] for t in Org(mock_server, acme).tasks()].count("call-ongoing-1") == 1


def test_each_meeting_becomes_one_event_owned_by_its_mapped_host(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    data = (
        "meeting_id,title,host,started_at,ended_at,participants,recording_url,summary\n"
        "meet-1,株式会社テスト 製品デモ,suzuki@miitel.example,2025-05-02T14:00:00+09:00,"
        "2025-05-02T14:45:00+09:00,鈴木 一郎;田中 花子,https://miitel.example/r/meet-1,次回提案\n"
    )
    assert portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.MEETING, data=data).imported == 1

    summary = portal.sync.sync_pending(actor=ADMIN)

    assert summary.written == 1
    [event] = [e for e in Org(mock_server, acme).events() if e["Location"].endswith("meet-1")]
    assert event["Location"] == "MiiTel Meetings meet-1"
    assert event["Subject"] == "[MiiTel Meetings] 株式会社テスト 製品デモ"
    assert event["StartDateTime"] == datetime(2025, 5, 2, 5, 0)
    assert event["EndDateTime"] == datetime(2025, 5, 2, 5, 45)
    assert event["Description"] == "株式会社テスト 製品デモ"
    assert event["MiiTel_Participants__c"] == "鈴木 一郎, 田中 花子"
    assert event["MiiTel_Meeting_URL__c"] == "https://miitel.example/r/meet-1"
    assert event["MiiTel_Summary__c"] == "次回提案"
    assert event["OwnerId"] == reps(acme)[1].user_id


def test_owner_follows_the_activity_history_assignee_rules(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    rows = [
        call_row("own-mapped", user="sato@miitel.example"),
        call_row("own-unmapped", user="someone@miitel.example"),
        call_row("own-missed", user="sato@miitel.example", result="missed"),
        call_row("own-voicemail", user="suzuki@miitel.example", result="voicemail"),
    ]
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv(rows))
    portal.sync.sync_pending(actor=ADMIN)
    owners = {t["CallObject"]: t["OwnerId"] for t in Org(mock_server, acme).tasks()}
    integration_user = acme.integration_user.user_id
    assert owners["own-mapped"] == reps(acme)[0].user_id
    assert owners["own-unmapped"] == integration_user
    assert owners["own-missed"] == integration_user
    assert owners["own-voicemail"] == integration_user

    # With "The default owner" as the rule, those go to the default owner instead.
    settings = acme_settings(acme)
    portal.storage.repositories.settings.save(
        replace(
            settings,
            assignee=AssigneeSettings.from_mapping(
                user_mappings={"sato@miitel.example": reps(acme)[0].username},
                default_owner_username=acme.admin.username,
                unmapped_rule=UnmappedRule.DEFAULT_OWNER,
            ),
        )
    )
    more = [
        call_row("own-default-unmapped", user="someone@miitel.example"),
        call_row("own-default-missed", user="sato@miitel.example", result="missed"),
    ]
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv(more))
    portal.sync.sync_pending(actor=ADMIN)
    owners = {t["CallObject"]: t["OwnerId"] for t in Org(mock_server, acme).tasks()}
    assert owners["own-default-unmapped"] == acme.admin.user_id
    assert owners["own-default-missed"] == acme.admin.user_id


def test_nothing_is_written_while_an_area_is_disabled_and_all_of_it_once_enabled(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    settings = acme_settings(acme)
    disabled = replace(
        with_activity(settings, enabled=False),
        video_history=replace(settings.video_history, enabled=False),
    )
    portal.storage.repositories.settings.save(disabled)
    org = Org(mock_server, acme)
    before = len(org.tasks()), len(org.events())

    kept = portal.sync.simulate_and_sync(actor=ADMIN, calls=40, meetings=5)

    assert (kept.written, kept.failed, kept.queued) == (0, 0, 45)
    assert any("Activity history integration is disabled" in n for n in kept.notes)
    assert any("Video history integration is disabled" in n for n in kept.notes)
    assert (len(org.tasks()), len(org.events())) == before

    portal.storage.repositories.settings.save(settings)
    sent = portal.sync.sync_pending(actor=ADMIN)

    assert (sent.written, sent.failed, sent.queued) == (45, 0, 0)
    assert (len(org.tasks()), len(org.events())) == (before[0] + 40, before[1] + 5)


def test_calls_while_removed_are_kept_and_sent_once_after_reintegration(
    acme: SeededOrg, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> None:
    org = Org(mock_server, acme)
    first = portal.sync.simulate_and_sync(actor=ADMIN, calls=30, meetings=0)
    assert first.written == 30
    portal.removal.remove(actor=ADMIN)

    while_removed = portal.sync.simulate_and_sync(actor=ADMIN, calls=25, meetings=3)

    assert (while_removed.written, while_removed.queued) == (0, 28)
    assert any('after "Integrate"' in note for note in while_removed.notes)
    tasks_before = len(org.tasks())

    integrate(portal, config, acme.integration_user)
    after = portal.sync.sync_pending(actor=ADMIN)

    assert (after.written, after.failed, after.queued) == (28, 0, 0)
    markers = [t["CallObject"] for t in org.tasks()]
    assert len(markers) == tasks_before + 25
    assert len(set(markers)) == len(markers)  # no call written twice
    status = portal.sync.status()
    assert (status.calls.written, status.meetings.written, status.queued) == (55, 3, 0)


def test_a_viewer_cannot_simulate_or_send(acme: SeededOrg, portal: Portal) -> None:
    with pytest.raises(NotAllowed):
        portal.sync.simulate_and_sync(actor=VIEWER, calls=1, meetings=0)
    with pytest.raises(NotAllowed):
        portal.sync.sync_pending(actor=VIEWER)
    assert portal.sync.status().queued == 0
