"""Concurrency: many sessions of one portal process (Streamlit shares one ``Portal`` between
sessions, each on its own thread) pressing "Remove integration" or "Restore" at the same moment,
and many sessions reading the error log while a sync writes it.

Exactly one press takes effect; every other session gets a result or a ``PortalError`` saying
why (already removed, already restored, the backup changed), never a raw exception; DuckDB
write conflicts are retried by the services. Readers never fail and never see the log shrink.
"""

from __future__ import annotations

import csv
import io
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg
from portal.bootstrap import Portal, build_portal
from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.restore import restore_from_backup
from portal.domain.secret import SecretStr
from portal.domain.settings import CallDataItem, FieldMappings, IntegrationSettings
from portal.services.error_tables import ExportFormat
from portal.services.removal import RemovalResult
from portal.services.restore import RestoreResult
from tests.portal_over_mock import MockEndpoint, portal_config
from tests.resilience.harness.answers import Answer, ask, unclear
from tests.resilience.harness.figures import FigureBook, sized
from tests.resilience.harness.world import (
    ADMIN,
    SECOND_ADMIN,
    SEED,
    calls_csv,
    configured_settings,
    edited_settings,
    integrate,
)


@dataclass
class Bench:
    server: ThreadedMockServer
    org: SeededOrg
    portal: Portal
    config: PortalConfig


