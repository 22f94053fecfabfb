"""Fairness between companies: a company's turn sends one bounded batch; while it has more
due, its next turn is deferred then, behind every job already waiting, so one busy company
never holds a worker while others wait.

The queue does the rest (:mod:`portal.domain.sync.jobs`): a company's jobs share a queueing
lock (at most one waits), workers take the oldest waiting job first, and one company's turns
never send at once (its outbox lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from portal.services.sync.engine import SyncSummary


@dataclass(frozen=True)
class NextTurn:
    """When a company's next turn comes: ``after`` from now."""

    after: timedelta = timedelta(0)


def after_batch(summary: SyncSummary) -> NextTurn | None:
    """The company's next turn after a batch: at once (behind the others) while more is due
    now; none when everything due was sent (what waits for a retry time is the sweep's)."""
    return NextTurn() if summary.more_due else None
