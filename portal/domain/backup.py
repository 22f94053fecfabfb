"""The backup taken on "Remove integration": the three areas' settings and enabled state.

Basic settings are never part of a backup ("Retrieving contact information" is not restored).
The JSON format is versioned; reading checks every key so a damaged or hand-edited backup is
reported with what is wrong and what to do, never half-read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from portal.domain.codec import (
    SettingsDecodeError,
    activity_history_from_dict,
    activity_history_to_dict,
    assignee_from_dict,
    assignee_to_dict,
    read_int,
    read_object,
    read_str,
    video_history_from_dict,
    video_history_to_dict,
)
from portal.domain.settings import (
    ActivityHistorySettings,
    AssigneeSettings,
    IntegrationSettings,
    VideoHistorySettings,
)
from portal.domain.text import Text, msg
from portal.domain.timestamps import require_aware

BACKUP_FORMAT: Final = "miitel-salesforce-settings-backup"
BACKUP_FORMAT_VERSION: Final = 1


class BackupFormatError(ValueError):
    """The backup data cannot be read; ``message`` says what is wrong and what to do (its
    ``str`` is the English text)."""

    def __init__(self, message: Text) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class BackupSnapshot:
    """What "Remove integration" saved, where it came from, and when."""

    taken_at: datetime
    org_id: str
    org_name: str
    username: str
    instance_url: str
    activity_history: ActivityHistorySettings
    video_history: VideoHistorySettings
    assignee: AssigneeSettings
    format_version: int = BACKUP_FORMAT_VERSION

    def __post_init__(self) -> None:
        object.__setattr__(self, "taken_at", require_aware(self.taken_at, name="taken_at"))

    @classmethod
    def capture(
        cls,
        *,
        settings: IntegrationSettings,
        taken_at: datetime,
        org_id: str,
        org_name: str,
        username: str,
        instance_url: str,
    ) -> BackupSnapshot:
        """The backup of ``settings`` (all but Basic settings) for the given org and user."""
        return cls(
            taken_at=taken_at,
            org_id=org_id,
            org_name=org_name,
            username=username,
            instance_url=instance_url,
            activity_history=settings.activity_history,
            video_history=settings.video_history,
            assignee=settings.assignee,
        )

    def to_json(self) -> str:
        """The backup in the current format (version :data:`BACKUP_FORMAT_VERSION`)."""
        document: dict[str, Any] = {
            "format": BACKUP_FORMAT,
            "format_version": BACKUP_FORMAT_VERSION,
            "taken_at": self.taken_at.isoformat(),
            "org_id": self.org_id,
            "org_name": self.org_name,
            "username": self.username,
            "instance_url": self.instance_url,
            "settings": {
                "activity_history": activity_history_to_dict(self.activity_history),
                "video_history": video_history_to_dict(self.video_history),
                "assignee": assignee_to_dict(self.assignee),
            },
        }
        return json.dumps(document, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> BackupSnapshot:
        """Read a backup; raises :class:`BackupFormatError` if it is not a complete, known one."""
        try:
            document = json.loads(text)
        except (json.JSONDecodeError, TypeError) as exc:
            raise BackupFormatError(
                msg(
                    "The backup data is not valid JSON ({detail}); it was damaged after it was "
                    "saved. Restore an earlier backup from the backup history, or configure "
                    '"Activity history integration", "Video history integration" and "Activity '
                    'history assignee" by hand.',
                    detail=str(exc),
                )
            ) from None
        try:
            return _snapshot_from_document(document)
        except SettingsDecodeError as exc:
            raise BackupFormatError(
                msg(
                    "The backup data is not a complete backup: {detail}. Restore an earlier "
                    'backup from the backup history, or configure "Activity history integration", '
                    '"Video history integration" and "Activity history assignee" by hand.',
                    detail=str(exc),
                )
            ) from None


def _snapshot_from_document(document: object) -> BackupSnapshot:
    header = read_object(document, path="backup", keys=None)
    if header.get("format") != BACKUP_FORMAT:
        raise SettingsDecodeError("backup.format", f'expected "{BACKUP_FORMAT}"')
    version = read_int(header.get("format_version"), path="backup.format_version")
    if version > BACKUP_FORMAT_VERSION:
        raise BackupFormatError(
            msg(
                "The backup was written in format version {version}, but this portal reads "
                "versions up to {latest}. Update the portal, then restore again.",
                version=version,
                latest=BACKUP_FORMAT_VERSION,
            )
        )
    if version < 1:
        raise SettingsDecodeError("backup.format_version", f"{version} is not a known version")
    obj = read_object(
        document,
        path="backup",
        keys={
            "format",
            "format_version",
            "taken_at",
            "org_id",
            "org_name",
            "username",
            "instance_url",
            "settings",
        },
    )
    settings = read_object(
        obj["settings"],
        path="backup.settings",
        keys={"activity_history", "video_history", "assignee"},
    )
    taken_at_text = read_str(obj["taken_at"], path="backup.taken_at")
    try:
        taken_at = require_aware(datetime.fromisoformat(taken_at_text), name="taken_at")
    except ValueError:
        raise SettingsDecodeError(
            "backup.taken_at", f'"{taken_at_text}" is not a date and time with a time zone'
        ) from None
    return BackupSnapshot(
        format_version=version,
        taken_at=taken_at,
        org_id=read_str(obj["org_id"], path="backup.org_id"),
        org_name=read_str(obj["org_name"], path="backup.org_name"),
        username=read_str(obj["username"], path="backup.username"),
        instance_url=read_str(obj["instance_url"], path="backup.instance_url"),
        activity_history=activity_history_from_dict(
            settings["activity_history"], path="backup.settings.activity_history"
        ),
        video_history=video_history_from_dict(
            settings["video_history"], path="backup.settings.video_history"
        ),
        assignee=assignee_from_dict(settings["assignee"], path="backup.settings.assignee"),
    )