@pytest.fixture
def bench(
    mock_server: ThreadedMockServer, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[Bench]:
    """The portal over its DuckDB file, or over PostgreSQL for ``indirect`` "postgresql"."""
    [org] = reset_world(mock_server.backend, seed=SEED, scenario="default", size=SMALL_SIZE)
    config = portal_config(mock=MockEndpoint.of(mock_server), data_dir=tmp_path)
    if getattr(request, "param", "duckdb") == "postgresql":
        url = SecretStr(request.getfixturevalue("postgres_url"))
        config = replace(config, database_url=url)
    portal = build_portal(config=config)
    assert integrate(portal=portal, config=config, user=org.integration_user).succeeded
    portal.storage.repositories.settings.save(configured_settings(org))
    yield Bench(server=mock_server, org=org, portal=portal, config=config)
    portal.close()


def _stored_in(bench: Bench) -> str:
    """A figure's note of the storage when it is not the default DuckDB file."""
    return " (PostgreSQL)" if bench.config.database_url is not None else ""


def at_once(sessions: int, press: Callable[[int], object]) -> list[Answer]:
    """``sessions`` threads released together, each pressing once; what each was told.
    An exception other than ``PortalError`` is re-raised here (a page would show a generic
    failure: a defect)."""
    barrier = threading.Barrier(sessions)
    answers: list[Answer | BaseException] = [RuntimeError("not run")] * sessions

    def session(n: int) -> None:
        barrier.wait()
        try:
            answers[n] = ask(f"session {n}", lambda: press(n))
        except BaseException as exc:  # collected and re-raised below, with its session
            answers[n] = exc

    threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    raw = [a for a in answers if isinstance(a, BaseException)]
    if raw:
        raise AssertionError(f"{len(raw)} sessions failed with a raw exception") from raw[0]
    told = [a for a in answers if isinstance(a, Answer)]
    assert not [unclear(a) for a in told if unclear(a)]
    return told


def audited(portal: Portal, action: AuditAction) -> list[Any]:
    return [e for e in portal.audit.recent(limit=1000) if e.action is action]


@pytest.mark.slow
@pytest.mark.parametrize("bench", ["duckdb", "postgresql"], indirect=True)
def test_sessions_pressing_remove_at_once_remove_once_and_the_others_are_told(
    bench: Bench, figures: FigureBook
) -> None:
    sessions = sized(8, 48)
    portal = bench.portal
    tokens = portal.storage.repositories.tokens.load()
    assert tokens is not None and tokens.refresh_token is not None
    settings = portal.settings.current()

    answers = at_once(sessions, lambda n: portal.removal.remove(actor=ADMIN))

    results = [a.value for a in answers if isinstance(a.value, RemovalResult)]
    removed = [r for r in results if r.backup is not None]
    assert len(removed) == 1, [a.message for a in answers]
    others = [
        a for a in answers if not isinstance(a.value, RemovalResult) or a.value.backup is None
    ]
    assert len(others) == sessions - 1
    for other in others:
        assert other.refused or "nothing to remove" in other.message, other.message
    assert [r.warning for r in results if r.warning] == []
    backups = portal.backups.history()
    assert [b.id for b in backups] == [removed[0].backup.id]  # type: ignore[union-attr]
    assert backups[0].snapshot.assignee == settings.assignee
    assert portal.storage.repositories.tokens.load() is None
    found = bench.server.backend.oauth.refresh_tokens.find(tokens.refresh_token.get_secret_value())
    assert found is None, "the token was not revoked at Salesforce"
    removals = audited(portal, AuditAction.REMOVE_INTEGRATION)
    assert [e.outcome for e in removals] == [AuditOutcome.SUCCEEDED]
    figures.add(
        area="concurrency",
        name='sessions pressing "Remove integration" at the same moment (one portal process)'
        + _stored_in(bench),
        count=sessions,
        unit="sessions",
        observed=f"1 removal and 1 backup; {sessions - 1} told there is nothing left to remove; "
        "0 raw exceptions",
    )


def _removed_with_edits(bench: Bench) -> tuple[int, IntegrationSettings, IntegrationSettings]:
    """Remove (backup of the configured settings), then edit the tabs: the backup's id, the
    edited settings and what a restore makes of them."""
    removal = bench.portal.removal.remove(actor=ADMIN)
    assert removal.backup is not None
    edited = edited_settings(bench.org)
    bench.portal.storage.repositories.settings.save(edited)
    restored = restore_from_backup(current=edited, backup=removal.backup.snapshot).settings
    return removal.backup.id, edited, restored


@pytest.mark.slow
def test_sessions_pressing_restore_at_once_restore_once_and_the_others_are_told(
    bench: Bench, figures: FigureBook
) -> None:
    sessions = sized(8, 48)
    backup_id, _, restored = _removed_with_edits(bench)
    portal = bench.portal

    answers = at_once(
        sessions,
        lambda n: portal.restore.restore(
            actor=ADMIN if n % 2 else SECOND_ADMIN, expected_backup_id=backup_id
        ),
    )

    assert portal.settings.current() == restored
    assert all(isinstance(a.value, RestoreResult) or a.refused for a in answers)
    effective = [
        e
        for e in audited(portal, AuditAction.RESTORE_SETTINGS)
        if e.outcome is AuditOutcome.SUCCEEDED and not e.detail.endswith(": 0 settings changed")
    ]
    assert len(effective) == 1, effective
    took_effect = [
        a for a in answers if isinstance(a.value, RestoreResult) and a.value.outcome.changes
    ]
    assert len(took_effect) == 1, [a.message for a in answers]
    figures.add(
        area="concurrency",
        name='sessions pressing "Restore" at the same moment',
        count=sessions,
        unit="sessions",
        observed=f"1 restore changed the settings; {sessions - 1} told they already are the "
        "restored ones; 0 raw exceptions",
    )


@pytest.mark.slow
@pytest.mark.parametrize("bench", ["duckdb", "postgresql"], indirect=True)
def test_remove_and_restore_pressed_at_once_never_mix(bench: Bench, figures: FigureBook) -> None:
    sessions = sized(8, 32)
    backup_id, edited, restored = _removed_with_edits(bench)
    portal = bench.portal
    assert integrate(portal=portal, config=bench.config, user=bench.org.integration_user).succeeded
    since = max(e.id or 0 for e in portal.audit.recent(limit=1))

    def press(n: int) -> object:
        if n % 2:
            return portal.removal.remove(actor=ADMIN)
        return portal.restore.restore(actor=SECOND_ADMIN, expected_backup_id=backup_id)

    answers = at_once(sessions, press)

    # Told why: the backup changed since the preview, or (after repeated write conflicts)
    # someone else changed the same data at the same moment.
    stale = [a for a in answers if a.refused]
    assert all(
        "backup changed" in a.message.lower() or "at the same moment" in a.message for a in stale
    ), [a.message for a in stale]
    removals = [a.value for a in answers if isinstance(a.value, RemovalResult)]
    new_backups = [r.backup for r in removals if r.backup is not None]
    assert len(new_backups) == 1
    succeeded = {
        e.action: e.id or 0
        for e in sorted(portal.audit.recent(limit=1000), key=lambda e: -(e.id or 0))
        if (e.id or 0) > since
        and e.outcome is AuditOutcome.SUCCEEDED
        and not e.detail.endswith(": 0 settings changed")
    }
    removed_at = succeeded[AuditAction.REMOVE_INTEGRATION]
    restored_at = succeeded.get(AuditAction.RESTORE_SETTINGS)
    restored_first = restored_at is not None and restored_at < removed_at
    # No restore after the removal (its backup is no longer the latest), and the new backup
    # holds the settings as they were when it was taken: restored or still edited.
    assert restored_at is None or restored_first
    expected = restored if restored_first else edited
    snapshot = new_backups[0].snapshot
    assert (snapshot.activity_history, snapshot.video_history, snapshot.assignee) == (
        expected.activity_history,
        expected.video_history,
        expected.assignee,
    )
    assert portal.settings.current() == expected
    figures.add(
        area="concurrency",
        name='sessions pressing "Remove integration" and "Restore" at the same moment'
        + _stored_in(bench),
        count=sessions,
        unit="sessions",
        observed="1 removal; restores either before it or told why "
        f"({len(stale)} told); the new backup equals the settings it was taken of",
    )


def _with_missing_field(settings: IntegrationSettings) -> IntegrationSettings:
    """A mapping onto a field the org does not have: every call is refused into the error log."""
    todo = settings.activity_history.todo
    mappings = {**todo.field_mappings.as_dict(), CallDataItem.TRANSCRIPT: "No_Such_Field__c"}
    return replace(
        settings,
        activity_history=replace(
            settings.activity_history,
            todo=replace(todo, field_mappings=FieldMappings.of(mappings)),
        ),
    )


@pytest.mark.slow
@pytest.mark.timeout(sized(300, 1800))
def test_many_sessions_read_the_error_log_while_a_sync_writes_it(
    bench: Bench, figures: FigureBook
) -> None:
    readers = sized(8, 32)
    calls = sized(400, 2000)
    portal = bench.portal
    portal.storage.repositories.settings.save(_with_missing_field(portal.settings.current()))
    _, data = calls_csv(prefix="errlog-", count=calls)
    imported = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data)
    assert imported.imported == calls
    done = threading.Event()
    reads = Counter[str]()
    problems: list[str] = []
    lock = threading.Lock()

    def read(n: int) -> None:
        seen = {"page total": 0, "counts": 0, "export rows": 0}
        rounds = 0
        while True:
            finished = done.is_set()
            rounds += 1
            # A page and the counts every round; the whole log as CSV every fifth (as people
            # download far less often than they look).
            exporting = finished or rounds % 5 == 1
            try:
                page = portal.error_tables.page(page=1 + n % 3, page_size=50)
                codes = portal.error_tables.counts_by_code()
                export = portal.error_tables.export(format=ExportFormat.CSV) if exporting else b""
            except BaseException as exc:  # a reader must never fail, however it fails
                with lock:
                    problems.append(f"reader {n}: {type(exc).__name__}: {exc}")
                return
            rows = list(csv.reader(io.StringIO(export.decode("utf-8-sig"))))
            now = {
                "page total": page.total,
                "counts": sum(c.count for c in codes),
                "export rows": len(rows) - 1 if exporting else seen["export rows"],
            }
            with lock:
                reads["reads"] += 3 if exporting else 2
                problems.extend(
                    f"reader {n}: {what} went {seen[what]} -> {value}"
                    for what, value in now.items()
                    if value < seen[what]
                )
                if len(page.entries) > page.page_size:
                    problems.append(f"reader {n}: a page of {len(page.entries)} entries")
            seen = now
            if finished:
                return

    threads = [threading.Thread(target=read, args=(n,)) for n in range(readers)]
    for thread in threads:
        thread.start()
    try:
        summary = portal.sync.sync_pending(actor=ADMIN)
    finally:
        done.set()
        for thread in threads:
            thread.join()

    assert not problems, problems
    assert summary.failed == calls and summary.written == 0, summary.message
    final = portal.error_tables.page(page=1, page_size=50)
    assert final.total == calls
    assert sum(c.count for c in portal.error_tables.counts_by_code()) == calls
    figures.add(
        area="concurrency",
        name="sessions reading the error log (page, counts, CSV export) while a sync writes it",
        count=readers,
        unit=f"sessions ({reads['reads']} reads, {calls} error rows written)",
        observed="0 failed reads, the log never seen shrinking",
    )
