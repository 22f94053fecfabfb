"""What the error log's seek paging needs from storage, the same from the DuckDB file and the
in-memory fake: rows without a count, counts per time bucket, and the high-water mark."""

from __future__ import annotations

from datetime import datetime, timedelta

from portal_storage_support import START, Storage

from portal.domain.integration_errors import (
    BUCKET,
    BucketCount,
    ErrorLogFilter,
    ErrorSource,
    HighWaterMark,
    IntegrationErrorEntry,
    SyncOperation,
)


def _error(at: datetime, code: str = "INVALID_FIELD") -> IntegrationErrorEntry:
    return IntegrationErrorEntry(
        occurred_at=at,
        source=ErrorSource.ACTIVITY,
        miitel_record_id="call-1",
        sobject="Task",
        operation=SyncOperation.CREATE,
        status_code=code,
        message="failed",
    )


def test_entries_are_newest_first_and_ties_go_to_the_higher_id(storage: Storage) -> None:
    log = storage.repos.integration_errors
    late = log.append(_error(START + timedelta(minutes=5)))
    tie_a = log.append(_error(START))
    tie_b = log.append(_error(START))

    assert log.entries(limit=3) == (late, tie_b, tie_a)
    assert log.entries(limit=1, offset=2) == (tie_a,)
    assert log.entries(filter=ErrorLogFilter(until=START + timedelta(minutes=1))) == (
        tie_b,
        tie_a,
    )


def test_counts_per_time_bucket_are_aligned_on_the_epoch(storage: Storage) -> None:
    log = storage.repos.integration_errors
    log.append(_error(START + timedelta(minutes=14, seconds=59)))
    log.append(_error(START))
    log.append(_error(START + BUCKET))
    log.append(_error(START + 3 * BUCKET, code="OTHER"))

    assert log.counts_by_bucket() == [
        BucketCount(start=START, count=2),
        BucketCount(start=START + BUCKET, count=1),
        BucketCount(start=START + 3 * BUCKET, count=1),
    ]
    assert log.counts_by_bucket(filter=ErrorLogFilter(status_code="OTHER")) == [
        BucketCount(start=START + 3 * BUCKET, count=1)
    ]
    assert all(b.start.tzinfo is not None for b in log.counts_by_bucket())


def test_the_high_water_mark_moves_with_every_append(storage: Storage) -> None:
    log = storage.repos.integration_errors
    assert log.high_water_mark() == HighWaterMark(rows=0, last_id=0)
    first = log.append(_error(START))
    second = log.append(_error(START - timedelta(days=1)))

    mark = log.high_water_mark()
    assert mark.rows == 2
    assert mark.last_id == max(first.id or 0, second.id or 0)
