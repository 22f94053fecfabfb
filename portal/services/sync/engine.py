"""The sync: queued calls and meetings to Salesforce Tasks and Events, batched, never twice,
nothing dropped.

One run:

1. Records left ``sending`` by an interrupted run are looked up by their marker (Task
   ``CallObject``, Event ``Location``): found ones are recorded as written, the rest are sent
   again. A write that may have happened is never repeated blindly, and never looked up
   while Salesforce may still be carrying it out: a request whose answer never came (the
   process died, the read timed out) is looked up only :data:`STILL_WRITING` after it was
   sent.
2. For each area that is enabled, the due records (per the timing setting) go in rounds:
   counterparts found by SOSL phone search with many numbers per search (compared in
   E.164: :mod:`portal.domain.sync.phones`), the object described once
   for field types, owners looked up in one query, then sObject Collections of 200 records
   (``allOrNone=false``). Before each request the records are claimed (``sending``) and
   committed; after it, every record's outcome (outbox, sync log, error log) is committed in
   one transaction.
3. A record Salesforce refuses goes to the error log with its code, message and fields. A
   transient failure (timeout, 5xx, ``REQUEST_LIMIT_EXCEEDED``, a session that cannot be
   renewed) stops the run; what was not sent waits in the outbox with a retry time.

Nothing is written while the portal is not integrated or an area is disabled: those records
stay queued until a later run can send them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, NoReturn

from portal.domain.calls import Activity, ActivityKind, Call, Meeting
from portal.domain.clock import Clock
from portal.domain.gateway_errors import (
    ApiUsage,
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceLimitError,
    SalesforceOAuthError,
    SalesforceUnavailable,
)
from portal.domain.integration_errors import IntegrationErrorEntry, SyncOperation
from portal.domain.ports import SyncStore, SyncTransaction
from portal.domain.salesforce import RecordResult
from portal.domain.settings import IntegrationSettings, Owner
from portal.domain.sync import messages
from portal.domain.sync.matching import Counterpart
from portal.domain.sync.outbox import DeliveryState, Failed, OutboxItem, Written
from portal.domain.sync.phones import phone_key
from portal.domain.sync.ports import Progress, SalesforceUser, SyncGateway, no_progress
from portal.domain.sync.records import (
    FieldTypes,
    RecordProblem,
    event_fields,
    marker_of,
    owner_problem,
    task_fields,
)
from portal.domain.sync_log import SyncLogEntry, SyncOutcome
from portal.domain.text import Text, msg

log = logging.getLogger(__name__)

#: sObject Collections take at most 200 records per request.
WRITE_CHUNK: Final = 200
#: Records prepared together (one set of lookups); bounds memory, not API calls.
ROUND: Final = 2_000

_TRANSIENT: Final = (
    SalesforceUnavailable,
    SalesforceLimitError,
    SalesforceAuthError,
    SalesforceOAuthError,
)


#: Salesforce's time limit for a REST call ("API Timeout Limits: 10 minutes", API Request
#: Limits and Allocations). A write whose answer never came may land until then, so the
#: records it carried are looked up only after it: looking earlier finds nothing and would
#: send them twice.
STILL_WRITING: Final = timedelta(minutes=10)


def is_transient(error: SalesforceGatewayError) -> bool:
    """Whether trying again later can succeed without anyone changing anything in the org."""
    return isinstance(error, _TRANSIENT)


def retry_delay(attempts: int) -> timedelta:
    """How long a record waits after its ``attempts``-th failed try: 30 s doubling, at most
    30 minutes."""
    return timedelta(seconds=min(1800, 30 * 2 ** max(0, attempts - 1)))


@dataclass(frozen=True)
class SyncSummary:
    """What a sync did: records written, records Salesforce refused (per error code), and
    records still queued (not integrated, area disabled, not due, or waiting to retry)."""

    written: int
    failed_by_code: Mapping[str, int]
    queued: int
    notes: tuple[Text, ...] = ()
    #: The run stopped at its ``limit`` with more records due now (another run sends them).
    more_due: bool = False
    #: The run sent nothing because the org's API usage was past what it may use (``may_send``).
    held_back: bool = False

    @property
    def failed(self) -> int:
        return sum(self.failed_by_code.values())

    @property
    def message(self) -> Text:
        """One sentence for people."""
        by_code = ", ".join(
            f"{code} {count:,}" for code, count in sorted(self.failed_by_code.items())
        )
        return messages.summary(self.written, self.failed, self.queued, by_code)


class _Overall:
    """Progress over every round of a run, from counts within the current round."""

    def __init__(self, progress: Progress, *, total: int) -> None:
        self._progress = progress
        self._total = max(total, 1)
        self._done = 0

    def __call__(self, sent_in_round: int, message: Text) -> None:
        self._progress(min(1.0, (self._done + sent_in_round) / self._total), message)

    def finish_round(self, size: int) -> None:
        self._done += size


class _Interrupted(Exception):
    """A transient failure ended the run; ``note`` says what waits and why."""

    def __init__(self, note: Text) -> None:
        super().__init__(note)
        self.note = note


@dataclass
class _Tally:
    written: int = 0
    failed: Counter[str] = field(default_factory=Counter)
    notes: list[Text] = field(default_factory=list)
    more_due: bool = False
    held_back: bool = False


@dataclass(frozen=True)
class _Prepared:
    """A record ready to send, or the problem that keeps it from being sent."""

    activity: Activity
    fields: dict[str, Any] | None
    problem: RecordProblem | None = None
    counterpart: Counterpart | None = None


class SyncEngine:
    """Sends what the outbox holds; see the module doc for the rules."""

    def __init__(self, *, store: SyncStore, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    def run(
        self,
        *,
        gateway: SyncGateway | None,
        settings: IntegrationSettings,
        progress: Progress = no_progress,
        respect_backoff: bool = True,
        limit: int | None = None,
        may_send: Callable[[ApiUsage | None], bool] | None = None,
    ) -> SyncSummary:
        """Send everything that is due; ``respect_backoff`` False also sends records waiting
        for their retry time (someone asked for it explicitly). With ``limit``, at most that
        many records are sent (oldest first, calls before meetings); ``more_due`` then says
        whether records due now were left for another run. With ``may_send``, the org's API
        usage is read once there is something to send, and nothing is sent unless
        ``may_send(usage)`` (``held_back`` says so)."""
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1, not {limit}")
        tally = _Tally()
        if gateway is None:
            waiting = self._store.open_count()
            if waiting:
                tally.notes.append(messages.not_integrated(waiting))
            progress(1.0, msg(messages.NOTHING_SENT))
            return self._summary(tally)
        org_id = gateway.tokens.org_id
        try:
            progress(0.0, msg(messages.CHECKING_EARLIER))
            ready_at = self._clock.now() if respect_backoff else None
            for kind in ActivityKind:
                self._verify_uncertain(gateway, kind, org_id, tally, ready_at=ready_at)
            plan = self._plan(settings, tally, respect_backoff=respect_backoff)
            if limit is not None:
                plan, tally.more_due = _at_most(plan, limit)
            if plan and may_send is not None and not may_send(usage := _usage(gateway)):
                tally.held_back, plan = True, []
                if usage is not None:
                    tally.notes.append(messages.allowance_held_back(usage.used, usage.maximum))
            overall = _Overall(progress, total=sum(len(items) for _, items in plan))
            for kind, items in plan:
                for start in range(0, len(items), ROUND):
                    chunk = items[start : start + ROUND]
                    self._send_round(
                        gateway, kind, chunk, settings, org_id, tally, progress=overall
                    )
                    overall.finish_round(len(chunk))
        except _Interrupted as stop:
            tally.notes.append(stop.note)
        progress(1.0, msg(messages.DONE))
        return self._summary(tally)

    def _summary(self, tally: _Tally) -> SyncSummary:
        return SyncSummary(
            written=tally.written,
            failed_by_code=dict(tally.failed),
            queued=self._store.open_count(),
            notes=tuple(tally.notes),
            more_due=tally.more_due and not tally.held_back,
            held_back=tally.held_back,
        )

    # --- what to send -----------------------------------------------------------------------

    def _plan(
        self, settings: IntegrationSettings, tally: _Tally, *, respect_backoff: bool
    ) -> list[tuple[ActivityKind, list[Activity]]]:
        now = self._clock.now()
        areas = (
            (ActivityKind.CALL, settings.activity_history.enabled),
            (ActivityKind.MEETING, settings.video_history.enabled),
        )
        plan: list[tuple[ActivityKind, list[Activity]]] = []
        for kind, enabled in areas:
            if respect_backoff and (later := self._store.waiting_for_retry(kind, now=now)):
                tally.notes.append(messages.waiting_for_retry(kind, later))
            items = self._store.items(
                kind,
                states=(DeliveryState.PENDING,),
                ready_at=now if respect_backoff else None,
            )
            if due := self._due(kind, items, enabled, settings, tally, now=now):
                plan.append((kind, due))
        return plan

    def _due(
        self,
        kind: ActivityKind,
        items: Sequence[OutboxItem],
        enabled: bool,
        settings: IntegrationSettings,
        tally: _Tally,
        *,
        now: datetime,
    ) -> list[Activity]:
        """The pending records of an area that are due now; notes say why the rest wait."""
        if not items:
            return []
        if not enabled:
            tally.notes.append(messages.area_disabled(kind, len(items)))
            return []
        due = [i.activity for i in items if self._due_at(i.activity, settings) <= now]
        if len(due) < len(items):
            tally.notes.append(
                messages.not_due(kind, len(items) - len(due), settings.activity_history.timing)
            )
        return due

    @staticmethod
    def _due_at(activity: Activity, settings: IntegrationSettings) -> datetime:
        if isinstance(activity, Call):
            return activity.due_at(settings.activity_history.timing)
        return activity.due_at()

    # --- interrupted writes -----------------------------------------------------------------

    def _verify_uncertain(
        self,
        gateway: SyncGateway,
        kind: ActivityKind,
        org_id: str,
        tally: _Tally,
        *,
        ready_at: datetime | None,
    ) -> None:
        """Records left ``sending`` are looked up by their marker: found ones are recorded as
        written, the others go back to ``pending``."""
        ours = self._uncertain(kind, org_id, tally, ready_at=ready_at)
        if not ours:
            return
        markers = {marker_of(a): a for a in ours}
        try:
            found = gateway.find_markers(kind, markers)
        except SalesforceGatewayError as exc:
            if is_transient(exc):
                raise _Interrupted(self._waiting_note(exc, len(ours))) from None
            # Unverifiable: they stay "sending" rather than risk writing them twice.
            tally.notes.append(messages.not_looked_up(kind, len(ours), exc.error_code))
            return
        written = [Written(a.record_id, found[m]) for m, a in markers.items() if m in found]
        again = [a.record_id for m, a in markers.items() if m not in found]
        self._settle_uncertain(kind, written, again, org_id)
        tally.written += len(written)
        if written:
            tally.notes.append(messages.found_after_interruption(kind, len(written)))

    def _uncertain(
        self, kind: ActivityKind, org_id: str, tally: _Tally, *, ready_at: datetime | None
    ) -> list[Activity]:
        """The records of ``kind`` left ``sending`` to this org that may be looked up now;
        notes say which others wait and why."""
        # Even when asked to send now: looking up a write Salesforce may still be carrying
        # out finds nothing, and would send it twice.
        now = self._clock.now()
        if writing := self._store.maybe_still_writing(kind, now=now):
            minutes = STILL_WRITING.total_seconds() / 60
            tally.notes.append(
                messages.maybe_still_writing(
                    kind, writing, int(minutes) if minutes.is_integer() else minutes
                )
            )
        items = self._store.items(
            kind, states=(DeliveryState.SENDING,), ready_at=ready_at, settled_at=now
        )
        ours = [i.activity for i in items if i.org_id in (None, org_id)]
        if elsewhere := len(items) - len(ours):
            tally.notes.append(messages.sent_to_another_org(kind, elsewhere))
        return ours

    def _settle_uncertain(
        self, kind: ActivityKind, written: Sequence[Written], again: Sequence[str], org_id: str
    ) -> None:
        """Found records are written (outbox and sync log), the rest pending, in one commit."""
        now = self._clock.now()
        with self._store.transaction() as tx:
            tx.outbox.mark_written(kind, written, org_id=org_id, now=now)
            for record in written:
                tx.sync_log.append(
                    _log_line(
                        kind,
                        record.record_id,
                        SyncOutcome.WRITTEN,
                        msg(messages.FOUND_AFTER_INTERRUPTION),
                        now=now,
                        org_id=org_id,
                        salesforce_id=record.salesforce_id,
                    )
                )
            tx.outbox.release(kind, again, now=now)
            tx.commit()

    # --- one round --------------------------------------------------------------------------

    def _send_round(
        self,
        gateway: SyncGateway,
        kind: ActivityKind,
        items: Sequence[Activity],
        settings: IntegrationSettings,
        org_id: str,
        tally: _Tally,
        *,
        progress: Callable[[int, Text], None],
    ) -> None:
        progress(0, messages.looking_up(kind, len(items)))
        prepared = self._prepare_or_wait(gateway, kind, items, settings, org_id)
        blocked = [p for p in prepared if p.problem is not None]
        if blocked:
            self._settle(kind, [], [(p, None) for p in blocked], org_id, tally)
        ready = [p for p in prepared if p.fields is not None]
        sent = len(blocked)
        for start in range(0, len(ready), WRITE_CHUNK):
            chunk = ready[start : start + WRITE_CHUNK]
            self._send_chunk(gateway, kind, chunk, org_id, tally, rest=ready[start + WRITE_CHUNK :])
            sent += len(chunk)
            progress(sent, messages.sent_of(kind, sent, len(items)))

    def _prepare_or_wait(
        self,
        gateway: SyncGateway,
        kind: ActivityKind,
        items: Sequence[Activity],
        settings: IntegrationSettings,
        org_id: str,
    ) -> list[_Prepared]:
        """:meth:`_prepare`; a transient failure leaves the round waiting and ends the run."""
        try:
            return self._prepare(gateway, kind, items, settings, org_id)
        except SalesforceGatewayError as exc:
            if not is_transient(exc):
                raise
            self._wait(kind, [a.record_id for a in items], exc, state=DeliveryState.PENDING)
            raise _Interrupted(self._waiting_note(exc, len(items))) from None

    def _prepare(
        self,
        gateway: SyncGateway,
        kind: ActivityKind,
        items: Sequence[Activity],
        settings: IntegrationSettings,
        org_id: str,
    ) -> list[_Prepared]:
        """Lookups (transient failures raise) and the record of each item."""
        counterparts = self._counterparts(gateway, kind, items, org_id)
        types = self._field_types(gateway, kind)
        owners = {a.record_id: self._owner(a, settings) for a in items}
        users, user_problem = self._users(gateway, owners.values())
        prepared: list[_Prepared] = []
        for activity in items:
            owner = owners[activity.record_id]
            owner_id: str | None = None
            if owner.salesforce_username:
                user = users.get(owner.salesforce_username.lower())
                if user is None:
                    problem = user_problem or owner_problem(owner, kind)
                    prepared.append(_Prepared(activity, None, problem))
                    continue
                # An inactive owner is sent as is: Salesforce answers INACTIVE_OWNER_OR_USER.
                owner_id = user.id
            prepared.append(
                _record(
                    activity, settings, counterparts=counterparts, owner_id=owner_id, types=types
                )
            )
        return prepared

    def _counterparts(
        self, gateway: SyncGateway, kind: ActivityKind, items: Sequence[Activity], org_id: str
    ) -> dict[str, Counterpart]:
        if kind is not ActivityKind.CALL:
            return {}
        now = self._clock.now()
        return gateway.find_counterparts(
            [a.counterpart_number for a in items if isinstance(a, Call)],
            on_refused=lambda sobject, exc: self._lookup_refused(
                items, sobject.value, exc, org_id, now
            ),
        )

    @staticmethod
    def _field_types(gateway: SyncGateway, kind: ActivityKind) -> FieldTypes:
        try:
            return FieldTypes.of(gateway.describe(kind.sobject))
        except SalesforceGatewayError as exc:
            if is_transient(exc):
                raise
            # Without describe values go in their plain form; Salesforce judges each record.
            return FieldTypes({})

    @staticmethod
    def _users(
        gateway: SyncGateway, owners: Iterable[Owner]
    ) -> tuple[dict[str, SalesforceUser], RecordProblem | None]:
        """The owners' Salesforce users, or none and why (a refused lookup)."""
        usernames = {o.salesforce_username for o in owners if o.salesforce_username}
        try:
            return gateway.find_users(usernames), None
        except SalesforceGatewayError as exc:
            if is_transient(exc):
                raise
            return {}, RecordProblem(
                exc.error_code, f"The record's owner could not be looked up: {exc.detail}"
            )

    @staticmethod
    def _owner(activity: Activity, settings: IntegrationSettings) -> Owner:
        if isinstance(activity, Call):
            return settings.assignee.owner_for(
                miitel_user=activity.miitel_user,
                missed_or_voicemail=activity.missed_or_voicemail,
            )
        return settings.assignee.owner_for(miitel_user=activity.host, missed_or_voicemail=False)

    def _lookup_refused(
        self,
        items: Sequence[Activity],
        sobject: str,
        exc: SalesforceGatewayError,
        org_id: str,
        now: datetime,
    ) -> None:
        """A phone search Salesforce refused (e.g. the user may not read Leads): the calls are
        still written, without a link to that object's records; the error log says so."""
        log.info("Phone lookup on %s refused: %s", sobject, exc.error_code)
        with self._store.transaction() as tx:
            for activity in items:
                tx.errors.append(
                    IntegrationErrorEntry(
                        occurred_at=now,
                        source=activity.kind.source,
                        miitel_record_id=activity.record_id,
                        sobject=sobject,
                        operation=SyncOperation.QUERY,
                        status_code=exc.error_code,
                        message=exc.detail or exc.user_message,
                        fields=exc.fields,
                        org_id=org_id,
                    )
                )
            tx.commit()

    def _send_chunk(
        self,
        gateway: SyncGateway,
        kind: ActivityKind,
        chunk: Sequence[_Prepared],
        org_id: str,
        tally: _Tally,
        *,
        rest: Sequence[_Prepared],
    ) -> None:
        ids = [p.activity.record_id for p in chunk]
        self._claim(kind, ids, org_id)
        try:
            results = gateway.create_records(
                kind.sobject, [p.fields or {} for p in chunk], all_or_none=False
            )
        except SalesforceGatewayError as exc:
            if is_transient(exc):
                self._interrupted_write(kind, ids, rest, exc)
            refused = RecordProblem(exc.error_code, exc.detail or exc.user_message, exc.fields)
            self._settle(kind, [], [(p, refused) for p in chunk], org_id, tally)
            return
        succeeded, failed, unanswered = _outcomes(chunk, results)
        self._settle(kind, succeeded, failed, org_id, tally)
        if unanswered:
            # Salesforce's answer left these out: look them up next time, never resend blindly.
            self._store.outbox.release(
                kind,
                unanswered,
                now=self._clock.now(),
                code="NO_RESULT",
                message="Salesforce's answer had no result for this record.",
                state=DeliveryState.SENDING,
            )

    def _claim(self, kind: ActivityKind, ids: Sequence[str], org_id: str) -> None:
        """The records become ``sending``, committed before the write is attempted. Should
        another sender have taken any of them since they were read (the outbox lock,
        ``SyncStore.exclusive``, keeps that from happening), nothing is claimed and the run
        ends: a record is never sent by two runs."""
        with self._store.transaction() as tx:
            now = self._clock.now()
            claimed = tx.outbox.claim(
                kind, ids, org_id=org_id, now=now, look_up_after=now + STILL_WRITING
            )
            if claimed != len(ids):
                log.warning(
                    "%s of %s records were claimed by another sync", len(ids) - claimed, len(ids)
                )
                raise _Interrupted(messages.taken_by_another_sync(len(ids) - claimed))
            tx.commit()

    def _interrupted_write(
        self,
        kind: ActivityKind,
        ids: Sequence[str],
        rest: Sequence[_Prepared],
        exc: SalesforceGatewayError,
    ) -> NoReturn:
        """A transient failure on a write: whether Salesforce wrote the chunk is unknown, so it
        stays "sending" to look up (without an answer, only once Salesforce cannot be writing
        it any more); the rest of the round waits. Ends the run."""
        self._wait(kind, ids, exc, state=DeliveryState.SENDING, answered=exc.status is not None)
        self._wait(kind, [p.activity.record_id for p in rest], exc, state=DeliveryState.PENDING)
        raise _Interrupted(self._waiting_note(exc, len(ids) + len(rest))) from None

    def _settle(
        self,
        kind: ActivityKind,
        succeeded: Sequence[tuple[_Prepared, RecordResult]],
        failed: Sequence[tuple[_Prepared, RecordProblem | None]],
        org_id: str,
        tally: _Tally,
    ) -> None:
        """Record every outcome of one request (outbox, sync log, error log) in one commit."""
        now = self._clock.now()
        problems = [(p, problem or p.problem or _UNKNOWN) for p, problem in failed]
        with self._store.transaction() as tx:
            tx.outbox.mark_written(
                kind,
                [Written(p.activity.record_id, str(r.id)) for p, r in succeeded],
                org_id=org_id,
                now=now,
            )
            tx.outbox.mark_failed(
                kind,
                [Failed(p.activity.record_id, pr.status_code, pr.message) for p, pr in problems],
                org_id=org_id,
                now=now,
            )
            for prepared, result in succeeded:
                self._log_written(tx, kind, prepared, str(result.id), org_id, now)
            for prepared, problem in problems:
                self._log_failed(tx, kind, prepared.activity, problem, org_id, now)
            tx.commit()
        tally.written += len(succeeded)
        tally.failed.update(problem.status_code for _, problem in problems)

    @staticmethod
    def _log_written(
        tx: SyncTransaction,
        kind: ActivityKind,
        prepared: _Prepared,
        salesforce_id: str,
        org_id: str,
        now: datetime,
    ) -> None:
        activity = prepared.activity
        if isinstance(activity, Meeting):
            detail = messages.event_for_meeting(activity.title)
        elif prepared.counterpart is not None:
            match = prepared.counterpart
            detail = messages.task_linked(
                match.sobject.value, match.name, match.field, match.stored_number
            )
        else:
            detail = messages.task_without_link(activity.counterpart_number)
        tx.sync_log.append(
            _log_line(
                kind,
                activity.record_id,
                SyncOutcome.WRITTEN,
                detail,
                now=now,
                org_id=org_id,
                salesforce_id=salesforce_id,
            )
        )

    @staticmethod
    def _log_failed(
        tx: SyncTransaction,
        kind: ActivityKind,
        activity: Activity,
        problem: RecordProblem,
        org_id: str,
        now: datetime,
    ) -> None:
        tx.errors.append(
            IntegrationErrorEntry(
                occurred_at=now,
                source=kind.source,
                miitel_record_id=activity.record_id,
                sobject=kind.sobject,
                operation=SyncOperation.CREATE,
                status_code=problem.status_code,
                message=problem.message,
                fields=problem.fields,
                org_id=org_id,
            )
        )
        tx.sync_log.append(
            _log_line(
                kind,
                activity.record_id,
                SyncOutcome.FAILED,
                f"{problem.status_code}: {problem.message}",
                now=now,
                org_id=org_id,
            )
        )

    # --- waiting ----------------------------------------------------------------------------

    def _wait(
        self,
        kind: ActivityKind,
        record_ids: Sequence[str],
        exc: SalesforceGatewayError,
        *,
        state: DeliveryState,
        answered: bool = True,
    ) -> None:
        self._store.outbox.retry_later(
            kind,
            record_ids,
            now=self._clock.now(),
            code=exc.error_code,
            message=exc.user_message,
            delay=retry_delay,
            state=state,
            answered=answered,
        )

    @staticmethod
    def _waiting_note(exc: SalesforceGatewayError, count: int) -> Text:
        return messages.salesforce_unavailable(exc.error_code, count, exc.user_message)


