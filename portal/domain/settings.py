"""Typed settings of the four Salesforce integration areas, each with documented defaults.

The areas are the tabs of MiiTel Admin's [Third-party integration] > [Salesforce] screen:
"Basic settings", "Activity history integration", "Video history integration" and
"Activity history assignee". Values are immutable; change one with ``dataclasses.replace``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Generic, TypeVar

from portal.domain.text import N_, Text


class SettingsArea(Enum):
    """The tabs; ``label`` is the tab's name on screen."""

    BASIC = "basic"
    ACTIVITY_HISTORY = "activity_history"
    VIDEO_HISTORY = "video_history"
    ASSIGNEE = "assignee"

    @property
    def label(self) -> Text:
        """The tab's name (English value; the UI translates it with ``t``)."""
        return Text(_AREA_LABELS[self])


_AREA_LABELS: Final = {
    SettingsArea.BASIC: N_("Basic settings"),
    SettingsArea.ACTIVITY_HISTORY: N_("Activity history integration"),
    SettingsArea.VIDEO_HISTORY: N_("Video history integration"),
    SettingsArea.ASSIGNEE: N_("Activity history assignee"),
}

# The three areas a backup holds and a restore writes (never Basic settings).
BACKED_UP_AREAS: Final = (
    SettingsArea.ACTIVITY_HISTORY,
    SettingsArea.VIDEO_HISTORY,
    SettingsArea.ASSIGNEE,
)


class ActivityTiming(Enum):
    """When the ToDo (Task) for a call is written."""

    AFTER_CALL_START = "after_call_start"
    AFTER_CALL_END = "after_call_end"

    @property
    def label(self) -> Text:
        if self is ActivityTiming.AFTER_CALL_START:
            return Text(N_("After call start"))
        return Text(N_("After call end"))


class TaskStatus(Enum):
    """The Status of the written Task, as MiiTel names it."""

    COMPLETED = "completed"
    OPEN = "open"

    @property
    def label(self) -> Text:
        return Text(N_("Completed")) if self is TaskStatus.COMPLETED else Text(N_("Open"))

    @property
    def salesforce_value(self) -> str:
        """The Task Status picklist value written to Salesforce."""
        return "Completed" if self is TaskStatus.COMPLETED else "Not Started"


class CallDataItem(Enum):
    """Call data that can be written onto a Task field."""

    START_TIME = "start_time"
    END_TIME = "end_time"
    DIRECTION = "direction"
    DURATION = "duration"
    CALL_URL = "call_url"
    TRANSCRIPT = "transcript"
    SUMMARY = "summary"
    MEMO = "memo"

    @property
    def label(self) -> Text:
        return Text(_CALL_ITEM_LABELS[self])


_CALL_ITEM_LABELS: Final = {
    CallDataItem.START_TIME: N_("Start time"),
    CallDataItem.END_TIME: N_("End time"),
    CallDataItem.DIRECTION: N_("Direction"),
    CallDataItem.DURATION: N_("Duration"),
    CallDataItem.CALL_URL: N_("Call URL"),
    CallDataItem.TRANSCRIPT: N_("Transcript"),
    CallDataItem.SUMMARY: N_("Summary"),
    CallDataItem.MEMO: N_("Memo"),
}


class MeetingDataItem(Enum):
    """Meeting data that can be written onto an Event field."""

    START_TIME = "start_time"
    END_TIME = "end_time"
    TITLE = "title"
    PARTICIPANTS = "participants"
    RECORDING_URL = "recording_url"
    TRANSCRIPT = "transcript"
    SUMMARY = "summary"

    @property
    def label(self) -> Text:
        return Text(_MEETING_ITEM_LABELS[self])


_MEETING_ITEM_LABELS: Final = {
    MeetingDataItem.START_TIME: N_("Start time"),
    MeetingDataItem.END_TIME: N_("End time"),
    MeetingDataItem.TITLE: N_("Title"),
    MeetingDataItem.PARTICIPANTS: N_("Participants"),
    MeetingDataItem.RECORDING_URL: N_("Recording URL"),
    MeetingDataItem.TRANSCRIPT: N_("Transcript"),
    MeetingDataItem.SUMMARY: N_("Summary"),
}


class UnmappedRule(Enum):
    """Who owns the Task/Event of an unmapped MiiTel user, a missed call or a voicemail."""

    INTEGRATION_USER = "integration_user"
    DEFAULT_OWNER = "default_owner"

    @property
    def label(self) -> Text:
        if self is UnmappedRule.INTEGRATION_USER:
            return Text(N_("The integrated Salesforce user"))
        return Text(N_("The default owner"))


ItemT = TypeVar("ItemT", CallDataItem, MeetingDataItem)


