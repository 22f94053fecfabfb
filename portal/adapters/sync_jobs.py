"""The sync's wake-up on PostgreSQL (:class:`~portal.domain.sync.ports.SyncWakeup`): a
procrastinate job for the company, deferred on the portal's own connection pool, that a sync
worker (``python -m portal.worker``) runs.

The job's queueing lock keeps at most one of a company's drain jobs waiting, so waking a
company that already has one waiting changes nothing.
"""

from __future__ import annotations

import logging

from procrastinate import App, SyncPsycopgConnector
from procrastinate.exceptions import AlreadyEnqueued, ProcrastinateException
from procrastinate.jobs import JobDeferrer

from portal.adapters.postgres import PostgresDatabase
from portal.domain.sync.jobs import DRAIN_TASK, SYNC_QUEUE, company_lock

log = logging.getLogger(__name__)


def _drain_job(app: App, *, company_id: int, schedule_in_seconds: float) -> JobDeferrer:
    return app.configure_task(
        DRAIN_TASK,
        queue=SYNC_QUEUE,
        queueing_lock=company_lock(company_id),
        schedule_in={"seconds": schedule_in_seconds} if schedule_in_seconds > 0 else None,
    )


def defer_drain(app: App, *, company_id: int, schedule_in_seconds: float = 0) -> bool:
    """Defer ``company_id``'s drain job on ``app`` (in ``schedule_in_seconds``); False when
    one is already waiting."""
    try:
        _drain_job(app, company_id=company_id, schedule_in_seconds=schedule_in_seconds).defer(
            company_id=company_id
        )
    except AlreadyEnqueued:
        return False
    return True


async def defer_drain_async(app: App, *, company_id: int, schedule_in_seconds: float = 0) -> bool:
    """:func:`defer_drain` from async code (on the app's own event loop)."""
    job = _drain_job(app, company_id=company_id, schedule_in_seconds=schedule_in_seconds)
    try:
        await job.defer_async(company_id=company_id)
    except AlreadyEnqueued:
        return False
    return True


class QueuedSyncWakeup:
    """Defers a company's drain job on the portal's PostgreSQL pool."""

    def __init__(self, *, database: PostgresDatabase, company_id: int) -> None:
        self._company_id = company_id
        self._app = App(connector=SyncPsycopgConnector())
        self._app.open(database.pool)

    def wake(self) -> None:
        try:
            defer_drain(self._app, company_id=self._company_id)
        except ProcrastinateException:
            # The calls are queued all the same: the workers' periodic sweep finds them.
            log.warning("The sync workers could not be woken for company %s", self._company_id)
