"""Settings defaults, value semantics, the assignee rule and Subject templates."""

from __future__ import annotations

import pickle
from dataclasses import replace

import pytest
from portal_samples import make_custom_settings

from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    BasicSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    OwnerReason,
    SettingsArea,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)
from portal.domain.templates import TemplateProblem, render_subject, template_placeholders


class TestDefaults:
    def test_basic_settings_retrieve_contacts(self) -> None:
        assert BasicSettings.default().turn_off_contact_retrieval is False

    def test_activity_history_is_disabled_after_call_end_with_standard_task_fields(self) -> None:
        activity = ActivityHistorySettings.default()

        assert activity.enabled is False
        assert activity.timing is ActivityTiming.AFTER_CALL_END
        assert activity.todo.subject == "[MiiTel] {direction} call {counterpart}"
        assert activity.todo.status is TaskStatus.COMPLETED
        assert activity.todo.field_mappings.as_dict() == {
            CallDataItem.START_TIME: "ActivityDate",
            CallDataItem.DIRECTION: "CallType",
            CallDataItem.DURATION: "CallDurationInSeconds",
            CallDataItem.MEMO: "Description",
        }

    def test_video_history_is_disabled_with_standard_event_fields(self) -> None:
        video = VideoHistorySettings.default()

        assert video.enabled is False
        assert video.subject == "[MiiTel] {title}"
        assert video.field_mappings.get(MeetingDataItem.START_TIME) == "StartDateTime"
        assert video.field_mappings.get(MeetingDataItem.END_TIME) == "EndDateTime"
        assert video.field_mappings.get(MeetingDataItem.RECORDING_URL) is None

    def test_assignee_sends_everything_to_the_integration_user(self) -> None:
        assignee = AssigneeSettings.default()

        assert assignee.user_mappings == ()
        assert assignee.default_owner_username is None
        assert assignee.unmapped_rule is UnmappedRule.INTEGRATION_USER

    def test_the_aggregate_default_is_every_area_default_and_equals_the_no_arg_form(self) -> None:
        settings = IntegrationSettings.default()

        assert settings == IntegrationSettings()
        assert settings.activity_history == ActivityHistorySettings()
        assert settings.activity_history.todo == TodoObjectSettings()
        assert settings.video_history == VideoHistorySettings()


def test_task_status_maps_to_the_salesforce_picklist() -> None:
    assert TaskStatus.COMPLETED.salesforce_value == "Completed"
    assert TaskStatus.OPEN.salesforce_value == "Not Started"
    assert TaskStatus.OPEN.label == "Open"


def test_area_labels_are_the_tab_names() -> None:
    assert [area.label for area in SettingsArea] == [
        "Basic settings",
        "Activity history integration",
        "Video history integration",
        "Activity history assignee",
    ]


class TestValues:
    def test_field_mappings_compare_equal_whatever_the_order_and_drop_blanks(self) -> None:
        one = FieldMappings.of({CallDataItem.MEMO: "Description", CallDataItem.DURATION: "X__c"})
        two = FieldMappings.of(
            {
                CallDataItem.DURATION: " X__c ",
                CallDataItem.MEMO: "Description",
                CallDataItem.SUMMARY: " ",
            }
        )

        assert one == two
        assert hash(one) == hash(two)
        assert [item for item, _ in two] == [CallDataItem.DURATION, CallDataItem.MEMO]
        assert two.get(CallDataItem.SUMMARY) is None

    def test_an_item_mapped_twice_is_refused(self) -> None:
        with pytest.raises(ValueError, match="one field only"):
            FieldMappings(pairs=((CallDataItem.MEMO, "A__c"), (CallDataItem.MEMO, "B__c")))

    def test_user_mappings_compare_equal_whatever_the_order(self) -> None:
        one = AssigneeSettings.from_mapping(user_mappings={"a": "a@x.com", "b": "b@x.com"})
        two = AssigneeSettings.from_mapping(user_mappings={"b": "b@x.com", "a": "a@x.com"})

        assert one == two

    def test_settings_are_immutable_hashable_and_picklable(self) -> None:
        settings = make_custom_settings()

        with pytest.raises(AttributeError):
            settings.basic.turn_off_contact_retrieval = True  # type: ignore[misc]
        assert hash(settings) == hash(make_custom_settings())
        assert pickle.loads(pickle.dumps(settings)) == settings


class TestOwner:
    assignee = AssigneeSettings.from_mapping(
        user_mappings={"agent@miitel": "agent@corp.example.com"},
        default_owner_username="owner@corp.example.com",
        unmapped_rule=UnmappedRule.INTEGRATION_USER,
    )

    def test_a_mapped_user_owns_their_answered_calls(self) -> None:
        owner = self.assignee.owner_for(miitel_user="agent@miitel", missed_or_voicemail=False)

        assert owner.salesforce_username == "agent@corp.example.com"
        assert owner.reason is OwnerReason.MAPPED_USER

    @pytest.mark.parametrize(
        ("user", "missed", "reason"),
        [
            ("stranger@miitel", False, OwnerReason.UNMAPPED_USER),
            (None, False, OwnerReason.UNMAPPED_USER),
            ("agent@miitel", True, OwnerReason.MISSED_OR_VOICEMAIL),
        ],
    )
    def test_unmapped_users_missed_calls_and_voicemail_go_to_the_integration_user(
        self, user: str | None, missed: bool, reason: OwnerReason
    ) -> None:
        owner = self.assignee.owner_for(miitel_user=user, missed_or_voicemail=missed)

        assert owner.salesforce_username is None
        assert owner.reason is reason

    def test_the_default_owner_rule_uses_the_default_owner(self) -> None:
        assignee = replace(self.assignee, unmapped_rule=UnmappedRule.DEFAULT_OWNER)

        owner = assignee.owner_for(miitel_user="stranger@miitel", missed_or_voicemail=False)

        assert owner.salesforce_username == "owner@corp.example.com"

    def test_the_default_owner_rule_without_an_owner_falls_back_to_the_integration_user(
        self,
    ) -> None:
        assignee = replace(
            self.assignee, unmapped_rule=UnmappedRule.DEFAULT_OWNER, default_owner_username=None
        )

        owner = assignee.owner_for(miitel_user="agent@miitel", missed_or_voicemail=True)

        assert owner.salesforce_username is None


class TestTemplates:
    def test_placeholders_are_listed_in_order(self) -> None:
        assert template_placeholders("[MiiTel] {direction} call {counterpart}") == (
            "direction",
            "counterpart",
        )

    @pytest.mark.parametrize(
        ("template", "fragment"),
        [
            ("Call {direction", "unmatched brace"),
            ("Call {}", "not a name"),
            ("Call {0}", "not a name"),
            ("Call {direction!r}", "'!' or ':'"),
            ("Call {duration:>5}", "'!' or ':'"),
        ],
    )
    def test_bad_templates_are_explained(self, template: str, fragment: str) -> None:
        problem = template_placeholders(template)

        assert isinstance(problem, TemplateProblem)
        assert fragment in problem.message

    def test_render_fills_known_values_and_leaves_missing_ones_empty(self) -> None:
        subject = render_subject(
            template="[MiiTel] {direction} call {counterpart} {{x}}",
            values={"direction": "Outbound"},
        )

        assert subject == "[MiiTel] Outbound call  {x}"

    def test_render_refuses_a_broken_template(self) -> None:
        with pytest.raises(ValueError, match="unmatched brace"):
            render_subject(template="{oops", values={})
