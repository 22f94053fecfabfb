"""Point reads answered from memory until the store's next write.

A DuckDB point query costs about a millisecond, most of a REST ``GET sobjects/{Type}/{Id}``.
The cache keeps the rows such reads returned and forgets all of them as soon as the store has
counted a write (any statement but a SELECT, a rollback, a wipe), so every write, whichever
path made it (REST, collections, composite, seeding, reset, Setup pages), is visible on the very
next read. Lookups, loads and stores all run under the store's lock, which every statement
takes too, so no write can slip between a check and its load.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from mock_salesforce.store import Store

T = TypeVar("T")
MAX_ENTRIES = 4_096


class ReadCache:
    """Results of read-only loads keyed by what they read, valid while the store is unchanged."""

    def __init__(self, store: Store, *, max_entries: int = MAX_ENTRIES) -> None:
        self._store = store
        self._max = max_entries
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._seen_writes = store.writes

    def read(self, key: Hashable, load: Callable[[], T]) -> T:
        """The cached result for ``key``, else ``load()`` (which must only read), remembered."""
        store = self._store
        with store.lock:
            writes = store.writes
            if writes != self._seen_writes:
                self._entries.clear()
                self._seen_writes = writes
            elif key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]  # type: ignore[return-value]
            value = load()
            if store.writes == writes:
                self._entries[key] = value
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)
            return value

    def __len__(self) -> int:
        return len(self._entries)
