"""The outbox's words: where each call or meeting stands on its way to Salesforce, and the
values the sync store (:class:`~portal.domain.ports.SyncStore`) hands back.

Every call or meeting is in the inbox once (its MiiTel id is the key) with one outbox row
whose state says where it stands:

- ``pending``: waiting to be sent (new, its area disabled, not integrated, or retrying later);
- ``sending``: claimed and committed *before* the write to Salesforce, so after a crash or a
  failed request it is known that a write may have happened (the next sync looks it up by its
  marker before sending it again);
- ``written``: in Salesforce, with its record id; ``failed``: Salesforce refused the record
  (the error log says why); it can be queued again after the settings are fixed.
"""

from __future__ import annotations

from collections.abc import Sequence, Set
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from portal.domain.calls import Activity, ActivityKind


class DeliveryState(Enum):
    PENDING = "pending"
    SENDING = "sending"
    WRITTEN = "written"
    FAILED = "failed"


#: The states of records not yet written nor refused.
OPEN_STATES = (DeliveryState.PENDING, DeliveryState.SENDING)


@dataclass(frozen=True)
class OutboxItem:
    """One call or meeting still to be sent, with its outbox bookkeeping."""

    activity: Activity
    state: DeliveryState
    attempts: int
    org_id: str | None
    next_attempt_at: datetime | None


@dataclass(frozen=True)
class Enqueued:
    """What adding calls or meetings did: how many are new, and the ids already known."""

    added: int
    already_known: tuple[str, ...]

    @classmethod
    def of(
        cls, activities: Sequence[Activity], *, added: Set[tuple[ActivityKind, str]]
    ) -> Enqueued:
        """The outcome of offering ``activities`` when the ``added`` (kind, id) were new."""
        known = tuple(a.record_id for a in activities if (a.kind, a.record_id) not in added)
        return cls(added=len(added), already_known=known)


@dataclass(frozen=True)
class StateCount:
    kind: ActivityKind
    state: DeliveryState
    count: int


@dataclass(frozen=True)
class WaitingReason:
    """Why queued records wait: the last error code (None: never tried) and how many."""

    kind: ActivityKind
    code: str | None
    message: str | None
    count: int


@dataclass(frozen=True)
class Written:
    record_id: str
    salesforce_id: str


@dataclass(frozen=True)
class Failed:
    record_id: str
    code: str
    message: str
