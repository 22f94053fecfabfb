"""Shared pieces of the storage tests: the storage under test and sample values.

A plain module (imported by name) so both the fixtures and the tests can use it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from portal.adapters.clock import FixedClock
from portal.adapters.unit_of_work import RepositorySet
from portal.domain.backup import BackupSnapshot
from portal.domain.exports import CsvShape, ExportCancelled, ExportControl
from portal.domain.integration_errors import ErrorLogFilter
from portal.domain.ports import SyncStore, UnitOfWork
from portal.domain.settings import (
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    TaskStatus,
    UnmappedRule,
)

START = datetime(2025, 4, 1, 9, 0, tzinfo=UTC)


@dataclass
class Storage:
    """One storage implementation: repositories outside any unit of work, new units of work,
    and the sync store on the same state."""

    kind: str
    repos: RepositorySet
    new_uow: Callable[[], UnitOfWork]
    sync: SyncStore
    clock: FixedClock


def sample_settings(*, tag: str = "a", contact_off: bool = True) -> IntegrationSettings:
    base = IntegrationSettings.default()
    todo = replace(
        base.activity_history.todo,
        subject=f"[{tag}] {{direction}}",
        status=TaskStatus.OPEN,
        field_mappings=FieldMappings.of({CallDataItem.TRANSCRIPT: f"Transcript_{tag}__c"}),
    )
    return IntegrationSettings(
        basic=replace(base.basic, turn_off_contact_retrieval=contact_off),
        activity_history=replace(
            base.activity_history, enabled=True, timing=ActivityTiming.AFTER_CALL_START, todo=todo
        ),
        video_history=replace(base.video_history, enabled=True, subject=f"{tag}: {{title}}"),
        assignee=AssigneeSettings.from_mapping(
            user_mappings={"agent@miitel": f"agent.{tag}@corp.example.com"},
            default_owner_username=f"owner.{tag}@corp.example.com",
            unmapped_rule=UnmappedRule.DEFAULT_OWNER,
        ),
    )


def sample_backup(*, tag: str = "a", taken_at: datetime = START) -> BackupSnapshot:
    return BackupSnapshot.capture(
        settings=sample_settings(tag=tag),
        taken_at=taken_at,
        org_id="00D000000000001EAA",
        org_name=f"Org {tag}",
        username="admin@acme.example.com",
        instance_url="https://acme.my.salesforce.com",
    )


class _Exporter(Protocol):
    def export(
        self,
        target: Path,
        *,
        filter: ErrorLogFilter | None = ...,
        shape: CsvShape,
        control: ExportControl | None = ...,
    ) -> object: ...


def cancel_an_export_midway(repository: _Exporter, target: Path) -> None:
    """Export the whole log in a thread, cancel it once it has reported progress: it stops
    part way and leaves no file; the next export of the same repository runs to the end."""
    control = ExportControl()
    outcome: list[BaseException | None] = []

    def export() -> None:
        try:
            repository.export(target, shape=CsvShape(), control=control)
            outcome.append(None)
        except BaseException as problem:
            outcome.append(problem)

    worker = threading.Thread(target=export)
    worker.start()
    seen = 0.0
    deadline = time.monotonic() + 30
    while seen == 0.0 and worker.is_alive() and time.monotonic() < deadline:
        seen = control.progress()
        time.sleep(0.005)
    control.cancel()
    worker.join(30)

    assert 0.0 < seen < 1.0
    assert len(outcome) == 1 and isinstance(outcome[0], ExportCancelled)
    assert not target.exists()
    # The connection is usable again: the next export runs to the end.
    repository.export(target, filter=ErrorLogFilter(text="message 42"), shape=CsvShape())
    assert target.exists()