def _log_line(
    kind: ActivityKind,
    record_id: str,
    outcome: SyncOutcome,
    detail: str,
    *,
    now: datetime,
    org_id: str,
    salesforce_id: str | None = None,
) -> SyncLogEntry:
    """The sync log's line for one call or meeting."""
    return SyncLogEntry(
        occurred_at=now,
        source=kind.source,
        miitel_record_id=record_id,
        sobject=kind.sobject,
        outcome=outcome,
        salesforce_id=salesforce_id,
        detail=detail,
        org_id=org_id,
    )


_UNKNOWN: Final = RecordProblem("UNKNOWN_ERROR", "Salesforce did not say why it refused this.")


def _problem_of(result: RecordResult) -> RecordProblem:
    if not result.errors:
        return _UNKNOWN
    first = result.errors[0]
    fields = tuple(dict.fromkeys(f for e in result.errors for f in e.fields))
    message = " ".join(dict.fromkeys(e.message for e in result.errors if e.message))
    return RecordProblem(first.status_code or "UNKNOWN_ERROR", message, fields)


def _record(
    activity: Activity,
    settings: IntegrationSettings,
    *,
    counterparts: Mapping[str, Counterpart],
    owner_id: str | None,
    types: FieldTypes,
) -> _Prepared:
    """The Task of a call or the Event of a meeting, or the problem that keeps it unsent."""
    try:
        if isinstance(activity, Call):
            counterpart = counterparts.get(phone_key(activity.counterpart_number))
            fields = task_fields(
                call=activity,
                settings=settings.activity_history,
                counterpart=counterpart,
                owner_id=owner_id,
                types=types,
            )
            return _Prepared(activity, fields, counterpart=counterpart)
        fields = event_fields(
            meeting=activity, settings=settings.video_history, owner_id=owner_id, types=types
        )
        return _Prepared(activity, fields)
    except ValueError as exc:  # a Subject template saved before it was validated
        return _Prepared(activity, None, RecordProblem("INVALID_SUBJECT_TEMPLATE", str(exc)))


