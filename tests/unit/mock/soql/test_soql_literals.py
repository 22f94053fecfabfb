"""Literals on their own: string escapes, datetime offsets, and the exact day ranges of the
relative date tokens (weeks start on Sunday, as in Salesforce's default locales)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from mock_salesforce.soql.literals import (
    LiteralError,
    date_token_range,
    parse_datetime,
    unescape,
)

WEDNESDAY = date(2024, 1, 31)


@pytest.mark.parametrize(
    ("quoted", "value", "pattern"),
    [
        ("'plain'", "plain", "plain"),
        ("'O\\'Brien'", "O'Brien", "O'Brien"),
        ("'say \\\"hi\\\"'", 'say "hi"', 'say "hi"'),
        ("'a\\\\b'", "a\\b", "a\\\\b"),
        ("'tab\\there'", "tab\there", "tab\there"),
        ("'\\n\\r\\b\\f'", "\n\r\b\f", "\n\r\b\f"),
        ("'50\\%'", "50\\%", "50\\%"),
        ("'a\\_b%'", "a\\_b%", "a\\_b%"),
    ],
)
def test_unescape(quoted: str, value: str, pattern: str) -> None:
    assert unescape(quoted) == (value, pattern)


def test_unknown_escape_is_refused() -> None:
    with pytest.raises(LiteralError, match="Illegal character sequence '\\\\x'"):
        unescape("'\\x41'")


def test_datetime_offsets_become_naive_utc() -> None:
    assert parse_datetime("2024-01-31T09:00:00Z") == datetime(2024, 1, 31, 9)
    assert parse_datetime("2024-01-31T09:00:00+09:00") == datetime(2024, 1, 31, 0)
    assert parse_datetime("2024-01-31T09:00:00-08:00") == datetime(2024, 1, 31, 17)
    assert parse_datetime("2024-01-31T09:00:00.250Z") == datetime(2024, 1, 31, 9, 0, 0, 250000)
    with pytest.raises(LiteralError):
        parse_datetime("2024-13-31T09:00:00Z")


@pytest.mark.parametrize(
    ("token", "n", "start", "end"),
    [
        ("TODAY", None, date(2024, 1, 31), date(2024, 2, 1)),
        ("YESTERDAY", None, date(2024, 1, 30), date(2024, 1, 31)),
        ("TOMORROW", None, date(2024, 2, 1), date(2024, 2, 2)),
        ("LAST_WEEK", None, date(2024, 1, 21), date(2024, 1, 28)),
        ("THIS_WEEK", None, date(2024, 1, 28), date(2024, 2, 4)),
        ("NEXT_WEEK", None, date(2024, 2, 4), date(2024, 2, 11)),
        ("LAST_MONTH", None, date(2023, 12, 1), date(2024, 1, 1)),
        ("THIS_MONTH", None, date(2024, 1, 1), date(2024, 2, 1)),
        ("NEXT_MONTH", None, date(2024, 2, 1), date(2024, 3, 1)),
        ("LAST_90_DAYS", None, date(2023, 11, 2), date(2024, 2, 1)),
        ("NEXT_90_DAYS", None, date(2024, 2, 1), date(2024, 5, 1)),
        ("THIS_QUARTER", None, date(2024, 1, 1), date(2024, 4, 1)),
        ("LAST_QUARTER", None, date(2023, 10, 1), date(2024, 1, 1)),
        ("THIS_YEAR", None, date(2024, 1, 1), date(2025, 1, 1)),
        ("LAST_YEAR", None, date(2023, 1, 1), date(2024, 1, 1)),
        ("NEXT_YEAR", None, date(2025, 1, 1), date(2026, 1, 1)),
        ("LAST_N_DAYS", 7, date(2024, 1, 24), date(2024, 2, 1)),
        ("NEXT_N_DAYS", 3, date(2024, 2, 1), date(2024, 2, 4)),
        ("N_DAYS_AGO", 2, date(2024, 1, 29), date(2024, 1, 30)),
        ("LAST_N_MONTHS", 2, date(2023, 11, 1), date(2024, 1, 1)),
        ("NEXT_N_WEEKS", 1, date(2024, 2, 4), date(2024, 2, 11)),
        ("N_YEARS_AGO", 1, date(2023, 1, 1), date(2024, 1, 1)),
    ],
)
def test_date_token_ranges(token: str, n: int | None, start: date, end: date) -> None:
    assert date_token_range(token, n, today=WEDNESDAY) == (start, end)


def test_a_sunday_starts_its_own_week() -> None:
    assert date_token_range("THIS_WEEK", None, today=date(2024, 2, 4)) == (
        date(2024, 2, 4),
        date(2024, 2, 11),
    )


def test_out_of_range_tokens_are_refused() -> None:
    with pytest.raises(LiteralError):
        date_token_range("LAST_N_DAYS", 10**9, today=WEDNESDAY)
