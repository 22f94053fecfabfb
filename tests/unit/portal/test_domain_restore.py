"""Step 7's rules, over every combination of backup state, current state and contact flag."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from portal_samples import make_custom_settings

from portal.domain.backup import BackupSnapshot
from portal.domain.restore import (
    NOT_MAPPED,
    AreaRule,
    RestoreStatus,
    SettingChange,
    diff,
    restore_from_backup,
)
from portal.domain.settings import (
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    SettingsArea,
    TodoObjectSettings,
    VideoHistorySettings,
)

TAKEN_AT = datetime(2025, 3, 4, 5, 6, tzinfo=UTC)


def _backup_of(settings: IntegrationSettings) -> BackupSnapshot:
    return BackupSnapshot.capture(
        settings=settings,
        taken_at=TAKEN_AT,
        org_id="00D000000000001EAA",
        org_name="Acme",
        username="admin@acme.example.com",
        instance_url="https://acme.my.salesforce.com",
    )


# Current settings a restore can meet: untouched, customised and on, customised and off,
# and customised with values unrelated to the backup's.
CURRENT_STATES = {
    "defaults": lambda contact_off: replace(
        IntegrationSettings.default(),
        basic=replace(IntegrationSettings.default().basic, turn_off_contact_retrieval=contact_off),
    ),
    "custom_enabled": lambda contact_off: make_custom_settings(
        activity_enabled=True, video_enabled=True, contact_off=contact_off, flavour="now"
    ),
    "custom_disabled": lambda contact_off: make_custom_settings(
        activity_enabled=False, video_enabled=False, contact_off=contact_off, flavour="now"
    ),
    "custom_mixed": lambda contact_off: make_custom_settings(
        activity_enabled=False, video_enabled=True, contact_off=contact_off, flavour="other"
    ),
}

COMBINATIONS = list(
    itertools.product(
        [True, False],  # Activity history integration enabled at backup
        [True, False],  # Video history integration enabled at backup
        sorted(CURRENT_STATES),
        [True, False],  # "Turn off retrieving Salesforce contact information" now
        [True, False],  # the same flag at the time of backup
    )
)


@pytest.mark.parametrize(
    ("activity_on", "video_on", "current_state", "contact_off_now", "contact_off_at_backup"),
    COMBINATIONS,
    ids=[
        f"activity-{'on' if a else 'off'}_video-{'on' if v else 'off'}_{c}_"
        f"contact-{'off' if n else 'on'}_backup-contact-{'off' if b else 'on'}"
        for a, v, c, n, b in COMBINATIONS
    ],
)
def test_restore_applies_step_7_rules(
    activity_on: bool,
    video_on: bool,
    current_state: str,
    contact_off_now: bool,
    contact_off_at_backup: bool,
) -> None:
    at_backup = make_custom_settings(
        activity_enabled=activity_on,
        video_enabled=video_on,
        contact_off=contact_off_at_backup,
        flavour="backup",
    )
    backup = _backup_of(at_backup)
    current = CURRENT_STATES[current_state](contact_off_now)

    outcome = restore_from_backup(current=current, backup=backup)
    restored = outcome.settings

    assert outcome.status is RestoreStatus.RESTORED
    assert outcome.restored
    assert outcome.backup == backup
    assert outcome.areas_to_configure == ()

    # "Retrieving contact information" is never restored: it keeps its current value.
    assert restored.basic == current.basic
    assert restored.basic.turn_off_contact_retrieval is contact_off_now

    rules = {area.area: area.rule for area in outcome.areas}
    if activity_on:
        assert restored.activity_history == at_backup.activity_history
        assert restored.activity_history.enabled is True
        assert rules[SettingsArea.ACTIVITY_HISTORY] is AreaRule.APPLIED_ENABLED
    else:
        assert restored.activity_history.enabled is False
        # The ToDo (Task) object settings go back to defaults; the timing is the backup's.
        assert restored.activity_history.todo == TodoObjectSettings.default()
        assert restored.activity_history.timing is ActivityTiming.AFTER_CALL_START
        assert rules[SettingsArea.ACTIVITY_HISTORY] is AreaRule.RESTORED_DISABLED_WITH_DEFAULTS

    if video_on:
        assert restored.video_history == at_backup.video_history
        assert restored.video_history.enabled is True
        assert rules[SettingsArea.VIDEO_HISTORY] is AreaRule.APPLIED_ENABLED
    else:
        assert restored.video_history == VideoHistorySettings.default()
        assert restored.video_history.enabled is False
        assert rules[SettingsArea.VIDEO_HISTORY] is AreaRule.RESTORED_DISABLED_WITH_DEFAULTS

    assert restored.assignee == at_backup.assignee
    assert rules[SettingsArea.ASSIGNEE] is AreaRule.APPLIED
    assert rules[SettingsArea.BASIC] is AreaRule.NOT_RESTORED

    # All current settings of the three areas are overwritten: the result does not depend on them.
    from_defaults = restore_from_backup(
        current=replace(IntegrationSettings.default(), basic=current.basic), backup=backup
    )
    assert from_defaults.settings == restored

    # The preview lists exactly the settings that change, never Basic settings.
    assert list(outcome.changes) == diff(current, restored)
    assert all(change.area is not SettingsArea.BASIC for change in outcome.changes)


@pytest.mark.parametrize("current_state", sorted(CURRENT_STATES))
@pytest.mark.parametrize("contact_off", [True, False])
def test_without_a_backup_nothing_changes_and_the_three_tabs_are_named(
    current_state: str, contact_off: bool
) -> None:
    current = CURRENT_STATES[current_state](contact_off)

    outcome = restore_from_backup(current=current, backup=None)

    assert outcome.status is RestoreStatus.NOTHING_TO_RESTORE
    assert not outcome.restored
    assert outcome.settings == current
    assert outcome.changes == ()
    assert outcome.areas_to_configure == (
        SettingsArea.ACTIVITY_HISTORY,
        SettingsArea.VIDEO_HISTORY,
        SettingsArea.ASSIGNEE,
    )
    for tab in (
        "Activity history integration",
        "Video history integration",
        "Activity history assignee",
    ):
        assert f'"{tab}"' in outcome.message
    assert "nothing to restore" in outcome.message


def test_restored_message_names_the_backup_origin_and_the_tabs_to_check() -> None:
    backup = _backup_of(make_custom_settings(flavour="backup"))

    outcome = restore_from_backup(current=IntegrationSettings.default(), backup=backup)

    assert "Acme" in outcome.message
    assert "admin@acme.example.com" in outcome.message
    assert "2025-03-04 05:06" in outcome.message
    assert '"Activity history assignee"' in outcome.message


def test_restoring_the_same_settings_reports_no_changes() -> None:
    settings = make_custom_settings(flavour="same")

    outcome = restore_from_backup(current=settings, backup=_backup_of(settings))

    assert outcome.settings == settings
    assert outcome.changes == ()


class TestDiff:
    def test_equal_settings_have_no_changes(self) -> None:
        assert diff(IntegrationSettings.default(), IntegrationSettings.default()) == []

    def test_a_changed_field_mapping_shows_before_and_after(self) -> None:
        before = IntegrationSettings.default()
        todo = replace(
            before.activity_history.todo,
            field_mappings=FieldMappings.of(
                {**before.activity_history.todo.field_mappings.as_dict(), CallDataItem.MEMO: ""}
            ),
        )
        after = replace(before, activity_history=replace(before.activity_history, todo=todo))

        assert diff(before, after) == [
            SettingChange(
                SettingsArea.ACTIVITY_HISTORY,
                "todo.field_mappings.memo",
                "Task field for Memo",
                "Description",
                NOT_MAPPED,
            )
        ]

    def test_user_mappings_added_and_removed_both_show(self) -> None:
        before = replace(
            IntegrationSettings.default(),
            assignee=AssigneeSettings.from_mapping(user_mappings={"a@m": "a@corp.example.com"}),
        )
        after = replace(
            before,
            assignee=AssigneeSettings.from_mapping(user_mappings={"b@m": "b@corp.example.com"}),
        )

        changes = {(c.setting, c.before, c.after) for c in diff(before, after)}

        assert changes == {
            ("user_mappings.a@m", "a@corp.example.com", NOT_MAPPED),
            ("user_mappings.b@m", NOT_MAPPED, "b@corp.example.com"),
        }

    def test_changes_come_in_tab_order(self) -> None:
        before = IntegrationSettings.default()
        after = make_custom_settings(contact_off=True)

        areas = [change.area for change in diff(before, after)]

        order = [
            SettingsArea.BASIC,
            SettingsArea.ACTIVITY_HISTORY,
            SettingsArea.VIDEO_HISTORY,
            SettingsArea.ASSIGNEE,
        ]
        assert areas == sorted(areas, key=order.index)
        assert set(areas) == set(order)
