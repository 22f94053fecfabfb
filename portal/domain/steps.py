"""The typed result of checking or performing one step of the procedure.

The steps themselves are data in :mod:`portal.domain.procedure`; each step's use case (a
service) returns a :class:`StepResult`, or a richer outcome that carries one (:class:`StepCheck`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Protocol

from portal.domain.procedure import procedure_step_by_number


class StepStatus(Enum):
    """Outcome of a step's check."""

    OK = "ok"
    ACTION_NEEDED = "action_needed"
    ERROR = "error"


@dataclass(frozen=True)
class StepResult:
    """The result of checking or performing one step.

    ``branch`` names the document's case that applies (e.g. "3-2-1") and ``next_step`` the step
    the document sends the person to; ``details`` are extra lines (per-field errors, links).
    """

    step: int
    status: StepStatus
    title: str
    message: str
    next_step: int | None = None
    branch: str | None = None
    details: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        *,
        step: int,
        status: StepStatus,
        message: str,
        branch: str | None = None,
        next_step: int | None = None,
        details: tuple[str, ...] = (),
    ) -> StepResult:
        """A result titled with the step's own title; a branch supplies its ``next_step``."""
        procedure_step = procedure_step_by_number(step)
        if branch is not None and next_step is None:
            next_step = procedure_step.branch(branch).next_step
        return cls(
            step=step,
            status=status,
            title=procedure_step.title,
            message=message,
            next_step=next_step,
            branch=branch,
            details=details,
        )

    @property
    def result(self) -> StepResult:
        """A result is a :class:`StepCheck` with nothing more to show: itself."""
        return self


class StepCheck(Protocol):
    """What a step's use case returns: the step's :class:`StepResult` and whatever else it
    found for the page to show (the org, the Setup link, the problems per tab, ...)."""

    @property
    def result(self) -> StepResult: ...
