"""The procedure as data, step results, log entries and secrets that never show."""

from __future__ import annotations

import logging
import pickle
from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import (
    ErrorLogFilter,
    ErrorSource,
    IntegrationErrorEntry,
    SyncOperation,
)
from portal.domain.oauth import PendingAuthorization, TokenSet
from portal.domain.procedure import PROCEDURE, procedure_step_by_number
from portal.domain.secret import SecretStr
from portal.domain.steps import StepResult, StepStatus

NOW = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)

# The table of contents of procedure.txt, word for word.
DOCUMENT_TITLES = [
    "Check the Salesforce Org and user to re-integrate",
    "Remove the MiiTel from Salesforce",
    "Check the connected application in Salesforce",
    "Check the permissions of the Salesforce user confirmed in step 1",
    "Re-integrate MiiTel with Salesforce",
    "Install the Connected App “MiiTel” in the integrated Salesforce Org",
    "Restore the settings prior to integration removal",
    "Check the settings for Activity History integration, Meeting History integration, and "
    "Activity History assignment destination",
    "If you do not retrieve contacts",
    "Check for external integration errors",
]


class TestProcedure:
    def test_ten_steps_numbered_and_titled_as_the_document(self) -> None:
        assert [step.number for step in PROCEDURE] == list(range(1, 11))
        assert [step.title for step in PROCEDURE] == DOCUMENT_TITLES
        assert all(step.instructions for step in PROCEDURE)

    def test_step_3_branches_lead_where_the_document_says(self) -> None:
        step = procedure_step_by_number(3)

        assert step.branch("3-1").next_step == 4
        assert "Unblock" in step.branch("3-2-1").instruction
        assert step.branch("3-2-2").next_step == 5

    def test_every_branch_leads_to_a_real_step(self) -> None:
        for step in PROCEDURE:
            for branch in step.branches:
                assert branch.next_step is None or 1 <= branch.next_step <= 10

    def test_unknown_steps_and_branches_are_errors(self) -> None:
        with pytest.raises(KeyError):
            procedure_step_by_number(11)
        with pytest.raises(KeyError):
            procedure_step_by_number(3).branch("3-9")

    def test_restore_notes_keep_the_documents_rules(self) -> None:
        notes = " ".join(procedure_step_by_number(7).notes)

        assert "will all be overwritten" in notes
        assert "reset to their default state" in notes
        assert "will not be restored" in notes


class TestStepResult:
    def test_a_result_takes_the_steps_title_and_the_branchs_next_step(self) -> None:
        result = StepResult.of(
            step=3,
            status=StepStatus.ACTION_NEEDED,
            message="MiiTel is blocked in this org.",
            branch="3-2-1",
        )

        assert result.title == "Check the connected application in Salesforce"
        assert result.next_step == 5
        assert result.branch == "3-2-1"

    def test_an_explicit_next_step_wins(self) -> None:
        result = StepResult.of(step=3, status=StepStatus.OK, message="", branch="3-1", next_step=6)

        assert result.next_step == 6

    def test_an_unknown_branch_is_a_programming_error(self) -> None:
        with pytest.raises(KeyError):
            StepResult.of(step=1, status=StepStatus.OK, message="", branch="3-1")


class TestEntries:
    def test_timestamps_must_be_timezone_aware(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            AuditEntry(
                occurred_at=datetime(2025, 1, 1),
                actor="admin",
                action=AuditAction.RESTORE_SETTINGS,
                outcome=AuditOutcome.SUCCEEDED,
            )
        with pytest.raises(ValueError, match="timezone-aware"):
            AuthenticationHistoryEntry(
                occurred_at=datetime(2025, 1, 1),
                event=AuthEvent.FAILED,
                org_id=None,
                org_name=None,
                username=None,
                instance_url=None,
            )

    def test_error_log_filter_matches_every_criterion(self) -> None:
        entry = IntegrationErrorEntry(
            occurred_at=NOW,
            source=ErrorSource.ACTIVITY,
            miitel_record_id="call-1",
            sobject="Task",
            operation=SyncOperation.CREATE,
            status_code="INVALID_FIELD",
            message="No such column 'Memo__c' on entity 'Task'",
            fields=["Memo__c"],  # type: ignore[arg-type]
            org_id="00D1",
        )

        assert entry.fields == ("Memo__c",)
        assert ErrorLogFilter().matches(entry)
        assert ErrorLogFilter(since=NOW, until=NOW + timedelta(seconds=1)).matches(entry)
        assert not ErrorLogFilter(until=NOW).matches(entry)
        assert not ErrorLogFilter(since=NOW + timedelta(microseconds=1)).matches(entry)
        assert ErrorLogFilter(text="no such COLUMN").matches(entry)
        assert not ErrorLogFilter(source=ErrorSource.VIDEO).matches(entry)
        assert not ErrorLogFilter(status_code="REQUIRED_FIELD_MISSING").matches(entry)
        assert not ErrorLogFilter(sobject="Event").matches(entry)
        assert not ErrorLogFilter(org_id="00D2").matches(entry)

    def test_pending_authorization_expires_at_its_expiry(self) -> None:
        request = PendingAuthorization(
            state="s",
            code_verifier=SecretStr("v"),
            redirect_to="/",
            created_at=NOW,
            expires_at=NOW + timedelta(minutes=10),
        )

        assert not request.is_expired(now=NOW + timedelta(minutes=9, seconds=59))
        assert request.is_expired(now=NOW + timedelta(minutes=10))

    def test_a_pending_authorization_must_expire_after_it_was_created(self) -> None:
        with pytest.raises(ValueError, match="after created_at"):
            PendingAuthorization(
                state="s",
                code_verifier=SecretStr("v"),
                redirect_to="/",
                created_at=NOW,
                expires_at=NOW,
            )


class TestSecrets:
    TOKEN = "00D5g000000XyZ1!AQ8AQHsecretaccesstoken"

    def test_a_secret_never_shows_in_repr_str_format_or_logs(
        self, caplog: pytest.LogCaptureFixture
    ) -> None:
        secret = SecretStr(self.TOKEN)
        tokens = TokenSet(
            access_token=secret,
            refresh_token=SecretStr("5Aep861refresh"),
            instance_url="https://acme.my.salesforce.com",
            org_id="00D",
            user_id="005",
            issued_at=NOW,
        )

        with caplog.at_level(logging.INFO):
            logging.getLogger("test").info("tokens %s %r", tokens, secret)
            logging.getLogger("test").info(f"{secret} {tokens!r}")

        for shown in (repr(secret), str(secret), f"{secret}", repr(tokens), caplog.text):
            assert self.TOKEN not in shown
            assert "5Aep861refresh" not in shown
        assert "**********" in repr(tokens)
        assert secret.get_secret_value() == self.TOKEN

    def test_secrets_compare_by_value_and_survive_pickling(self) -> None:
        assert SecretStr("a") == SecretStr("a")
        assert SecretStr("a") != SecretStr("b")
        assert pickle.loads(pickle.dumps(SecretStr("a"))) == SecretStr("a")

    def test_only_strings_are_secrets(self) -> None:
        with pytest.raises(TypeError):
            SecretStr(123)  # type: ignore[arg-type]
