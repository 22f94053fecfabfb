"""Summaries of a growing log kept until the log changes.

A summary (counts by code, the objects, the new codes, the counts per time bucket) depends only
on its arguments and on the rows: it is kept under its arguments and the log's high-water mark
(rows and newest id), so a rerun of the page with the same filters reads nothing again, and the
first append or wipe makes every kept answer stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Final, TypeVar, cast

T = TypeVar("T")

#: How many answers are kept (a few filters of a few people; each is small).
CAPACITY: Final = 256


class SummaryMemo:
    def __init__(self, mark: Callable[[], Hashable], *, capacity: int = CAPACITY) -> None:
        self._mark = mark
        self._capacity = capacity
        self._answers: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer for ``key`` at the log's current high-water mark, computed once."""
        full_key = (key, self._mark())
        with self._lock:
            if full_key in self._answers:
                self._answers.move_to_end(full_key)
                return cast(T, self._answers[full_key])
        answer = compute()
        with self._lock:
            self._answers[full_key] = answer
            while len(self._answers) > self._capacity:
                self._answers.popitem(last=False)
        return answer
