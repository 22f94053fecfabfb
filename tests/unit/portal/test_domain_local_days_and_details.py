"""Days of a person's zone, and the detail lines of the logs recognised as messages."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from portal.domain.integration_errors import DayCount
from portal.domain.local_days import day_range, every_day, midnights_within
from portal.domain.log_details import TEMPLATES, recognise
from portal.domain.text import Text

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")


def test_a_tokyo_day_runs_from_15_utc_the_day_before() -> None:
    since, until = day_range(date(2026, 4, 1), date(2026, 4, 1), TOKYO)

    assert since == datetime(2026, 3, 31, 15, 0, tzinfo=UTC)
    assert until == datetime(2026, 4, 1, 15, 0, tzinfo=UTC)
    assert day_range(date(2026, 4, 3), date(2026, 4, 1), TOKYO)[1] == datetime(
        2026, 4, 3, 15, 0, tzinfo=UTC
    )


def test_midnights_follow_daylight_saving_time() -> None:
    # New York moves to EDT on 2026-03-08: midnight is 05:00 UTC before, 04:00 UTC after.
    start = datetime(2026, 3, 7, 0, 0, tzinfo=UTC)
    end = datetime(2026, 3, 10, 0, 0, tzinfo=UTC)

    assert midnights_within(start, end, NEW_YORK) == [
        datetime(2026, 3, 7, 5, 0, tzinfo=UTC),
        datetime(2026, 3, 8, 5, 0, tzinfo=UTC),
        datetime(2026, 3, 9, 4, 0, tzinfo=UTC),
    ]
    assert midnights_within(start, end, UTC) == [
        datetime(2026, 3, 8, tzinfo=UTC),
        datetime(2026, 3, 9, tzinfo=UTC),
    ]


def test_every_day_fills_the_quiet_days() -> None:
    counts = {date(2026, 4, 1): 2, date(2026, 4, 4): 1}

    assert every_day(counts, first=date(2026, 4, 1), last=date(2026, 4, 4)) == [
        DayCount(date(2026, 4, 1), 2),
        DayCount(date(2026, 4, 2), 0),
        DayCount(date(2026, 4, 3), 0),
        DayCount(date(2026, 4, 4), 1),
    ]


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_detail_line_is_recognised_with_its_data(template: str) -> None:
    names = re.findall(r"\{(\w+)\}", template)
    values = {name: f"value-of-{name}" for name in names}
    line = template.format(**values)

    found = recognise(line)

    assert isinstance(found, Text) and found.msgid == template
    assert str(found) == line
    assert {k: str(v) for k, v in found.params.items()} == values


def test_a_nested_detail_and_an_unknown_line() -> None:
    nested = recognise("Integrate failed (wrong org).")
    assert isinstance(nested, Text)
    assert isinstance(nested.params["detail"], Text)
    assert nested.params["detail"].msgid == "wrong org"
    assert recognise("INVALID_SESSION_ID") == "INVALID_SESSION_ID"
    assert not isinstance(recognise("something else"), Text)
