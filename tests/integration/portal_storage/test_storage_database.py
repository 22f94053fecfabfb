"""The DuckDB file itself: migrations, threads, write conflicts, encryption at rest, bad rows."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import pytest
from portal_storage_support import START, sample_backup, sample_settings

from portal.adapters import db as db_module
from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, TokenDecryptionError, generate_key
from portal.adapters.db import (
    LATEST_SCHEMA_VERSION,
    MIGRATIONS,
    CorruptRecordError,
    Database,
    DatabaseUnavailableError,
    SchemaVersionError,
)
from portal.adapters.unit_of_work import duckdb_repositories
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.backup import BackupFormatError
from portal.domain.failures import StorageError, WriteConflictError
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.secret import SecretStr
from portal.domain.settings import IntegrationSettings

ACCESS_TOKEN = "00D5g000000XyZ1!AQ8AQPlaintextAccessToken.SHOULD.NEVER.BE.ON.DISK"
REFRESH_TOKEN = "5Aep861PlaintextRefreshToken.SHOULD.NEVER.BE.ON.DISK"
VERIFIER = "pkce-verifier-PLAINTEXT-SHOULD-NEVER-BE-ON-DISK-0123456789abcdef"


class TestSchema:
    def test_a_new_file_gets_the_latest_schema_once(self, tmp_path: Path) -> None:
        path = tmp_path / "portal.duckdb"
        with Database(path=path) as database:
            assert database.schema_version == LATEST_SCHEMA_VERSION
        with Database(path=path) as database:
            rows = database.execute("SELECT version FROM schema_version ORDER BY version")
            assert [version for (version,) in rows] == [m.version for m in MIGRATIONS]

    def test_data_survives_closing_and_reopening(
        self, tmp_path: Path, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        path = tmp_path / "portal.duckdb"
        with Database(path=path) as database:
            repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
            repos.settings.save(sample_settings())
            repos.backups.save_latest(sample_backup())
        with Database(path=path) as database:
            repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
            assert repos.settings.load() == sample_settings()
            assert repos.backups.latest() == sample_backup()

    def test_a_file_from_the_previous_version_is_upgraded_keeping_its_rows(
        self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "portal.duckdb"
        with monkeypatch.context() as older:
            older.setattr(db_module, "MIGRATIONS", MIGRATIONS[:-1])
            with Database(path=path) as database:
                database.execute(
                    "INSERT INTO sync_outbox (kind, record_id, state, attempts, updated_at) "
                    "VALUES ('call', 'c-1', 'sending', 1, now()::TIMESTAMP)"
                )
                assert database.schema_version == MIGRATIONS[-2].version

        with Database(path=path) as database:
            assert database.schema_version == LATEST_SCHEMA_VERSION
            # A row sent before the upgrade has no wait recorded: it is looked up as before.
            rows = database.execute("SELECT record_id, state, look_up_after FROM sync_outbox")
            assert rows == [("c-1", "sending", None)]

    def test_a_file_from_a_newer_portal_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "portal.duckdb"
        with Database(path=path) as database:
            database.execute(
                "INSERT INTO schema_version VALUES (?, 'from the future', now()::TIMESTAMP)",
                [LATEST_SCHEMA_VERSION + 1],
            )

        with pytest.raises(SchemaVersionError, match="newer than this portal's"):
            Database(path=path)

    def test_a_file_held_by_another_process_is_explained(self, tmp_path: Path) -> None:
        path = tmp_path / "portal.duckdb"
        holder = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
                " sys.stdin.read()",
                str(path),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
            with pytest.raises(DatabaseUnavailableError, match="no other portal process"):
                Database(path=path)
        finally:
            assert holder.stdin is not None
            holder.stdin.close()
            holder.wait(timeout=30)

    def test_a_closed_database_refuses_work(self, tmp_path: Path) -> None:
        database = Database(path=tmp_path / "portal.duckdb")
        database.execute("SELECT 1")  # this thread now has a cursor, which closing must end
        database.close()
        database.close()  # closing twice is harmless

        with pytest.raises(StorageError, match="closed"):
            database.execute("SELECT 1")


class TestThreads:
    def test_each_thread_has_its_own_cursor(self, database: Database) -> None:
        seen: list[duckdb.DuckDBPyConnection] = []
        worker = threading.Thread(target=lambda: seen.append(database.cursor()))
        worker.start()
        worker.join()

        assert database.cursor() is database.cursor()
        assert seen[0] is not database.cursor()

    def test_cursors_of_finished_threads_are_released(self, database: Database) -> None:
        for _ in range(20):
            worker = threading.Thread(target=lambda: database.execute("SELECT 1"))
            worker.start()
            worker.join()
        database.cursor()

        # Only this thread's cursor remains registered: finished threads' cursors were closed.
        assert len(database._cursors) == 1

    def test_two_threads_writing_the_same_rows_both_succeed(
        self, database: Database, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
        rounds = 40
        start = threading.Barrier(2)
        failures: list[BaseException] = []

        def writer(tag: str) -> None:
            try:
                start.wait()
                for i in range(rounds):
                    repos.settings.save(sample_settings(tag=f"{tag}{i}"))
                    repos.audit.append(
                        AuditEntry(
                            occurred_at=START,
                            actor=tag,
                            action=AuditAction.SAVE_SETTINGS,
                            outcome=AuditOutcome.SUCCEEDED,
                        )
                    )
            except BaseException as exc:
                failures.append(exc)

        threads = [threading.Thread(target=writer, args=(tag,)) for tag in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        assert len(repos.audit.recent(actor="a", limit=1000)) == rounds
        assert len(repos.audit.recent(actor="b", limit=1000)) == rounds
        assert repos.settings.load() in (
            sample_settings(tag=f"a{rounds - 1}"),
            sample_settings(tag=f"b{rounds - 1}"),
        )


class TestWriteConflicts:
    def test_a_conflicting_write_is_retried_until_the_other_transaction_ends(
        self,
        database: Database,
        cipher: TokenCipher,
        clock: FixedClock,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
        repos.settings.save(IntegrationSettings.default())
        other = database.begin()
        duckdb_repositories(runner=other, cipher=cipher, clock=clock).settings.save(
            sample_settings(tag="other")
        )
        waits: list[float] = []

        def commit_the_other_transaction_while_waiting(seconds: float) -> None:
            waits.append(seconds)
            other.commit()

        monkeypatch.setattr(db_module.time, "sleep", commit_the_other_transaction_while_waiting)

        repos.settings.save(sample_settings(tag="retried"))
        other.close()

        assert len(waits) == 1
        assert repos.settings.load() == sample_settings(tag="retried")

    def test_a_write_that_keeps_conflicting_gives_up_with_a_clear_error(
        self, tmp_path: Path, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        with Database(path=tmp_path / "portal.duckdb", max_attempts=3, backoff_seconds=0) as db:
            repos = duckdb_repositories(runner=db, cipher=cipher, clock=clock)
            repos.settings.save(IntegrationSettings.default())
            other = db.begin()
            duckdb_repositories(runner=other, cipher=cipher, clock=clock).settings.save(
                sample_settings(tag="other")
            )

            with pytest.raises(WriteConflictError, match=r"was not saved\. Try again"):
                repos.settings.save(sample_settings(tag="mine"))

            other.commit()
            other.close()
            assert repos.settings.load() == sample_settings(tag="other")


class TestEncryptionAtRest:
    def test_the_file_holds_ciphertext_never_the_tokens(
        self, tmp_path: Path, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        path = tmp_path / "portal.duckdb"
        with Database(path=path) as database:
            repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
            repos.tokens.save(
                TokenSet(
                    access_token=SecretStr(ACCESS_TOKEN),
                    refresh_token=SecretStr(REFRESH_TOKEN),
                    instance_url="https://acme.my.salesforce.com",
                    org_id="00D000000000001EAA",
                    user_id="005000000000001AAA",
                    issued_at=START,
                )
            )
            repos.pending_authorizations.add(
                PendingAuthorization(
                    state="state-1",
                    code_verifier=SecretStr(VERIFIER),
                    redirect_to="/",
                    created_at=START,
                    expires_at=START.replace(hour=23),
                )
            )
            (access_ciphertext,) = database.execute(
                "SELECT access_token_ciphertext FROM oauth_tokens"
            )[0]
            database.checkpoint()

        raw = path.read_bytes() + b"".join(p.read_bytes() for p in tmp_path.glob("*.wal"))

        # The check can see stored text: the ciphertext itself is in the file.
        assert access_ciphertext.encode() in raw
        for plaintext in (ACCESS_TOKEN, REFRESH_TOKEN, VERIFIER):
            assert plaintext.encode() not in raw
            assert plaintext.split(".")[0].encode() not in raw

    def test_tokens_stored_with_another_key_cannot_be_read(
        self, tmp_path: Path, clock: FixedClock
    ) -> None:
        path = tmp_path / "portal.duckdb"
        tokens = TokenSet(
            access_token=SecretStr(ACCESS_TOKEN),
            refresh_token=None,
            instance_url="https://acme.my.salesforce.com",
            org_id="00D",
            user_id="005",
            issued_at=START,
        )
        with Database(path=path) as database:
            writer = duckdb_repositories(
                runner=database, cipher=TokenCipher(generate_key()), clock=clock
            )
            writer.tokens.save(tokens)
            reader = duckdb_repositories(
                runner=database, cipher=TokenCipher(generate_key()), clock=clock
            )

            with pytest.raises(TokenDecryptionError) as raised:
                reader.tokens.load()

        assert ACCESS_TOKEN not in str(raised.value)


class TestDamagedRows:
    def test_a_damaged_settings_row_names_the_tab(
        self, database: Database, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
        repos.settings.save(sample_settings())
        database.execute(
            'UPDATE current_settings SET payload = \'{"enabled": "yes"}\' '
            "WHERE area = 'video_history'"
        )

        with pytest.raises(CorruptRecordError, match='"Video history integration" settings'):
            repos.settings.load()

    def test_a_damaged_backup_row_says_what_to_do(
        self, database: Database, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
        repos.backups.save_latest(sample_backup())
        database.execute("UPDATE backups SET payload = '{\"format\": 1}'")

        with pytest.raises(BackupFormatError, match="configure"):
            repos.backups.latest()

    def test_an_unknown_stored_value_is_reported_not_guessed(
        self, database: Database, cipher: TokenCipher, clock: FixedClock
    ) -> None:
        repos = duckdb_repositories(runner=database, cipher=cipher, clock=clock)
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
