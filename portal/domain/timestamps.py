"""Timestamps in the domain are timezone-aware; this is the one check for it."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any


def require_aware(value: datetime, *, name: str) -> datetime:
    """Return ``value`` converted to UTC; a naive datetime is a programming error."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)


def parse_datetime(value: Any) -> datetime | None:
    """A Salesforce datetime (``2024-05-01T12:34:56.000+0000``) as an aware datetime."""
    if not value:
        return None
    text = str(value)
    for fmt in ("%Y-%m-%dT%H:%M:%S.%f%z", "%Y-%m-%dT%H:%M:%S%z"):
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
