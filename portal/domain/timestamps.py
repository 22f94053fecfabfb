"""Timestamps in the domain are timezone-aware; this is the one check for it."""

from __future__ import annotations

from datetime import UTC, datetime


def require_aware(value: datetime, *, name: str) -> datetime:
    """Return ``value`` converted to UTC; a naive datetime is a programming error."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)
