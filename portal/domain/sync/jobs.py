"""The sync's jobs on the PostgreSQL job queue, as the portal (which defers them) and the
workers (which run them) both name them.

One job per company drains that company's outbox a bounded batch at a time and defers itself
again while more is due. Its queueing lock keeps at most one of a company's jobs waiting, so a
busy company's next batch queues behind every other company's waiting job (they take turns);
two of a company's jobs never send at once because sending holds the company's outbox lock
(``SyncStore.exclusive``). (Not procrastinate's ``lock`` as well: a job deferred by a running
job of the same lock waits for the queue's next poll, not just for that job to end.)
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
    """The queueing lock of one company's drain job."""
    return f"portal-sync-company-{company_id}"
