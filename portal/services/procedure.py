"""The ten steps as data, each step's check, and the progress through them.

Progress is stored, so a reload or the OAuth round trip to Salesforce comes back to the right
step: the wizard resumes at the first step not yet done, following the branches the document
prescribes (e.g. 3-1 leads to step 4, 3-2-2 to step 5).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.steps import PROCEDURE, ProcedureStep, StepResult, StepStatus
from portal.services.actors import Actor
from portal.services.checks import ChecksService
from portal.services.context import ServiceContext
from portal.services.error_tables import ErrorTablesService
from portal.services.integration import IntegrationService
from portal.services.removal import RemovalService
from portal.services.restore import RestoreService
from portal.services.settings import SettingsService
from portal.services.validation import ValidationService

LAST_STEP = len(PROCEDURE)


@dataclass(frozen=True)
class StepProgress:
    """One step and its last recorded outcome (``status`` None: not checked yet)."""

    step: ProcedureStep
    status: StepStatus | None
    message: str = ""
    branch: str | None = None
    next_step: int | None = None
    updated_at: datetime | None = None
    updated_by: str = ""


@dataclass(frozen=True)
class ProcedureProgress:
    steps: tuple[StepProgress, ...]
    #: The step to show: the first one not done, following the recorded branches.
    current_step: int
    #: Every step on the path from step 1 to step 10 is done.
    complete: bool


class ProcedureService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        integration: IntegrationService,
        removal: RemovalService,
        checks: ChecksService,
        restore: RestoreService,
        validation: ValidationService,
        settings: SettingsService,
        error_tables: ErrorTablesService,
    ) -> None:
        self._context = context
        self._checks: dict[int, Callable[[], StepResult]] = {
            1: lambda: integration.current().result,
            2: removal.status,
            3: lambda: checks.connected_app().result,
            4: lambda: checks.approve_permission().result,
            5: integration.reintegrated,
            6: lambda: checks.installed().result,
            7: restore.status,
            8: lambda: validation.validate().result,
            9: settings.contact_retrieval,
            10: error_tables.status,
        }

    def steps(self) -> tuple[ProcedureStep, ...]:
        """The ten steps of the document, in order."""
        return PROCEDURE

    def check(self, *, step: int) -> StepResult:
        """Run ``step``'s check (reading Salesforce where it needs to) and record the result."""
        if step not in self._checks:
            raise ValueError(f"the procedure has steps 1 to {LAST_STEP}, not {step}")
        result = self._checks[step]()
        self._context.record_progress(result)
        return result

    def progress(self) -> ProcedureProgress:
        """Every step's last outcome and the step to resume at."""
        recorded = self._context.repositories.progress.all()
        steps = tuple(
            StepProgress(step=s, status=None)
            if s.number not in recorded
            else StepProgress(
                step=s,
                status=recorded[s.number].status,
                message=recorded[s.number].message,
                branch=recorded[s.number].branch,
                next_step=recorded[s.number].next_step,
                updated_at=recorded[s.number].updated_at,
                updated_by=recorded[s.number].updated_by,
            )
            for s in PROCEDURE
        )
        current, complete = 1, False
        seen: set[int] = set()
        while current not in seen:
            seen.add(current)
            entry = steps[current - 1]
            if entry.status is not StepStatus.OK:
                break
            if current == LAST_STEP:
                complete = True
                break
            following = entry.next_step if entry.next_step and entry.next_step > current else None
            current = following or current + 1
        return ProcedureProgress(steps=steps, current_step=current, complete=complete)

    def mark(
        self, *, actor: Actor, step: int, status: StepStatus, message: str = ""
    ) -> ProcedureProgress:
        """Record ``step`` as done (or not) by hand, e.g. after a check made in Salesforce
        Setup that the portal cannot read."""
        self._context.require_admin(actor, AuditAction.CHECK_STEP)
        result = StepResult.of(
            step=step,
            status=status,
            message=message or f"Marked {status.value.replace('_', ' ')} by {actor.username}.",
        )
        with self._context.storage.unit_of_work() as uow:
            self._context.record_progress(result, by=actor, repositories=uow)
            self._context.audit(
                actor=actor,
                action=AuditAction.CHECK_STEP,
                outcome=AuditOutcome.SUCCEEDED,
                detail=f"step {step} marked {status.value}",
                repositories=uow,
            )
            uow.commit()
        return self.progress()

    def restart(self, *, actor: Actor) -> ProcedureProgress:
        """Forget the progress (the settings, backups and history stay)."""
        self._context.require_admin(actor, AuditAction.CHECK_STEP)
        with self._context.storage.unit_of_work() as uow:
            uow.progress.clear()
            self._context.audit(
                actor=actor,
                action=AuditAction.CHECK_STEP,
                outcome=AuditOutcome.SUCCEEDED,
                detail="procedure progress restarted",
                repositories=uow,
            )
            uow.commit()
        return self.progress()
