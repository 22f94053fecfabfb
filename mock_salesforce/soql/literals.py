"""SOQL literals: quoted strings with Salesforce's escapes, date/datetime literals, and the
relative date tokens (``TODAY``, ``LAST_N_DAYS:n``...) as half-open UTC day ranges."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

#: Escapes valid anywhere in a quoted string (Salesforce accepts either case of the letter).
_ESCAPES = {
    "n": "\n",
    "N": "\n",
    "t": "\t",
    "T": "\t",
    "r": "\r",
    "R": "\r",
    "b": "\b",
    "B": "\b",
    "f": "\f",
    "F": "\f",
    '"': '"',
    "'": "'",
    "\\": "\\",
}


class LiteralError(ValueError):
    """A literal Salesforce would reject; the message is Salesforce's wording."""


def unescape(quoted: str) -> tuple[str, str]:
    """The value of a quoted literal and the same literal as a LIKE pattern (escape ``\\``).

    ``\\_`` and ``\\%`` only mean something in LIKE: elsewhere they stay as written.
    """
    body = quoted[1:-1]
    value: list[str] = []
    pattern: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            value.append(ch)
            pattern.append(ch)
            i += 1
            continue
        nxt = body[i + 1] if i + 1 < len(body) else ""
        if nxt in ("_", "%"):
            value.append("\\" + nxt)
            pattern.append("\\" + nxt)
        elif nxt and nxt in _ESCAPES:
            plain = _ESCAPES[nxt]
            value.append(plain)
            pattern.append("\\\\" if plain == "\\" else plain)
        else:
            raise LiteralError(
                f"Invalid string literal '{body}'. Illegal character sequence '\\{nxt}' in "
                "string literal."
            )
        i += 2
    return "".join(value), "".join(pattern)


def parse_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise LiteralError(f"invalid date: {text}") from exc


def parse_datetime(text: str) -> datetime:
    """A datetime literal (``Z`` or ``+hh:mm``/``-hh:mm`` offset) as naive UTC."""
    normalized = text[:-1] + "+00:00" if text[-1] in "zZ" else text
    try:
        moment = datetime.fromisoformat(normalized.replace("t", "T"))
        return moment.astimezone(UTC).replace(tzinfo=None)
    except (ValueError, OverflowError) as exc:
        raise LiteralError(f"invalid datetime: {text}") from exc


# -- relative date tokens -------------------------------------------------------------------
def _week_start(day: date) -> date:
    # Salesforce's default locales (en_US, ja_JP) start the week on Sunday.
    return day - timedelta(days=(day.weekday() + 1) % 7)


def _month_start(day: date, months: int = 0) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _quarter_start(day: date, quarters: int = 0) -> date:
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return _month_start(first, 3 * quarters)


def _year_start(day: date, years: int = 0) -> date:
    return date(day.year + years, 1, 1)


Range = tuple[date, date]

_FIXED: dict[str, Callable[[date], Range]] = {
    "TODAY": lambda d: (d, d + timedelta(days=1)),
    "YESTERDAY": lambda d: (d - timedelta(days=1), d),
    "TOMORROW": lambda d: (d + timedelta(days=1), d + timedelta(days=2)),
    "LAST_WEEK": lambda d: (_week_start(d) - timedelta(days=7), _week_start(d)),
    "THIS_WEEK": lambda d: (_week_start(d), _week_start(d) + timedelta(days=7)),
    "NEXT_WEEK": lambda d: (
        _week_start(d) + timedelta(days=7),
        _week_start(d) + timedelta(days=14),
    ),
    "LAST_MONTH": lambda d: (_month_start(d, -1), _month_start(d)),
    "THIS_MONTH": lambda d: (_month_start(d), _month_start(d, 1)),
    "NEXT_MONTH": lambda d: (_month_start(d, 1), _month_start(d, 2)),
    "LAST_90_DAYS": lambda d: (d - timedelta(days=90), d + timedelta(days=1)),
    "NEXT_90_DAYS": lambda d: (d + timedelta(days=1), d + timedelta(days=91)),
    "LAST_QUARTER": lambda d: (_quarter_start(d, -1), _quarter_start(d)),
    "THIS_QUARTER": lambda d: (_quarter_start(d), _quarter_start(d, 1)),
    "NEXT_QUARTER": lambda d: (_quarter_start(d, 1), _quarter_start(d, 2)),
    "LAST_YEAR": lambda d: (_year_start(d, -1), _year_start(d)),
    "THIS_YEAR": lambda d: (_year_start(d), _year_start(d, 1)),
    "NEXT_YEAR": lambda d: (_year_start(d, 1), _year_start(d, 2)),
}

_WITH_N: dict[str, Callable[[date, int], Range]] = {
    # "Starts with the current day and continues for the past n days" (today included).
    "LAST_N_DAYS": lambda d, n: (d - timedelta(days=n), d + timedelta(days=1)),
    "NEXT_N_DAYS": lambda d, n: (d + timedelta(days=1), d + timedelta(days=n + 1)),
    "N_DAYS_AGO": lambda d, n: (d - timedelta(days=n), d - timedelta(days=n - 1)),
    "LAST_N_WEEKS": lambda d, n: (_week_start(d) - timedelta(days=7 * n), _week_start(d)),
    "NEXT_N_WEEKS": lambda d, n: (
        _week_start(d) + timedelta(days=7),
        _week_start(d) + timedelta(days=7 * (n + 1)),
    ),
    "N_WEEKS_AGO": lambda d, n: (
        _week_start(d) - timedelta(days=7 * n),
        _week_start(d) - timedelta(days=7 * (n - 1)),
    ),
    "LAST_N_MONTHS": lambda d, n: (_month_start(d, -n), _month_start(d)),
    "NEXT_N_MONTHS": lambda d, n: (_month_start(d, 1), _month_start(d, n + 1)),
    "N_MONTHS_AGO": lambda d, n: (_month_start(d, -n), _month_start(d, -n + 1)),
    "LAST_N_QUARTERS": lambda d, n: (_quarter_start(d, -n), _quarter_start(d)),
    "NEXT_N_QUARTERS": lambda d, n: (_quarter_start(d, 1), _quarter_start(d, n + 1)),
    "N_QUARTERS_AGO": lambda d, n: (_quarter_start(d, -n), _quarter_start(d, -n + 1)),
    "LAST_N_YEARS": lambda d, n: (_year_start(d, -n), _year_start(d)),
    "NEXT_N_YEARS": lambda d, n: (_year_start(d, 1), _year_start(d, n + 1)),
    "N_YEARS_AGO": lambda d, n: (_year_start(d, -n), _year_start(d, -n + 1)),
}

DATE_TOKENS = frozenset(_FIXED)
DATE_TOKENS_WITH_N = frozenset(_WITH_N)


def is_date_token(name: str, has_n: bool) -> bool:
    return name.upper() in (DATE_TOKENS_WITH_N if has_n else DATE_TOKENS)


def date_token_range(name: str, n: int | None, *, today: date) -> Range:
    """The half-open range ``[start, end)`` of days a date token covers, relative to ``today``."""
    key = name.upper()
    try:
        if n is None:
            return _FIXED[key](today)
        return _WITH_N[key](today, n)
    except (OverflowError, ValueError) as exc:
        raise LiteralError(f"Invalid date literal '{name}:{n}': out of range") from exc
