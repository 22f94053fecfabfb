"""Step 7, "Restore the settings prior to integration removal", exactly as the procedure says.

- Activity history integration / Video history integration enabled at backup: the backed-up
  settings are applied and the integration is enabled.
- Disabled at backup: restored disabled; for Activity history integration the ToDo (Task)
  object settings, and for Video history integration its settings, are reset to defaults.
- Activity history assignee: the backed-up settings are applied.
- All current settings of these three areas are overwritten.
- "Retrieving contact information" (Basic settings) is never restored.
- No backup: nothing to restore; the three tabs must be configured by hand.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from typing import Final

from portal.domain.backup import BackupSnapshot
from portal.domain.settings import (
    BACKED_UP_AREAS,
    ActivityHistorySettings,
    CallDataItem,
    IntegrationSettings,
    MeetingDataItem,
    SettingsArea,
    TodoObjectSettings,
    VideoHistorySettings,
)

NOT_MAPPED: Final = "(not mapped)"
NOT_SET: Final = "(not set)"


class RestoreStatus(Enum):
    RESTORED = "restored"
    NOTHING_TO_RESTORE = "nothing_to_restore"


class AreaRule(Enum):
    """Which rule of step 7 was applied to an area."""

    APPLIED_ENABLED = "applied_enabled"
    RESTORED_DISABLED_WITH_DEFAULTS = "restored_disabled_with_defaults"
    APPLIED = "applied"
    NOT_RESTORED = "not_restored"


@dataclass(frozen=True)
class AreaRestore:
    """What the restore did to one area, in words for the person who clicked [Restore]."""

    area: SettingsArea
    rule: AreaRule
    message: str


@dataclass(frozen=True)
class SettingChange:
    """One setting whose value a restore changes: ``setting`` is its key, ``label`` its name."""

    area: SettingsArea
    setting: str
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class RestoreOutcome:
    """The settings after a restore (the current ones when there was nothing to restore)."""

    status: RestoreStatus
    settings: IntegrationSettings
    message: str
    areas: tuple[AreaRestore, ...]
    changes: tuple[SettingChange, ...]
    backup: BackupSnapshot | None
    # The tabs the person must configure by hand (only when there was nothing to restore).
    areas_to_configure: tuple[SettingsArea, ...] = ()

    @property
    def restored(self) -> bool:
        return self.status is RestoreStatus.RESTORED


def restore_from_backup(
    *, current: IntegrationSettings, backup: BackupSnapshot | None
) -> RestoreOutcome:
    """Apply step 7 to ``current`` with ``backup`` (the latest backup, or None if there is none)."""
    if backup is None:
        tabs = ", ".join(f'"{area.label}"' for area in BACKED_UP_AREAS)
        return RestoreOutcome(
            status=RestoreStatus.NOTHING_TO_RESTORE,
            settings=current,
            message=(
                "There is no backup data, so there is nothing to restore. "
                f'Configure {tabs} on their tabs and click "Save".'
            ),
            areas=(),
            changes=(),
            backup=None,
            areas_to_configure=BACKED_UP_AREAS,
        )

    areas: list[AreaRestore] = []
    if backup.activity_history.enabled:
        activity = backup.activity_history
        areas.append(_enabled(SettingsArea.ACTIVITY_HISTORY))
    else:
        # Timing and the rest come from the backup; only the ToDo object settings go back.
        activity = ActivityHistorySettings(
            enabled=False,
            timing=backup.activity_history.timing,
            todo=TodoObjectSettings.default(),
        )
        areas.append(
            AreaRestore(
                SettingsArea.ACTIVITY_HISTORY,
                AreaRule.RESTORED_DISABLED_WITH_DEFAULTS,
                '"Activity history integration" was disabled at backup: it is restored '
                "disabled, and its ToDo (Task) object settings are reset to their defaults.",
            )
        )
    if backup.video_history.enabled:
        video = backup.video_history
        areas.append(_enabled(SettingsArea.VIDEO_HISTORY))
    else:
        video = VideoHistorySettings.default()
        areas.append(
            AreaRestore(
                SettingsArea.VIDEO_HISTORY,
                AreaRule.RESTORED_DISABLED_WITH_DEFAULTS,
                '"Video history integration" was disabled at backup: it is restored disabled, '
                "and its settings are reset to their defaults.",
            )
        )
    areas.append(
        AreaRestore(
            SettingsArea.ASSIGNEE,
            AreaRule.APPLIED,
            '"Activity history assignee": the settings at the time of backup are applied.',
        )
    )
    areas.append(
        AreaRestore(
            SettingsArea.BASIC,
            AreaRule.NOT_RESTORED,
            '"Turn off retrieving Salesforce contact information" is not restored; '
            "it keeps its current value.",
        )
    )
    restored = IntegrationSettings(
        basic=current.basic,
        activity_history=activity,
        video_history=video,
        assignee=backup.assignee,
    )
    return RestoreOutcome(
        status=RestoreStatus.RESTORED,
        settings=restored,
        message=(
            f"Restored the settings backed up on {backup.taken_at:%Y-%m-%d %H:%M} UTC from "
            f"{backup.org_name} ({backup.username}). Check the "
            + ", ".join(f'"{area.label}"' for area in BACKED_UP_AREAS)
            + " tabs and fix any item that shows an error."
        ),
        areas=tuple(areas),
        changes=tuple(diff(current, restored)),
        backup=backup,
    )


def _enabled(area: SettingsArea) -> AreaRestore:
    return AreaRestore(
        area,
        AreaRule.APPLIED_ENABLED,
        f'"{area.label}" was enabled at backup: the settings at the time of backup are applied '
        "and the integration is enabled.",
    )


@dataclass(frozen=True)
class SettingLine:
    """One setting shown as text: the key a change refers to, its name and its value."""

    area: SettingsArea
    setting: str
    label: str
    value: str


def describe(
    settings: IntegrationSettings, *, miitel_users: Iterable[str] = ()
) -> list[SettingLine]:
    """Every setting of every area as text, in the order the tabs show them.

    The assignee lines cover the mapped MiiTel users plus ``miitel_users`` (shown as not mapped
    when they are not), sorted by MiiTel user.
    """
    lines: list[SettingLine] = []
    basic = SettingsArea.BASIC
    lines.append(
        SettingLine(
            basic,
            "turn_off_contact_retrieval",
            "Turn off retrieving Salesforce contact information",
            "Selected" if settings.basic.turn_off_contact_retrieval else "Not selected",
        )
    )
    activity = settings.activity_history
    area = SettingsArea.ACTIVITY_HISTORY
    lines += [
        SettingLine(area, "enabled", "Integration status", _status(activity.enabled)),
        SettingLine(area, "timing", "Timing", activity.timing.label),
        SettingLine(area, "todo.subject", "Subject", activity.todo.subject),
        SettingLine(area, "todo.status", "Status", activity.todo.status.label),
    ]
    for call_item in CallDataItem:
        lines.append(
            SettingLine(
                area,
                f"todo.field_mappings.{call_item.value}",
                f"Task field for {call_item.label}",
                activity.todo.field_mappings.get(call_item) or NOT_MAPPED,
            )
        )
    video = settings.video_history
    area = SettingsArea.VIDEO_HISTORY
    lines += [
        SettingLine(area, "enabled", "Integration status", _status(video.enabled)),
        SettingLine(area, "subject", "Subject", video.subject),
    ]
    for meeting_item in MeetingDataItem:
        lines.append(
            SettingLine(
                area,
                f"field_mappings.{meeting_item.value}",
                f"Event field for {meeting_item.label}",
                video.field_mappings.get(meeting_item) or NOT_MAPPED,
            )
        )
    assignee = settings.assignee
    area = SettingsArea.ASSIGNEE
    for user in sorted({m.miitel_user for m in assignee.user_mappings} | set(miitel_users)):
        lines.append(_user_line(user, assignee.username_for(user) or NOT_MAPPED))
    lines += [
        SettingLine(
            area,
            "default_owner_username",
            "Default owner",
            assignee.default_owner_username or NOT_SET,
        ),
        SettingLine(
            area,
            "unmapped_rule",
            "Unmapped users, missed calls and voicemail go to",
            assignee.unmapped_rule.label,
        ),
    ]
    return lines


def diff(current: IntegrationSettings, restored: IntegrationSettings) -> list[SettingChange]:
    """Every setting whose value differs between ``current`` and ``restored``, tab by tab."""
    # Both sides list the same MiiTel users, so a user mapped on one side only shows as a change.
    users = {
        m.miitel_user for m in (*current.assignee.user_mappings, *restored.assignee.user_mappings)
    }
    before = describe(current, miitel_users=users)
    after = describe(restored, miitel_users=users)
    return [
        SettingChange(old.area, old.setting, old.label, old.value, new.value)
        for old, new in zip(before, after, strict=True)
        if old.value != new.value
    ]


def _user_line(miitel_user: str, salesforce_username: str) -> SettingLine:
    return SettingLine(
        SettingsArea.ASSIGNEE,
        f"user_mappings.{miitel_user}",
        f'Salesforce user for MiiTel user "{miitel_user}"',
        salesforce_username,
    )


def _status(enabled: bool) -> str:
    return "Enabled" if enabled else "Disabled"
