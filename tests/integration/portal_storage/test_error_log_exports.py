"""The error log's downloads as DuckDB writes them (``COPY ... TO``), the same from the DuckDB
file and the in-memory fake: a cell a spreadsheet would run as a formula is neutralised, the
CSV has the person's headers and times, Parquet the stored values."""

from __future__ import annotations

import csv
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from portal_storage_support import START, Storage, cancel_an_export_midway

from portal.adapters.db import Database
from portal.adapters.duckdb_logs import DuckDbIntegrationErrorRepository
from portal.domain.exports import EXPORT_COLUMNS, CsvShape, ExportCancelled, ExportControl
from portal.domain.integration_errors import (
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)

# OWASP's CSV injection list: a cell starting with = + - @ TAB or CR.
DANGEROUS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd")


def _append(storage: Storage, message: str, *, minutes: int = 0, **changes: object) -> None:
    values: dict[str, object] = {
        "occurred_at": START + timedelta(minutes=minutes),
        "source": ErrorSource.ACTIVITY,
        "miitel_record_id": "call-1",
        "sobject": "Task",
        "operation": SyncOperation.CREATE,
        "status_code": "INVALID_FIELD",
        "message": message,
        "fields": ("Subject", "Memo__c"),
    }
    values.update(changes)
    storage.repos.integration_errors.append(IntegrationErrorEntry(**values))  # type: ignore[arg-type]


def _csv(path: Path) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "no byte order mark"
    with path.open(encoding="utf-8-sig", newline="") as file:
        return list(csv.reader(file))


def test_formulas_become_text_and_other_values_stay_as_they_are(
    storage: Storage, tmp_path: Path
) -> None:
    for n, message in enumerate(DANGEROUS):
        _append(storage, message, minutes=n)
    _append(storage, "a=b is fine", minutes=50, miitel_record_id="=cmd|' /C calc'!A0")
    target = tmp_path / "errors.csv"

    storage.repos.integration_errors.export(target, shape=CsvShape())

    header, *rows = _csv(target)
    assert header == list(EXPORT_COLUMNS)
    messages = [row[header.index("message")] for row in rows]
    assert messages == ["a=b is fine", *["'" + m for m in reversed(DANGEROUS)]]
    assert rows[0][header.index("miitel_record_id")] == "'=cmd|' /C calc'!A0"
    assert rows[0][header.index("fields")] == "Subject;Memo__c"


def test_the_csv_has_the_persons_headers_labels_and_times(storage: Storage, tmp_path: Path) -> None:
    _append(storage, "late", minutes=5 * 60 + 30, status_code="LATE")  # 23:30 in Tokyo
    _append(storage, "other", status_code="OTHER", source=ErrorSource.VIDEO)
    headers = {column: f"見出し{n}" for n, column in enumerate(EXPORT_COLUMNS)}
    shape = CsvShape(
        headers=headers,
        zone=ZoneInfo("Asia/Tokyo"),
        source_labels={"activity": "活動履歴連携", "video": "ビデオ"},
    )
    target = tmp_path / "errors.csv"

    storage.repos.integration_errors.export(
        target, filter=ErrorLogFilter(status_code="LATE"), shape=shape
    )

    header, *rows = _csv(target)
    assert header == list(headers.values())
    assert len(rows) == 1
    assert rows[0][0] == "2025-04-01 23:30:00+09:00"
    assert rows[0][1] == "活動履歴連携"


@pytest.mark.parametrize(
    ("zone", "shown"),
    [
        ("America/New_York", "2025-04-01 05:00:00-04:00"),
        ("Asia/Kathmandu", "2025-04-01 14:45:00+05:45"),
    ],
)
def test_times_carry_the_zones_offset(
    storage: Storage, tmp_path: Path, zone: str, shown: str
) -> None:
    _append(storage, "x")
    target = tmp_path / "errors.csv"
    storage.repos.integration_errors.export(target, shape=CsvShape(zone=ZoneInfo(zone)))
    assert _csv(target)[1][0] == shown


def test_parquet_keeps_machine_names_utc_instants_and_raw_values(
    storage: Storage, tmp_path: Path
) -> None:
    _append(storage, "=1+1")
    target = tmp_path / "errors.parquet"

    storage.repos.integration_errors.export(target, parquet=True)

    frame = pd.read_parquet(target)
    assert list(frame.columns) == list(EXPORT_COLUMNS)
    assert frame["occurred_at"].iloc[0] == pd.Timestamp(START)
    assert frame["message"].iloc[0] == "=1+1"


def test_a_large_export_reports_progress_and_can_be_cancelled(tmp_path: Path) -> None:
    with Database(path=tmp_path / "portal.duckdb") as database:
        database.execute(
            """INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,
                   operation, status_code, message, fields, org_id)
               SELECT TIMESTAMP '2026-01-01' + to_seconds((hash(i) % 7776000)::BIGINT),
                      'activity', 'call-' || i, 'Task', 'create', 'X', 'message ' || i,
                      ['Subject'], NULL
               FROM range(3000000) AS t(i) ORDER BY hash(i, 2)"""
        )
        repository = DuckDbIntegrationErrorRepository(database)
        cancel_an_export_midway(repository, tmp_path / "errors.csv")


def test_an_export_cancelled_before_it_starts_writes_nothing(
    storage: Storage, tmp_path: Path
) -> None:
    _append(storage, "x")
    control = ExportControl()
    control.cancel()
    target = tmp_path / "errors.csv"
    with pytest.raises(ExportCancelled):
        storage.repos.integration_errors.export(target, control=control)
    assert not target.exists()