@dataclass(frozen=True)
class FieldMappings(Generic[ItemT]):
    """Which Salesforce field (API name) each data item is written to; unmapped items are absent.

    Stored as pairs in the enum's order, so equal mappings compare and hash equal.
    """

    pairs: tuple[tuple[ItemT, str], ...] = ()

    def __post_init__(self) -> None:
        cleaned = [(item, api_name.strip()) for item, api_name in self.pairs if api_name.strip()]
        items = [item for item, _ in cleaned]
        if len(set(items)) != len(items):
            raise ValueError("a data item can be mapped to one field only")
        cleaned.sort(key=lambda pair: _enum_position(pair[0]))
        object.__setattr__(self, "pairs", tuple(cleaned))

    @classmethod
    def of(cls, mapping: Mapping[ItemT, str]) -> FieldMappings[ItemT]:
        """Mappings from ``{item: field API name}``; blank names mean "not mapped"."""
        return cls(pairs=tuple(mapping.items()))

    def get(self, item: ItemT) -> str | None:
        for mapped, api_name in self.pairs:
            if mapped is item:
                return api_name
        return None

    def as_dict(self) -> dict[ItemT, str]:
        return dict(self.pairs)

    def __iter__(self) -> Iterator[tuple[ItemT, str]]:
        return iter(self.pairs)

    def __len__(self) -> int:
        return len(self.pairs)


def _enum_position(member: Enum) -> int:
    return list(type(member)).index(member)


# Placeholders a Subject template may use, per area.
ACTIVITY_SUBJECT_PLACEHOLDERS: Final = frozenset(
    {"direction", "counterpart", "phone_number", "user", "start_time", "end_time", "duration"}
)
VIDEO_SUBJECT_PLACEHOLDERS: Final = frozenset(
    {"title", "host", "participants", "start_time", "end_time"}
)

DEFAULT_ACTIVITY_SUBJECT: Final = "[MiiTel] {direction} call {counterpart}"
DEFAULT_VIDEO_SUBJECT: Final = "[MiiTel] {title}"

# Standard Task fields that take call data without any customisation of the org.
DEFAULT_TASK_FIELD_MAPPINGS: Final[FieldMappings[CallDataItem]] = FieldMappings.of(
    {
        CallDataItem.START_TIME: "ActivityDate",
        CallDataItem.DIRECTION: "CallType",
        CallDataItem.DURATION: "CallDurationInSeconds",
        CallDataItem.MEMO: "Description",
    }
)

# Standard Event fields that take meeting data without any customisation of the org.
DEFAULT_EVENT_FIELD_MAPPINGS: Final[FieldMappings[MeetingDataItem]] = FieldMappings.of(
    {
        MeetingDataItem.START_TIME: "StartDateTime",
        MeetingDataItem.END_TIME: "EndDateTime",
        MeetingDataItem.SUMMARY: "Description",
    }
)


@dataclass(frozen=True)
class BasicSettings:
    """Basic settings. The connection itself is authentication state, not a setting."""

    # "Turn off retrieving Salesforce contact information"; never backed up nor restored.
    turn_off_contact_retrieval: bool = False

    @classmethod
    def default(cls) -> BasicSettings:
        """Contacts are retrieved from Salesforce."""
        return cls(turn_off_contact_retrieval=False)


@dataclass(frozen=True)
class TodoObjectSettings:
    """The ToDo (Task) object settings of Activity history integration."""

    subject: str = DEFAULT_ACTIVITY_SUBJECT
    status: TaskStatus = TaskStatus.COMPLETED
    field_mappings: FieldMappings[CallDataItem] = field(
        default_factory=lambda: DEFAULT_TASK_FIELD_MAPPINGS
    )

    @classmethod
    def default(cls) -> TodoObjectSettings:
        """Subject ``[MiiTel] {direction} call {counterpart}``, Status Completed, and start
        time → ActivityDate, direction → CallType, duration → CallDurationInSeconds,
        memo → Description (end time, call URL, transcript and summary not mapped)."""
        return cls(
            subject=DEFAULT_ACTIVITY_SUBJECT,
            status=TaskStatus.COMPLETED,
            field_mappings=DEFAULT_TASK_FIELD_MAPPINGS,
        )


@dataclass(frozen=True)
class ActivityHistorySettings:
    """Activity history integration: one Salesforce Task (ToDo) per call."""

    enabled: bool = False
    timing: ActivityTiming = ActivityTiming.AFTER_CALL_END
    todo: TodoObjectSettings = field(default_factory=TodoObjectSettings.default)

    @classmethod
    def default(cls) -> ActivityHistorySettings:
        """Disabled, written after call end, default ToDo object settings."""
        return cls(
            enabled=False,
            timing=ActivityTiming.AFTER_CALL_END,
            todo=TodoObjectSettings.default(),
        )


