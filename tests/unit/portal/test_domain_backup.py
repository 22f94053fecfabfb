"""The backup snapshot's versioned JSON format: round trip, and every way a backup can be bad."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from portal_samples import make_custom_settings

from portal.domain.backup import BACKUP_FORMAT_VERSION, BackupFormatError, BackupSnapshot
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
    UserMapping,
    VideoHistorySettings,
)

TAKEN_AT = datetime(2025, 6, 7, 8, 9, 10, 123456, tzinfo=UTC)


def _snapshot(settings: IntegrationSettings | None = None) -> BackupSnapshot:
    return BackupSnapshot.capture(
        settings=settings or make_custom_settings(contact_off=True),
        taken_at=TAKEN_AT,
        org_id="00D5g000000XyZ1EAK",
        org_name="Acme 日本",
        username="admin@acme.example.com",
        instance_url="https://acme.my.salesforce.com",
    )


def _document(**changes: Any) -> str:
    document = json.loads(_snapshot().to_json())
    document.update(changes)
    return json.dumps(document)


def _with_setting(path: list[str], value: Any) -> str:
    document = json.loads(_snapshot().to_json())
    target = document
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return json.dumps(document)


def _without_setting(path: list[str]) -> str:
    document = json.loads(_snapshot().to_json())
    target = document
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return json.dumps(document)


def test_round_trip_keeps_every_setting_and_the_origin() -> None:
    snapshot = _snapshot()

    assert BackupSnapshot.from_json(snapshot.to_json()) == snapshot


def test_the_format_is_versioned_and_never_holds_basic_settings() -> None:
    document = json.loads(_snapshot().to_json())

    assert document["format_version"] == BACKUP_FORMAT_VERSION
    assert document["format"] == "miitel-salesforce-settings-backup"
    assert set(document["settings"]) == {"activity_history", "video_history", "assignee"}
    assert "turn_off_contact_retrieval" not in _snapshot().to_json()


def test_taken_at_is_kept_in_utc_from_any_time_zone() -> None:
    tokyo = timezone(timedelta(hours=9))
    snapshot = BackupSnapshot.capture(
        settings=IntegrationSettings.default(),
        taken_at=datetime(2025, 1, 1, 9, 0, tzinfo=tokyo),
        org_id="00D",
        org_name="o",
        username="u@example.com",
        instance_url="https://x",
    )

    assert snapshot.taken_at == datetime(2025, 1, 1, 0, 0, tzinfo=UTC)
    assert BackupSnapshot.from_json(snapshot.to_json()).taken_at.tzinfo is UTC


def test_a_naive_taken_at_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        BackupSnapshot.capture(
            settings=IntegrationSettings.default(),
            taken_at=datetime(2025, 1, 1),
            org_id="00D",
            org_name="o",
            username="u@example.com",
            instance_url="https://x",
        )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", 'at "backup": expected an object, found a list'),
        (_document(format="something-else"), 'at "backup.format"'),
        (_document(format_version="1"), 'at "backup.format_version": expected a whole number'),
        (_document(format_version=0), "0 is not a known version"),
        (_document(taken_at="yesterday"), '"yesterday" is not a date and time with a time zone'),
        (_document(taken_at="2025-01-01T00:00:00"), "is not a date and time with a time zone"),
        (_document(org_id=None), 'at "backup.org_id": expected a string, found null'),
        (_document(surprise=1), 'at "backup": has unknown key "surprise"'),
        (_without_setting(["settings", "assignee"]), 'is missing key "assignee"'),
        (
            _with_setting(["settings", "activity_history", "timing"], "after_lunch"),
            'at "backup.settings.activity_history.timing": "after_lunch" is not one of '
            '"after_call_start", "after_call_end"',
        ),
        (
            _with_setting(["settings", "video_history", "enabled"], "yes"),
            'at "backup.settings.video_history.enabled": expected true or false, '
            'found the string "yes"',
        ),
        (
            _with_setting(["settings", "activity_history", "todo", "field_mappings", "mood"], "X"),
            'at "backup.settings.activity_history.todo.field_mappings.mood": "mood" is not one of',
        ),
        (
            _with_setting(["settings", "assignee", "user_mappings", "a@m"], 5),
            'at "backup.settings.assignee.user_mappings.a@m": expected a string',
        ),
        (
            _with_setting(["settings", "assignee", "unmapped_rule"], None),
            'at "backup.settings.assignee.unmapped_rule": null is not one of',
        ),
    ],
    ids=lambda value: value if len(str(value)) < 40 else None,
)
def test_a_damaged_backup_says_what_is_wrong_and_what_to_do(text: str, expected: str) -> None:
    with pytest.raises(BackupFormatError) as raised:
        BackupSnapshot.from_json(text)

    message = str(raised.value)
    assert expected in message
    assert "configure" in message or "Update the portal" in message


def test_a_backup_from_a_newer_portal_asks_for_an_update() -> None:
    with pytest.raises(BackupFormatError, match=r"format version 2.*Update the portal"):
        BackupSnapshot.from_json(_document(format_version=BACKUP_FORMAT_VERSION + 1))


# --- property: any settings survive the round trip ------------------------------------------

_names = st.from_regex(r"[A-Z][a-z]{1,8}(_[A-Z][a-z]{1,6})?__c", fullmatch=True)
_text = st.text(min_size=0, max_size=30)


def _mappings(item_type: Any) -> st.SearchStrategy[Any]:
    return st.dictionaries(st.sampled_from(list(item_type)), _names, max_size=len(item_type)).map(
        FieldMappings.of
    )


_settings = st.builds(
    IntegrationSettings,
    activity_history=st.builds(
        ActivityHistorySettings,
        enabled=st.booleans(),
        timing=st.sampled_from(list(ActivityTiming)),
        todo=st.builds(
            TodoObjectSettings,
            subject=_text,
            status=st.sampled_from(list(TaskStatus)),
            field_mappings=_mappings(CallDataItem),
        ),
    ),
    video_history=st.builds(
        VideoHistorySettings,
        enabled=st.booleans(),
        subject=_text,
        field_mappings=_mappings(MeetingDataItem),
    ),
    assignee=st.builds(
        AssigneeSettings,
        user_mappings=st.dictionaries(_text, st.emails(), max_size=4).map(
            lambda d: tuple(UserMapping(k, v) for k, v in d.items())
        ),
        default_owner_username=st.none() | st.emails(),
        unmapped_rule=st.sampled_from(list(UnmappedRule)),
    ),
)


@given(settings=_settings)
def test_any_settings_survive_a_backup_round_trip(settings: IntegrationSettings) -> None:
    snapshot = _snapshot(settings)

    restored = BackupSnapshot.from_json(snapshot.to_json())

    assert restored == snapshot
    assert restored.activity_history == settings.activity_history
    assert restored.video_history == settings.video_history
    assert restored.assignee == settings.assignee
