"""The backups' tables and labels in the session's language: the backup history, a backup's
one-line label, and the setting-by-setting changes between two sets of settings.

Words (tab and setting names, Enabled / Disabled, "(not mapped)") are translated; data (org
names, usernames, field API names, Subjects) is shown as it is: these are for tables and select
boxes, which show text as it is (never Markdown).
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.domain.ports import StoredBackup
from portal.domain.restore import DISABLED, ENABLED, SettingChange
from portal.domain.text import N_, Text, msg
from portal.ui.i18n import _, plain, t, when

# Column headers (English ids; the UI shows them translated).
BACKUP: str = N_("Backup")
TAKEN: str = N_("Taken")
ORG: str = N_("Org")
ORG_ID: str = N_("Org ID")
USER: str = N_("User")
ACTIVITY: str = N_("Activity history integration")
VIDEO: str = N_("Video history integration")
ASSIGNEE_MAPPINGS: str = N_("Assignee mappings")
TAB: str = N_("Tab")
SETTING: str = N_("Setting")


def shown(value: str) -> str:
    """A value of a setting as people read it in a table: a message translated, data as it
    is."""
    return plain(value) if isinstance(value, Text) else value


def taken(stored: StoredBackup) -> str:
    """When the backup was taken, in the person's zone."""
    return when(stored.snapshot.taken_at, style="short")


def backup_name(backup_id: int) -> str:
    """ "Backup #12" in the session's language."""
    return t(msg("Backup #{id}", id=str(backup_id)))


def backup_rows(backups: Iterable[StoredBackup]) -> list[dict[str, object]]:
    """One row per backup, newest first as given, under translated headers."""
    return [
        {
            _(BACKUP): f"#{stored.id}",
            _(TAKEN): taken(stored),
            _(ORG): stored.snapshot.org_name or stored.snapshot.org_id,
            _(ORG_ID): stored.snapshot.org_id,
            _(USER): stored.snapshot.username,
            _(ACTIVITY): plain(ENABLED if stored.snapshot.activity_history.enabled else DISABLED),
            _(VIDEO): plain(ENABLED if stored.snapshot.video_history.enabled else DISABLED),
            _(ASSIGNEE_MAPPINGS): len(stored.snapshot.assignee.user_mappings),
        }
        for stored in backups
    ]


def backup_label(stored: StoredBackup) -> str:
    """``#12 · 2026/05/01 17:30 JST · Acme Japan (user@example.com)``."""
    snapshot = stored.snapshot
    return (
        f"#{stored.id} · {taken(stored)} · {snapshot.org_name or snapshot.org_id} "
        f"({snapshot.username})"
    )


def change_rows(
    changes: Iterable[SettingChange], *, before: str, after: str
) -> list[dict[str, str]]:
    """One row per changed setting, the two values side by side under ``before``/``after``
    (headers the caller has already put in the session's language)."""
    return [
        {
            _(TAB): plain(change.area.label),
            _(SETTING): shown(change.label),
            before: shown(change.before),
            after: shown(change.after),
        }
        for change in changes
    ]
