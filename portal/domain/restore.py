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
from portal.domain.text import N_, Text, msg
from portal.domain.wording import quoted

# Values that are words, not data: messages the UI translates (their str is the English).
NOT_MAPPED: Final = Text(N_("(not mapped)"))
NOT_SET: Final = Text(N_("(not set)"))
SELECTED: Final = Text(N_("Selected"))
NOT_SELECTED: Final = Text(N_("Not selected"))
ENABLED: Final = Text(N_("Enabled"))
DISABLED: Final = Text(N_("Disabled"))


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
    message: Text


@dataclass(frozen=True)
class SettingChange:
    """One setting whose value a restore changes: ``setting`` is its key, ``label`` its name.

    ``label`` is a message; ``before``/``after`` are messages when they are words (Enabled,
    "(not mapped)", a choice's name) and plain ``str`` when they are data (a field API name, a
    username, a Subject): render with ``t`` only what is a :class:`Text`."""

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
        return RestoreOutcome(
            status=RestoreStatus.NOTHING_TO_RESTORE,
            settings=current,
            message=msg(
                "There is no backup data, so there is nothing to restore. Configure {tabs} on "
                'their tabs and click "Save".',
                tabs=quoted([area.label for area in BACKED_UP_AREAS]),
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
                msg(
                    '"Activity history integration" was disabled at backup: it is restored '
                    "disabled, and its ToDo (Task) object settings are reset to their defaults."
                ),
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
                msg(
                    '"Video history integration" was disabled at backup: it is restored '
                    "disabled, and its settings are reset to their defaults."
                ),
            )
        )
    areas.append(
        AreaRestore(
            SettingsArea.ASSIGNEE,
            AreaRule.APPLIED,
            msg('"Activity history assignee": the settings at the time of backup are applied.'),
        )
    )
    areas.append(
        AreaRestore(
            SettingsArea.BASIC,
            AreaRule.NOT_RESTORED,
            msg(
                '"Turn off retrieving Salesforce contact information" is not restored; it keeps '
                "its current value."
            ),
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
        message=msg(
            "Restored the settings backed up on {taken_at} from {org} ({username}). Check the "
            "{tabs} tabs and fix any item that shows an error.",
            taken_at=backup.taken_at,
            org=backup.org_name,
            username=backup.username,
            tabs=quoted([area.label for area in BACKED_UP_AREAS]),
        ),
        areas=tuple(areas),
        changes=tuple(diff(current, restored)),
        backup=backup,
    )


def _enabled(area: SettingsArea) -> AreaRestore:
    return AreaRestore(
        area,
        AreaRule.APPLIED_ENABLED,
        msg(
            '"{tab}" was enabled at backup: the settings at the time of backup are applied and '
            "the integration is enabled.",
            tab=area.label,
        ),
    )


INTEGRATION_STATUS: Final = Text(N_("Integration status"))
SUBJECT: Final = Text(N_("Subject"))


@dataclass(frozen=True)
class SettingLine:
    """One setting shown as text: the key a change refers to, its name and its value (a
    message when it is words, a plain ``str`` when it is data; see :class:`SettingChange`)."""

    area: SettingsArea
    setting: str
    label: Text
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
            Text(N_("Turn off retrieving Salesforce contact information")),
            SELECTED if settings.basic.turn_off_contact_retrieval else NOT_SELECTED,
        )
    )
    activity = settings.activity_history
    area = SettingsArea.ACTIVITY_HISTORY
    lines += [
        SettingLine(area, "enabled", INTEGRATION_STATUS, _status(activity.enabled)),
        SettingLine(area, "timing", Text(N_("Timing")), activity.timing.label),
        SettingLine(area, "todo.subject", SUBJECT, activity.todo.subject),
        SettingLine(area, "todo.status", Text(N_("Status")), activity.todo.status.label),
    ]
    for call_item in CallDataItem:
        lines.append(
            SettingLine(
                area,
                f"todo.field_mappings.{call_item.value}",
                msg("Task field for {item}", item=call_item.label),
                activity.todo.field_mappings.get(call_item) or NOT_MAPPED,
            )
        )
    video = settings.video_history
    area = SettingsArea.VIDEO_HISTORY
    lines += [
        SettingLine(area, "enabled", INTEGRATION_STATUS, _status(video.enabled)),
        SettingLine(area, "subject", SUBJECT, video.subject),
    ]
    for meeting_item in MeetingDataItem:
        lines.append(
            SettingLine(
                area,
                f"field_mappings.{meeting_item.value}",
                msg("Event field for {item}", item=meeting_item.label),
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
            Text(N_("Default owner")),
            assignee.default_owner_username or NOT_SET,
        ),
        SettingLine(
            area,
            "unmapped_rule",
            Text(N_("Unmapped users, missed calls and voicemail go to")),
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
        msg('Salesforce user for MiiTel user "{user}"', user=miitel_user),
        salesforce_username,
    )


def _status(enabled: bool) -> Text:
    return ENABLED if enabled else DISABLED
