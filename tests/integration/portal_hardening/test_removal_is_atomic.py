"""Issue 4, step 2 over real HTTPS and a real DuckDB file: "Remove integration" is one
transaction (a failure part way leaves everything as it was), and when Salesforce cannot revoke
the tokens the removal still completes locally, the backup is kept and the failure is logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hardening_support import ADMIN, admin_settings, browser_sign_in, set_faults

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.duckdb_auth import DuckDbAuthenticationHistoryRepository
from portal.adapters.duckdb_logs import DuckDbAuditRepository
from portal.bootstrap import Portal, build_portal
from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent

Scenario = Callable[..., list[SeededOrg]]


def _everything(portal: Portal) -> tuple[Any, ...]:
    """All the state a removal touches, to compare before and after."""
    repos = portal.storage.repositories
    return (
        repos.settings.load(),
        repos.backups.history(limit=1000),
        repos.tokens.load(),
        [(slot, repos.token_slots.load(slot)) for slot in repos.token_slots.slots(prefix="")],
        repos.authentication_history.recent(limit=1000),
        repos.audit.recent(limit=1000),
        repos.progress.all(),
    )


@pytest.fixture
def integrated(
    world: Scenario, portal: Portal, config: PortalConfig, mock_server: ThreadedMockServer
) -> SeededOrg:
    [org] = world("default")
    assert browser_sign_in(portal, config, org.integration_user, mock_server).succeeded
    portal.storage.repositories.settings.save(admin_settings(org))
    portal.integration.current()  # step 1 recorded, as a person would have done
    return org


@pytest.mark.parametrize(
    "failing",
    [DuckDbAuthenticationHistoryRepository, DuckDbAuditRepository],
    ids=["history-write-fails", "audit-write-fails"],
)
def test_a_failure_part_way_through_remove_leaves_everything_as_it_was(
    integrated: SeededOrg,
    portal: Portal,
    config: PortalConfig,
    mock_server: ThreadedMockServer,
    failing: type,
) -> None:
    before = _everything(portal)
    tokens = before[2]
    assert tokens is not None and tokens.refresh_token is not None

    def disk_full(self: object, entry: object) -> object:
        raise OSError("No space left on device")

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(failing, "append", disk_full)
        with pytest.raises(OSError):
            portal.removal.remove(actor=ADMIN)
    portal.close()

    reopened = build_portal(config=config)
    try:
        # Nothing of the removal is in the file: no backup, still integrated, no parked tokens.
        assert _everything(reopened) == before
        # Salesforce never heard of it either: the connection still works.
        assert mock_server.backend.oauth.refresh_tokens.find(
            tokens.refresh_token.get_secret_value()
        )
        assert reopened.integration.current().status.live is True

        removal = reopened.removal.remove(actor=ADMIN)
        assert removal.revoked and removal.backup is not None
        assert [b.id for b in reopened.backups.history()] == [removal.backup.id]
    finally:
        reopened.close()


def test_when_salesforce_cannot_revoke_the_removal_still_completes_locally(
    integrated: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    retry_waits: list[float],
) -> None:
    tokens = portal.storage.repositories.tokens.load()
    assert tokens is not None and tokens.refresh_token is not None
    settings = portal.settings.current()
    set_faults(mock_server, error_rate=1.0, error_status=503, paths=["/services/oauth2/revoke"])

    removal = portal.removal.remove(actor=ADMIN)

    # Removed in the portal, with the backup of the three tabs.
    assert removal.result.branch == "2-integrated"
    assert removal.backup is not None
    assert removal.backup.snapshot.activity_history == settings.activity_history
    assert removal.backup.snapshot.assignee == settings.assignee
    assert portal.storage.repositories.tokens.load() is None
    assert portal.storage.repositories.token_slots.slots(prefix="") == []
    # The person is told, and told what to do.
    assert removal.revoked is False
    assert removal.warning is not None
    assert "did not confirm" in removal.warning and "Revoke" in removal.warning
    # Logged: history and audit say the revoke failed after the removal succeeded.
    events = [e.event for e in portal.history.recent()[:2]]
    assert events == [AuthEvent.FAILED, AuthEvent.REMOVED]
    outcomes = [(e.action, e.outcome) for e in portal.audit.recent()[:2]]
    assert outcomes == [
        (AuditAction.REMOVE_INTEGRATION, AuditOutcome.FAILED),
        (AuditAction.REMOVE_INTEGRATION, AuditOutcome.SUCCEEDED),
    ]
    # The revoke is a write: sent once, never retried.
    assert set_faults(mock_server)["requests_failed"] == 1
    assert retry_waits == []
    assert mock_server.backend.oauth.refresh_tokens.find(tokens.refresh_token.get_secret_value())
    # Restore still has its backup.
    assert portal.restore.preview().available
