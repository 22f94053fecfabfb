"""The ten steps as data, each step's check, and the progress through them.

Progress is stored, so a reload or the OAuth round trip to Salesforce comes back to the right
step: the wizard resumes at the first step not yet done, following the branches the document
prescribes (e.g. 3-1 leads to step 4, 3-2-2 to step 5).

The progress is the one source of truth of the step bar: a step counts as done only when its
own check passed or an admin marked it, in this run of the procedure. Steps 5 to 10 are about
the re-integration, so their outcomes do not count while step 2 is not done (they describe the
integration MiiTel starts with, which step 2 removes). A case of the document that sends the
person on (3-2-1: "Unblock", then step 5) is resolved once a later step was done after it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.ports import ProgressEntry
from portal.domain.procedure import (
    LAST_STEP,
    PROCEDURE,
    REINTEGRATION_STEP,
    REMOVAL_STEP,
    ProcedureStep,
    UseCase,
    procedure_step_by_number,
)
from portal.domain.steps import StepCheck, StepResult, StepStatus
from portal.domain.text import msg
from portal.services.actors import Actor
from portal.services.checks import ChecksService
from portal.services.context import ServiceContext
from portal.services.error_tables import ErrorTablesService
from portal.services.integration import IntegrationService
from portal.services.removal import RemovalService
from portal.services.restore import RestoreService
from portal.services.settings import SettingsService
from portal.services.validation import ValidationService


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
    #: False when the outcome was recorded before step 2 was done: it describes the
    #: integration step 2 removes, so the step is not done in this run of the procedure.
    counts: bool = True

    @property
    def shown(self) -> StepStatus | None:
        """The status the step bar shows (None: not checked in this run yet)."""
        return self.status if self.counts else None

    @property
    def done(self) -> bool:
        return self.shown is StepStatus.OK


@dataclass(frozen=True)
class ProcedureProgress:
    steps: tuple[StepProgress, ...]
    #: The step to show: the first one not done, following the recorded branches.
    current_step: int
    #: Every step on the path from step 1 to step 10 is done.
    complete: bool
    #: Step 2 is done, so steps 5 to 10 count.
    removed: bool = True

    @property
    def done(self) -> int:
        """How many steps are done."""
        return sum(1 for entry in self.steps if entry.done)


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
        self._integration = integration
        #: The one table from a step's use case (``portal.domain.procedure``) to the service
        #: method that runs it.
        self._use_cases: dict[UseCase, Callable[[], StepCheck]] = {
            UseCase.CURRENT_INTEGRATION: integration.current,
            UseCase.REMOVAL: removal.status,
            UseCase.CONNECTED_APP: checks.connected_app,
            UseCase.APPROVE_PERMISSION: checks.approve_permission,
            UseCase.REINTEGRATION: self.reintegrated,
            UseCase.INSTALLED: checks.installed,
            UseCase.RESTORE: restore.status,
            UseCase.SETTINGS_VALIDATION: validation.validate,
            UseCase.CONTACT_RETRIEVAL: settings.contact_retrieval,
            UseCase.ERROR_LOG: error_tables.status,
        }

    def steps(self) -> tuple[ProcedureStep, ...]:
        """The ten steps of the document, in order."""
        return PROCEDURE

    def use_case(self, *, step: int) -> Callable[[], StepCheck]:
        """The service method that checks or performs ``step``."""
        if not 1 <= step <= LAST_STEP:
            raise ValueError(f"the procedure has steps 1 to {LAST_STEP}, not {step}")
        return self._use_cases[procedure_step_by_number(step).use_case]

    def run(self, *, step: int) -> StepCheck:
        """Run ``step``'s use case (reading Salesforce where it needs to) and record its result;
        the outcome carries what the check found beside the result."""
        checked = self.use_case(step=step)()
        self._context.record_progress(checked.result)
        return checked

    def check(self, *, step: int) -> StepResult:
        """Run ``step``'s check and record the result."""
        return self.run(step=step).result

    def reintegrated(self) -> StepResult:
        """Step 5's check: MiiTel integrated again after step 2 (the integration MiiTel starts
        with is the one step 2 removes, not a re-integration)."""
        status = self._integration.status()
        if not status.connected:
            return StepResult.of(
                step=REINTEGRATION_STEP,
                status=StepStatus.ACTION_NEEDED,
                message=msg(
                    'Click "Integrate", log in to Salesforce with the user confirmed in step 1 '
                    'and click "Allow".'
                ),
            )
        org = f"{status.org_name} ({status.org_id})" if status.org_name else status.org_id or ""
        if not self._removal_done():
            return StepResult.of(
                step=REINTEGRATION_STEP,
                status=StepStatus.ACTION_NEEDED,
                message=msg(
                    "MiiTel is integrated with the org {org} as {user}, but this is the "
                    'integration that step 2 removes. Click "Remove integration" in step 2 '
                    "first, then re-integrate here.",
                    org=org,
                    user=status.username or "",
                ),
            )
        return StepResult.of(
            step=REINTEGRATION_STEP,
            status=StepStatus.OK,
            message=msg(
                "MiiTel is integrated with the org {org} as {user}.",
                org=org,
                user=status.username or "",
            ),
            next_step=REINTEGRATION_STEP + 1,
        )

    def _removal_done(self) -> bool:
        return self._removed(self._context.repositories.progress.all())

    def _removed(self, recorded: dict[int, ProgressEntry]) -> bool:
        """Step 2 is done: recorded so, or (not checked yet) nothing is integrated to remove."""
        removal = recorded.get(REMOVAL_STEP)
        if removal is not None:
            return removal.status is StepStatus.OK
        return self._context.repositories.tokens.load() is None

    def progress(self) -> ProcedureProgress:
        """Every step's last outcome and the step to resume at."""
        recorded = self._context.repositories.progress.all()
        removed = self._removed(recorded)
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
                counts=removed or s.number < REINTEGRATION_STEP,
            )
            for s in PROCEDURE
        )
        current, complete = 1, False
        seen: set[int] = set()
        while current not in seen:
            seen.add(current)
            entry = steps[current - 1]
            following = entry.next_step if entry.next_step and entry.next_step > current else None
            if not entry.done:
                if following is not None and _followed(entry, steps, following):
                    current = following
                    continue
                break
            if current == LAST_STEP:
                complete = True
                break
            current = following or current + 1
        return ProcedureProgress(
            steps=steps, current_step=current, complete=complete, removed=removed
        )

    def mark(
        self, *, actor: Actor, step: int, status: StepStatus, message: str = ""
    ) -> ProcedureProgress:
        """Record ``step`` as done (or not) by hand, e.g. after a check made in Salesforce
        Setup that the portal cannot read. Marked done, a step keeps the document's case its
        check found when that case sends the person on (3-2-1 "Unblock" leads to step 5)."""
        self._context.require_admin(actor, AuditAction.CHECK_STEP)
        recorded = self._context.repositories.progress.all().get(step)
        branch = None
        if status is StepStatus.OK and recorded is not None and recorded.branch is not None:
            leads_on = recorded.next_step is not None and recorded.next_step > step
            branch = recorded.branch if leads_on else None
        if not message:
            message = (
                msg("Step {step} is marked as done.", step=step)
                if status is StepStatus.OK
                else msg("Step {step} is marked as not done.", step=step)
            )
        result = StepResult.of(step=step, status=status, message=message, branch=branch)
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


def _followed(entry: StepProgress, steps: tuple[StepProgress, ...], following: int) -> bool:
    """The document's case of ``entry`` asked for an action and sent the person on to
    ``following``; a step from there on was done after it, so the case was resolved."""
    if entry.shown is not StepStatus.ACTION_NEEDED or entry.branch is None:
        return False
    since = entry.updated_at
    return any(
        later.done
        and (since is None or (later.updated_at is not None and later.updated_at >= since))
        for later in steps[following - 1 :]
    )
