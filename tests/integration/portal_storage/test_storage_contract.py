"""The repositories' contract, run against the DuckDB file and the in-memory fake alike."""

from __future__ import annotations

from datetime import UTC, date, timedelta

import pytest
from portal_storage_support import START, Storage, sample_backup, sample_settings

from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import (
    CodeCount,
    DayCount,
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.restore import restore_from_backup
from portal.domain.secret import SecretStr
from portal.domain.settings import (
    IntegrationSettings,
)
from portal.domain.sync_log import SyncLogEntry, SyncOutcome


class TestSettings:
    def test_nothing_saved_means_the_documented_defaults(self, storage: Storage) -> None:
        assert storage.repos.settings.load() == IntegrationSettings.default()

    def test_saved_settings_come_back_equal_and_a_save_replaces_them(
        self, storage: Storage
    ) -> None:
        storage.repos.settings.save(sample_settings(tag="one"))
        storage.repos.settings.save(sample_settings(tag="two", contact_off=False))

        assert storage.repos.settings.load() == sample_settings(tag="two", contact_off=False)


class TestBackups:
    def test_no_backup_means_nothing_to_restore(self, storage: Storage) -> None:
        assert storage.repos.backups.latest() is None
        assert storage.repos.backups.history() == []

    def test_a_newer_backup_becomes_the_latest_and_older_ones_stay_in_the_history(
        self, storage: Storage
    ) -> None:
        first = storage.repos.backups.save_latest(sample_backup(tag="first"))
        storage.clock.advance(timedelta(hours=1))
        second = storage.repos.backups.save_latest(
            sample_backup(tag="second", taken_at=START + timedelta(hours=1))
        )

        assert storage.repos.backups.latest() == second.snapshot
        history = storage.repos.backups.history()
        assert [b.snapshot.org_name for b in history] == ["Org second", "Org first"]
        assert [b.id for b in history] == [second.id, first.id]
        assert history[1].saved_at == START
        assert history[0].saved_at == START + timedelta(hours=1)
        assert storage.repos.backups.history(limit=1) == [history[0]]

    def test_restoring_settings_deletes_no_backup(self, storage: Storage) -> None:
        storage.repos.backups.save_latest(sample_backup())

        outcome = restore_from_backup(
            current=storage.repos.settings.load(), backup=storage.repos.backups.latest()
        )
        storage.repos.settings.save(outcome.settings)

        assert len(storage.repos.backups.history()) == 1


class TestAuthenticationHistory:
    def entry(
        self, minutes: int, event: AuthEvent, org: str = "00D1"
    ) -> AuthenticationHistoryEntry:
        return AuthenticationHistoryEntry(
            occurred_at=START + timedelta(minutes=minutes),
            event=event,
            org_id=org,
            org_name="Acme",
            username="admin@acme.example.com",
            instance_url="https://acme.my.salesforce.com",
            detail=f"{event.value} at {minutes}",
        )

    def test_entries_get_ids_and_come_back_newest_first(self, storage: Storage) -> None:
        history = storage.repos.authentication_history
        stored = [
            history.append(self.entry(0, AuthEvent.INTEGRATED)),
            history.append(self.entry(10, AuthEvent.REFRESHED)),
            history.append(self.entry(20, AuthEvent.REMOVED)),
        ]

        assert all(e.id is not None for e in stored)
        assert len({e.id for e in stored}) == 3
        assert history.recent() == list(reversed(stored))
        assert history.recent(limit=2) == [stored[2], stored[1]]

    def test_latest_of_a_kind(self, storage: Storage) -> None:
        history = storage.repos.authentication_history
        assert history.latest() is None
        integrated = history.append(self.entry(0, AuthEvent.INTEGRATED, org="00DA"))
        history.append(self.entry(5, AuthEvent.REMOVED, org="00DA"))
        failed = history.append(
            AuthenticationHistoryEntry(
                occurred_at=START + timedelta(minutes=9),
                event=AuthEvent.FAILED,
                org_id=None,
                org_name=None,
                username=None,
                instance_url=None,
                detail="access_denied",
            )
        )

        assert history.latest() == failed
        assert history.latest(event=AuthEvent.INTEGRATED) == integrated
        assert history.latest(event=AuthEvent.REFRESHED) is None


class TestPendingAuthorizations:
    def request(self, state: str = "state-1", minutes: int = 10) -> PendingAuthorization:
        return PendingAuthorization(
            state=state,
            code_verifier=SecretStr(f"verifier-{state}-" + "x" * 43),
            redirect_to="/integration",
            created_at=START,
            expires_at=START + timedelta(minutes=minutes),
            requested_by="admin",
        )

    def test_a_state_is_usable_exactly_once(self, storage: Storage) -> None:
        pending = storage.repos.pending_authorizations
        pending.add(self.request())

        taken = pending.take("state-1")

        assert taken == self.request()
        assert taken is not None
        assert taken.code_verifier.get_secret_value().startswith("verifier-state-1-")
        assert pending.take("state-1") is None
        assert pending.take("never-issued") is None

    def test_an_expired_state_gives_nothing_and_is_gone(self, storage: Storage) -> None:
        pending = storage.repos.pending_authorizations
        pending.add(self.request(minutes=10))
        storage.clock.advance(timedelta(minutes=10))

        assert pending.take("state-1") is None
        storage.clock.set(START)
        assert pending.take("state-1") is None

    def test_a_state_cannot_be_added_twice(self, storage: Storage) -> None:
        storage.repos.pending_authorizations.add(self.request())

        with pytest.raises(ValueError, match="already pending"):
            storage.repos.pending_authorizations.add(self.request())

    def test_purge_removes_only_expired_requests(self, storage: Storage) -> None:
        pending = storage.repos.pending_authorizations
        pending.add(self.request("short", minutes=1))
        pending.add(self.request("long", minutes=60))
        storage.clock.advance(timedelta(minutes=5))

        assert pending.purge_expired() == 1
        assert pending.take("short") is None
        assert pending.take("long") is not None


class TestTokens:
    def tokens(self, access: str = "access-1", refresh: str | None = "refresh-1") -> TokenSet:
        return TokenSet(
            access_token=SecretStr(access),
            refresh_token=SecretStr(refresh) if refresh is not None else None,
            instance_url="https://acme.my.salesforce.com",
            org_id="00D000000000001EAA",
            user_id="005000000000001AAA",
            issued_at=START,
        )

    def test_save_load_replace_and_clear(self, storage: Storage) -> None:
        tokens = storage.repos.tokens
        assert tokens.load() is None

        tokens.save(self.tokens())
        assert tokens.load() == self.tokens()

        tokens.save(self.tokens(access="access-2", refresh=None))
        loaded = tokens.load()
        assert loaded == self.tokens(access="access-2", refresh=None)
        assert loaded is not None and loaded.refresh_token is None

        assert tokens.clear() is True
        assert tokens.load() is None
        assert tokens.clear() is False

    def test_loaded_tokens_are_secrets(self, storage: Storage) -> None:
        storage.repos.tokens.save(self.tokens(access="very-secret-access"))

        loaded = storage.repos.tokens.load()

        assert loaded is not None
        assert isinstance(loaded.access_token, SecretStr)
        assert "very-secret-access" not in repr(loaded)


def error(
    minutes: int,
    code: str,
    *,
    source: ErrorSource = ErrorSource.ACTIVITY,
    sobject: str = "Task",
    org_id: str = "00D1",
    message: str = "Something failed",
) -> IntegrationErrorEntry:
    return IntegrationErrorEntry(
        occurred_at=START + timedelta(minutes=minutes),
        source=source,
        miitel_record_id=f"rec-{minutes}",
        sobject=sobject,
        operation=SyncOperation.CREATE,
        status_code=code,
        message=message,
        fields=("Memo__c", "Transcript__c"),
        org_id=org_id,
    )


class TestIntegrationErrors:
    @pytest.fixture
    def logged(self, storage: Storage) -> list[IntegrationErrorEntry]:
        log = storage.repos.integration_errors
        day = 24 * 60
        return [
            log.append(error(0, "INVALID_FIELD", message="No such column 'Memo__c'")),
            log.append(
                error(30, "REQUIRED_FIELD_MISSING", source=ErrorSource.VIDEO, sobject="Event")
            ),
            log.append(error(day, "INVALID_FIELD", org_id="00D2")),
            log.append(error(day + 5, "INSUFFICIENT_ACCESS", message="100% of 5_x denied")),
            log.append(error(2 * day, "INVALID_FIELD")),
        ]

    def test_a_page_is_newest_first_with_the_total(
        self, storage: Storage, logged: list[IntegrationErrorEntry]
    ) -> None:
        page = storage.repos.integration_errors.page(limit=2, offset=0)

        assert page.entries == (logged[4], logged[3])
        assert page.total == 5
        last = storage.repos.integration_errors.page(limit=2, offset=4)
        assert last.entries == (logged[0],)
        assert storage.repos.integration_errors.page(limit=2, offset=10).entries == ()

    def test_entries_come_back_whole(
        self, storage: Storage, logged: list[IntegrationErrorEntry]
    ) -> None:
        page = storage.repos.integration_errors.page(
            filter=ErrorLogFilter(source=ErrorSource.VIDEO)
        )

        assert page.entries == (logged[1],)
        assert page.entries[0].fields == ("Memo__c", "Transcript__c")
        assert page.entries[0].occurred_at.tzinfo is UTC

    @pytest.mark.parametrize(
        ("filter", "expected"),
        [
            (ErrorLogFilter(status_code="INVALID_FIELD"), [4, 2, 0]),
            (ErrorLogFilter(org_id="00D2"), [2]),
            (ErrorLogFilter(sobject="Event"), [1]),
            (ErrorLogFilter(since=START + timedelta(days=1)), [4, 3, 2]),
            (ErrorLogFilter(until=START + timedelta(minutes=30)), [0]),
            (ErrorLogFilter(text="no such COLUMN"), [0]),
            (ErrorLogFilter(text="100% of 5_x"), [3]),
            (ErrorLogFilter(text="%"), [3]),
            (
                ErrorLogFilter(
                    status_code="INVALID_FIELD",
                    since=START + timedelta(days=1),
                    until=START + timedelta(days=2),
                ),
                [2],
            ),
        ],
    )
    def test_filters_select_in_storage(
        self,
        storage: Storage,
        logged: list[IntegrationErrorEntry],
        filter: ErrorLogFilter,
        expected: list[int],
    ) -> None:
        page = storage.repos.integration_errors.page(filter=filter)

        assert page.entries == tuple(logged[i] for i in expected)
        assert page.total == len(expected)

    def test_counts_by_code_and_by_day(
        self, storage: Storage, logged: list[IntegrationErrorEntry]
    ) -> None:
        log = storage.repos.integration_errors

        assert log.counts_by_code() == [
            CodeCount("INVALID_FIELD", 3),
            CodeCount("INSUFFICIENT_ACCESS", 1),
            CodeCount("REQUIRED_FIELD_MISSING", 1),
        ]
        assert log.counts_by_day() == [
            DayCount(date(2025, 4, 1), 2),
            DayCount(date(2025, 4, 2), 2),
            DayCount(date(2025, 4, 3), 1),
        ]
        assert log.counts_by_code(filter=ErrorLogFilter(source=ErrorSource.VIDEO)) == [
            CodeCount("REQUIRED_FIELD_MISSING", 1)
        ]

    def test_distinct_objects_follow_the_filter(
        self, storage: Storage, logged: list[IntegrationErrorEntry]
    ) -> None:
        log = storage.repos.integration_errors

        assert log.distinct_objects() == ["Event", "Task"]
        assert log.distinct_objects(filter=ErrorLogFilter(status_code="INVALID_FIELD")) == ["Task"]
        assert log.distinct_objects(filter=ErrorLogFilter(org_id="nobody")) == []

    def test_codes_since_a_time_and_the_new_ones(
        self, storage: Storage, logged: list[IntegrationErrorEntry]
    ) -> None:
        log = storage.repos.integration_errors
        since = START + timedelta(days=1)

        assert log.distinct_codes_since(since) == ["INSUFFICIENT_ACCESS", "INVALID_FIELD"]
        assert log.new_codes_since(since) == ["INSUFFICIENT_ACCESS"]
        assert log.new_codes_since(START + timedelta(days=3)) == []

    @pytest.mark.parametrize(("limit", "offset"), [(0, 0), (1001, 0), (10, -1)])
    def test_page_bounds_are_checked(self, storage: Storage, limit: int, offset: int) -> None:
        with pytest.raises(ValueError):
            storage.repos.integration_errors.page(limit=limit, offset=offset)


class TestSyncAndAuditLogs:
    def test_sync_log_newest_first_by_source(self, storage: Storage) -> None:
        log = storage.repos.sync_log
        written = log.append(
            SyncLogEntry(
                occurred_at=START,
                source=ErrorSource.ACTIVITY,
                miitel_record_id="call-1",
                sobject="Task",
                outcome=SyncOutcome.WRITTEN,
                salesforce_id="00T000000000001AAA",
                org_id="00D1",
            )
        )
        skipped = log.append(
            SyncLogEntry(
                occurred_at=START + timedelta(minutes=1),
                source=ErrorSource.VIDEO,
                miitel_record_id="meeting-1",
                sobject="Event",
                outcome=SyncOutcome.SKIPPED,
                detail="Video history integration is disabled",
            )
        )

        assert log.recent() == [skipped, written]
        assert log.recent(source=ErrorSource.ACTIVITY) == [written]
        assert log.recent(limit=1) == [skipped]

    def test_audit_log_newest_first_by_actor(self, storage: Storage) -> None:
        log = storage.repos.audit
        entries = [
            log.append(
                AuditEntry(
                    occurred_at=START + timedelta(seconds=i),
                    actor=actor,
                    action=action,
                    outcome=outcome,
                    detail=f"#{i}",
                )
            )
            for i, (actor, action, outcome) in enumerate(
                [
                    ("admin", AuditAction.REMOVE_INTEGRATION, AuditOutcome.SUCCEEDED),
                    ("viewer", AuditAction.RESTORE_SETTINGS, AuditOutcome.DENIED),
                    ("admin", AuditAction.RESTORE_SETTINGS, AuditOutcome.FAILED),
                ]
            )
        ]

        assert log.recent() == list(reversed(entries))
        assert log.recent(actor="admin") == [entries[2], entries[0]]
        assert log.recent(actor="nobody") == []


class TestPreferences:
    def test_a_user_without_a_choice_has_none(self, storage: Storage) -> None:
        assert storage.repos.preferences.language_of("admin") is None

    def test_a_choice_is_kept_per_user_and_replaced_by_the_next(self, storage: Storage) -> None:
        storage.repos.preferences.set_language("admin", "ja", at=storage.clock.now())
        storage.repos.preferences.set_language("viewer", "en", at=storage.clock.now())
        storage.repos.preferences.set_language("admin", "en", at=storage.clock.now())
        assert storage.repos.preferences.language_of("admin") == "en"
        assert storage.repos.preferences.language_of("viewer") == "en"
