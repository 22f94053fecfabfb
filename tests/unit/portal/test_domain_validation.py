"""Checks that need no Salesforce: field API names, usernames, templates, per tab and setting."""

from __future__ import annotations

from dataclasses import replace

import pytest
from portal_samples import make_custom_settings

from portal.domain.settings import (
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    SettingsArea,
    UnmappedRule,
    UserMapping,
)
from portal.domain.validation import (
    SettingsProblem,
    is_valid_field_api_name,
    looks_like_username,
    validate_settings,
)


@pytest.mark.parametrize(
    "name",
    [
        "Description",
        "CallDurationInSeconds",
        "Call_Memo__c",
        "MiiTel_Transcript__c",
        "ns__Call_Memo__c",
        "X__c",
        "Memo2__C",
        "A" * 40 + "__c",
    ],
)
def test_valid_field_api_names(name: str) -> None:
    assert is_valid_field_api_name(name)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Call Memo__c",
        "Call_Memo",
        "Call__Memo__x",
        "Call__Memo__c__c",
        "_Memo__c",
        "Memo___c",
        "Memo_",
        "1Memo__c",
        "Call-Memo__c",
        "Account.Name",
        "Memo__r",
        "a__b__c__c",
        "A" * 41 + "__c",
        "A" * 41,
    ],
)
def test_invalid_field_api_names(name: str) -> None:
    assert not is_valid_field_api_name(name)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("jane@example.com", True),
        ("jane.doe@acme.example.com.sandbox", True),
        ("jane", False),
        ("jane@example", False),
        ("jane doe@example.com", False),
        ("", False),
    ],
)
def test_usernames_look_like_emails(value: str, ok: bool) -> None:
    assert looks_like_username(value) is ok


def test_defaults_and_the_samples_have_no_problems() -> None:
    assert validate_settings(IntegrationSettings.default()) == ()
    assert validate_settings(make_custom_settings()) == ()


def _only(problems: tuple[SettingsProblem, ...]) -> SettingsProblem:
    assert len(problems) == 1, problems
    return problems[0]


def _with_task_mappings(mapping: dict[CallDataItem, str]) -> IntegrationSettings:
    settings = IntegrationSettings.default()
    todo = replace(settings.activity_history.todo, field_mappings=FieldMappings.of(mapping))
    return replace(settings, activity_history=replace(settings.activity_history, todo=todo))


def test_a_malformed_task_field_names_the_item_and_suggests_the_custom_suffix() -> None:
    problem = _only(validate_settings(_with_task_mappings({CallDataItem.TRANSCRIPT: "Call_Log"})))

    assert problem.area is SettingsArea.ACTIVITY_HISTORY
    assert problem.setting == "todo.field_mappings.transcript"
    assert '"Call_Log" for Transcript' in problem.message
    assert 'did you mean "Call_Log__c"?' in problem.message


def test_a_field_the_integration_writes_itself_cannot_be_mapped() -> None:
    problem = _only(validate_settings(_with_task_mappings({CallDataItem.MEMO: "Subject"})))

    assert problem.setting == "todo.field_mappings.memo"
    assert "set by the integration itself" in problem.message


def test_one_field_mapped_from_two_items_is_reported_for_both() -> None:
    problems = validate_settings(
        _with_task_mappings({CallDataItem.MEMO: "Notes__c", CallDataItem.SUMMARY: "notes__c"})
    )

    assert {p.setting for p in problems} == {
        "todo.field_mappings.memo",
        "todo.field_mappings.summary",
    }
    assert all("more than one item" in p.message for p in problems)


def test_event_mappings_are_checked_under_video_history() -> None:
    settings = IntegrationSettings.default()
    video = replace(
        settings.video_history,
        field_mappings=FieldMappings.of({MeetingDataItem.TITLE: "Meeting Title"}),
    )

    problem = _only(validate_settings(replace(settings, video_history=video)))

    assert problem.area is SettingsArea.VIDEO_HISTORY
    assert problem.setting == "field_mappings.title"
    assert problem.message.startswith('Event field "Meeting Title" for Title')


@pytest.mark.parametrize(
    ("subject", "fragment"),
    [
        ("", "The Subject is empty"),
        ("x" * 256, "256 characters long"),
        ("[MiiTel] {title", "unmatched brace"),
        ("[MiiTel] {direction} {caller_name}", "unknown placeholders {caller_name}: use only"),
    ],
)
def test_activity_subject_problems(subject: str, fragment: str) -> None:
    settings = IntegrationSettings.default()
    todo = replace(settings.activity_history.todo, subject=subject)
    activity = replace(settings.activity_history, todo=todo)

    problem = _only(validate_settings(replace(settings, activity_history=activity)))

    assert problem.area is SettingsArea.ACTIVITY_HISTORY
    assert problem.setting == "todo.subject"
    assert fragment in problem.message


def test_video_subject_placeholders_are_the_meeting_ones() -> None:
    settings = IntegrationSettings.default()
    video = replace(settings.video_history, subject="{title} with {counterpart}")

    problem = _only(validate_settings(replace(settings, video_history=video)))

    assert problem.setting == "subject"
    assert "{counterpart}" in problem.message
    assert "{title}" in problem.message.split("use only")[1]


def _with_assignee(assignee: AssigneeSettings) -> IntegrationSettings:
    return replace(IntegrationSettings.default(), assignee=assignee)


def test_assignee_problems_name_the_miitel_user_and_what_to_enter() -> None:
    assignee = AssigneeSettings(
        user_mappings=(
            UserMapping("agent@miitel", "agent"),
            UserMapping("", "x@corp.example.com"),
            UserMapping("dup@miitel", "a@corp.example.com"),
            UserMapping("dup@miitel", "b@corp.example.com"),
        ),
        default_owner_username="owner",
        unmapped_rule=UnmappedRule.INTEGRATION_USER,
    )

    problems = validate_settings(_with_assignee(assignee))
    by_setting = {p.setting: p.message for p in problems}

    assert all(p.area is SettingsArea.ASSIGNEE for p in problems)
    assert 'MiiTel user "dup@miitel" is mapped 2 times' in by_setting["user_mappings.dup@miitel"]
    assert "in email form" in by_setting["user_mappings.agent@miitel"]
    assert "has no MiiTel user" in by_setting["user_mappings."]
    assert 'default owner "owner"' in by_setting["default_owner_username"]


def test_the_default_owner_rule_needs_a_default_owner() -> None:
    assignee = AssigneeSettings(unmapped_rule=UnmappedRule.DEFAULT_OWNER)

    problem = _only(validate_settings(_with_assignee(assignee)))

    assert problem.setting == "unmapped_rule"
    assert "no default owner is set" in problem.message
