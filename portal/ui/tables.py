"""Rows for the tables several pages show (plain dicts; Streamlit renders them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.adapters.ports import StoredBackup
from portal.domain.audit import AuditEntry
from portal.domain.history import AuthenticationHistoryEntry
from portal.domain.restore import SettingChange


def when(moment: datetime | None) -> str:
    """A timestamp as people read it in the portal: UTC, to the minute."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def history_rows(entries: Iterable[AuthenticationHistoryEntry]) -> list[dict[str, str]]:
    return [
        {
            "When": when(entry.occurred_at),
            "Event": entry.event.label,
            "Org": entry.org_name or "",
            "Org ID": entry.org_id or "",
            "User": entry.username or "",
            "Detail": entry.detail,
        }
        for entry in entries
    ]


def audit_rows(entries: Iterable[AuditEntry]) -> list[dict[str, str]]:
    return [
        {
            "When": when(entry.occurred_at),
            "Portal user": entry.actor,
            "Action": entry.action.label,
            "Outcome": entry.outcome.value.capitalize(),
            "Detail": entry.detail,
        }
        for entry in entries
    ]


def change_rows(
    changes: Iterable[SettingChange], *, before: str, after: str
) -> list[dict[str, str]]:
    """One row per changed setting, the two values side by side under ``before``/``after``."""
    return [
        {
            "Tab": change.area.label,
            "Setting": change.label,
            before: change.before,
            after: change.after,
        }
        for change in changes
    ]


def backup_rows(backups: Iterable[StoredBackup]) -> list[dict[str, object]]:
    return [
        {
            "Backup": f"#{stored.id}",
            "Taken": when(stored.snapshot.taken_at),
            "Org": stored.snapshot.org_name or stored.snapshot.org_id,
            "Org ID": stored.snapshot.org_id,
            "User": stored.snapshot.username,
            "Activity history integration": _enabled(stored.snapshot.activity_history.enabled),
            "Video history integration": _enabled(stored.snapshot.video_history.enabled),
            "Assignee mappings": len(stored.snapshot.assignee.user_mappings),
        }
        for stored in backups
    ]


def backup_label(stored: StoredBackup) -> str:
    snapshot = stored.snapshot
    return (
        f"#{stored.id} · {when(snapshot.taken_at)} · {snapshot.org_name or snapshot.org_id} "
        f"({snapshot.username})"
    )


def _enabled(enabled: bool) -> str:
    return "Enabled" if enabled else "Disabled"
