"""Step 10's error tables, the backup history, and the history and audit views."""

from __future__ import annotations

import io
from datetime import timedelta

import pandas as pd
import pytest
from service_fakes import ADMIN, START, World, sample_settings

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.integration_errors import (
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.restore import NOT_MAPPED
from portal.domain.settings import SettingsArea
from portal.domain.steps import StepStatus
from portal.services.error_tables import ExportFormat
from portal.services.errors import BackupNotFound


def _error(world: World, *, days_ago: float, code: str, message: str = "failed") -> None:
    world.storage.repositories.integration_errors.append(
        IntegrationErrorEntry(
            occurred_at=world.clock.now() - timedelta(days=days_ago),
            source=ErrorSource.ACTIVITY,
            miitel_record_id=f"call-{days_ago}",
            sobject="Task",
            operation=SyncOperation.CREATE,
            status_code=code,
            message=message,
            fields=("Subject",),
        )
    )


def test_pages_are_numbered_from_one_newest_first(world: World) -> None:
    for n in range(7):
        _error(world, days_ago=n + 1, code="INVALID_FIELD")

    first = world.portal.error_tables.page(page=1, page_size=3)
    last = world.portal.error_tables.page(page=3, page_size=3)
    beyond = world.portal.error_tables.page(page=4, page_size=3)

    assert first.total == 7 and first.page_count == 3
    assert [e.miitel_record_id for e in first.entries] == ["call-1", "call-2", "call-3"]
    assert len(last.entries) == 1
    assert beyond.entries == ()
    with pytest.raises(ValueError):
        world.portal.error_tables.page(page=0)


def test_counts_by_code_and_day_follow_the_filter(world: World) -> None:
    _error(world, days_ago=1, code="A")
    _error(world, days_ago=1.1, code="A")
    _error(world, days_ago=3, code="B", message="Deleted entity")

    codes = world.portal.error_tables.counts_by_code()
    assert [(c.status_code, c.count) for c in codes] == [("A", 2), ("B", 1)]
    days = world.portal.error_tables.counts_by_day(filters=ErrorLogFilter(status_code="A"))
    assert sum(d.count for d in days) == 2
    found = world.portal.error_tables.page(filters=ErrorLogFilter(text="deleted"))
    assert [e.status_code for e in found.entries] == ["B"]


def test_the_object_filter_offers_the_objects_in_the_log(world: World) -> None:
    assert world.portal.error_tables.objects() == []
    _error(world, days_ago=1, code="A")
    world.storage.repositories.integration_errors.append(
        IntegrationErrorEntry(
            occurred_at=world.clock.now(),
            source=ErrorSource.VIDEO,
            miitel_record_id="meeting-1",
            sobject="Event",
            operation=SyncOperation.CREATE,
            status_code="B",
            message="failed",
        )
    )

    assert world.portal.error_tables.objects() == ["Event", "Task"]
    assert world.portal.error_tables.objects(filters=ErrorLogFilter(status_code="A")) == ["Task"]


def test_new_codes_are_those_first_seen_since_the_integration(world: World) -> None:
    _error(world, days_ago=10, code="OLD")
    world.clock.advance(timedelta(days=-2))
    world.integrate()
    world.clock.advance(timedelta(days=2))
    _error(world, days_ago=1, code="OLD")
    _error(world, days_ago=0.5, code="BRAND_NEW")

    new = world.portal.error_tables.new_codes_since_integration()

    assert new.codes == ("BRAND_NEW",)
    status = world.portal.error_tables.status()
    assert status.status is StepStatus.ACTION_NEEDED and "contact Support" in status.message


def test_no_integration_no_new_codes(world: World) -> None:
    _error(world, days_ago=1, code="A")
    assert world.portal.error_tables.new_codes_since_integration().codes == ()
    assert world.portal.error_tables.status().status is StepStatus.OK


@pytest.mark.parametrize("format", list(ExportFormat))
def test_export_holds_every_matching_row(world: World, format: ExportFormat) -> None:
    for n in range(1203):
        _error(
            world, days_ago=n / 1000 + 0.001, code="A" if n % 3 else "B", message="件名が長すぎます"
        )

    data = world.portal.error_tables.export(filters=ErrorLogFilter(status_code="A"), format=format)

    if format is ExportFormat.CSV:
        assert data.startswith(b"\xef\xbb\xbf")
        frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")
    else:
        frame = pd.read_parquet(io.BytesIO(data))
    assert len(frame) == 802
    assert set(frame["status_code"]) == {"A"}
    assert frame["message"].iloc[0] == "件名が長すぎます"


def test_backup_history_diff_and_json(world: World) -> None:
    world.storage.repositories.settings.save(sample_settings(flavour="a"))
    world.integrate()
    older = world.portal.removal.remove(actor=ADMIN).backup
    world.storage.repositories.settings.save(sample_settings(flavour="b", video_enabled=False))
    world.integrate()
    newer = world.portal.removal.remove(actor=ADMIN).backup
    assert older is not None and newer is not None

    changes = world.portal.backups.diff(older_id=older.id, newer_id=newer.id)

    assert {c.area for c in changes} == {
        SettingsArea.ACTIVITY_HISTORY,
        SettingsArea.VIDEO_HISTORY,
        SettingsArea.ASSIGNEE,
    }
    by_key = {(c.area, c.setting): c for c in changes}
    enabled = by_key[(SettingsArea.VIDEO_HISTORY, "enabled")]
    assert (enabled.before, enabled.after) == ("Enabled", "Disabled")
    agent_a = by_key[(SettingsArea.ASSIGNEE, "user_mappings.agent-a@miitel.example")]
    assert agent_a.after == NOT_MAPPED
    text = world.portal.backups.as_json(backup_id=older.id).decode()
    assert '"format": "miitel-salesforce-settings-backup"' in text
    assert "Call a {direction}" in text
    with pytest.raises(BackupNotFound):
        world.portal.backups.get(backup_id=999)


def test_history_and_audit_are_newest_first(world: World) -> None:
    world.integrate()
    world.clock.advance(timedelta(minutes=1))
    world.portal.removal.remove(actor=ADMIN)
    assert [e.event.value for e in world.portal.history.recent()] == ["removed", "integrated"]
    assert world.portal.audit.recent(actor="alice")[0].occurred_at == START + timedelta(minutes=1)
    assert world.portal.audit.recent(actor="nobody") == []


def test_an_unexpected_error_is_audited_by_type_and_reference_only(world: World) -> None:
    reference = world.portal.audit.record_unexpected(
        actor=None, where="save video history", error=KeyError("access-token-123")
    )

    [entry] = world.portal.audit.recent()
    assert entry.action is AuditAction.UNEXPECTED_ERROR
    assert entry.outcome is AuditOutcome.FAILED
    assert entry.actor == "(not logged in)"
    assert entry.detail == f"KeyError in save video history (reference {reference})"
    assert "access-token-123" not in entry.detail
