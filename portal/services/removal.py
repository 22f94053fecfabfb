"""Step 2, "Remove integration": back up first, then revoke the tokens at Salesforce.

One unit of work saves the backup (the new latest; earlier ones stay in the history), ends the
connection locally (its tokens are parked for revocation), and records history, audit and
progress. Only after that commits are the tokens revoked at Salesforce. If the process dies in
between, nothing is lost: the backup is saved, and the next run revokes the parked tokens. If
Salesforce refuses or cannot be reached, the removal still stands and the result says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.backup import BackupSnapshot
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.oauth import TokenSet
from portal.domain.ports import StoredBackup, UnitOfWork
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import Text, msg
from portal.services.actors import Actor
from portal.services.connections import Connections, RevokeReport
from portal.services.context import ServiceContext, retry_on_conflict


@dataclass(frozen=True)
class RemovalResult:
    """Step 2's result: the backup saved (None when nothing was integrated) and, when revoking
    at Salesforce failed, the warning to show."""

    result: StepResult
    backup: StoredBackup | None
    revoked: bool
    warning: Text | None = None


class RemovalService:
    def __init__(self, context: ServiceContext, *, connections: Connections) -> None:
        self._context = context
        self._connections = connections

    def status(self) -> StepResult:
        """Step 2's check: is there an integration to remove. Once removed in this run of the
        procedure, step 2 stays done (re-integrating in step 5 does not undo it)."""
        repos = self._context.repositories
        recorded = repos.progress.all().get(2)
        if recorded is not None and recorded.status is StepStatus.OK:
            latest = repos.backups.history(limit=1)
            if recorded.branch == "2-integrated" and latest:
                snapshot = latest[0].snapshot
                return _removed(snapshot.org_name or snapshot.org_id, latest[0].id)
            return StepResult.of(
                step=2, status=StepStatus.OK, branch=recorded.branch, message=_NOTHING_TO_REMOVE
            )
        if repos.tokens.load() is not None:
            result = StepResult.of(
                step=2,
                status=StepStatus.ACTION_NEEDED,
                branch="2-integrated",
                message=msg(
                    'MiiTel is integrated. Click "Remove integration": the current settings '
                    "of the three integration tabs are saved as backup data first."
                ),
            )
        else:
            result = StepResult.of(
                step=2,
                status=StepStatus.OK,
                branch="2-not-integrated",
                message=_NOTHING_TO_REMOVE,
            )
        return result

    def remove(self, *, actor: Actor) -> RemovalResult:
        """Remove the integration with a backup (see the module docstring). Without an
        integration it only finishes revoking tokens a previous run left behind."""
        self._context.require_admin(actor, AuditAction.REMOVE_INTEGRATION)

        def backup_and_end(attempt: int) -> tuple[StoredBackup, StepResult] | None:
            with self._context.storage.unit_of_work() as uow:
                tokens = uow.tokens.load()
                if tokens is None:
                    return None
                done = self._backup_and_end(uow, actor, tokens)
                uow.commit()
                return done

        # Two sessions removing at once: the one that commits second sees it was removed.
        removed = retry_on_conflict(backup_and_end)
        if removed is None:
            return self._nothing_to_remove(actor)
        stored, result = removed
        reports = self._connections.revoke_parked()
        warning = self._record_revoke_failures(actor, reports)
        return RemovalResult(
            result=result,
            backup=stored,
            revoked=warning is None,
            warning=warning,
        )

    def _backup_and_end(
        self, uow: UnitOfWork, actor: Actor, tokens: TokenSet
    ) -> tuple[StoredBackup, StepResult]:
        """In ``uow``: the backup, the connection ended locally (tokens parked), the records."""
        who = self._connections.integrated_as(uow)
        org_name = who.org_name if who and who.org_id == tokens.org_id else ""
        username = who.username if who and who.org_id == tokens.org_id else tokens.user_id
        settings = uow.settings.load()
        # Writing back what is backed up makes a concurrent Restore or Save of these rows a
        # write conflict (retried), so the backup always equals the settings at commit time.
        uow.settings.save(settings)
        snapshot = BackupSnapshot.capture(
            settings=settings,
            taken_at=self._context.clock.now(),
            org_id=tokens.org_id,
            org_name=org_name,
            username=username,
            instance_url=tokens.instance_url,
        )
        stored = uow.backups.save_latest(snapshot)
        uow.tokens.clear()
        Connections.park(uow, tokens)
        uow.authentication_history.append(
            AuthenticationHistoryEntry(
                occurred_at=self._context.clock.now(),
                event=AuthEvent.REMOVED,
                org_id=tokens.org_id,
                org_name=org_name or None,
                username=username,
                instance_url=tokens.instance_url,
                detail=f"Removed by {actor.username}; backup #{stored.id} saved.",
            )
        )
        self._context.audit(
            actor=actor,
            action=AuditAction.REMOVE_INTEGRATION,
            outcome=AuditOutcome.SUCCEEDED,
            detail=f"backup #{stored.id} saved",
            repositories=uow,
        )
        result = _removed(org_name or tokens.org_id, stored.id)
        self._context.record_progress(result, by=actor, repositories=uow, restarts_later_steps=True)
        return stored, result

    def _nothing_to_remove(self, actor: Actor) -> RemovalResult:
        reports = self._connections.revoke_parked()
        warning = self._record_revoke_failures(actor, reports)
        message = (
            msg(
                "MiiTel is not integrated, so there is nothing to remove; the latest backup is "
                "unchanged. It finished revoking tokens an interrupted removal left."
            )
            if reports
            else msg(
                "MiiTel is not integrated, so there is nothing to remove; the latest backup is "
                "unchanged."
            )
        )
        result = StepResult.of(
            step=2, status=StepStatus.OK, branch="2-not-integrated", message=message
        )
        recorded = self._context.repositories.progress.all().get(2)
        if recorded is None or recorded.status is not StepStatus.OK:
            # A removal already recorded in this run (another session's, say) stays step 2's
            # outcome: it names the backup that step 7 restores.
            self._context.record_progress(result, by=actor)
        return RemovalResult(result=result, backup=None, revoked=warning is None, warning=warning)

    def _record_revoke_failures(self, actor: Actor, reports: list[RevokeReport]) -> Text | None:
        failed = [report for report in reports if report.problem]
        if not failed:
            return None
        problem = failed[0].problem or ""
        warning = msg(
            "The integration was removed in MiiTel and the backup is saved, but Salesforce did "
            "not confirm that MiiTel's tokens were revoked: {problem} To make sure, revoke "
            'MiiTel\'s access in Setup > Connected Apps OAuth Usage ("Revoke").',
            problem=problem,
        )
        with self._context.storage.unit_of_work() as uow:
            for report in failed:
                uow.authentication_history.append(
                    AuthenticationHistoryEntry(
                        occurred_at=self._context.clock.now(),
                        event=AuthEvent.FAILED,
                        org_id=report.org_id,
                        org_name=None,
                        username=None,
                        instance_url=None,
                        detail="Revoking the tokens at Salesforce failed; they were deleted "
                        "in MiiTel.",
                    )
                )
            self._context.audit(
                actor=actor,
                action=AuditAction.REMOVE_INTEGRATION,
                outcome=AuditOutcome.FAILED,
                detail=f"revoking at Salesforce failed: {problem}",
                repositories=uow,
            )
            uow.commit()
        return warning


_NOTHING_TO_REMOVE = msg("MiiTel is not integrated, so there is nothing to remove.")


def _removed(org: str, backup_id: int) -> StepResult:
    """Step 2 done: the integration with ``org`` removed, its settings in backup ``backup_id``."""
    return StepResult.of(
        step=2,
        status=StepStatus.OK,
        branch="2-integrated",
        message=msg(
            "Removed the integration with {org}. The settings and integration status of Activity "
            "history integration, Video history integration and Activity history assignee were "
            "saved as backup data (backup #{backup}); restore them in step 7.",
            org=org,
            backup=backup_id,
        ),
    )
