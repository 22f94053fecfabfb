"""Days as a person counts them: midnights of their time zone, stored times in UTC.

A day picked in Tokyo runs from 00:00 JST (15:00 UTC the day before) to the next 00:00 JST; the
error log's date filter and its "errors by day" chart both count days this way.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo

from portal.domain.integration_errors import DayCount


def midnight(day: date, zone: tzinfo) -> datetime:
    """The start of ``day`` in ``zone``, in UTC."""
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


def day_range(first: date, last: date, zone: tzinfo) -> tuple[datetime, datetime]:
    """The UTC instants ``[since, until)`` covering the days ``first`` to ``last`` (inclusive)
    of ``zone``."""
    if last < first:
        first, last = last, first
    return midnight(first, zone), midnight(last + timedelta(days=1), zone)


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The day of ``zone`` that ``moment`` (aware) falls on."""
    return moment.astimezone(zone).date()


def midnights_within(start: datetime, end: datetime, zone: tzinfo) -> list[datetime]:
    """The midnights of ``zone`` strictly between ``start`` and ``end`` (UTC, sorted)."""
    found: list[datetime] = []
    day = local_day(start, zone) + timedelta(days=1)
    while (at := midnight(day, zone)) < end:
        if at > start:
            found.append(at)
        day += timedelta(days=1)
    return found


def every_day(counts: Mapping[date, int], *, first: date, last: date) -> list[DayCount]:
    """One count per day from ``first`` to ``last``, oldest first; a day without errors is 0."""
    days = (last - first).days + 1
    return [
        DayCount(day=first + timedelta(days=n), count=counts.get(first + timedelta(days=n), 0))
        for n in range(max(days, 0))
    ]