@dataclass(frozen=True)
class VideoHistorySettings:
    """Video history integration: one Salesforce Event per meeting."""

    enabled: bool = False
    subject: str = DEFAULT_VIDEO_SUBJECT
    field_mappings: FieldMappings[MeetingDataItem] = field(
        default_factory=lambda: DEFAULT_EVENT_FIELD_MAPPINGS
    )

    @classmethod
    def default(cls) -> VideoHistorySettings:
        """Disabled, Subject ``[MiiTel] {title}``, start/end time → StartDateTime/EndDateTime,
        summary → Description (title, participants, recording URL, transcript not mapped)."""
        return cls(
            enabled=False,
            subject=DEFAULT_VIDEO_SUBJECT,
            field_mappings=DEFAULT_EVENT_FIELD_MAPPINGS,
        )


@dataclass(frozen=True)
class UserMapping:
    """One MiiTel user (id or email) and the Salesforce username that owns their activities."""

    miitel_user: str
    salesforce_username: str


class OwnerReason(Enum):
    """Why an activity is owned by whom :meth:`AssigneeSettings.owner_for` chose."""

    MAPPED_USER = "mapped_user"
    UNMAPPED_USER = "unmapped_user"
    MISSED_OR_VOICEMAIL = "missed_or_voicemail"


@dataclass(frozen=True)
class Owner:
    """The owner of one Task/Event: a Salesforce username, or ``None`` for the integration user."""

    salesforce_username: str | None
    reason: OwnerReason


@dataclass(frozen=True)
class AssigneeSettings:
    """Activity history assignee: who owns each Task/Event in Salesforce."""

    user_mappings: tuple[UserMapping, ...] = ()
    default_owner_username: str | None = None
    unmapped_rule: UnmappedRule = UnmappedRule.INTEGRATION_USER

    def __post_init__(self) -> None:
        # One canonical order, so equal settings compare equal whatever order they were built in.
        ordered = tuple(sorted(self.user_mappings, key=lambda m: m.miitel_user))
        object.__setattr__(self, "user_mappings", ordered)

    @classmethod
    def default(cls) -> AssigneeSettings:
        """No user mapped, no default owner: every activity goes to the integration user."""
        return cls(
            user_mappings=(),
            default_owner_username=None,
            unmapped_rule=UnmappedRule.INTEGRATION_USER,
        )

    @classmethod
    def from_mapping(
        cls,
        *,
        user_mappings: Mapping[str, str],
        default_owner_username: str | None = None,
        unmapped_rule: UnmappedRule = UnmappedRule.INTEGRATION_USER,
    ) -> AssigneeSettings:
        """Settings from ``{MiiTel user: Salesforce username}``."""
        return cls(
            user_mappings=tuple(UserMapping(k, v) for k, v in user_mappings.items()),
            default_owner_username=default_owner_username,
            unmapped_rule=unmapped_rule,
        )

    def username_for(self, miitel_user: str) -> str | None:
        for mapping in self.user_mappings:
            if mapping.miitel_user == miitel_user:
                return mapping.salesforce_username
        return None

    def owner_for(self, *, miitel_user: str | None, missed_or_voicemail: bool) -> Owner:
        """The owner of a call's or meeting's activity.

        A mapped user owns their answered calls; unmapped users, missed calls and voicemail
        follow :attr:`unmapped_rule` (the integration user, or the default owner when one is set).
        """
        if missed_or_voicemail:
            return self._fallback(OwnerReason.MISSED_OR_VOICEMAIL)
        mapped = self.username_for(miitel_user) if miitel_user else None
        if mapped:
            return Owner(salesforce_username=mapped, reason=OwnerReason.MAPPED_USER)
        return self._fallback(OwnerReason.UNMAPPED_USER)

    def _fallback(self, reason: OwnerReason) -> Owner:
        if self.unmapped_rule is UnmappedRule.DEFAULT_OWNER and self.default_owner_username:
            return Owner(salesforce_username=self.default_owner_username, reason=reason)
        return Owner(salesforce_username=None, reason=reason)


@dataclass(frozen=True)
class IntegrationSettings:
    """All four areas together: the portal's current settings."""

    basic: BasicSettings = field(default_factory=BasicSettings.default)
    activity_history: ActivityHistorySettings = field(
        default_factory=ActivityHistorySettings.default
    )
    video_history: VideoHistorySettings = field(default_factory=VideoHistorySettings.default)
    assignee: AssigneeSettings = field(default_factory=AssigneeSettings.default)

    @classmethod
    def default(cls) -> IntegrationSettings:
        """Every area at its documented default."""
        return cls(
            basic=BasicSettings.default(),
            activity_history=ActivityHistorySettings.default(),
            video_history=VideoHistorySettings.default(),
            assignee=AssigneeSettings.default(),
        )
