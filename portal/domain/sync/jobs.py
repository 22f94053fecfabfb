"""The sync's jobs on the PostgreSQL job queue, as the portal (which defers them) and the
workers (which run them) both name them.

One job per company drains that company's outbox a bounded batch at a time and defers itself
again while more is due; the lock keeps two of a company's jobs from running at once and the
queueing lock keeps at most one waiting, so a busy company's next batch queues behind every
other company's waiting job (they take turns).
"""

from __future__ import annotations

from typing import Final

#: The queue every sync job goes to.
SYNC_QUEUE: Final = "portal-sync"
#: Sends one bounded batch of a company's outbox (argument: ``company_id``).
DRAIN_TASK: Final = "portal.sync.drain_company"
#: Finds the companies with calls or meetings due and defers their drain job.
SWEEP_TASK: Final = "portal.sync.sweep"


def company_lock(company_id: int) -> str:
    """The lock (and queueing lock) of one company's drain job."""
    return f"portal-sync-company-{company_id}"
