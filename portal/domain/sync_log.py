"""The sync log: each call or meeting the integration wrote (or skipped) in Salesforce."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from portal.domain.integration_errors import ErrorSource
from portal.domain.text import N_
from portal.domain.timestamps import require_aware


class SyncOutcome(Enum):
    WRITTEN = "written"
    SKIPPED = "skipped"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The outcome's name on screen (English; the UI translates it)."""
        return _OUTCOME_LABELS[self]


_OUTCOME_LABELS = {
    SyncOutcome.WRITTEN: N_("Written"),
    SyncOutcome.SKIPPED: N_("Skipped"),
    SyncOutcome.FAILED: N_("Failed"),
}


@dataclass(frozen=True)
class SyncLogEntry:
    """One MiiTel record's sync: where it went (``salesforce_id`` when written) and why not.
    ``id`` is assigned by storage."""

    occurred_at: datetime
    source: ErrorSource
    miitel_record_id: str
    sobject: str
    outcome: SyncOutcome
    salesforce_id: str | None = None
    detail: str = ""
    org_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", require_aware(self.occurred_at, name="occurred_at"))
