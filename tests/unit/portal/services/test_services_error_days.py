"""The error log's days as a person counts them: days of their zone, every day of the span
(0 when nothing failed), and step 10's messages as translatable messages."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from service_fakes import World

from portal.domain.integration_errors import (
    DayCount,
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.local_days import day_range
from portal.domain.text import Text

TOKYO = ZoneInfo("Asia/Tokyo")


def _error_at(world: World, at: datetime, code: str = "A") -> None:
    world.storage.repositories.integration_errors.append(
        IntegrationErrorEntry(
            occurred_at=at,
            source=ErrorSource.ACTIVITY,
            miitel_record_id=f"call-{at:%d%H%M}",
            sobject="Task",
            operation=SyncOperation.CREATE,
            status_code=code,
            message="failed",
        )
    )


def test_days_are_the_persons_days_and_days_without_errors_count_zero(world: World) -> None:
    # 14:30 UTC on April 1st is 23:30 in Tokyo; 15:30 UTC is already April 2nd there.
    _error_at(world, datetime(2026, 4, 1, 14, 30, tzinfo=UTC))
    _error_at(world, datetime(2026, 4, 1, 15, 30, tzinfo=UTC))
    _error_at(world, datetime(2026, 4, 4, 23, 0, tzinfo=UTC))

    in_tokyo = world.portal.error_tables.counts_by_day(zone=TOKYO)
    in_utc = world.portal.error_tables.counts_by_day()

    assert in_tokyo == [
        DayCount(date(2026, 4, 1), 1),
        DayCount(date(2026, 4, 2), 1),
        DayCount(date(2026, 4, 3), 0),
        DayCount(date(2026, 4, 4), 0),
        DayCount(date(2026, 4, 5), 1),
    ]
    assert in_utc == [
        DayCount(date(2026, 4, 1), 2),
        DayCount(date(2026, 4, 2), 0),
        DayCount(date(2026, 4, 3), 0),
        DayCount(date(2026, 4, 4), 1),
    ]


def test_a_picked_range_is_charted_whole_even_its_quiet_ends(world: World) -> None:
    _error_at(world, datetime(2026, 4, 2, 3, 0, tzinfo=UTC))
    _error_at(world, datetime(2026, 4, 9, 3, 0, tzinfo=UTC))  # outside the range
    since, until = day_range(date(2026, 3, 31), date(2026, 4, 3), TOKYO)

    days = world.portal.error_tables.counts_by_day(
        filters=ErrorLogFilter(since=since, until=until), zone=TOKYO
    )

    assert [(d.day.day, d.count) for d in days] == [(31, 0), (1, 0), (2, 1), (3, 0)]


def test_day_counts_follow_the_other_filters(world: World) -> None:
    _error_at(world, datetime(2026, 4, 1, 14, 30, tzinfo=UTC), code="A")
    _error_at(world, datetime(2026, 4, 1, 15, 30, tzinfo=UTC), code="B")

    days = world.portal.error_tables.counts_by_day(
        filters=ErrorLogFilter(status_code="B"), zone=TOKYO
    )

    assert days == [DayCount(date(2026, 4, 2), 1)]


def test_no_errors_no_days(world: World) -> None:
    assert world.portal.error_tables.counts_by_day(zone=TOKYO) == []


def test_step_ten_says_its_findings_as_messages(world: World) -> None:
    world.integrate()
    _error_at(world, world.clock.now(), code="BRAND_NEW")

    result = world.portal.error_tables.status()

    assert isinstance(result.message, Text)
    assert result.message.params["codes"] == "BRAND_NEW"
    assert isinstance(result.message.params["since"], datetime)
    assert "Please contact Support." in result.message
