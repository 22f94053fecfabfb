"""The one builder of an admin's configuration of the three backed-up tabs (activity history,
video history, assignee): the demo's realistic settings by default, every part overridable by
keyword. The demo, the tests, the resilience runs and the benches all build their settings here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)

DEMO_ACTIVITY_SUBJECT: Final = "[MiiTel] {direction} call with {counterpart} ({duration})"
DEMO_VIDEO_SUBJECT: Final = "[MiiTel Meetings] {title}"

#: Every call data item on the mock org's MiiTel custom fields (and the standard duration).
DEMO_CALL_FIELDS: Final[Mapping[CallDataItem, str]] = {
    CallDataItem.START_TIME: "MiiTel_Call_Start__c",
    CallDataItem.END_TIME: "MiiTel_Call_End__c",
    CallDataItem.DIRECTION: "MiiTel_Direction__c",
    CallDataItem.DURATION: "CallDurationInSeconds",
    CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
    CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
    CallDataItem.SUMMARY: "MiiTel_Summary__c",
    CallDataItem.MEMO: "MiiTel_Memo__c",
}

#: Meeting data on the standard Event times and the mock org's MiiTel custom fields.
DEMO_MEETING_FIELDS: Final[Mapping[MeetingDataItem, str]] = {
    MeetingDataItem.START_TIME: "StartDateTime",
    MeetingDataItem.END_TIME: "EndDateTime",
    MeetingDataItem.RECORDING_URL: "MiiTel_Meeting_URL__c",
    MeetingDataItem.PARTICIPANTS: "MiiTel_Participants__c",
    MeetingDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
    MeetingDataItem.SUMMARY: "MiiTel_Summary__c",
}


def configured_settings(
    *,
    user_mappings: Mapping[str, str],
    default_owner: str | None = None,
    unmapped_rule: UnmappedRule | None = None,
    activity: bool = True,
    timing: ActivityTiming = ActivityTiming.AFTER_CALL_END,
    subject: str = DEMO_ACTIVITY_SUBJECT,
    status: TaskStatus = TaskStatus.COMPLETED,
    call_fields: Mapping[CallDataItem, str] = DEMO_CALL_FIELDS,
    video: bool = True,
    meeting_subject: str = DEMO_VIDEO_SUBJECT,
    meeting_fields: Mapping[MeetingDataItem, str] = DEMO_MEETING_FIELDS,
) -> IntegrationSettings:
    """Settings as an admin configures them: ``user_mappings`` maps MiiTel users to Salesforce
    usernames; unmapped users, missed calls and voicemail go to ``default_owner`` when one is
    given (unless ``unmapped_rule`` says otherwise), else to the integration user. Basic
    settings stay at their defaults (contact retrieval on)."""
    rule = unmapped_rule or (
        UnmappedRule.DEFAULT_OWNER if default_owner else UnmappedRule.INTEGRATION_USER
    )
    return IntegrationSettings(
        activity_history=ActivityHistorySettings(
            enabled=activity,
            timing=timing,
            todo=TodoObjectSettings(
                subject=subject, status=status, field_mappings=FieldMappings.of(call_fields)
            ),
        ),
        video_history=VideoHistorySettings(
            enabled=video,
            subject=meeting_subject,
            field_mappings=FieldMappings.of(meeting_fields),
        ),
        assignee=AssigneeSettings.from_mapping(
            user_mappings=user_mappings, default_owner_username=default_owner, unmapped_rule=rule
        ),
    )
