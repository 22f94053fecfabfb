"""Step 7, "Restore the settings prior to integration removal", in one unit of work.

The rules are the domain's (:func:`portal.domain.restore.restore_from_backup`); this service
shows what they would change, and applies them to the stored settings all at once: a failure
part way leaves the settings, backups and logs as they were.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.backup import BackupFormatError
from portal.domain.ports import BackupRepository, StoredBackup, UnitOfWork
from portal.domain.restore import (
    AreaRestore,
    RestoreOutcome,
    SettingChange,
    restore_from_backup,
)
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import Text, msg
from portal.domain.validation import validate_settings
from portal.services.actors import Actor
from portal.services.context import ServiceContext, retry_on_conflict
from portal.services.errors import BackupChanged, BackupUnreadable


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
        latest = _latest_readable(repos.backups)
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
        try:
            latest = _latest_readable(self._context.repositories.backups)
        except BackupUnreadable as exc:
            return StepResult.of(step=7, status=StepStatus.ERROR, message=exc.user_message)
        if latest is None:
            return _no_backup_result()
        snapshot = latest.snapshot
        recorded = self._context.repositories.progress.all().get(7)
        if recorded is not None and recorded.status is StepStatus.OK:
            return StepResult.of(
                step=7,
                status=StepStatus.OK,
                branch="7-backup",
                message=msg(
                    "The settings were restored from backup #{backup} of {org} ({user}, taken "
                    "{taken}).",
                    backup=latest.id,
                    org=snapshot.org_name or snapshot.org_id,
                    user=snapshot.username,
                    taken=snapshot.taken_at,
                ),
            )
        return StepResult.of(
            step=7,
            status=StepStatus.ACTION_NEEDED,
            branch="7-backup",
            message=msg(
                "Backup #{backup} of {org} ({user}, taken {taken}) can be restored: click "
                "[Restore the settings prior to integration removal], then [Restore].",
                backup=latest.id,
                org=snapshot.org_name or snapshot.org_id,
                user=snapshot.username,
                taken=snapshot.taken_at,
            ),
        )

    def restore(self, *, actor: Actor, expected_backup_id: int | None) -> RestoreResult:
        """Apply step 7 with the latest backup, which must be ``expected_backup_id`` (the one
        the person previewed; :class:`BackupChanged` otherwise). Without a backup nothing
        changes and the result says to configure the three tabs by hand."""
        self._context.require_admin(actor, AuditAction.RESTORE_SETTINGS)
        # Two sessions restoring at once: the one that commits second sees it was restored.
        return retry_on_conflict(
            lambda attempt: self._restore_once(
                actor, expected_backup_id=expected_backup_id, concurrent=attempt > 0
            )
        )

    def _restore_once(
        self, actor: Actor, *, expected_backup_id: int | None, concurrent: bool
    ) -> RestoreResult:
        with self._context.storage.unit_of_work() as uow:
            latest = _latest_readable(uow.backups)
            if (latest.id if latest else None) != expected_backup_id:
                raise BackupChanged()
            current = uow.settings.load()
            outcome = restore_from_backup(
                current=current, backup=latest.snapshot if latest else None
            )
            _refuse_unsaveable(outcome)
            if concurrent and outcome.restored and not outcome.changes:
                assert latest is not None
                return self._already_restored(actor, uow, latest.id, outcome)
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

    def _already_restored(
        self, actor: Actor, uow: UnitOfWork, backup_id: int, outcome: RestoreOutcome
    ) -> RestoreResult:
        """Another session restored the same backup at the same moment: nothing left to do."""
        result = StepResult.of(
            step=7,
            status=StepStatus.OK,
            branch="7-backup",
            message=msg(
                "Someone else restored backup #{backup} at the same moment, so the settings are "
                "already the restored ones; nothing more was changed.",
                backup=backup_id,
            ),
        )
        self._context.audit(
            actor=actor,
            action=AuditAction.RESTORE_SETTINGS,
            outcome=AuditOutcome.FAILED,
            detail=f"backup #{backup_id} already restored by a concurrent restore",
            repositories=uow,
        )
        uow.commit()
        return RestoreResult(result=result, outcome=outcome)


def _latest(history: list[StoredBackup]) -> StoredBackup | None:
    return history[0] if history else None


def _refuse_unsaveable(outcome: RestoreOutcome) -> None:
    """A backup edited outside the portal can hold settings "Save" refuses; restoring them
    would break the sync, so the restore is refused with each problem named."""
    if not outcome.restored:
        return
    problems = validate_settings(outcome.settings)
    if problems:
        listed: Text | None = None
        for problem in problems[:5]:
            line = msg(
                '"{area}" {setting}: {problem}',
                area=Text(problem.area.label),
                setting=problem.setting,
                problem=problem.message,
            )
            listed = line if listed is None else msg("{first} {then}", first=listed, then=line)
        raise BackupUnreadable(
            msg(
                "The backup holds settings the portal would not save, so nothing was restored "
                "(the backup was changed outside the portal). {problems} Configure the tabs by "
                'hand and click "Save", or remove the integration again to take a new backup.',
                problems=listed,
            )
        )


def _latest_readable(backups: BackupRepository) -> StoredBackup | None:
    """The latest backup; :class:`BackupUnreadable` (a message for the page) when its stored
    data is damaged, instead of the domain's ``BackupFormatError``."""
    try:
        return _latest(backups.history(limit=1))
    except BackupFormatError as exc:
        raise BackupUnreadable(exc.message) from None


def _no_backup_result() -> StepResult:
    return StepResult.of(
        step=7,
        status=StepStatus.ACTION_NEEDED,
        branch="7-no-backup",
        message=msg(
            'There is no backup data, so there is nothing to restore. Configure "Activity '
            'history integration", "Video history integration" and "Activity history assignee" '
            'on their tabs and click "Save".'
        ),
    )
