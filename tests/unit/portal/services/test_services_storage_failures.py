"""Issue 11.4: a failure of the storage (disk full, read-only or unwritable file, permission
denied) is named as what it is, never as "someone else changed the same data at the same
moment"; the server log has the cause under the reference the person is given, and nothing of
the change is half-written.

The fault is injected at the storage boundary: the DuckDB cursor answers as DuckDB does when
the disk is full (a real full disk and file-size limit are in
``tests/integration/portal_storage/test_storage_real_io_failures.py``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
from service_fakes import ADMIN, START, FakeSalesforce, World, acme, beta, sample_settings

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database
from portal.adapters.storage import DuckDbPortalStorage
from portal.bootstrap import assemble_portal
from portal.domain.failures import StorageFailure
from portal.services.errors import ConcurrentChange, PortalError

FULL_DISK = (
    'TransactionContext Error: Failed to commit: Could not write file "portal.duckdb.wal": '
    "No space left on device"
)
CONFLICT = "TransactionContext Error: Conflict on update!"


class _FailingCursor:
    """A DuckDB cursor whose COMMIT fails with ``error`` while ``failing`` holds."""

    def __init__(self, inner: Any, switch: _Switch) -> None:
        self._inner = inner
        self._switch = switch

    def commit(self) -> Any:
        if self._switch.error is not None:
            raise self._switch.error
        return self._inner.commit()

    def execute(self, sql: str, *args: Any) -> Any:
        if self._switch.on_execute is not None and not sql.lstrip().upper().startswith("SELECT"):
            raise self._switch.on_execute
        return self._inner.execute(sql, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _FailingRoot:
    def __init__(self, inner: Any, switch: _Switch) -> None:
        self._inner = inner
        self._switch = switch

    def cursor(self) -> Any:
        return _FailingCursor(self._inner.cursor(), self._switch)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _Switch:
    error: Exception | None = None
    on_execute: Exception | None = None


@pytest.fixture
def switch() -> _Switch:
    return _Switch()


@pytest.fixture
def world(tmp_path: Path, switch: _Switch) -> Iterator[World]:
    clock = FixedClock(START)
    orgs = (acme(), beta())
    salesforce = FakeSalesforce(clock, *orgs)
    database = Database(path=tmp_path / "portal.duckdb")
    # The storage boundary: every cursor the portal opens from here on is DuckDB's, wrapped.
    database._root = _FailingRoot(database._root, switch)  # type: ignore[assignment]
    storage = DuckDbPortalStorage(
        database=database, cipher=TokenCipher(generate_key()), clock=clock
    )
    portal = assemble_portal(storage=storage, salesforce=salesforce, clock=clock, users=())
    yield World(portal, storage, salesforce, clock, orgs[0], orgs[1])  # type: ignore[arg-type]
    storage.close()


def _state(world: World) -> tuple[object, ...]:
    repos = world.storage.repositories
    return (
        repos.settings.load(),
        [b.id for b in world.portal.backups.history()],
        repos.tokens.load(),
        [e.id for e in repos.authentication_history.recent()],
        [e.id for e in repos.audit.recent()],
    )


def test_a_full_disk_during_remove_integration_is_named_and_nothing_is_half_written(
    world: World, switch: _Switch, caplog: pytest.LogCaptureFixture
) -> None:
    world.integrate()
    world.storage.repositories.settings.save(sample_settings(video_enabled=False))
    before = _state(world)
    switch.error = duckdb.TransactionException(FULL_DISK)

    with caplog.at_level(logging.ERROR), pytest.raises(PortalError) as failed:
        world.portal.removal.remove(actor=ADMIN)

    assert isinstance(failed.value, StorageFailure)
    assert not isinstance(failed.value, ConcurrentChange)
    message = str(failed.value.user_message)
    assert "same moment" not in message
    assert "storage problem" in message and "An operator must fix the storage" in message
    assert "Nothing of this change was saved" in message
    reference = failed.value.reference
    assert re.fullmatch(r"[0-9A-F]{8}", reference) and reference in message
    logged = [r.getMessage() for r in caplog.records if reference in r.getMessage()]
    assert logged and "No space left on device" in logged[0]
    switch.error = None
    assert _state(world) == before
    # Once the operator has freed space, the same click works.
    assert world.portal.removal.remove(actor=ADMIN).backup is not None


def test_a_full_disk_on_a_single_write_is_named_and_not_retried_as_a_conflict(
    world: World, switch: _Switch, caplog: pytest.LogCaptureFixture
) -> None:
    before = world.portal.settings.current()
    switch.on_execute = duckdb.IOException(
        'IO Error: Could not write file "portal.duckdb.wal": No space left on device'
    )

    with caplog.at_level(logging.ERROR), pytest.raises(StorageFailure) as failed:
        world.storage.repositories.settings.save(sample_settings(video_enabled=False))

    assert "same moment" not in str(failed.value.user_message)
    assert sum(failed.value.reference in r.getMessage() for r in caplog.records) == 1
    switch.on_execute = None
    assert world.portal.settings.current() == before


def test_a_read_only_data_directory_is_named_on_step_9(
    world: World, switch: _Switch, caplog: pytest.LogCaptureFixture
) -> None:
    switch.error = duckdb.IOException(
        'IO Error: Cannot open file "portal.duckdb.wal": Read-only file system'
    )

    with caplog.at_level(logging.ERROR), pytest.raises(StorageFailure) as failed:
        world.portal.settings.set_contact_retrieval(actor=ADMIN, turn_off=True)

    assert "Read-only file system" in caplog.text and failed.value.reference in caplog.text
    switch.error = None
    assert world.portal.settings.current().basic.turn_off_contact_retrieval is False


def test_a_real_write_conflict_is_still_retried_then_named_as_one(
    world: World, switch: _Switch
) -> None:
    world.integrate()
    switch.error = duckdb.TransactionException(CONFLICT)

    with pytest.raises(ConcurrentChange) as failed:
        world.portal.removal.remove(actor=ADMIN)

    assert "same moment" in str(failed.value.user_message)
