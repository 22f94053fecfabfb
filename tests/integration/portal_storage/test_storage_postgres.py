"""What only the PostgreSQL storage promises beyond the shared contract: its schema comes from
the migrations once, units of work are isolated and conflicts are refused as on DuckDB, the
server going away is a storage failure, and the export streams from a server-side cursor into
the very files the DuckDB file writes."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd
import pytest
from portal_storage_support import START, cancel_an_export_midway, sample_backup, sample_settings

from portal.adapters import postgres_storage
from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, TokenDecryptionError, generate_key
from portal.adapters.db import CorruptRecordError, Database, DatabaseUnavailableError
from portal.adapters.postgres import PostgresDatabase, is_postgres_url, redacted, to_psycopg
from portal.adapters.postgres_storage import (
    PostgresIntegrationErrorRepository,
    PostgresPortalStorage,
    PostgresUnitOfWork,
    postgres_repositories,
)
from portal.adapters.storage import DuckDbPortalStorage
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.backup import BackupFormatError
from portal.domain.exports import CsvShape
from portal.domain.failures import StorageError, StorageFailure, WriteConflictError
from portal.domain.integration_errors import (
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.ports import PortalStorage
from portal.domain.secret import SecretStr
from portal.domain.tenancy import HOME_COMPANY
from tests.postgres_server import PostgresServer

MIGRATIONS = Path(__file__).resolve().parents[3] / "portal/adapters/postgres_migrations"


def test_placeholders_become_psycopgs_and_literals_stay() -> None:
    assert to_psycopg("SELECT ? WHERE a = '?' AND b LIKE '5%'") == (
        "SELECT %s WHERE a = '?' AND b LIKE '5%%'"
    )


def test_urls_are_recognised_and_their_password_never_shown() -> None:
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("postgres://h/db")
    assert not is_postgres_url("duckdb:///x") and not is_postgres_url("data/portal.duckdb")
    assert redacted("postgresql://u:hunter2@h:5433/db") == "postgresql://u:***@h:5433/db"


class TestSchema:
    def test_a_new_database_gets_every_migration_once(
        self, postgres_server: PostgresServer
    ) -> None:
        url = postgres_server.new_empty_database()
        try:
            with PostgresDatabase(company_id=HOME_COMPANY, url=url) as first:
                assert first.schema_version == len(list(MIGRATIONS.glob("*.sql")))
            with PostgresDatabase(company_id=HOME_COMPANY, url=url) as again:
                assert again.schema_version == len(list(MIGRATIONS.glob("*.sql")))
                tables = {
                    row[0]
                    for row in again.execute(
                        "SELECT table_name FROM information_schema.tables "
                        "WHERE table_schema = 'public'"
                    )
                }
        finally:
            postgres_server.drop_database(url)
        assert {"current_settings", "backups", "integration_errors", "sync_outbox"} <= tables

    def test_an_unreachable_server_is_explained_without_the_password(self, tmp_path: Path) -> None:
        url = f"postgresql://portal:hunter2@/portal?host={tmp_path}&port=1"
        with pytest.raises(DatabaseUnavailableError) as caught:
            PostgresDatabase(company_id=HOME_COMPANY, url=url, connect_timeout=timedelta(seconds=1))
        text = str(caught.value)
        assert "PORTAL_DATABASE_URL" in text and "hunter2" not in text


@pytest.fixture
def database(postgres_url: str) -> Iterator[PostgresDatabase]:
    with PostgresDatabase(
        company_id=HOME_COMPANY, url=postgres_url, lock_timeout=timedelta(milliseconds=200)
    ) as db:
        yield db


CIPHER = TokenCipher(generate_key())


def _uow(database: PostgresDatabase) -> PostgresUnitOfWork:
    return PostgresUnitOfWork(database, cipher=CIPHER, clock=FixedClock(START))


class TestIsolation:
    def test_uncommitted_work_is_invisible_outside(self, database: PostgresDatabase) -> None:
        outside = _uow(database)
        with _uow(database) as uow:
            uow.backups.save_latest(sample_backup())
            with outside:
                assert outside.backups.latest() is None
            uow.commit()
        with outside:
            assert outside.backups.latest() == sample_backup()

    def test_two_units_of_work_changing_the_same_settings_conflict_and_the_second_is_refused(
        self, database: PostgresDatabase
    ) -> None:
        first, second = _uow(database), _uow(database)
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

    def test_a_change_committed_after_the_snapshot_is_a_conflict_not_an_overwrite(
        self, database: PostgresDatabase
    ) -> None:
        # REPEATABLE READ: the second saw the old row, so it may not overwrite the new one.
        first, second = _uow(database), _uow(database)
        with first:
            first.settings.save(sample_settings(tag="seed"))
            first.commit()
        with second:
            assert second.settings.load() == sample_settings(tag="seed")
            with first:
                first.settings.save(sample_settings(tag="first"))
                first.commit()
            with pytest.raises(WriteConflictError):
                second.settings.save(sample_settings(tag="second"))
        with first:
            assert first.settings.load() == sample_settings(tag="first")

    def test_two_removals_at_once_remove_once(self, database: PostgresDatabase) -> None:
        from test_storage_unit_of_work import remove_with_backup, tokens

        seed = _uow(database)
        with seed:
            seed.tokens.save(tokens())
            seed.commit()
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def remove() -> None:
            uow = _uow(database)
            try:
                with uow:
                    present = uow.tokens.load() is not None
                    barrier.wait()
                    if not present:
                        outcomes.append("nothing to remove")
                        return
                    remove_with_backup(uow, FixedClock(START))
                    uow.commit()
                    outcomes.append("removed")
            except WriteConflictError:
                outcomes.append("conflict")

        threads = [threading.Thread(target=remove) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)

        assert sorted(outcomes) == ["conflict", "removed"]
        with seed:
            assert len(seed.backups.history()) == 1
            assert seed.tokens.load() is None

    def test_a_single_write_waits_for_the_open_transaction_and_then_succeeds(
        self, postgres_url: str
    ) -> None:
        with PostgresDatabase(
            company_id=HOME_COMPANY, url=postgres_url, lock_timeout=timedelta(seconds=5)
        ) as db:
            holder = _uow(db)
            with holder:
                holder.settings.save(sample_settings(tag="holder"))
                threading.Timer(0.3, holder.commit).start()
                started = time.monotonic()
                storage = PostgresPortalStorage(
                    database=db, cipher=TokenCipher(generate_key()), clock=FixedClock(START)
                )
                storage.repositories.settings.save(sample_settings(tag="single"))
                waited = time.monotonic() - started
            assert waited >= 0.2
            assert storage.repositories.settings.load() == sample_settings(tag="single")


class TestRunner:
    def test_a_write_that_keeps_meeting_a_held_row_gives_up_with_a_clear_error(
        self, postgres_url: str
    ) -> None:
        with PostgresDatabase(
            url=postgres_url,
            lock_timeout=timedelta(milliseconds=50),
            max_attempts=3,
            company_id=HOME_COMPANY,
        ) as db:
            holder = _uow(db)
            with holder:
                holder.settings.save(sample_settings(tag="holder"))
                storage = PostgresPortalStorage(database=db, cipher=CIPHER, clock=FixedClock(START))
                with pytest.raises(WriteConflictError, match="at the same moment"):
                    storage.repositories.settings.save(sample_settings(tag="single"))

    def test_no_free_connection_in_time_is_a_storage_failure(self, postgres_url: str) -> None:
        with PostgresDatabase(
            url=postgres_url, max_connections=1, connect_timeout=timedelta(milliseconds=300)
        ) as db:
            with _uow(db) as holder:
                holder.audit.recent()
                with pytest.raises(StorageFailure):
                    db.execute("SELECT 1")
            assert db.execute("SELECT 1") == [(1,)]

    def test_a_closed_database_refuses_work(self, postgres_url: str) -> None:
        db = PostgresDatabase(company_id=HOME_COMPANY, url=postgres_url)
        db.close()
        db.close()
        with pytest.raises(StorageError, match="closed"):
            db.execute("SELECT 1")
        with pytest.raises(StorageError, match="closed"):
            db.begin()

    def test_a_unit_of_work_is_usable_from_another_thread_than_the_one_that_opened_it(
        self, database: PostgresDatabase
    ) -> None:
        # Streamlit may run a callback on another thread: a pooled connection is not a thread's.
        uow = _uow(database)
        with uow:
            worker = threading.Thread(target=lambda: uow.backups.save_latest(sample_backup()))
            worker.start()
            worker.join(10)
            uow.commit()
        with uow:
            assert uow.backups.latest() == sample_backup()


def test_a_database_that_went_away_is_a_storage_failure(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    with PostgresDatabase(
        company_id=HOME_COMPANY, url=postgres_url, connect_timeout=timedelta(seconds=1)
    ) as db:
        db.execute("SELECT 1")
        postgres_server.drop_database(postgres_url)
        with pytest.raises(StorageFailure) as caught:
            db.execute("SELECT count(*) FROM backups")
        assert caught.value.reference


def _entry(n: int, **changes: object) -> IntegrationErrorEntry:
    values: dict[str, object] = {
        "occurred_at": START + timedelta(minutes=n),
        "source": ErrorSource.ACTIVITY if n % 2 else ErrorSource.VIDEO,
        "miitel_record_id": f"call-{n}",
        "sobject": "Task",
        "operation": SyncOperation.CREATE,
        "status_code": "INVALID_FIELD",
        "message": ("=1+1", "plain, with comma", '"quoted"', "改行\nあり", "@x")[n % 5],
        "fields": ("Subject", "Memo__c")[: n % 3],
        "org_id": None if n % 4 else "00D000000000001EAA",
    }
    values.update(changes)
    return IntegrationErrorEntry(**values)  # type: ignore[arg-type]


def test_the_high_water_mark_counts_exactly_and_moves_when_a_lower_id_commits_late(
    database: PostgresDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(postgres_storage, "TALLY_FOLD_ROWS", 3)
    storage = PostgresPortalStorage(database=database, cipher=CIPHER, clock=FixedClock(START))
    errors = storage.repositories.integration_errors
    early, late = _uow(database), _uow(database)
    with early, late:
        early.integration_errors.append(_entry(1))  # takes the lower id
        late.integration_errors.append(_entry(2))
        late.commit()
        seen = errors.high_water_mark()
        early.commit()
    after = errors.high_water_mark()
    assert (seen.rows, after.rows) == (1, 2) and seen.last_id == after.last_id

    for n in range(5):
        errors.append(_entry(n))
    assert errors.high_water_mark().rows == 7  # and the tally is folded into one row
    assert database.execute("SELECT count(*) FROM integration_errors_tally") == [(1,)]
    assert errors.high_water_mark().rows == 7
    storage.wipe()
    assert errors.high_water_mark().rows == 0


def test_the_exports_are_the_duckdb_files_byte_for_byte(postgres_url: str, tmp_path: Path) -> None:
    clock = FixedClock(START)
    stores: list[PortalStorage] = [
        PostgresPortalStorage(
            database=PostgresDatabase(company_id=HOME_COMPANY, url=postgres_url),
            cipher=TokenCipher(generate_key()),
            clock=clock,
        ),
        DuckDbPortalStorage(
            database=Database(path=tmp_path / "portal.duckdb"),
            cipher=TokenCipher(generate_key()),
            clock=clock,
        ),
    ]
    shape = CsvShape(
        headers={"message": "メッセージ"},
        zone=ZoneInfo("Asia/Tokyo"),
        source_labels={"video": "ビデオ"},
    )
    try:
        for store in stores:
            for n in range(40):
                store.repositories.integration_errors.append(_entry(n))
        files = []
        for index, store in enumerate(stores):
            csv_file, parquet_file = tmp_path / f"{index}.csv", tmp_path / f"{index}.parquet"
            errors = store.repositories.integration_errors
            errors.export(csv_file, shape=shape, filter=ErrorLogFilter(sobject="Task"))
            errors.export(parquet_file, parquet=True)
            files.append((csv_file.read_bytes(), pd.read_parquet(parquet_file)))
    finally:
        for store in stores:
            store.close()
    (pg_csv, pg_parquet), (duck_csv, duck_parquet) = files
    assert pg_csv == duck_csv
    pd.testing.assert_frame_equal(pg_parquet, duck_parquet)


def test_a_large_export_reports_progress_and_can_be_cancelled(
    postgres_url: str, tmp_path: Path
) -> None:
    with PostgresDatabase(company_id=HOME_COMPANY, url=postgres_url) as database:
        database.execute(
            """INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,
                   operation, status_code, message, fields, org_id)
               SELECT TIMESTAMPTZ '2026-01-01 00:00:00+00' + i * INTERVAL '1 second',
                      'activity', 'call-' || i, 'Task', 'create', 'X', 'message ' || i,
                      ARRAY['Subject'], NULL
               FROM generate_series(1, 300000) AS i"""
        )
        repository = PostgresIntegrationErrorRepository(database)
        target = tmp_path / "errors.csv"
        cancel_an_export_midway(repository, target)
        assert len(target.read_text(encoding="utf-8-sig").splitlines()) > 1


class TestStoredRows:
    """The DuckDB file's promises about what it holds, on PostgreSQL's tables."""

    ACCESS_TOKEN = "00D5g000000XyZ1!AQ8AQPlaintextAccessToken.SHOULD.NEVER.BE.STORED"
    VERIFIER = "pkce-verifier-PLAINTEXT-SHOULD-NEVER-BE-STORED-0123456789abcdef"

    def _tokens(self) -> TokenSet:
        return TokenSet(
            access_token=SecretStr(self.ACCESS_TOKEN),
            refresh_token=SecretStr("refresh-PLAINTEXT"),
            instance_url="https://acme.my.salesforce.com",
            org_id="00D000000000001EAA",
            user_id="005000000000001AAA",
            issued_at=START,
        )

    def test_the_tables_hold_ciphertext_never_the_tokens(self, database: PostgresDatabase) -> None:
        repos = postgres_repositories(runner=database, cipher=CIPHER, clock=FixedClock(START))
        repos.tokens.save(self._tokens())
        repos.pending_authorizations.add(
            PendingAuthorization(
                state="state-1",
                code_verifier=SecretStr(self.VERIFIER),
                redirect_to="/",
                created_at=START,
                expires_at=START.replace(hour=23),
            )
        )
        stored = " ".join(
            text
            for table in ("oauth_tokens", "pending_authorizations")
            for (text,) in database.execute(f"SELECT row_to_json(t)::text FROM {table} t")
        )
        assert "ciphertext" in stored
        for plaintext in (self.ACCESS_TOKEN, "refresh-PLAINTEXT", self.VERIFIER):
            assert plaintext not in stored

    def test_tokens_stored_with_another_key_cannot_be_read(
        self, database: PostgresDatabase
    ) -> None:
        writer = PostgresPortalStorage(database=database, cipher=CIPHER, clock=FixedClock(START))
        writer.repositories.tokens.save(self._tokens())
        reader = PostgresPortalStorage(
            database=database, cipher=TokenCipher(generate_key()), clock=FixedClock(START)
        )
        with pytest.raises(TokenDecryptionError) as raised:
            reader.check_key()
        assert self.ACCESS_TOKEN not in str(raised.value)

    def test_a_damaged_settings_row_names_the_tab(self, database: PostgresDatabase) -> None:
        repos = postgres_repositories(runner=database, cipher=CIPHER, clock=FixedClock(START))
        repos.settings.save(sample_settings())
        database.execute(
            'UPDATE current_settings SET payload = \'{"enabled": "yes"}\' '
            "WHERE area = 'video_history'"
        )
        with pytest.raises(CorruptRecordError, match='"Video history integration" settings'):
            repos.settings.load()

    def test_a_damaged_backup_row_says_what_to_do(self, database: PostgresDatabase) -> None:
        repos = postgres_repositories(runner=database, cipher=CIPHER, clock=FixedClock(START))
        repos.backups.save_latest(sample_backup())
        database.execute("UPDATE backups SET payload = '{\"format\": 1}'")
        with pytest.raises(BackupFormatError, match="configure"):
            repos.backups.latest()

    def test_an_unknown_stored_value_is_reported_not_guessed(
        self, database: PostgresDatabase
    ) -> None:
        repos = postgres_repositories(runner=database, cipher=CIPHER, clock=FixedClock(START))
        repos.audit.append(
            AuditEntry(
                occurred_at=START,
                actor="admin",
                action=AuditAction.SIGN_IN,
                outcome=AuditOutcome.SUCCEEDED,
            )
        )
        database.execute("UPDATE audit_log SET action = 'teleport'")
        with pytest.raises(CorruptRecordError, match="audit_log holds an unknown value 'teleport'"):
            repos.audit.recent()
