"""The audit log: who did what in the portal, when, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from portal.domain.text import N_
from portal.domain.timestamps import require_aware


class AuditAction(Enum):
    """Things a portal user does that change something or reach Salesforce."""

    SIGN_IN = "sign_in"
    SIGN_OUT = "sign_out"
    INTEGRATE = "integrate"
    REMOVE_INTEGRATION = "remove_integration"
    RESTORE_SETTINGS = "restore_settings"
    SAVE_SETTINGS = "save_settings"
    CHECK_STEP = "check_step"
    SYNC = "sync"
    #: A portal user created, disabled, enabled or given a new password (the command line).
    MANAGE_USERS = "manage_users"
    #: The portal failed in a way it did not expect (the person saw a reference to give Support).
    UNEXPECTED_ERROR = "unexpected_error"

    @property
    def label(self) -> str:
        return _ACTION_LABELS[self]


_ACTION_LABELS = {
    AuditAction.SIGN_IN: N_("Log In"),
    AuditAction.SIGN_OUT: N_("Log Out"),
    AuditAction.INTEGRATE: N_("Integrate"),
    AuditAction.REMOVE_INTEGRATION: N_("Remove integration"),
    AuditAction.RESTORE_SETTINGS: N_("Restore the settings prior to integration removal"),
    AuditAction.SAVE_SETTINGS: N_("Save"),
    AuditAction.CHECK_STEP: N_("Check a step"),
    AuditAction.SYNC: N_("Sync calls and meetings"),
    AuditAction.MANAGE_USERS: N_("Manage portal users"),
    AuditAction.UNEXPECTED_ERROR: N_("Unexpected error"),
}


class AuditOutcome(Enum):
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    DENIED = "denied"

    @property
    def label(self) -> str:
        """The outcome's name on screen (English; the UI translates it)."""
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    AuditOutcome.SUCCEEDED: N_("Succeeded"),
    AuditOutcome.FAILED: N_("Failed"),
    AuditOutcome.DENIED: N_("Denied"),
}


@dataclass(frozen=True)
class AuditEntry:
    """One action: the portal user (``actor``), what, when, the outcome and a detail line.
    ``id`` is assigned by storage."""

    occurred_at: datetime
    actor: str
    action: AuditAction
    outcome: AuditOutcome
    detail: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", require_aware(self.occurred_at, name="occurred_at"))
        # Stored as the line it reads in English (a message is recognised again when shown).
        object.__setattr__(self, "detail", str(self.detail))
