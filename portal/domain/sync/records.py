"""The Salesforce records the settings call for: one Task per call, one Event per meeting.

A Task gets the Subject (from the template), the Status, the owner (Activity history assignee),
the counterpart (WhoId for a Contact or Lead, WhatId for an Account or the Contact's Account),
``TaskSubtype`` Call, the call data mapped onto the fields the settings name, and MiiTel's
call id in ``CallObject`` (Salesforce's own field for a telephony call id: it is how a write
is found again). An Event gets the Subject, start and end, the owner, the meeting data mapped
onto fields, and ``Location`` = "MiiTel Meetings <meeting id>" for the same purpose.

Mapped values are converted to the field's type as describe reports it: a time onto a date
field becomes that day in Japan time, onto a datetime field Salesforce's UTC format, onto a
text field Japan time as text. The fixed fields above win over a mapping onto the same field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from portal.domain.calls import JST, Activity, ActivityKind, Call, Meeting
from portal.domain.salesforce import ObjectDescription, PhoneMatchObject
from portal.domain.settings import (
    ActivityHistorySettings,
    CallDataItem,
    MeetingDataItem,
    Owner,
    VideoHistorySettings,
)
from portal.domain.sync.matching import Counterpart
from portal.domain.templates import render_subject

SUBJECT_MAX: Final = 255
MEETING_MARKER_PREFIX: Final = "MiiTel Meetings "
_TEXT_TYPES: Final = frozenset(
    {"string", "textarea", "url", "picklist", "combobox", "phone", "email", "multipicklist"}
)
_NUMBER_TYPES: Final = frozenset({"int", "double", "currency", "percent"})


@dataclass(frozen=True)
class FieldTypes:
    """Field API name (any case) → Salesforce type, from describe; empty when unknown."""

    types: Mapping[str, str]

    @classmethod
    def of(cls, description: ObjectDescription | None) -> FieldTypes:
        if description is None:
            return cls({})
        return cls({f.name.lower(): f.type for f in description.fields})

    def get(self, name: str) -> str | None:
        return self.types.get(name.lower())


@dataclass(frozen=True)
class RecordProblem:
    """Why a record could not even be built (nothing was sent for it)."""

    status_code: str
    message: str
    fields: tuple[str, ...] = ()


def marker_of(activity: Activity) -> str:
    """The value that identifies ``activity``'s record in Salesforce (see module doc)."""
    if isinstance(activity, Call):
        return activity.call_id
    return f"{MEETING_MARKER_PREFIX}{activity.meeting_id}"


