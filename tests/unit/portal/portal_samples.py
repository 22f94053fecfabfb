"""Sample settings for the portal's domain tests: every area different from its defaults.

A plain module (imported by name) rather than fixtures, so tables of cases can use it."""

from __future__ import annotations

from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    BasicSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)


def make_custom_settings(
    *,
    activity_enabled: bool = True,
    video_enabled: bool = True,
    contact_off: bool = False,
    flavour: str = "a",
) -> IntegrationSettings:
    """Settings that differ from the defaults in every area; ``flavour`` makes two distinct sets."""
    return IntegrationSettings(
        basic=BasicSettings(turn_off_contact_retrieval=contact_off),
        activity_history=ActivityHistorySettings(
            enabled=activity_enabled,
            timing=ActivityTiming.AFTER_CALL_START,
            todo=TodoObjectSettings(
                subject=f"Call {flavour} {{direction}} with {{counterpart}}",
                status=TaskStatus.OPEN,
                field_mappings=FieldMappings.of(
                    {
                        CallDataItem.DURATION: "CallDurationInSeconds",
                        CallDataItem.TRANSCRIPT: f"Transcript_{flavour}__c",
                        CallDataItem.CALL_URL: f"MiiTel_Url_{flavour}__c",
                    }
                ),
            ),
        ),
        video_history=VideoHistorySettings(
            enabled=video_enabled,
            subject=f"Meeting {flavour}: {{title}}",
            field_mappings=FieldMappings.of(
                {
                    MeetingDataItem.START_TIME: "StartDateTime",
                    MeetingDataItem.END_TIME: "EndDateTime",
                    MeetingDataItem.RECORDING_URL: f"Recording_{flavour}__c",
                }
            ),
        ),
        assignee=AssigneeSettings.from_mapping(
            user_mappings={
                f"agent-{flavour}@miitel.example": f"agent.{flavour}@corp.example.com",
                "lead@miitel.example": f"lead.{flavour}@corp.example.com",
            },
            default_owner_username=f"owner.{flavour}@corp.example.com",
            unmapped_rule=UnmappedRule.DEFAULT_OWNER,
        ),
    )
