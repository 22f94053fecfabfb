"""Where "now" comes from (:class:`~portal.domain.clock.Clock`): the system clock in the app,
a fixed one in tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from portal.domain.timestamps import require_aware


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """The machine's clock moved by an offset that can grow: a process "restarted later"."""

    def __init__(self, offset: timedelta = timedelta(0)) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return datetime.now(UTC) + self._offset

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        with self._lock:
            self._offset += delta
        return self.now()


class FixedClock:
    """A clock that only moves when told to; safe to share between threads."""

    def __init__(self, at: datetime) -> None:
        self._at = require_aware(at, name="at")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def advance(self, delta: timedelta) -> datetime:
        """Move forward by ``delta``; returns the new time."""
        with self._lock:
            self._at += delta
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = require_aware(at, name="at")
