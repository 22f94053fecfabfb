"""Crash trials: run "Remove integration", "Restore" or a sync batch in a child process, SIGKILL
it (after a random delay, or just before a chosen I/O boundary), reopen the portal's storage
(its DuckDB file, or its PostgreSQL database when the lab is given a server) in this process,
and check the invariants:

- the file opens and every backup reads back; the older backups are untouched;
- Remove: either nothing happened (tokens, backups, history, audit, progress as before) or all
  of it did (a new latest backup equal to the settings at the time, tokens gone or parked for
  revocation, REMOVED in the history, one audit line naming the backup), never a mix;
- Restore: the settings are the old ones or exactly the restored ones, the audit line present
  if and only if the new settings are;
- Sync: no call written to Salesforce twice, every "written" in the sync log is a Task at the
  mock with that id, a Task without a log entry is still "sending" (to be looked up, never
  resent blindly), every call is in the outbox once;
- then the admin carries on (Remove again, Restore again, sync again) and the end state is the
  one an uninterrupted run gives: one backup, the token revoked at Salesforce, the settings
  restored, each call a Task exactly once with one "written" line.

The mock org runs in this process (``ThreadedMockServer``); the portal only in the child.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import random
import shutil
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from multiprocessing.context import ForkServerContext
from pathlib import Path
from typing import Any, Final

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from portal.adapters.clock import ShiftedClock
from portal.adapters.crypto import generate_key
from portal.adapters.postgres_storage import PostgresPortalStorage
from portal.adapters.storage import DuckDbPortalStorage
from portal.bootstrap import Portal, build_portal
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.calls import ActivityKind
from portal.domain.clock import Clock
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.oauth import TokenSet
from portal.domain.ports import StoredBackup
from portal.domain.restore import restore_from_backup
from portal.domain.secret import SecretStr
from portal.domain.settings import IntegrationSettings
from portal.domain.steps import StepStatus
from portal.services.connections import REVOKE_PREFIX
from portal.services.sync.engine import STILL_WRITING
from tests.portal_over_mock import MockEndpoint, portal_config
from tests.postgres_server import PostgresServer
from tests.resilience.harness import crash_child
from tests.resilience.harness.crash_child import ChildOrder, Finished, Procedure, Ready
from tests.resilience.harness.world import (
    ADMIN,
    SEED,
    calls_csv,
    configured_settings,
    edited_settings,
    integrate,
    tasks_by_call_id,
)

__all__ = [
    "BOUNDARY_TRIALS",
    "RANDOM_TRIALS",
    "CampaignResult",
    "CrashLab",
    "Kill",
    "Phase",
    "Procedure",
    "TrialResult",
]

#: Random kills per procedure: (default test run, long run).
RANDOM_TRIALS: Final = {
    Procedure.REMOVE: (3, 300),
    Procedure.RESTORE: (3, 300),
    Procedure.SYNC: (2, 100),
}
#: Kills before I/O boundaries spread over a run (None: every boundary of the run).
BOUNDARY_TRIALS: Final[dict[Procedure, tuple[int | None, int | None]]] = {
    Procedure.REMOVE: (3, None),
    Procedure.RESTORE: (3, None),
    Procedure.SYNC: (3, 60),
}
#: Calls per sync trial: two sObject Collections requests (200 + 10).
SYNC_CALLS: Final = 210
_CHILD_TIMEOUT_S: Final = 120.0


class _WriteGate:
    """Holds the first record of the current trial's calls until released; lets every other
    write through (a process left over by an interrupted run cannot trip it)."""

    def __init__(self) -> None:
        self.entered = threading.Event()
        self.release = threading.Event()
        self.call_id_prefix: str | None = None
        self._lock = threading.Lock()
        self._held = False

    def pass_or_hold(self, values: Any) -> None:
        call_id = str(dict(values).get("CallObject") or "")
        if self.call_id_prefix is None or not call_id.startswith(self.call_id_prefix):
            return
        with self._lock:
            first, self._held = not self._held, True
        if first:
            self.entered.set()
            self.release.wait(_CHILD_TIMEOUT_S)


class HarnessError(Exception):
    """The harness itself could not run a trial (not a finding about the portal)."""


class Phase(Enum):
    """Where the kill left the procedure, as the reopened database shows it."""

    BEFORE = "nothing committed"
    PARTIAL = "committed, follow-up cut off"
    FINISHED = "finished before the kill"


@dataclass(frozen=True)
class Kill:
    """When the child dies: ``after_s`` after "go", or just before I/O boundary ``boundary``;
    neither means it runs to the end."""

    after_s: float | None = None
    boundary: int | None = None
    #: Kill while Salesforce holds the first record write (see :meth:`CrashLab.hold_first_write`).
    on_held_write: bool = False

    @property
    def label(self) -> str:
        if self.on_held_write:
            return "while Salesforce is still writing"
        if self.boundary is not None:
            return f"before I/O boundary {self.boundary}"
        if self.after_s is not None:
            return f"after {self.after_s * 1000:.1f} ms"
        return "not killed"


@dataclass(frozen=True)
class TrialResult:
    procedure: Procedure
    kill: Kill
    killed: bool
    phase: Phase
    violations: tuple[str, ...]
    elapsed_s: float | None = None
    boundaries: int | None = None

    @property
    def ok(self) -> bool:
        return not self.violations


@dataclass(frozen=True)
class _ChildRun:
    """How the child ended; ``wall_s`` is "go" to its answer, seen from here (unkilled runs)."""

    finished: Finished | None
    killed: bool
    wall_s: float | None


@dataclass(frozen=True)
class CampaignResult:
    """Many trials of one procedure: how the kills fell, and every trial that broke a rule."""

    procedure: Procedure
    random_trials: int
    boundary_trials: int
    boundaries_per_run: int
    phases: Counter[Phase]
    killed: int
    failures: tuple[TrialResult, ...]
    #: How long the uninterrupted run took (the random kills fall within 1.2 times that).
    run_s: float

    @property
    def trials(self) -> int:
        return self.random_trials + self.boundary_trials

    @property
    def ok(self) -> bool:
        return not self.failures


# --- what a trial starts from and how it is checked ---------------------------------------


@dataclass(frozen=True)
class _Before:
    """What the database held before the child ran."""

    settings: IntegrationSettings
    backups: tuple[StoredBackup, ...]
    tokens: TokenSet | None
    audit_max_id: int
    history_max_id: int
    progress: tuple[tuple[int, StepStatus], ...] = ()
    call_ids: tuple[str, ...] = ()
    restored: IntegrationSettings | None = None


@dataclass
class _Check:
    violations: list[str] = field(default_factory=list)

    def require(self, condition: bool, message: str) -> None:
        if not condition:
            self.violations.append(message)


def _progress(portal: Portal) -> tuple[tuple[int, StepStatus], ...]:
    recorded = portal.storage.repositories.progress.all()
    return tuple((step, entry.status) for step, entry in sorted(recorded.items()))


def _newer(entries: Sequence[AuditEntry], after: int) -> list[AuditEntry]:
    return [e for e in entries if e.id is not None and e.id > after]


class CrashLab:
    """A mock org in this process, the templates each trial's DuckDB file is copied from, and
    the forkserver that starts portal processes cheaply."""

    def __init__(
        self,
        *,
        server: ThreadedMockServer,
        workdir: Path,
        seed: int = SEED,
        sync_calls: int = SYNC_CALLS,
        postgres: PostgresServer | None = None,
    ) -> None:
        """``postgres``: keep each trial's portal in a database of that server (a copy of a
        template database) instead of a DuckDB file."""
        self.server = server
        self.postgres = postgres
        self.sync_calls = sync_calls
        self.endpoint = MockEndpoint.of(server)
        self.workdir = workdir
        [self.org] = reset_world(server.backend, seed=seed, scenario="default", size=SMALL_SIZE)
        self.key = generate_key()
        self._trial = 0
        self._gate: _WriteGate | None = None
        self._context: ForkServerContext = multiprocessing.get_context("forkserver")
        # Every child starts with the portal imported, and with what a main module importing
        # this harness (or pytest) needs: a trial costs milliseconds, not seconds.
        preload = [crash_child.__name__, __name__, *(m for m in ("pytest",) if m in sys.modules)]
        self._context.set_forkserver_preload(preload)
        self._removed_template = self._make_removed_template()
        self._sync_template = self._make_sync_template()

    # --- templates -------------------------------------------------------------------------

    def _config(self, directory: Path, database_url: str | None = None) -> PortalConfig:
        config = portal_config(mock=self.endpoint, data_dir=directory, key=self.key)
        if database_url is None:
            return config
        return replace(config, database_url=SecretStr(database_url))

    def _template_config(self, directory: Path) -> PortalConfig:
        url = self.postgres.new_database() if self.postgres is not None else None
        return self._config(directory, url)

    @staticmethod
    def _template(config: PortalConfig) -> Path | str:
        """What a trial starts from: the DuckDB file, or the template database's URL."""
        if config.database_url is not None:
            return config.database_url.get_secret_value()
        return config.db_path

    @contextlib.contextmanager
    def _portal(self, config: PortalConfig, clock: Clock | None = None) -> Iterator[Portal]:
        portal = build_portal(config=config, clock=clock)
        try:
            yield portal
        finally:
            portal.close()

    def _make_removed_template(self) -> Path | str:
        """Integrated, configured, removed (backup #1), then the tabs edited: what Restore
        starts from, and what Remove starts from once integrated again."""
        config = self._template_config(self.workdir / "template-removed")
        with self._portal(config) as portal:
            outcome = integrate(portal=portal, config=config, user=self.org.integration_user)
            if not outcome.succeeded:
                raise HarnessError(f"integrating the template failed: {outcome.result.message}")
            portal.storage.repositories.settings.save(configured_settings(self.org))
            removed = portal.removal.remove(actor=ADMIN)
            if removed.backup is None or not removed.revoked:
                raise HarnessError(f"removing the template failed: {removed.result.message}")
            portal.storage.repositories.settings.save(edited_settings(self.org))
        return self._template(config)

    def _make_sync_template(self) -> Path | str:
        """Configured with Activity history integration enabled (integrated per trial)."""
        config = self._template_config(self.workdir / "template-sync")
        with self._portal(config) as portal:
            portal.storage.repositories.settings.save(configured_settings(self.org))
        return self._template(config)

    def _trial_config(self, template: Path | str) -> PortalConfig:
        self._trial += 1
        directory = self.workdir / f"trial-{self._trial:05d}"
        directory.mkdir(parents=True)
        if isinstance(template, str):
            assert self.postgres is not None
            return self._config(directory, self.postgres.copy_database(template))
        config = self._config(directory)
        shutil.copyfile(template, config.db_path)
        wal = template.with_name(template.name + ".wal")
        if wal.exists():
            shutil.copyfile(wal, config.db_path.with_name(config.db_path.name + ".wal"))
        return config

    # --- one trial -------------------------------------------------------------------------

    def trial(
        self, procedure: Procedure, kill: Kill = Kill(), *, restart_at_once: bool = False
    ) -> TrialResult:
        """Prepare, run the child, kill it as told, then check and finish the procedure.

        The portal is reopened once Salesforce has finished the requests the dead process
        left running, as a restarted portal process would be; ``restart_at_once`` reopens it
        immediately instead (a restart racing a write still in progress at Salesforce)."""
        template = self._sync_template if procedure is Procedure.SYNC else self._removed_template
        config = self._trial_config(template)
        before = self._prepare(procedure, config)
        backup_id = before.backups[0].id if before.backups else None
        order = ChildOrder(
            procedure=procedure,
            config=config,
            backup_id=backup_id,
            kill_before_boundary=kill.boundary,
        )
        run = self._run_child(order, kill)
        if not restart_at_once and self._gate is None:
            self._wait_until_salesforce_is_idle()
        check = _Check()
        clock = ShiftedClock()
        try:
            with self._portal(config, clock) as portal:
                phase = self._verify(procedure, portal, before, run.finished, check)
                self._finish(procedure, portal, before, phase, check, clock)
        except Exception as exc:  # any failure to reopen or read back is itself a finding
            check.violations.append(f"reopening after the kill failed: {type(exc).__name__}: {exc}")
            phase = Phase.BEFORE
        if check.violations:
            check.violations.insert(0, f"trial directory kept: {config.data_dir}")
        else:
            shutil.rmtree(config.data_dir, ignore_errors=True)
            if self.postgres is not None and config.database_url is not None:
                self.postgres.drop_database(config.database_url.get_secret_value())
        return TrialResult(
            procedure=procedure,
            kill=kill,
            killed=run.killed,
            phase=phase,
            violations=tuple(check.violations),
            elapsed_s=run.wall_s,
            boundaries=run.finished.boundaries if run.finished else None,
        )

    def _prepare(self, procedure: Procedure, config: PortalConfig) -> _Before:
        with self._portal(config) as portal:
            call_ids: tuple[str, ...] = ()
            if procedure in (Procedure.REMOVE, Procedure.SYNC):
                outcome = integrate(portal=portal, config=config, user=self.org.integration_user)
                if not outcome.succeeded:
                    raise HarnessError(f"integrating failed: {outcome.result.message}")
            if procedure is Procedure.SYNC:
                call_ids = self._queue_calls(portal)
            repos = portal.storage.repositories
            settings = repos.settings.load()
            backups = tuple(portal.backups.history())
            restored = None
            if procedure is Procedure.RESTORE:
                restored = restore_from_backup(
                    current=settings, backup=backups[0].snapshot
                ).settings
            return _Before(
                settings=settings,
                backups=backups,
                tokens=repos.tokens.load(),
                audit_max_id=max((e.id or 0 for e in portal.audit.recent(limit=1)), default=0),
                history_max_id=max((e.id or 0 for e in portal.history.recent(limit=1)), default=0),
                progress=_progress(portal),
                call_ids=call_ids,
                restored=restored,
            )

    def _queue_calls(self, portal: Portal) -> tuple[str, ...]:
        prefix = f"crash{self._trial:05d}-"
        if self._gate is not None:
            self._gate.call_id_prefix = prefix
        call_ids, data = calls_csv(prefix=prefix, count=self.sync_calls)
        imported = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data)
        if imported.imported != self.sync_calls:
            raise HarnessError(f"queuing the calls failed: {imported.message}")
        return call_ids

    def _run_child(self, order: ChildOrder, kill: Kill) -> _ChildRun:
        parent, child = self._context.Pipe()
        process = self._context.Process(
            target=crash_child.main, args=(order, child), name="portal-crash-trial", daemon=True
        )
        process.start()
        child.close()
        try:
            if not parent.poll(_CHILD_TIMEOUT_S) or not isinstance(parent.recv(), Ready):
                raise HarnessError("the portal child never became ready")
            parent.send(crash_child.GO)
            started = time.perf_counter()
            wall_s = None
            if kill.after_s is not None:
                time.sleep(kill.after_s)
                process.kill()
            elif kill.on_held_write:
                self._wait_for_held_write(process)
                process.kill()
            elif kill.boundary is None and parent.poll(_CHILD_TIMEOUT_S):
                wall_s = time.perf_counter() - started
            process.join(_CHILD_TIMEOUT_S)
            if process.exitcode is None:
                process.kill()
                process.join()
                raise HarnessError("the portal child hung")
            finished = None
            with contextlib.suppress(EOFError, OSError):
                while parent.poll(0):
                    message = parent.recv()
                    if isinstance(message, Finished):
                        finished = message
            if process.exitcode not in (0, -9):
                raise HarnessError(f"the portal child failed (exit code {process.exitcode})")
            return _ChildRun(finished=finished, killed=process.exitcode == -9, wall_s=wall_s)
        finally:
            parent.close()
            # Interrupted here (a test timeout): no portal process may outlive its trial.
            if process.is_alive():
                process.kill()
                process.join()

    def _wait_for_held_write(self, process: multiprocessing.process.BaseProcess) -> None:
        gate = self._gate
        if gate is None:
            raise HarnessError("Kill(on_held_write=True) needs hold_first_write()")
        deadline = time.monotonic() + _CHILD_TIMEOUT_S
        while not gate.entered.wait(0.01):
            if not process.is_alive() or time.monotonic() > deadline:
                raise HarnessError("the child never wrote a record")

    @contextlib.contextmanager
    def hold_first_write(self) -> Iterator[None]:
        """While open, the mock org holds the first record it is asked to create until the
        portal has been killed, reopened and has carried on: Salesforce still finishing a
        request whose client is gone (slow orgs take seconds for 200 records)."""
        records = self.server.backend.records
        original = records.create
        gate = _WriteGate()

        def create(**kwargs: Any) -> str:
            gate.pass_or_hold(kwargs.get("values") or {})
            return original(**kwargs)

        records.create = create  # type: ignore[method-assign]
        self._gate = gate
        try:
            yield
        finally:
            gate.release.set()
            self._gate = None
            records.create = original  # type: ignore[method-assign]

    def _wait_until_salesforce_is_idle(self) -> None:
        """A restarted portal comes back after Salesforce finished the requests the dead
        process left running (see :func:`tests.resilience.test_resilience_crash`)."""
        deadline = time.monotonic() + _CHILD_TIMEOUT_S
        while self.server.requests_in_flight and time.monotonic() < deadline:
            time.sleep(0.01)

    # --- checks ----------------------------------------------------------------------------

    def _verify(
        self,
        procedure: Procedure,
        portal: Portal,
        before: _Before,
        finished: Finished | None,
        check: _Check,
    ) -> Phase:
        backups = portal.backups.history()
        by_id = {b.id: b for b in backups}
        for old in before.backups:
            check.require(
                by_id.get(old.id) == old, f"backup #{old.id} changed or vanished after the kill"
            )
        if procedure is Procedure.REMOVE:
            committed = self._verify_remove(portal, before, backups, check)
        elif procedure is Procedure.RESTORE:
            check.require(
                len(backups) == len(before.backups), "a restore added or removed a backup"
            )
            committed = self._verify_restore(portal, before, check)
        else:
            committed = self._verify_sync(portal, before, finished, check)
        if finished is not None:
            check.require(committed, "the child finished but the database shows no change")
            return Phase.FINISHED
        return Phase.PARTIAL if committed else Phase.BEFORE

    def _verify_remove(
        self, portal: Portal, before: _Before, backups: list[StoredBackup], check: _Check
    ) -> bool:
        repos = portal.storage.repositories
        known = {b.id for b in before.backups}
        new = [b for b in backups if b.id not in known]
        tokens = repos.tokens.load()
        audit = _newer(portal.audit.recent(limit=50), before.audit_max_id)
        history = [
            e for e in portal.history.recent(limit=50) if (e.id or 0) > before.history_max_id
        ]
        parked = repos.token_slots.slots(prefix=REVOKE_PREFIX)
        progress = repos.progress.all().get(2)
        check.require(
            repos.settings.load() == before.settings, "Remove integration changed the settings"
        )
        if not new:
            check.require(tokens == before.tokens, "no backup, yet the tokens changed")
            check.require(not audit, f"no backup, yet the audit log gained {audit}")
            check.require(not history, f"no backup, yet the history gained {history}")
            check.require(not parked, "no backup, yet tokens were parked for revocation")
            check.require(
                _progress(portal) == before.progress, "no backup, yet the progress changed"
            )
            return False
        check.require(len(new) == 1, f"one removal saved {len(new)} backups")
        backup = new[0]
        snapshot = backup.snapshot
        check.require(
            (snapshot.activity_history, snapshot.video_history, snapshot.assignee)
            == (
                before.settings.activity_history,
                before.settings.video_history,
                before.settings.assignee,
            ),
            "the new backup differs from the settings it was taken of",
        )
        check.require(backups[0].id == backup.id, "the new backup is not the latest")
        check.require(
            before.tokens is not None and snapshot.org_id == before.tokens.org_id,
            "the backup names another org",
        )
        check.require(tokens is None, "a backup was saved but the tokens are still in use")
        check.require(
            [e.event for e in history] == [AuthEvent.REMOVED]
            and f"backup #{backup.id}" in history[0].detail,
            f"the history does not say REMOVED with backup #{backup.id}: {history}",
        )
        check.require(
            [(e.action, e.outcome, e.detail) for e in audit]
            == [
                (
                    AuditAction.REMOVE_INTEGRATION,
                    AuditOutcome.SUCCEEDED,
                    f"backup #{backup.id} saved",
                )
            ],
            f"the audit log does not say one removal with backup #{backup.id}: {audit}",
        )
        check.require(
            progress is not None and progress.status is StepStatus.OK,
            "the removal committed but step 2 is not recorded as done",
        )
        check.require(len(parked) <= 1, f"{len(parked)} token sets parked for one removal")
        if not parked:
            check.require(
                self._revoked_at_salesforce(before.tokens),
                "the tokens were dropped without being revoked at Salesforce",
            )
        return True

    def _verify_restore(self, portal: Portal, before: _Before, check: _Check) -> bool:
        assert before.restored is not None
        settings = portal.settings.current()
        audit = _newer(portal.audit.recent(limit=50), before.audit_max_id)
        progress = portal.storage.repositories.progress.all().get(7)
        if settings == before.settings:
            check.require(not audit, f"settings unchanged, yet the audit log gained {audit}")
            check.require(
                _progress(portal) == before.progress, "settings unchanged, yet the progress changed"
            )
            return False
        if settings != before.restored:
            mixed = [
                area
                for area in ("basic", "activity_history", "video_history", "assignee")
                if getattr(settings, area) != getattr(before.settings, area)
            ]
            check.violations.append(
                f"the settings are neither the old nor the restored ones (changed: {mixed})"
            )
            return True
        backup_id = before.backups[0].id
        check.require(
            len(audit) == 1
            and audit[0].action is AuditAction.RESTORE_SETTINGS
            and audit[0].outcome is AuditOutcome.SUCCEEDED
            and f"backup #{backup_id}" in audit[0].detail,
            f"the audit log does not say one restore of backup #{backup_id}: {audit}",
        )
        check.require(
            progress is not None and progress.status is StepStatus.OK,
            "the settings were restored but step 7 is not recorded as done",
        )
        return True

    def _verify_sync(
        self, portal: Portal, before: _Before, finished: Finished | None, check: _Check
    ) -> bool:
        tasks = self._tasks_at_salesforce(before.call_ids)
        logged = self._written_log(portal, before.call_ids)
        outbox = self._outbox(portal, before.call_ids)
        for call_id, ids in tasks.items():
            check.require(len(ids) == 1, f"call {call_id} was written {len(ids)} times")
        for call_id, entries in logged.items():
            check.require(
                len(entries) == 1, f'call {call_id} has {len(entries)} "written" log lines'
            )
            check.require(
                set(entries) <= set(tasks.get(call_id, [])),
                f"the sync log says {call_id} is {entries}, which Salesforce does not hold",
            )
        check.require(
            sorted(outbox) == sorted(before.call_ids),
            f"the outbox holds {len(outbox)} of the {len(before.call_ids)} calls",
        )
        for call_id in tasks:
            if call_id not in logged:
                check.require(
                    outbox.get(call_id) == "sending",
                    f"call {call_id} is in Salesforce, unlogged, and {outbox.get(call_id)} in "
                    "the outbox (it would be sent again)",
                )
        for call_id, state in outbox.items():
            check.require(
                (state == "written") == (call_id in logged),
                f"call {call_id} is {state} in the outbox but "
                + ("has" if call_id in logged else "has no")
                + ' "written" log line',
            )
        audit = _newer(portal.audit.recent(limit=50), before.audit_max_id)
        synced = [e for e in audit if e.action is AuditAction.SYNC]
        # The audit line is written after the run: a killed run may have it or not.
        allowed = (1,) if finished is not None else (0, 1)
        check.require(
            len(synced) in allowed, f"the audit log has {len(synced)} sync lines for one run"
        )
        return bool(logged or tasks)

    # --- finishing -------------------------------------------------------------------------

    def _finish(
        self,
        procedure: Procedure,
        portal: Portal,
        before: _Before,
        phase: Phase,
        check: _Check,
        clock: ShiftedClock,
    ) -> None:
        """The admin carries on; the end state must be the uninterrupted run's."""
        if procedure is Procedure.REMOVE:
            again = portal.removal.remove(actor=ADMIN)
            check.require(again.warning is None, f"removing again warned: {again.warning}")
            repos = portal.storage.repositories
            known = {b.id for b in before.backups}
            new = [b for b in portal.backups.history() if b.id not in known]
            check.require(len(new) == 1, f"after carrying on there are {len(new)} new backups")
            check.require(repos.tokens.load() is None, "after carrying on, tokens remain")
            check.require(
                not repos.token_slots.slots(prefix=REVOKE_PREFIX),
                "after carrying on, tokens still wait to be revoked",
            )
            check.require(
                self._revoked_at_salesforce(before.tokens),
                "after carrying on, Salesforce still accepts the refresh token",
            )
        elif procedure is Procedure.RESTORE:
            if phase is Phase.BEFORE:
                portal.restore.restore(actor=ADMIN, expected_backup_id=before.backups[0].id)
            check.require(
                portal.settings.current() == before.restored,
                "after carrying on, the settings are not the restored ones",
            )
        else:
            portal.sync.sync_pending(actor=ADMIN)
            # Whatever Salesforce was still doing for the dead process lands now at the latest.
            if self._gate is not None:
                self._gate.release.set()
            self._wait_until_salesforce_is_idle()
            # The admin syncs again later, once Salesforce's time limit for the dead
            # process's request has passed: what it left uncertain is looked up then.
            clock.advance(STILL_WRITING)
            portal.sync.sync_pending(actor=ADMIN)
            tasks = self._tasks_at_salesforce(before.call_ids)
            logged = self._written_log(portal, before.call_ids)
            outbox = self._outbox(portal, before.call_ids)
            check.require(
                sorted(tasks) == sorted(before.call_ids)
                and all(len(ids) == 1 for ids in tasks.values()),
                f"after carrying on, {len(tasks)} of {len(before.call_ids)} calls are Tasks, "
                f"{sum(len(i) > 1 for i in tasks.values())} of them more than once",
            )
            check.require(
                all(logged.get(c) == tasks.get(c) for c in before.call_ids),
                "after carrying on, the sync log and Salesforce disagree",
            )
            check.require(
                set(outbox.values()) == {"written"},
                f"after carrying on, outbox states are {Counter(outbox.values())}",
            )

    # --- what Salesforce and the portal hold ------------------------------------------------

    def _revoked_at_salesforce(self, tokens: TokenSet | None) -> bool:
        if tokens is None or tokens.refresh_token is None:
            return True
        found = self.server.backend.oauth.refresh_tokens.find(
            tokens.refresh_token.get_secret_value()
        )
        return found is None

    def _tasks_at_salesforce(self, call_ids: Sequence[str]) -> dict[str, list[str]]:
        return tasks_by_call_id(
            store=self.server.backend.store, org_id=self.org.org_id, call_ids=call_ids
        )

    @staticmethod
    def _rows(portal: Portal, sql: str) -> list[tuple[object, ...]]:
        # The storage's own runner (DuckDB's file, or the company's PostgreSQL connections).
        storage = portal.storage
        assert isinstance(storage, DuckDbPortalStorage | PostgresPortalStorage)
        return [tuple(row) for row in storage.database.execute(sql)]

    def _written_log(self, portal: Portal, call_ids: Sequence[str]) -> dict[str, list[str]]:
        wanted = set(call_ids)
        rows = self._rows(
            portal,
            "SELECT miitel_record_id, salesforce_id FROM sync_log WHERE outcome = 'written' "
            "ORDER BY id",
        )
        logged: dict[str, list[str]] = {}
        for call_id, salesforce_id in rows:
            if str(call_id) in wanted:
                logged.setdefault(str(call_id), []).append(str(salesforce_id))
        return logged

    def _outbox(self, portal: Portal, call_ids: Sequence[str]) -> dict[str, str]:
        wanted = set(call_ids)
        rows = self._rows(portal, "SELECT record_id, state FROM sync_outbox WHERE kind = 'call'")
        return {str(record_id): str(state) for record_id, state in rows if record_id in wanted}

    # --- campaigns -------------------------------------------------------------------------

    def campaign(
        self,
        procedure: Procedure,
        *,
        random_trials: int,
        boundary_trials: int | None,
        seed: int = SEED,
        on_trial: Callable[[TrialResult], None] | None = None,
    ) -> CampaignResult:
        """One uninterrupted run (to learn the duration and the boundaries), then
        ``random_trials`` kills at a random moment of the run and kills before
        ``boundary_trials`` I/O boundaries spread over the run (None: every one).
        ``on_trial`` hears of every trial as it ends."""
        report = on_trial or (lambda _result: None)
        calibration = self.trial(procedure)
        report(calibration)
        if calibration.boundaries is None or calibration.elapsed_s is None:
            raise HarnessError(f"the uninterrupted {procedure.value} did not finish")
        results = [calibration]
        rng = random.Random(seed)
        # Kill anywhere from "go" to a little after the run's usual end.
        span = calibration.elapsed_s * 1.2
        boundaries = calibration.boundaries
        points = spread(boundaries, boundary_trials)
        kills = [Kill(after_s=rng.uniform(0.0, span)) for _ in range(random_trials)]
        kills += [Kill(boundary=point) for point in points]
        for kill in kills:
            results.append(self.trial(procedure, kill))
            report(results[-1])
        return CampaignResult(
            procedure=procedure,
            random_trials=random_trials,
            boundary_trials=len(points),
            boundaries_per_run=boundaries,
            phases=Counter(r.phase for r in results[1:]),
            killed=sum(r.killed for r in results[1:]),
            failures=tuple(r for r in results if not r.ok),
            run_s=calibration.elapsed_s,
        )


def spread(total: int, count: int | None) -> list[int]:
    """``count`` boundaries from 1..``total`` evenly spread, always with the first and last
    (all of them when ``count`` is None or not smaller)."""
    if count is None or count >= total:
        return list(range(1, total + 1))
    if count <= 1:
        return [total][:count]
    step = (total - 1) / (count - 1)
    return sorted({1 + round(i * step) for i in range(count)})
