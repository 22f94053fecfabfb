"""Authentication history: each time the portal integrated, removed, refreshed or failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from portal.domain.text import N_
from portal.domain.timestamps import require_aware


class AuthEvent(Enum):
    INTEGRATED = "integrated"
    REMOVED = "removed"
    REFRESHED = "refreshed"
    FAILED = "failed"

    @property
    def label(self) -> str:
        """The event's name on screen (English; the UI translates it)."""
        return _EVENT_LABELS[self]


_EVENT_LABELS = {
    AuthEvent.INTEGRATED: N_("Integrated"),
    AuthEvent.REMOVED: N_("Removed"),
    AuthEvent.REFRESHED: N_("Refreshed"),
    AuthEvent.FAILED: N_("Failed"),
}


@dataclass(frozen=True)
class AuthenticationHistoryEntry:
    """One line of "Authentication history".

    Org and user are ``None`` only when they were not known (a failure before the identity
    was read). ``id`` is assigned by storage.
    """

    occurred_at: datetime
    event: AuthEvent
    org_id: str | None
    org_name: str | None
    username: str | None
    instance_url: str | None
    detail: str = ""
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", require_aware(self.occurred_at, name="occurred_at"))
        # Stored as the line it reads in English (a message is recognised again when shown).
        object.__setattr__(self, "detail", str(self.detail))
