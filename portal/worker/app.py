"""The sync workers' procrastinate app: one task drains a company's outbox a turn at a time,
one periodic task sweeps every company (and takes back the jobs of workers that died).

A turn (:func:`take_turn`): the org's API usage is checked against the share the workers may
use (:mod:`.allowance`); under it, one bounded batch is sent (the sync engine, as the portal's
"send" button runs it, under the same one-sender-per-company lock); while more is due the
company's next turn is deferred behind the others (:mod:`.fairness`); over it, the next turn
is deferred until after a pause. The sweep defers a turn for each company with calls or
meetings queued and no turn waiting or running (retries come due with nobody on the page).
A worker killed in the middle of a turn leaves its records as the engine always does (claimed
before the write, settled after it), and its job ``doing``: the sweep marks such a job failed
once its worker has stopped saying it is alive, and defers a new one.
"""

from __future__ import annotations

import asyncio
import logging

from procrastinate import App, PsycopgConnector
from procrastinate.exceptions import ProcrastinateException
from procrastinate.jobs import Status

from portal.bootstrap import defer_sync_drain, defer_sync_drain_async
from portal.domain.gateway_errors import ApiUsage
from portal.domain.sync.jobs import DRAIN_TASK, SWEEP_TASK, SYNC_QUEUE
from portal.domain.tenancy import CompanyId, UnknownCompanyError
from portal.worker.allowance import AllowancePolicy
from portal.worker.companies import Companies
from portal.worker.fairness import after_batch
from portal.worker.settings import WorkerSettings

log = logging.getLogger(__name__)


def build_app(*, database_url: str, companies: Companies, settings: WorkerSettings) -> App:
    """The worker's app on the portal's PostgreSQL database, with its tasks."""
    app = App(
        connector=PsycopgConnector(
            conninfo=database_url,
            # Each running job, the listener, the heartbeat and the periodic deferrer.
            min_size=1,
            max_size=settings.concurrency + 4,
        ),
        worker_defaults={
            "queues": [SYNC_QUEUE],
            "concurrency": settings.concurrency,
            "update_heartbeat_interval": settings.heartbeat.total_seconds(),
            "stalled_worker_timeout": settings.stalled_after.total_seconds(),
            "delete_jobs": "successful",
        },
    )
    policy = AllowancePolicy(share=settings.api_share, pause=settings.api_pause)

    @app.task(name=DRAIN_TASK, queue=SYNC_QUEUE, pass_context=False)
    def drain_company(company_id: int) -> None:
        take_turn(app, companies, policy, company_id=CompanyId(company_id), batch=settings.batch)

    @app.periodic(cron=settings.sweep_cron, periodic_id="sweep")
    @app.task(name=SWEEP_TASK, queue=SYNC_QUEUE, queueing_lock=SWEEP_TASK, pass_context=False)
    async def sweep(timestamp: int) -> None:
        await take_back_stalled(app, settings)
        # A company with a drain job waiting (maybe for a later time) or running is left to it.
        busy = {
            job.task_kwargs.get("company_id")
            for status in ("todo", "doing")
            for job in await app.job_manager.list_jobs_async(
                queue=SYNC_QUEUE, task=DRAIN_TASK, status=status
            )
        }
        for company_id in companies.company_ids():
            if company_id in busy:
                continue
            if await asyncio.to_thread(_queued, companies, company_id):
                await defer_sync_drain_async(app, company_id=company_id)

    return app


def take_turn(
    app: App, companies: Companies, policy: AllowancePolicy, *, company_id: CompanyId, batch: int
) -> None:
    """One company's turn: one batch, unless its org is past the workers' share of its API
    allowance (read only when there is something to send); its next turn deferred at once
    while more is due, after the policy's pause when held back."""
    try:
        sync = companies.portal_for(company_id).sync
    except UnknownCompanyError:
        log.warning("Company %s is gone: nothing to send", company_id)
        return
    seen: list[ApiUsage] = []

    def may_send(usage: ApiUsage | None) -> bool:
        if usage is not None:
            seen.append(usage)
        return policy.wait_before_sending(usage) is None

    summary = sync.send_batch(limit=batch, may_send=may_send)
    if summary.held_back:
        pause = policy.pause
        log.info(
            "Company %s: its org has used %s of %s API requests (the workers stop at %s); "
            "next turn in %s",
            company_id,
            seen[-1].used if seen else "?",
            seen[-1].maximum if seen else "?",
            policy.ceiling(seen[-1]) if seen else "?",
            pause,
        )
        defer_sync_drain(app, company_id=company_id, schedule_in_seconds=pause.total_seconds())
        return
    log.info(
        "Company %s: %s written, %s refused, %s still queued%s",
        company_id,
        summary.written,
        summary.failed,
        summary.queued,
        " (more due: next turn deferred)" if summary.more_due else "",
    )
    if (turn := after_batch(summary)) is not None:
        defer_sync_drain(app, company_id=company_id, schedule_in_seconds=turn.after.total_seconds())


async def take_back_stalled(app: App, settings: WorkerSettings) -> None:
    """Jobs left ``doing`` by a worker that stopped saying it is alive are marked failed (no
    worker will finish them) and a drain job is deferred for their company again (what the
    dead one left ``sending`` is looked up by the next turn, as after any crash)."""
    stalled = await app.job_manager.get_stalled_jobs(
        queue=SYNC_QUEUE, seconds_since_heartbeat=settings.stalled_after.total_seconds()
    )
    for job in stalled:
        assert job.id is not None
        try:
            await app.job_manager.finish_job_by_id_async(job.id, Status.FAILED, delete_job=False)
        except ProcrastinateException:
            continue  # another worker's sweep took it back first
        log.warning("Took back job %s (%s) of a worker that died", job.id, job.task_name)
        company_id = job.task_kwargs.get("company_id")
        if job.task_name == DRAIN_TASK and isinstance(company_id, int):
            # A company's drain job again (the queueing lock keeps it to one waiting).
            await defer_sync_drain_async(app, company_id=company_id)


def _queued(companies: Companies, company_id: CompanyId) -> bool:
    return companies.portal_for(company_id).sync.has_queued()
