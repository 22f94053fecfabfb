"""The sync as a use case: simulate calls and meetings (or import them from CSV), send what is
queued, and say how it went. Pages reach it as ``Portal.sync``.

Every action that changes something takes ``actor=`` (admins only) and leaves an audit line.
One sync runs at a time per company's outbox (:meth:`SyncStore.exclusive`: across processes on
PostgreSQL); a second caller waits for the first to finish. In PostgreSQL mode the sync
workers send the queue too (:meth:`SyncService.send_batch`): whatever the portal queues wakes
them (:class:`~portal.domain.sync.ports.SyncWakeup`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.calls import Activity, ActivityKind
from portal.domain.gateway_errors import ApiUsage
from portal.domain.ports import SyncStore
from portal.domain.settings import IntegrationSettings
from portal.domain.sync import messages
from portal.domain.sync.csv_import import RowProblem, parse_csv
from portal.domain.sync.outbox import DeliveryState, WaitingReason
from portal.domain.sync.ports import Progress, SyncGateway, SyncWakeup, no_progress
from portal.domain.sync_log import SyncLogEntry
from portal.domain.text import Text, msg, plural_msg
from portal.services.actors import Actor
from portal.services.context import ServiceContext
from portal.services.errors import PortalError
from portal.services.sync.engine import SyncEngine, SyncSummary
from portal.services.sync.simulation import MiitelUser, require_demo_data, simulate

#: The most calls (or meetings) one simulation makes.
MAX_SIMULATED: Final = 10_000


@dataclass(frozen=True)
class CsvImportResult:
    """What importing a CSV file did. With problems and no ``partial`` import, nothing was
    imported (``imported`` is 0) and ``problems`` says what to fix, row by row."""

    kind: ActivityKind
    rows_read: int
    imported: int
    already_known: tuple[str, ...]
    problems: tuple[RowProblem, ...]
    ignored_columns: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The whole result in one English line (the audit log); pages show :attr:`messages`."""
        return " ".join(self.messages)

    @property
    def messages(self) -> tuple[Text, ...]:
        """What the import did, sentence by sentence."""
        if self.problems and not self.imported:
            return (
                plural_msg(
                    "Nothing was imported: {count} row of the file has problems. Fix it and "
                    "import the file again, or import only the valid rows.",
                    "Nothing was imported: {count} rows of the file have problems. Fix them and "
                    "import the file again, or import only the valid rows.",
                    len(self.problems),
                ),
            )
        if self.kind is ActivityKind.CALL:
            done = plural_msg(
                "{count} call imported and queued for Salesforce.",
                "{count} calls imported and queued for Salesforce.",
                self.imported,
            )
        else:
            done = plural_msg(
                "{count} meeting imported and queued for Salesforce.",
                "{count} meetings imported and queued for Salesforce.",
                self.imported,
            )
        parts = [done]
        if self.already_known:
            parts.append(
                plural_msg(
                    "{count} was already imported before (skipped).",
                    "{count} were already imported before (skipped).",
                    len(self.already_known),
                )
            )
        if self.problems:
            parts.append(
                plural_msg(
                    "{count} row with problems was NOT imported.",
                    "{count} rows with problems were NOT imported.",
                    len(self.problems),
                )
            )
        return tuple(parts)


@dataclass(frozen=True)
class KindStatus:
    kind: ActivityKind
    pending: int
    sending: int
    written: int
    failed: int

    @property
    def queued(self) -> int:
        return self.pending + self.sending


@dataclass(frozen=True)
class OutboxStatus:
    """Where every call and meeting the portal holds stands, and why queued ones wait."""

    calls: KindStatus
    meetings: KindStatus
    waiting: tuple[WaitingReason, ...]

    @property
    def queued(self) -> int:
        return self.calls.queued + self.meetings.queued

    @property
    def failed(self) -> int:
        return self.calls.failed + self.meetings.failed