def salesforce_datetime(value: datetime) -> str:
    """``2025-05-01T01:23:45.000+0000``: what Salesforce reads and writes."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


def japan_time(value: datetime) -> str:
    return value.astimezone(JST).strftime("%Y-%m-%d %H:%M")


def _duration_text(seconds: int) -> str:
    minutes, rest = divmod(seconds, 60)
    return f"{minutes}:{rest:02d}"


def convert(value: Any, field_type: str | None) -> Any:
    """``value`` as a field of ``field_type`` takes it (unknown type: Salesforce's JSON form)."""
    if isinstance(value, datetime):
        if field_type == "date":
            return value.astimezone(JST).date().isoformat()
        if field_type in _TEXT_TYPES:
            return value.astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
        return salesforce_datetime(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if field_type in _TEXT_TYPES else value
    if isinstance(value, str) and field_type in _NUMBER_TYPES:
        return value  # Salesforce says what is wrong; the portal does not guess numbers.
    return value


def call_values(call: Call) -> dict[CallDataItem, Any]:
    """The call data a mapping may write."""
    return {
        CallDataItem.START_TIME: call.started_at,
        CallDataItem.END_TIME: call.ended_at,
        CallDataItem.DIRECTION: call.direction.label,
        CallDataItem.DURATION: call.duration_seconds,
        CallDataItem.CALL_URL: call.call_url,
        CallDataItem.TRANSCRIPT: call.transcript,
        CallDataItem.SUMMARY: call.summary,
        CallDataItem.MEMO: call.memo,
    }


def meeting_values(meeting: Meeting) -> dict[MeetingDataItem, Any]:
    """The meeting data a mapping may write."""
    return {
        MeetingDataItem.START_TIME: meeting.started_at,
        MeetingDataItem.END_TIME: meeting.ended_at,
        MeetingDataItem.TITLE: meeting.title,
        MeetingDataItem.PARTICIPANTS: ", ".join(meeting.participants),
        MeetingDataItem.RECORDING_URL: meeting.recording_url,
        MeetingDataItem.TRANSCRIPT: meeting.transcript,
        MeetingDataItem.SUMMARY: meeting.summary,
    }


def call_subject(*, template: str, call: Call, counterpart: Counterpart | None) -> str:
    """The Task Subject: the template filled from the call, at most 255 characters."""
    subject = render_subject(
        template=template,
        values={
            "direction": call.direction.label,
            "counterpart": counterpart.name if counterpart else call.counterpart_number,
            "phone_number": call.counterpart_number,
            "user": call.user_name or call.miitel_user,
            "start_time": japan_time(call.started_at),
            "end_time": japan_time(call.ended_at),
            "duration": _duration_text(call.duration_seconds),
        },
    )
    return subject[:SUBJECT_MAX]


def meeting_subject(*, template: str, meeting: Meeting) -> str:
    """The Event Subject: the template filled from the meeting, at most 255 characters."""
    subject = render_subject(
        template=template,
        values={
            "title": meeting.title,
            "host": meeting.host_name or meeting.host,
            "participants": ", ".join(meeting.participants),
            "start_time": japan_time(meeting.started_at),
            "end_time": japan_time(meeting.ended_at),
        },
    )
    return subject[:SUBJECT_MAX]


def _who_and_what(counterpart: Counterpart | None) -> dict[str, str]:
    if counterpart is None:
        return {}
    if counterpart.sobject is PhoneMatchObject.CONTACT:
        linked = {"WhoId": counterpart.record_id}
        if counterpart.account_id:
            linked["WhatId"] = counterpart.account_id
        return linked
    if counterpart.sobject is PhoneMatchObject.ACCOUNT:
        return {"WhatId": counterpart.record_id}
    return {"WhoId": counterpart.record_id}


def task_fields(
    *,
    call: Call,
    settings: ActivityHistorySettings,
    counterpart: Counterpart | None,
    owner_id: str | None,
    types: FieldTypes,
) -> dict[str, Any]:
    """The Task for ``call``; ``owner_id`` None leaves the owner to Salesforce (the
    integration user)."""
    values = call_values(call)
    fields: dict[str, Any] = {
        api_name: convert(values[item], types.get(api_name))
        for item, api_name in settings.todo.field_mappings
    }
    fields.update(
        {
            "Subject": call_subject(
                template=settings.todo.subject, call=call, counterpart=counterpart
            ),
            "Status": settings.todo.status.salesforce_value,
            "TaskSubtype": "Call",
            "CallObject": marker_of(call),
            **_who_and_what(counterpart),
        }
    )
    if owner_id:
        fields["OwnerId"] = owner_id
    return fields


def event_fields(
    *,
    meeting: Meeting,
    settings: VideoHistorySettings,
    owner_id: str | None,
    types: FieldTypes,
) -> dict[str, Any]:
    """The Event for ``meeting``; ``owner_id`` None leaves the owner to Salesforce."""
    values = meeting_values(meeting)
    fields: dict[str, Any] = {
        api_name: convert(values[item], types.get(api_name))
        for item, api_name in settings.field_mappings
    }
    fields.update(
        {
            "Subject": meeting_subject(template=settings.subject, meeting=meeting),
            "StartDateTime": salesforce_datetime(meeting.started_at),
            "EndDateTime": salesforce_datetime(meeting.ended_at),
            "Location": marker_of(meeting),
        }
    )
    if owner_id:
        fields["OwnerId"] = owner_id
    return fields


def owner_problem(owner: Owner, kind: ActivityKind) -> RecordProblem:
    """The problem of an owner whose Salesforce username the org does not know."""
    what = "call" if kind is ActivityKind.CALL else "meeting"
    return RecordProblem(
        status_code="OWNER_NOT_FOUND",
        message=(
            f"The Activity history assignee gives this {what} to the Salesforce user "
            f'"{owner.salesforce_username}", who does not exist in the integrated org. Fix the '
            '"Activity history assignee" tab and click "Save", then send the failed records '
            "again."
        ),
        fields=("OwnerId",),
    )
