"""DuckDB repositories for the current settings and the backups."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

from portal.adapters.db import CorruptRecordError, Row, SqlRunner, from_db_time, to_db_time
from portal.domain.backup import BackupSnapshot
from portal.domain.clock import Clock
from portal.domain.codec import (
    SettingsDecodeError,
    activity_history_from_dict,
    activity_history_to_dict,
    assignee_from_dict,
    assignee_to_dict,
    basic_from_dict,
    basic_to_dict,
    video_history_from_dict,
    video_history_to_dict,
)
from portal.domain.ports import StoredBackup, check_limit
from portal.domain.settings import (
    ActivityHistorySettings,
    AssigneeSettings,
    BasicSettings,
    IntegrationSettings,
    SettingsArea,
    VideoHistorySettings,
)
from portal.domain.text import msg

T = TypeVar("T")


class DuckDbSettingsRepository:
    """The current settings, one row per area (tab)."""

    def __init__(self, runner: SqlRunner, *, clock: Clock) -> None:
        self._runner = runner
        self._clock = clock

    def load(self) -> IntegrationSettings:
        rows = self._runner.execute("SELECT area, payload FROM current_settings")
        stored = {area: payload for area, payload in rows}
        return IntegrationSettings(
            basic=_area(stored, SettingsArea.BASIC, basic_from_dict, BasicSettings.default),
            activity_history=_area(
                stored,
                SettingsArea.ACTIVITY_HISTORY,
                activity_history_from_dict,
                ActivityHistorySettings.default,
            ),
            video_history=_area(
                stored,
                SettingsArea.VIDEO_HISTORY,
                video_history_from_dict,
                VideoHistorySettings.default,
            ),
            assignee=_area(
                stored, SettingsArea.ASSIGNEE, assignee_from_dict, AssigneeSettings.default
            ),
        )

    def save(self, settings: IntegrationSettings) -> None:
        now = to_db_time(self._clock.now())
        payloads = {
            SettingsArea.BASIC: basic_to_dict(settings.basic),
            SettingsArea.ACTIVITY_HISTORY: activity_history_to_dict(settings.activity_history),
            SettingsArea.VIDEO_HISTORY: video_history_to_dict(settings.video_history),
            SettingsArea.ASSIGNEE: assignee_to_dict(settings.assignee),
        }
        params: list[object] = []
        for area, payload in payloads.items():
            params += [area.value, json.dumps(payload, sort_keys=True), now]
        self._runner.execute(
            "INSERT INTO current_settings (area, payload, updated_at) VALUES "
            + ", ".join(["(?, ?, ?)"] * len(payloads))
            + " ON CONFLICT (area) DO UPDATE SET payload = excluded.payload, "
            "updated_at = excluded.updated_at",
            params,
            retry_duplicate_key=True,
        )


class DuckDbBackupRepository:
    """Backups: every one ever saved, the newest being the latest a restore uses."""

    def __init__(self, runner: SqlRunner, *, clock: Clock) -> None:
        self._runner = runner
        self._clock = clock

    def save_latest(self, snapshot: BackupSnapshot) -> StoredBackup:
        rows = self._runner.execute(
            """INSERT INTO backups (saved_at, taken_at, org_id, org_name, username, instance_url,
                                    format_version, payload)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id, saved_at""",
            [
                to_db_time(self._clock.now()),
                to_db_time(snapshot.taken_at),
                snapshot.org_id,
                snapshot.org_name,
                snapshot.username,
                snapshot.instance_url,
                snapshot.format_version,
                snapshot.to_json(),
            ],
        )
        backup_id, saved_at = rows[0]
        return StoredBackup(id=int(backup_id), saved_at=from_db_time(saved_at), snapshot=snapshot)

    def latest(self) -> BackupSnapshot | None:
        rows = self._runner.execute(
            "SELECT id, saved_at, payload FROM backups ORDER BY id DESC LIMIT 1"
        )
        return _stored(rows[0]).snapshot if rows else None

    def history(self, *, limit: int = 50) -> list[StoredBackup]:
        check_limit(limit)
        rows = self._runner.execute(
            "SELECT id, saved_at, payload FROM backups ORDER BY id DESC LIMIT ?", [limit]
        )
        return [_stored(row) for row in rows]


def _area(
    stored: dict[str, str],
    area: SettingsArea,
    decode: Callable[..., T],
    default: Callable[[], T],
) -> T:
    payload = stored.get(area.value)
    if payload is None:
        return default()
    try:
        return decode(json.loads(payload), path=area.value)
    except (json.JSONDecodeError, SettingsDecodeError) as exc:
        detail = exc.message if isinstance(exc, SettingsDecodeError) else str(exc)
        raise CorruptRecordError(
            msg(
                'The saved "{area}" settings in the portal database cannot be read ({detail}). '
                "Restore the settings prior to integration removal, or set the tab's settings "
                'again and click "Save".',
                area=msg(area.label),
                detail=detail,
            )
        ) from None


def _stored(row: Row) -> StoredBackup:
    backup_id, saved_at, payload = row
    return StoredBackup(
        id=int(backup_id),
        saved_at=from_db_time(saved_at),
        snapshot=BackupSnapshot.from_json(payload),
    )
