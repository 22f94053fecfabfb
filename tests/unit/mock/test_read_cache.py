"""The read cache behind REST GET by Id: a row is served from memory only while the store has
counted no write since it was read."""

from __future__ import annotations

import pytest

from mock_salesforce.read_cache import ReadCache
from mock_salesforce.store import Store


@pytest.fixture
def store() -> Store:
    store = Store(None)
    store.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name VARCHAR)")
    store.execute("INSERT INTO things VALUES (1, 'one')")
    return store


def _name(store: Store, cache: ReadCache) -> str:
    rows = cache.read("thing-1", lambda: store.execute("SELECT name FROM things WHERE id = 1"))
    return str(rows[0][0])


def test_reads_are_served_from_memory_until_a_write(store: Store) -> None:
    cache = ReadCache(store)
    loads = []

    def load() -> str:
        loads.append(1)
        return str(store.execute("SELECT name FROM things WHERE id = 1")[0][0])

    assert cache.read("k", load) == "one"
    assert cache.read("k", load) == "one"
    assert len(loads) == 1
    store.execute("SELECT count(*) FROM things")
    assert cache.read("k", load) == "one" and len(loads) == 1


@pytest.mark.parametrize(
    "write",
    [
        lambda s: s.execute("UPDATE things SET name = 'two' WHERE id = 1"),
        lambda s: s.execute("  update things SET name = 'two' WHERE id = 1"),
        lambda s: s.execute_with_columns("UPDATE things SET name = 'two' RETURNING id"),
        lambda s: s.executemany("UPDATE things SET name = ? WHERE id = ?", [["two", 1]]),
    ],
)
def test_every_kind_of_write_is_seen_at_once(store: Store, write: object) -> None:
    cache = ReadCache(store)
    assert _name(store, cache) == "one"
    write(store)  # type: ignore[operator]
    assert _name(store, cache) == "two"


def test_a_rolled_back_write_is_forgotten(store: Store) -> None:
    cache = ReadCache(store)
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("UPDATE things SET name = 'inside' WHERE id = 1")
        assert _name(store, cache) == "inside"
        raise RuntimeError
    assert _name(store, cache) == "one"


def test_a_wipe_is_seen(store: Store) -> None:
    cache = ReadCache(store)
    assert cache.read("k", lambda: store.execute("SELECT * FROM things")) != []
    store.wipe()
    assert cache.read("k", lambda: store.execute("SELECT * FROM things")) == []


def test_a_load_that_writes_is_not_kept(store: Store) -> None:
    cache = ReadCache(store)
    counter = iter(range(100))

    def writing_load() -> int:
        store.execute("UPDATE things SET name = 'x'")
        return next(counter)

    assert cache.read("k", writing_load) == 0
    assert cache.read("k", writing_load) == 1


def test_the_least_recently_used_entry_goes_first(store: Store) -> None:
    cache = ReadCache(store, max_entries=2)
    cache.read("a", lambda: 1)
    cache.read("b", lambda: 2)
    assert cache.read("a", lambda: 10) == 1
    cache.read("c", lambda: 3)
    assert len(cache) == 2
    assert cache.read("a", lambda: 10) == 1
    assert cache.read("b", lambda: 20) == 20


@pytest.mark.parametrize(
    "bookkeeping",
    [
        "INSERT INTO _notes VALUES (1)",
        "insert or replace into _notes VALUES (2)",
        'UPDATE "_notes" SET n = 3',
        "DELETE FROM _notes",
    ],
)
def test_writes_to_the_mocks_own_tables_keep_the_cache(store: Store, bookkeeping: str) -> None:
    store.ensure_table("_notes", "n INTEGER PRIMARY KEY")
    cache = ReadCache(store)
    assert _name(store, cache) == "one"
    store.execute(bookkeeping)
    assert cache.read("thing-1", lambda: [("reloaded",)]) == [("one",)]
