"""Where "now" comes from, as the services ask for it: the system clock in the app, a fixed one
in tests (both among the adapters)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...