class SyncService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        gateway: Callable[[], SyncGateway | None],
        wakeup: SyncWakeup | None = None,
    ) -> None:
        """``gateway()``: the integrated org as the sync asks it, or None (not integrated, or
        a connection that cannot sync). ``wakeup``: the sync workers to tell when calls or
        meetings are queued (PostgreSQL mode); None when the sync runs only in-process."""
        self._context = context
        self._gateway = gateway
        self._wakeup = wakeup
        self._directory: dict[str, tuple[str, ...]] = {}

    # --- storage ----------------------------------------------------------------------------

    def _store(self) -> SyncStore:
        # The inbox lives next to the portal's other records, in whatever storage holds them.
        return self._context.storage.sync

    def _engine(self, store: SyncStore) -> SyncEngine:
        return SyncEngine(store=store, clock=self._context.clock)

    # --- use cases --------------------------------------------------------------------------

    def simulate_and_sync(
        self,
        *,
        actor: Actor,
        calls: int,
        meetings: int,
        progress: Progress | None = None,
        seed: int | None = None,
    ) -> SyncSummary:
        """Make ``calls`` calls and ``meetings`` meetings as MiiTel would record them (seeded:
        the same ``seed`` gives the same ones; by default each simulation gets a new seed),
        queue them, and sync everything due. Counterpart numbers are partly sampled from the
        integrated org, so some calls match Contacts, Accounts or Leads."""
        self._context.require_admin(actor, AuditAction.SYNC)
        for name, count in (("calls", calls), ("meetings", meetings)):
            if not 0 <= count <= MAX_SIMULATED:
                raise PortalError(
                    msg(
                        "Simulate between 0 and {most} calls at a time (not {count}).",
                        most=MAX_SIMULATED,
                        count=count,
                    )
                    if name == "calls"
                    else msg(
                        "Simulate between 0 and {most} meetings at a time (not {count}).",
                        most=MAX_SIMULATED,
                        count=count,
                    )
                )
        require_demo_data()
        report = progress or no_progress
        store = self._store()
        with store.exclusive():
            report(0.0, messages.simulating(calls, meetings))
            settings = self._context.repositories.settings.load()
            gateway = self._gateway()
            simulated = simulate(
                seed=store.inbox_size() if seed is None else seed,
                calls=calls,
                meetings=meetings,
                now=self._context.clock.now(),
                known_numbers=self._known_numbers(gateway),
                users=_mapped_users(settings),
            )
            activities: list[Activity] = [*simulated.calls, *simulated.meetings]
            store.enqueue(activities, now=self._context.clock.now())
            summary = self._engine(store).run(
                gateway=gateway,
                settings=settings,
                progress=lambda fraction, what: report(0.05 + 0.95 * fraction, what),
            )
        if summary.queued:
            self._wake()
        self._audit(
            actor,
            msg(
                "simulated {calls} calls and {meetings} meetings: {detail}",
                calls=calls,
                meetings=meetings,
                detail=summary.message,
            ),
        )
        return summary

    def sync_pending(self, *, actor: Actor, progress: Progress | None = None) -> SyncSummary:
        """Send every queued call and meeting now (also those waiting for a retry time):
        after re-integrating, enabling an area, or Salesforce recovering."""
        self._context.require_admin(actor, AuditAction.SYNC)
        store = self._store()
        with store.exclusive():
            summary = self._engine(store).run(
                gateway=self._gateway(),
                settings=self._context.repositories.settings.load(),
                progress=progress or no_progress,
                respect_backoff=False,
            )
        self._audit(
            actor, msg("sent the queued calls and meetings: {detail}", detail=summary.message)
        )
        return summary

    def retry_failed(self, *, actor: Actor, progress: Progress | None = None) -> SyncSummary:
        """Queue the records Salesforce refused again and send them (after the settings or
        the org were fixed). Each refusal stays in the error log."""
        self._context.require_admin(actor, AuditAction.SYNC)
        store = self._store()
        with store.exclusive():
            store.requeue_failed(now=self._context.clock.now())
            summary = self._engine(store).run(
                gateway=self._gateway(),
                settings=self._context.repositories.settings.load(),
                progress=progress or no_progress,
                respect_backoff=False,
            )
        self._audit(
            actor, msg("sent the failed calls and meetings again: {detail}", detail=summary.message)
        )
        return summary

    def import_csv(
        self, *, actor: Actor, kind: ActivityKind, data: bytes | str, partial: bool = False
    ) -> CsvImportResult:
        """Import calls or meetings from a CSV file and queue them (``sync_pending`` sends
        them). A file with bad rows imports nothing unless ``partial`` asks for the valid
        rows only; either way the result names each bad row and what is wrong."""
        self._context.require_admin(actor, AuditAction.SYNC)
        store = self._store()
        parsed = parse_csv(kind=kind, data=data)
        imported = 0
        known: tuple[str, ...] = ()
        if parsed.activities and (parsed.ok or partial):
            enqueued = store.enqueue(parsed.activities, now=self._context.clock.now())
            imported, known = enqueued.added, enqueued.already_known
        if imported:
            self._wake()
        result = CsvImportResult(
            kind=kind,
            rows_read=parsed.rows_read,
            imported=imported,
            already_known=known,
            problems=parsed.problems,
            ignored_columns=parsed.ignored_columns,
        )
        self._context.audit(
            actor=actor,
            action=AuditAction.SYNC,
            outcome=AuditOutcome.SUCCEEDED
            if imported or not parsed.problems
            else AuditOutcome.FAILED,
            detail=f"CSV import of {kind.label.lower()}s: {result.message}",
        )
        return result

    def send_batch(
        self, *, limit: int, may_send: Callable[[ApiUsage | None], bool] | None = None
    ) -> SyncSummary:
        """Send at most ``limit`` of the calls and meetings due now (a sync worker's turn for
        this company: no one asked, so nothing is audited; the sync log has every record).
        ``more_due`` in the summary says whether this company has more due now. With
        ``may_send``, the org's API usage is read when there is something to send, and
        nothing is sent unless ``may_send(usage)`` (``held_back`` in the summary)."""
        store = self._store()
        with store.exclusive():
            return self._engine(store).run(
                gateway=self._gateway(),
                settings=self._context.repositories.settings.load(),
                limit=limit,
                may_send=may_send,
            )

    def has_queued(self) -> bool:
        """Whether any call or meeting waits to be sent (pending or sending)."""
        return self._store().open_count() > 0

    def status(self) -> OutboxStatus:
        """How many calls and meetings are queued, written and refused, and why queued ones
        wait."""
        store = self._store()
        counts = {(c.kind, c.state): c.count for c in store.counts()}

        def of(kind: ActivityKind) -> KindStatus:
            return KindStatus(
                kind=kind,
                pending=counts.get((kind, DeliveryState.PENDING), 0),
                sending=counts.get((kind, DeliveryState.SENDING), 0),
                written=counts.get((kind, DeliveryState.WRITTEN), 0),
                failed=counts.get((kind, DeliveryState.FAILED), 0),
            )

        return OutboxStatus(
            calls=of(ActivityKind.CALL),
            meetings=of(ActivityKind.MEETING),
            waiting=tuple(store.waiting_reasons()),
        )

    def recent(self, *, limit: int = 50) -> list[SyncLogEntry]:
        """The sync log, newest first."""
        return self._context.repositories.sync_log.recent(limit=limit)

    # --- helpers ----------------------------------------------------------------------------

    def _known_numbers(self, gateway: SyncGateway | None) -> tuple[str, ...]:
        """Phone numbers of the org's records (sampled once per org and process)."""
        if gateway is None:
            return next(iter(self._directory.values()), ())
        org_id = gateway.tokens.org_id
        if org_id in self._directory:
            return self._directory[org_id]
        directory = gateway.phone_directory()
        if not directory.complete:
            # The simulation still works; its calls then reach fewer known numbers.
            return directory.numbers
        self._directory[org_id] = directory.numbers
        return directory.numbers

    def _wake(self) -> None:
        # The calls are committed; a wake-up that fails is made up by the workers' sweep.
        if self._wakeup is not None:
            self._wakeup.wake()

    def _audit(self, actor: Actor, detail: Text) -> None:
        # Stored as its English line; the audit log recognises it again (log_details).
        self._context.audit(
            actor=actor, action=AuditAction.SYNC, outcome=AuditOutcome.SUCCEEDED, detail=detail
        )


def _mapped_users(settings: IntegrationSettings) -> Sequence[MiitelUser]:
    return [MiitelUser(m.miitel_user, "") for m in settings.assignee.user_mappings]