def _usage(gateway: SyncGateway) -> ApiUsage | None:
    """The org's API usage now; None when Salesforce does not say or cannot be asked (then
    the sending itself meets whatever is wrong, and waits as usual)."""
    try:
        return gateway.api_usage()
    except SalesforceGatewayError as exc:
        log.info("The org's API usage could not be read: %s", exc.error_code)
        return None


def _at_most(
    plan: Sequence[tuple[ActivityKind, list[Activity]]], limit: int
) -> tuple[list[tuple[ActivityKind, list[Activity]]], bool]:
    """The first ``limit`` records of ``plan`` (in its order), and whether any were left out."""
    kept: list[tuple[ActivityKind, list[Activity]]] = []
    room = limit
    for kind, items in plan:
        if room and items:
            kept.append((kind, items[:room]))
        room = max(0, room - len(items))
    total = sum(len(items) for _, items in plan)
    return kept, total > limit


def _outcomes(
    chunk: Sequence[_Prepared], results: Sequence[RecordResult]
) -> tuple[
    list[tuple[_Prepared, RecordResult]], list[tuple[_Prepared, RecordProblem | None]], list[str]
]:
    """Each record of a written chunk: succeeded, failed (and why), or left out of the answer."""
    by_index = {r.index: r for r in results}
    succeeded: list[tuple[_Prepared, RecordResult]] = []
    failed: list[tuple[_Prepared, RecordProblem | None]] = []
    unanswered: list[str] = []
    for index, prepared in enumerate(chunk):
        result = by_index.get(index)
        if result is None:
            unanswered.append(prepared.activity.record_id)
        elif result.success and result.id:
            succeeded.append((prepared, result))
        else:
            failed.append((prepared, _problem_of(result)))
    return succeeded, failed, unanswered
