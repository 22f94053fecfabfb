"""Step 8 (settings against the org) and [Save] on each tab (step 9's checkbox too)."""

from __future__ import annotations

from dataclasses import replace

import pytest
from service_fakes import ADMIN, VIEWER, World, object_of, sample_settings

from portal.domain.gateway_errors import SalesforceUnavailable
from portal.domain.settings import (
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    SettingsArea,
    TaskStatus,
)
from portal.domain.steps import StepStatus
from portal.services.errors import NotAllowed


def _integrated_with(world: World) -> None:
    world.storage.repositories.settings.save(sample_settings())
    world.integrate()


def test_settings_the_org_supports_validate_cleanly(world: World) -> None:
    world.acme.objects["Event"] = object_of(
        "Event", ("Subject", "StartDateTime", "EndDateTime", "Recording_a__c")
    )
    _integrated_with(world)

    report = world.portal.validation.validate()

    assert report.problems == ()
    assert report.ok and report.result.status is StepStatus.OK


def test_missing_and_unwritable_fields_are_errors_on_their_tab(world: World) -> None:
    world.acme.objects["Task"] = object_of(
        "Task", ("Subject", "CallDurationInSeconds", "MiiTel_Call_URL__c")
    )
    world.acme.objects["Event"] = replace(
        world.acme.objects["Event"],
        fields=tuple(
            replace(f, createable=False) if f.name == "Recording_a__c" else f
            for f in world.acme.objects["Event"].fields
        ),
    )
    _integrated_with(world)

    report = world.portal.validation.validate()

    assert report.result.status is StepStatus.ERROR
    activity = {p.setting: p.message for p in report.problems_for(SettingsArea.ACTIVITY_HISTORY)}
    assert set(activity) == {"todo.field_mappings.transcript"}
    assert "MiiTel_Transcript__c" in activity["todo.field_mappings.transcript"]
    assert "does not exist" in activity["todo.field_mappings.transcript"]
    video = {p.setting: p.message for p in report.problems_for(SettingsArea.VIDEO_HISTORY)}
    assert set(video) == {"field_mappings.recording_url"}
    assert "cannot write" in video["field_mappings.recording_url"]
    assert '"Activity history integration"' in report.result.message


def test_a_missing_object_is_one_problem_for_the_tab(world: World) -> None:
    del world.acme.objects["Event"]
    _integrated_with(world)
    problems = world.portal.validation.validate().problems_for(SettingsArea.VIDEO_HISTORY)
    assert len(problems) == 1 and "Event object does not exist" in problems[0].message


def test_assignees_must_be_active_users(world: World) -> None:
    world.acme.inactive.add("lead.a@corp.example.com")
    _integrated_with(world)
    problems = world.portal.validation.validate().problems_for(SettingsArea.ASSIGNEE)
    assert [p.setting for p in problems] == ["user_mappings.lead@miitel.example"]
    assert "not an active user" in problems[0].message


def test_a_status_value_the_org_lacks_is_reported(world: World) -> None:
    world.acme.objects["Task"] = replace(
        world.acme.objects["Task"],
        fields=tuple(
            replace(f, picklist_values=("Completed",)) if f.name == "Status" else f
            for f in world.acme.objects["Task"].fields
        ),
    )
    _integrated_with(world)
    problems = world.portal.validation.validate().problems_for(SettingsArea.ACTIVITY_HISTORY)
    assert [p.setting for p in problems] == ["todo.status"]
    assert TaskStatus.OPEN.salesforce_value in problems[0].message


def test_without_an_integration_step_8_points_to_step_5(world: World) -> None:
    report = world.portal.validation.validate()
    assert report.checked_against_org is False
    assert report.result.next_step == 5


def test_when_salesforce_fails_step_8_is_an_error_not_a_crash(world: World) -> None:
    _integrated_with(world)
    world.salesforce.failures["describe"] = SalesforceUnavailable(
        error_code="HTTP_503", user_message="Salesforce is not answering properly right now."
    )
    report = world.portal.validation.validate()
    assert report.result.status is StepStatus.ERROR
    assert report.checked_against_org is False
    assert "not answering" in report.result.message


# --- Save -----------------------------------------------------------------------------------


def test_save_with_a_domain_problem_saves_nothing(world: World) -> None:
    before = world.portal.settings.current()
    bad = replace(
        before.activity_history,
        todo=replace(before.activity_history.todo, subject="Call {unknown}"),
    )
    result = world.portal.settings.save_activity_history(actor=ADMIN, settings=bad)
    assert result.saved is False
    assert [p.setting for p in result.problems] == ["todo.subject"]
    assert world.portal.settings.current() == before


def test_save_is_checked_against_the_org_when_integrated(world: World) -> None:
    world.integrate()
    current = world.portal.settings.current()
    mapped = replace(
        current.activity_history,
        todo=replace(
            current.activity_history.todo,
            field_mappings=FieldMappings.of({CallDataItem.SUMMARY: "Summary_Missing__c"}),
        ),
    )
    result = world.portal.settings.save_activity_history(actor=ADMIN, settings=mapped)
    assert result.saved is False
    assert result.problems[0].setting == "todo.field_mappings.summary"
    assert world.portal.settings.current() == current


def test_a_good_save_is_stored_and_audited(world: World) -> None:
    world.integrate()
    assignee = AssigneeSettings.from_mapping(
        user_mappings={"agent@miitel.example": "agent.a@corp.example.com"}
    )
    result = world.portal.settings.save_assignee(actor=ADMIN, settings=assignee)
    assert result.saved and result.warning is None
    assert world.portal.settings.current().assignee == assignee
    assert world.portal.audit.recent()[0].detail == '"Activity history assignee" saved'


def test_save_without_an_integration_is_stored_unchecked(world: World) -> None:
    video = replace(sample_settings().video_history, subject="Meeting: {title}")
    result = world.portal.settings.save_video_history(actor=ADMIN, settings=video)
    assert result.saved
    assert world.portal.settings.current().video_history == video
    assert "not checked" in world.portal.audit.recent()[0].detail


def test_save_when_salesforce_cannot_be_asked_warns(world: World) -> None:
    world.integrate()
    world.salesforce.failures["active_usernames"] = SalesforceUnavailable(
        error_code="TIMEOUT", user_message="Salesforce did not answer in time."
    )
    result = world.portal.settings.save_assignee(actor=ADMIN, settings=sample_settings().assignee)
    assert result.saved
    assert result.warning is not None and "did not answer in time" in result.warning


def test_viewers_cannot_save(world: World) -> None:
    with pytest.raises(NotAllowed):
        world.portal.settings.save_assignee(actor=VIEWER, settings=AssigneeSettings.default())
    with pytest.raises(NotAllowed):
        world.portal.settings.set_contact_retrieval(actor=VIEWER, turn_off=True)


def test_step_9_turns_contact_retrieval_off_and_keeps_the_rest(world: World) -> None:
    world.storage.repositories.settings.save(sample_settings())
    result = world.portal.settings.set_contact_retrieval(actor=ADMIN, turn_off=True)
    assert result.step == 9 and result.status is StepStatus.OK
    current = world.portal.settings.current()
    assert current.basic.turn_off_contact_retrieval is True
    assert current.activity_history == sample_settings().activity_history
    assert "is selected" in world.portal.settings.contact_retrieval().message
