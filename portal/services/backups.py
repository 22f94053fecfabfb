"""The backup history: the latest backup (what a restore uses), every earlier one, and their
differences. A restore never deletes a backup."""

from __future__ import annotations

from portal.domain.backup import BackupSnapshot
from portal.domain.ports import MAX_PAGE_SIZE, StoredBackup
from portal.domain.restore import SettingChange, diff
from portal.domain.settings import IntegrationSettings, SettingsArea
from portal.services.context import ServiceContext
from portal.services.errors import BackupNotFound


class BackupsService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def latest(self) -> StoredBackup | None:
        """The backup [Restore] uses, or None when there is none."""
        history = self._context.repositories.backups.history(limit=1)
        return history[0] if history else None

    def history(self, *, limit: int = 50) -> list[StoredBackup]:
        """Saved backups, newest first."""
        return self._context.repositories.backups.history(limit=limit)

    def get(self, *, backup_id: int) -> StoredBackup:
        """One backup; :class:`BackupNotFound` when there is no such backup."""
        for stored in self._context.repositories.backups.history(limit=MAX_PAGE_SIZE):
            if stored.id == backup_id:
                return stored
        raise BackupNotFound(backup_id)

    def diff(self, *, older_id: int, newer_id: int) -> list[SettingChange]:
        """Every setting of the three backed-up tabs that differs from backup ``older_id`` to
        backup ``newer_id`` (``before`` is the older value)."""
        older, newer = self.get(backup_id=older_id), self.get(backup_id=newer_id)
        changes = diff(_as_settings(older.snapshot), _as_settings(newer.snapshot))
        return [change for change in changes if change.area is not SettingsArea.BASIC]

    def as_json(self, *, backup_id: int) -> bytes:
        """The backup in its versioned JSON format (UTF-8), for download."""
        return self.get(backup_id=backup_id).snapshot.to_json().encode("utf-8")


def _as_settings(snapshot: BackupSnapshot) -> IntegrationSettings:
    return IntegrationSettings(
        activity_history=snapshot.activity_history,
        video_history=snapshot.video_history,
        assignee=snapshot.assignee,
    )
