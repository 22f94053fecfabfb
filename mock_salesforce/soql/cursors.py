"""Open query cursors behind ``nextRecordsUrl``: which org opened them, the compiled plan, and
when they were last used (Salesforce drops a cursor after 15 minutes without use)."""

from __future__ import annotations

import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from mock_salesforce.errors import SalesforceError
from mock_salesforce.ids import make_id
from mock_salesforce.soql.compiler import Plan

CURSOR_TIMEOUT = timedelta(minutes=15)
#: Cursors kept per org; the oldest goes first (Salesforce also caps open cursors).
MAX_CURSORS_PER_ORG = 200
#: QueryLocator's key prefix.
LOCATOR_PREFIX = "01g"

_LOCATOR = re.compile(r"^(01g[0-9A-Za-z]{15})-(\d{1,12})$")


def invalid_locator(message: str = "invalid query locator") -> SalesforceError:
    return SalesforceError("INVALID_QUERY_LOCATOR", message, status=400)


@dataclass(frozen=True)
class Cursor:
    cursor_id: str
    org_id: str
    plan: Plan
    total_size: int
    batch_size: int
    last_used: datetime


class Cursors:
    """Thread-safe registry of open cursors, in memory (cursors do not survive a restart)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: OrderedDict[str, Cursor] = OrderedDict()

    def open(
        self, *, org_id: str, plan: Plan, total_size: int, batch_size: int, now: datetime
    ) -> str:
        """A new cursor's id (an 18-character id with the QueryLocator prefix ``01g``)."""
        cursor_id = make_id(LOCATOR_PREFIX, secrets.randbelow(62**10))
        with self._lock:
            self._expire(now)
            owned = [c for c in self._open.values() if c.org_id == org_id]
            for stale in owned[: max(0, len(owned) - MAX_CURSORS_PER_ORG + 1)]:
                del self._open[stale.cursor_id]
            self._open[cursor_id] = Cursor(cursor_id, org_id, plan, total_size, batch_size, now)
        return cursor_id

    def take(self, *, org_id: str, locator: str, now: datetime) -> tuple[Cursor, int]:
        """The cursor a locator names and the position it asks for; INVALID_QUERY_LOCATOR when
        unknown, expired, of another org, or past the end."""
        match = _LOCATOR.match(locator)
        if match is None:
            raise invalid_locator()
        cursor_id, position = match.group(1), int(match.group(2))
        with self._lock:
            self._expire(now)
            cursor = self._open.get(cursor_id)
            if cursor is None or cursor.org_id != org_id:
                raise invalid_locator()
            if position <= 0 or position >= cursor.total_size:
                raise invalid_locator()
            cursor = replace(cursor, last_used=now)
            self._open[cursor_id] = cursor
            self._open.move_to_end(cursor_id)
        return cursor, position

    def close(self, cursor_id: str) -> None:
        with self._lock:
            self._open.pop(cursor_id, None)

    def clear(self) -> None:
        with self._lock:
            self._open.clear()

    def _expire(self, now: datetime) -> None:
        for cursor_id in [
            c.cursor_id for c in self._open.values() if now - c.last_used > CURSOR_TIMEOUT
        ]:
            del self._open[cursor_id]


def locator(cursor_id: str, position: int) -> str:
    return f"{cursor_id}-{position}"
