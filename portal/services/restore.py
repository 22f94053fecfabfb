"""Step 7, "Restore the settings prior to integration removal", in one unit of work.

The rules are the domain's (:func:`portal.domain.restore.restore_from_backup`); this service
shows what they would change, and applies them to the stored settings all at once: a failure
part way leaves the settings, backups and logs as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.adapters.ports import StoredBackup
from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.restore import (
    AreaRestore,
    RestoreOutcome,
    SettingChange,
    restore_from_backup,
)
from portal.domain.steps import StepResult, StepStatus
from portal.services.actors import Actor
from portal.services.context import ServiceContext
from portal.services.errors import BackupChanged


@dataclass(frozen=True)
class RestorePreview:
    """What [Restore] would do now. ``available`` is False when there is no backup (then
    [Restore the settings prior to integration removal] is not offered)."""

    available: bool
    backup: StoredBackup | None
    changes: tuple[SettingChange, ...]
    areas: tuple[AreaRestore, ...]
    message: str


@dataclass(frozen=True)
class RestoreResult:
    result: StepResult
    outcome: RestoreOutcome


class RestoreService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def preview(self) -> RestorePreview:
        """The latest backup and every setting a restore would change."""
        repos = self._context.repositories
        latest = _latest(repos.backups.history(limit=1))
        outcome = restore_from_backup(
            current=repos.settings.load(), backup=latest.snapshot if latest else None
        )
        return RestorePreview(
            available=latest is not None,
            backup=latest,
            changes=outcome.changes,
            areas=outcome.areas,
            message=outcome.message,
        )

    def status(self) -> StepResult:
        """Step 7's check: a backup to restore, or the tabs to configure by hand."""
        latest = _latest(self._context.repositories.backups.history(limit=1))
        if latest is None:
            return _no_backup_result()
        recorded = self._context.repositories.progress.all().get(7)
        if recorded is not None and recorded.status is StepStatus.OK:
            return StepResult.of(
                step=7, status=StepStatus.OK, branch="7-backup", message=recorded.message
            )
        return StepResult.of(
            step=7,
            status=StepStatus.ACTION_NEEDED,
            branch="7-backup",
            message=f"Backup #{latest.id} of {latest.snapshot.org_name or latest.snapshot.org_id} "
            f"({latest.snapshot.username}, {latest.snapshot.taken_at:%Y-%m-%d %H:%M} UTC) can be "
            "restored: click [Restore the settings prior to integration removal], then "
            "[Restore].",
        )

    def restore(self, *, actor: Actor, expected_backup_id: int | None) -> RestoreResult:
        """Apply step 7 with the latest backup, which must be ``expected_backup_id`` (the one
        the person previewed; :class:`BackupChanged` otherwise). Without a backup nothing
        changes and the result says to configure the three tabs by hand."""
        self._context.require_admin(actor, AuditAction.RESTORE_SETTINGS)
        with self._context.storage.unit_of_work() as uow:
            latest = _latest(uow.backups.history(limit=1))
            if (latest.id if latest else None) != expected_backup_id:
                raise BackupChanged()
            current = uow.settings.load()
            outcome = restore_from_backup(
                current=current, backup=latest.snapshot if latest else None
            )
            if not outcome.restored:
                result = _no_backup_result()
                self._context.audit(
                    actor=actor,
                    action=AuditAction.RESTORE_SETTINGS,
                    outcome=AuditOutcome.FAILED,
                    detail="no backup data",
                    repositories=uow,
                )
            else:
                assert latest is not None
                uow.settings.save(outcome.settings)
                result = StepResult.of(
                    step=7,
                    status=StepStatus.OK,
                    branch="7-backup",
                    message=outcome.message,
                    details=tuple(area.message for area in outcome.areas),
                )
                self._context.audit(
                    actor=actor,
                    action=AuditAction.RESTORE_SETTINGS,
                    outcome=AuditOutcome.SUCCEEDED,
                    detail=f"backup #{latest.id}: {len(outcome.changes)} settings changed",
                    repositories=uow,
                )
            self._context.record_progress(
                result, by=actor, repositories=uow, restarts_later_steps=outcome.restored
            )
            uow.commit()
        return RestoreResult(result=result, outcome=outcome)


def _latest(history: list[StoredBackup]) -> StoredBackup | None:
    return history[0] if history else None


def _no_backup_result() -> StepResult:
    return StepResult.of(
        step=7,
        status=StepStatus.ACTION_NEEDED,
        branch="7-no-backup",
        message="There is no backup data, so there is nothing to restore. Configure "
        '"Activity history integration", "Video history integration" and "Activity history '
        'assignee" on their tabs and click "Save".',
    )
