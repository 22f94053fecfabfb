"""Calls and meetings as MiiTel records them, and the CSV columns they are imported from.

A :class:`Call` becomes one Salesforce Task when Activity history integration is on; a
:class:`Meeting` becomes one Event when Video history integration is on. Times are
timezone-aware (UTC inside the portal); people see Japan time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from enum import Enum
from typing import Final

from portal.domain.integration_errors import ErrorSource
from portal.domain.settings import ActivityTiming
from portal.domain.timestamps import require_aware

#: Japan time: what MiiTel shows and what a CSV time without an offset means.
JST: Final = timezone(timedelta(hours=9), "JST")


class ActivityKind(Enum):
    """What MiiTel recorded: a phone call or a video meeting."""

    CALL = "call"
    MEETING = "meeting"

    @property
    def label(self) -> str:
        return "Call" if self is ActivityKind.CALL else "Meeting"

    @property
    def sobject(self) -> str:
        """The Salesforce object one record of this kind is written as."""
        return "Task" if self is ActivityKind.CALL else "Event"

    @property
    def source(self) -> ErrorSource:
        """The integration area that writes it (as the error and sync logs name it)."""
        return ErrorSource.ACTIVITY if self is ActivityKind.CALL else ErrorSource.VIDEO


class CallDirection(Enum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"

    @property
    def label(self) -> str:
        """The label on screen, also the value of Salesforce's CallType picklist."""
        return "Inbound" if self is CallDirection.INBOUND else "Outbound"


class CallResult(Enum):
    """How the call ended for the MiiTel user."""

    CONNECTED = "connected"
    MISSED = "missed"
    VOICEMAIL = "voicemail"

    @property
    def label(self) -> str:
        return _RESULT_LABELS[self]


_RESULT_LABELS: Final = {
    CallResult.CONNECTED: "Connected",
    CallResult.MISSED: "Missed",
    CallResult.VOICEMAIL: "Voicemail",
}


def _require_text(value: str, *, name: str) -> str:
    text = value.strip()
    if not text:
        raise ValueError(f"{name} must not be empty")
    return text


@dataclass(frozen=True)
class Call:
    """One phone call: who (the MiiTel user), with which number, when, how it ended, and the
    text MiiTel made of it. ``call_id`` is MiiTel's id, unique among calls."""

    call_id: str
    direction: CallDirection
    result: CallResult
    started_at: datetime
    ended_at: datetime
    miitel_user: str
    counterpart_number: str
    user_name: str = ""
    call_url: str = ""
    transcript: str = ""
    summary: str = ""
    memo: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "call_id", _require_text(self.call_id, name="call_id"))
        object.__setattr__(
            self,
            "counterpart_number",
            _require_text(self.counterpart_number, name="counterpart_number"),
        )
        object.__setattr__(self, "miitel_user", _require_text(self.miitel_user, name="miitel_user"))
        _check_span(self)

    @property
    def kind(self) -> ActivityKind:
        return ActivityKind.CALL

    @property
    def record_id(self) -> str:
        return self.call_id

    @property
    def duration_seconds(self) -> int:
        """Whole seconds from start to end (the ringing time of a missed call)."""
        return int((self.ended_at - self.started_at).total_seconds())

    @property
    def missed_or_voicemail(self) -> bool:
        """Whether the Activity history assignee's rule for missed calls and voicemail applies."""
        return self.result is not CallResult.CONNECTED

    def due_at(self, timing: ActivityTiming) -> datetime:
        """When the Task may be written: at the call's start or at its end, per the setting."""
        return self.started_at if timing is ActivityTiming.AFTER_CALL_START else self.ended_at


@dataclass(frozen=True)
class Meeting:
    """One video meeting: its host (a MiiTel user), participants, times and recording."""

    meeting_id: str
    title: str
    host: str
    started_at: datetime
    ended_at: datetime
    participants: tuple[str, ...] = ()
    host_name: str = ""
    recording_url: str = ""
    transcript: str = ""
    summary: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "meeting_id", _require_text(self.meeting_id, name="meeting_id"))
        object.__setattr__(self, "title", _require_text(self.title, name="title"))
        object.__setattr__(self, "host", _require_text(self.host, name="host"))
        object.__setattr__(
            self, "participants", tuple(p.strip() for p in self.participants if p.strip())
        )
        _check_span(self)

    @property
    def kind(self) -> ActivityKind:
        return ActivityKind.MEETING

    @property
    def record_id(self) -> str:
        return self.meeting_id

    def due_at(self) -> datetime:
        """Meetings are written once they have ended."""
        return self.ended_at


Activity = Call | Meeting


# --- CSV import schema ----------------------------------------------------------------------


@dataclass(frozen=True)
class CsvColumn:
    """One column of an import file: its header, whether a row must fill it, and what it holds."""

    name: str
    required: bool
    description: str


CSV_TIME_FORMAT_HELP: Final = (
    "ISO 8601, e.g. 2025-05-01T10:23:00+09:00; a time without an offset is Japan time"
)

CALL_CSV_COLUMNS: Final[tuple[CsvColumn, ...]] = (
    CsvColumn("call_id", True, "MiiTel's call id, unique"),
    CsvColumn("direction", True, "inbound or outbound"),
    CsvColumn("result", True, "connected, missed or voicemail"),
    CsvColumn("started_at", True, f"when the call started ({CSV_TIME_FORMAT_HELP})"),
    CsvColumn("ended_at", True, "when the call ended (same format, not before started_at)"),
    CsvColumn("miitel_user", True, "the MiiTel user (id or email) who took or made the call"),
    CsvColumn("counterpart_number", True, "the other party's phone number"),
    CsvColumn("user_name", False, "the MiiTel user's display name"),
    CsvColumn("call_url", False, "the call's page in MiiTel (http or https URL)"),
    CsvColumn("transcript", False, "the transcript"),
    CsvColumn("summary", False, "the summary"),
    CsvColumn("memo", False, "the user's memo"),
)

MEETING_CSV_COLUMNS: Final[tuple[CsvColumn, ...]] = (
    CsvColumn("meeting_id", True, "MiiTel's meeting id, unique"),
    CsvColumn("title", True, "the meeting's title"),
    CsvColumn("host", True, "the MiiTel user (id or email) who hosted it"),
    CsvColumn("started_at", True, f"when it started ({CSV_TIME_FORMAT_HELP})"),
    CsvColumn("ended_at", True, "when it ended (same format, not before started_at)"),
    CsvColumn("participants", False, "participants separated by ';'"),
    CsvColumn("host_name", False, "the host's display name"),
    CsvColumn("recording_url", False, "the recording's page (http or https URL)"),
    CsvColumn("transcript", False, "the transcript"),
    CsvColumn("summary", False, "the summary"),
)


def csv_columns(kind: ActivityKind) -> tuple[CsvColumn, ...]:
    """The columns of an import file of ``kind`` (header names are matched without case)."""
    return CALL_CSV_COLUMNS if kind is ActivityKind.CALL else MEETING_CSV_COLUMNS


def _check_span(activity: Call | Meeting) -> None:
    """Start and end are timezone-aware and in order (normalised in place on the frozen value)."""
    started = require_aware(activity.started_at, name="started_at")
    ended = require_aware(activity.ended_at, name="ended_at")
    if ended < started:
        raise ValueError("ended_at must not be before started_at")
    object.__setattr__(activity, "started_at", started)
    object.__setattr__(activity, "ended_at", ended)
