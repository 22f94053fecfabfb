"""The Task and Event the settings call for, with values in the types the fields take."""

from __future__ import annotations

from datetime import UTC, datetime

from portal.domain.calls import JST, Call, CallDirection, CallResult, Meeting
from portal.domain.salesforce import FieldDescription, ObjectDescription, PhoneMatchObject
from portal.domain.settings import (
    ActivityHistorySettings,
    CallDataItem,
    FieldMappings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    VideoHistorySettings,
)
from portal.domain.sync.matching import Counterpart
from portal.domain.sync.records import FieldTypes, convert, event_fields, task_fields

CALL = Call(
    call_id="call-1",
    direction=CallDirection.INBOUND,
    result=CallResult.CONNECTED,
    started_at=datetime(2025, 5, 1, 23, 50, tzinfo=JST),
    ended_at=datetime(2025, 5, 2, 0, 2, 5, tzinfo=JST),
    miitel_user="sato@miitel.example",
    user_name="佐藤 花子",
    counterpart_number="03-1234-5678",
    transcript="t",
    summary="s",
    memo="m",
)


def _types(**types: str) -> FieldTypes:
    fields = tuple(
        FieldDescription(
            name=name,
            label=name,
            type=kind,
            createable=True,
            updateable=True,
            nillable=True,
            filterable=True,
            custom=name.endswith("__c"),
            length=255,
            reference_to=(),
            picklist_values=(),
        )
        for name, kind in types.items()
    )
    return FieldTypes.of(
        ObjectDescription(
            name="Task",
            label="Task",
            queryable=True,
            createable=True,
            updateable=True,
            fields=fields,
        )
    )


def _activity(mappings: dict[CallDataItem, str]) -> ActivityHistorySettings:
    return ActivityHistorySettings(
        enabled=True,
        todo=TodoObjectSettings(
            subject="{direction} {counterpart} {duration} {start_time}",
            status=TaskStatus.OPEN,
            field_mappings=FieldMappings.of(mappings),
        ),
    )


def test_times_go_in_as_the_day_in_japan_as_utc_datetimes_or_as_japan_text() -> None:
    settings = _activity(
        {
            CallDataItem.START_TIME: "ActivityDate",
            CallDataItem.END_TIME: "Call_End__c",
            CallDataItem.DURATION: "Duration_Text__c",
            CallDataItem.DIRECTION: "CallType",
        }
    )
    types = _types(
        ActivityDate="date", Call_End__c="datetime", Duration_Text__c="string", CallType="picklist"
    )
    fields = task_fields(call=CALL, settings=settings, counterpart=None, owner_id=None, types=types)
    assert fields["ActivityDate"] == "2025-05-01"  # 23:50 in Japan, 14:50 UTC
    assert fields["Call_End__c"] == "2025-05-01T15:02:05.000+0000"
    assert fields["Duration_Text__c"] == "725"
    assert fields["CallType"] == "Inbound"
    assert fields["Subject"] == "Inbound 03-1234-5678 12:05 2025-05-01 23:50"
    assert fields["Status"] == "Not Started"
    assert "OwnerId" not in fields and "WhoId" not in fields


def test_the_marker_and_fixed_fields_win_over_a_mapping_onto_them() -> None:
    settings = _activity({CallDataItem.CALL_URL: "CallObject", CallDataItem.MEMO: "Subject"})
    fields = task_fields(
        call=CALL, settings=settings, counterpart=None, owner_id="005A", types=_types()
    )
    assert fields["CallObject"] == "call-1"
    assert fields["Subject"].startswith("Inbound")
    assert fields["OwnerId"] == "005A"


def test_a_contact_links_who_and_its_account_what_a_lead_only_who() -> None:
    settings = _activity({})

    def linked(sobject: PhoneMatchObject, account: str | None = None) -> dict[str, object]:
        match = Counterpart(sobject, "REC", "山田 太郎", "Phone", "0312345678", None, account)
        fields = task_fields(
            call=CALL, settings=settings, counterpart=match, owner_id=None, types=_types()
        )
        return {k: fields.get(k) for k in ("WhoId", "WhatId")}

    assert linked(PhoneMatchObject.CONTACT, "001A") == {"WhoId": "REC", "WhatId": "001A"}
    assert linked(PhoneMatchObject.ACCOUNT) == {"WhoId": None, "WhatId": "REC"}
    assert linked(PhoneMatchObject.LEAD) == {"WhoId": "REC", "WhatId": None}


def test_the_subject_is_cut_to_255_characters() -> None:
    long = Call(**{**CALL.__dict__, "counterpart_number": "0" * 300})
    fields = task_fields(
        call=long, settings=_activity({}), counterpart=None, owner_id=None, types=_types()
    )
    assert len(fields["Subject"]) == 255


def test_an_event_holds_start_end_marker_and_mapped_meeting_data() -> None:
    meeting = Meeting(
        meeting_id="m-1",
        title="製品デモ",
        host="sato@miitel.example",
        host_name="佐藤 花子",
        started_at=datetime(2025, 5, 2, 14, 0, tzinfo=JST),
        ended_at=datetime(2025, 5, 2, 15, 0, tzinfo=JST),
        participants=("佐藤 花子", "山田 太郎"),
        recording_url="https://miitel.example/r/m-1",
    )
    settings = VideoHistorySettings(
        enabled=True,
        subject="{title} ({host})",
        field_mappings=FieldMappings.of(
            {
                MeetingDataItem.PARTICIPANTS: "Participants__c",
                MeetingDataItem.RECORDING_URL: "Url__c",
            }
        ),
    )
    fields = event_fields(meeting=meeting, settings=settings, owner_id=None, types=_types())
    assert fields == {
        "Participants__c": "佐藤 花子, 山田 太郎",
        "Url__c": "https://miitel.example/r/m-1",
        "Subject": "製品デモ (佐藤 花子)",
        "StartDateTime": "2025-05-02T05:00:00.000+0000",
        "EndDateTime": "2025-05-02T06:00:00.000+0000",
        "Location": "MiiTel Meetings m-1",
    }


def test_values_for_unknown_fields_go_in_their_plain_form() -> None:
    moment = datetime(2025, 5, 1, 1, 2, 3, tzinfo=UTC)
    assert convert(moment, None) == "2025-05-01T01:02:03.000+0000"
    assert convert(7, None) == 7
    assert convert(7, "textarea") == "7"
    assert convert("abc", "double") == "abc"
