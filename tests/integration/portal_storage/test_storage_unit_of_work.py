"""Units of work: remove-with-backup and restore are all-or-nothing, on DuckDB and in memory."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from portal_storage_support import START, Storage, sample_backup, sample_settings

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher
from portal.adapters.db import Database
from portal.adapters.unit_of_work import DuckDbUnitOfWork, RepositorySet
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.backup import BackupSnapshot
from portal.domain.failures import StorageError, WriteConflictError
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import ErrorSource, IntegrationErrorEntry, SyncOperation
from portal.domain.oauth import TokenSet
from portal.domain.restore import restore_from_backup
from portal.domain.secret import SecretStr
from portal.domain.sync_log import SyncLogEntry, SyncOutcome


class Boom(Exception):
    """Stands for any failure in the middle of a unit of work."""


def everything(repos: RepositorySet) -> tuple[Any, ...]:
    """All observable state, to compare before and after."""
    return (
        repos.settings.load(),
        repos.backups.history(limit=1000),
        repos.backups.latest(),
        repos.authentication_history.recent(limit=1000),
        repos.tokens.load(),
        repos.integration_errors.page(limit=1000),
        repos.sync_log.recent(limit=1000),
        repos.audit.recent(limit=1000),
        [(slot, repos.token_slots.load(slot)) for slot in repos.token_slots.slots(prefix="")],
        repos.progress.all(),
        repos.login_failures.times_since(since=START - timedelta(days=3650)),
    )


def tokens() -> TokenSet:
    return TokenSet(
        access_token=SecretStr("access"),
        refresh_token=SecretStr("refresh"),
        instance_url="https://acme.my.salesforce.com",
        org_id="00D000000000001EAA",
        user_id="005000000000001AAA",
        issued_at=START,
    )


def audit(action: AuditAction, detail: str = "") -> AuditEntry:
    return AuditEntry(
        occurred_at=START,
        actor="admin",
        action=action,
        outcome=AuditOutcome.SUCCEEDED,
        detail=detail,
    )


@pytest.fixture
def integrated(storage: Storage) -> Storage:
    """An integrated portal with settings, an old backup and some history in every log."""
    repos = storage.repos
    repos.settings.save(sample_settings(tag="current"))
    repos.backups.save_latest(sample_backup(tag="old"))
    repos.tokens.save(tokens())
    repos.authentication_history.append(
        AuthenticationHistoryEntry(
            occurred_at=START,
            event=AuthEvent.INTEGRATED,
            org_id="00D000000000001EAA",
            org_name="Acme",
            username="admin@acme.example.com",
            instance_url="https://acme.my.salesforce.com",
        )
    )
    repos.integration_errors.append(
        IntegrationErrorEntry(
            occurred_at=START,
            source=ErrorSource.ACTIVITY,
            miitel_record_id="call-1",
            sobject="Task",
            operation=SyncOperation.CREATE,
            status_code="INVALID_FIELD",
            message="No such column",
        )
    )
    repos.sync_log.append(
        SyncLogEntry(
            occurred_at=START,
            source=ErrorSource.ACTIVITY,
            miitel_record_id="call-1",
            sobject="Task",
            outcome=SyncOutcome.FAILED,
        )
    )
    repos.audit.append(audit(AuditAction.INTEGRATE))
    storage.clock.advance(timedelta(hours=1))
    return storage


def remove_with_backup(uow: Any, clock: FixedClock) -> BackupSnapshot:
    """What "Remove integration" stores, in the order it stores it."""
    snapshot = BackupSnapshot.capture(
        settings=uow.settings.load(),
        taken_at=clock.now(),
        org_id="00D000000000001EAA",
        org_name="Acme",
        username="admin@acme.example.com",
        instance_url="https://acme.my.salesforce.com",
    )
    uow.backups.save_latest(snapshot)
    uow.tokens.clear()
    uow.authentication_history.append(
        AuthenticationHistoryEntry(
            occurred_at=clock.now(),
            event=AuthEvent.REMOVED,
            org_id="00D000000000001EAA",
            org_name="Acme",
            username="admin@acme.example.com",
            instance_url="https://acme.my.salesforce.com",
        )
    )
    uow.audit.append(audit(AuditAction.REMOVE_INTEGRATION))
    return snapshot


def restore(uow: Any) -> None:
    """What "Restore" stores."""
    outcome = restore_from_backup(current=uow.settings.load(), backup=uow.backups.latest())
    uow.settings.save(outcome.settings)
    uow.audit.append(audit(AuditAction.RESTORE_SETTINGS, outcome.message))


def test_committed_remove_with_backup_is_kept(integrated: Storage) -> None:
    with integrated.new_uow() as uow:
        snapshot = remove_with_backup(uow, integrated.clock)
        uow.commit()

    repos = integrated.repos
    assert repos.backups.latest() == snapshot
    assert len(repos.backups.history()) == 2
    assert repos.tokens.load() is None
    latest = repos.authentication_history.latest()
    assert latest is not None and latest.event is AuthEvent.REMOVED


def test_a_failure_during_remove_with_backup_leaves_everything_as_it_was(
    integrated: Storage,
) -> None:
    before = everything(integrated.repos)

    with pytest.raises(Boom), integrated.new_uow() as uow:
        remove_with_backup(uow, integrated.clock)
        raise Boom

    assert everything(integrated.repos) == before


def test_a_failure_during_restore_leaves_everything_as_it_was(integrated: Storage) -> None:
    integrated.repos.backups.save_latest(sample_backup(tag="to-restore"))
    before = everything(integrated.repos)

    with pytest.raises(Boom), integrated.new_uow() as uow:
        restore(uow)
        assert uow.settings.load() != before[0]  # the unit of work sees its own writes
        raise Boom

    assert everything(integrated.repos) == before


def test_a_committed_restore_overwrites_settings_and_keeps_every_backup(
    integrated: Storage,
) -> None:
    integrated.repos.backups.save_latest(sample_backup(tag="to-restore"))

    with integrated.new_uow() as uow:
        restore(uow)
        uow.commit()

    settings = integrated.repos.settings.load()
    assert settings.assignee == sample_settings(tag="to-restore").assignee
    assert settings.basic == sample_settings(tag="current").basic
    assert len(integrated.repos.backups.history()) == 2


def test_leaving_without_commit_undoes_the_work(integrated: Storage) -> None:
    before = everything(integrated.repos)

    with integrated.new_uow() as uow:
        restore(uow)

    assert everything(integrated.repos) == before


def test_only_work_after_the_last_commit_is_undone(integrated: Storage) -> None:
    with pytest.raises(Boom), integrated.new_uow() as uow:
        uow.audit.append(audit(AuditAction.SAVE_SETTINGS, "kept"))
        uow.commit()
        uow.audit.append(audit(AuditAction.SAVE_SETTINGS, "lost"))
        raise Boom

    details = [entry.detail for entry in integrated.repos.audit.recent()]
    assert "kept" in details
    assert "lost" not in details


def test_rollback_discards_and_the_block_goes_on(integrated: Storage) -> None:
    with integrated.new_uow() as uow:
        uow.audit.append(audit(AuditAction.SAVE_SETTINGS, "discarded"))
        uow.rollback()
        uow.audit.append(audit(AuditAction.SAVE_SETTINGS, "committed"))
        uow.commit()

    details = [entry.detail for entry in integrated.repos.audit.recent()]
    assert "committed" in details
    assert "discarded" not in details


def test_a_unit_of_work_is_reusable_but_does_not_nest(storage: Storage) -> None:
    uow = storage.new_uow()
    with uow:
        uow.audit.append(audit(AuditAction.SIGN_IN, "first"))
        uow.commit()
        with pytest.raises(StorageError, match="do not nest"), uow:
            pass
    with uow:
        uow.audit.append(audit(AuditAction.SIGN_IN, "second"))
        uow.commit()

    assert [e.detail for e in storage.repos.audit.recent()] == ["second", "first"]


def test_commit_outside_the_block_is_refused(storage: Storage) -> None:
    with pytest.raises(StorageError, match="inside a 'with' block"):
        storage.new_uow().commit()


class TestDuckDbIsolation:
    @pytest.fixture
    def uow_parts(
        self, database: Database, cipher: TokenCipher, clock: FixedClock
    ) -> tuple[Database, TokenCipher, FixedClock]:
        return database, cipher, clock

    def test_uncommitted_work_is_invisible_outside(
        self, uow_parts: tuple[Database, TokenCipher, FixedClock]
    ) -> None:
        database, cipher, clock = uow_parts
        outside = DuckDbUnitOfWork(database, cipher=cipher, clock=clock)
        with DuckDbUnitOfWork(database, cipher=cipher, clock=clock) as uow:
            uow.backups.save_latest(sample_backup())
            with outside:
                assert outside.backups.latest() is None
            uow.commit()
        with outside:
            assert outside.backups.latest() == sample_backup()

    def test_two_units_of_work_changing_the_same_settings_conflict_and_the_second_is_refused(
        self, uow_parts: tuple[Database, TokenCipher, FixedClock]
    ) -> None:
        database, cipher, clock = uow_parts
        first = DuckDbUnitOfWork(database, cipher=cipher, clock=clock)
        second = DuckDbUnitOfWork(database, cipher=cipher, clock=clock)
        with first:
            first.settings.save(sample_settings(tag="seed"))
            first.commit()

        with first, second:
            first.settings.save(sample_settings(tag="first"))
            with pytest.raises(WriteConflictError, match="Try again"):
                second.settings.save(sample_settings(tag="second"))
            first.commit()

        with first:
            assert first.settings.load() == sample_settings(tag="first")
