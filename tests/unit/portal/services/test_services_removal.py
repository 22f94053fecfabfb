"""Step 2, "Remove integration": backup first, then revoke; nothing lost if revoking fails or
the process dies in between."""

from __future__ import annotations

import pytest
from service_fakes import ADMIN, VIEWER, World, sample_settings

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.gateway_errors import SalesforceUnavailable
from portal.domain.history import AuthEvent
from portal.domain.steps import StepStatus
from portal.services.connections import REVOKE_PREFIX
from portal.services.errors import NotAllowed


def _integrated_with_settings(world: World) -> None:
    world.integrate()
    world.storage.repositories.settings.save(sample_settings(video_enabled=False))


def test_remove_backs_up_the_three_tabs_then_revokes(world: World) -> None:
    _integrated_with_settings(world)
    tokens = world.storage.repositories.tokens.load()
    assert tokens is not None and tokens.refresh_token is not None

    removal = world.portal.removal.remove(actor=ADMIN)

    assert removal.result.status is StepStatus.OK and removal.result.branch == "2-integrated"
    assert removal.revoked and removal.warning is None
    backup = world.portal.backups.latest()
    assert backup is not None and removal.backup is not None
    assert backup.id == removal.backup.id
    settings = world.portal.settings.current()
    assert backup.snapshot.activity_history == settings.activity_history
    assert backup.snapshot.video_history == settings.video_history
    assert backup.snapshot.video_history.enabled is False
    assert backup.snapshot.assignee == settings.assignee
    assert (backup.snapshot.org_name, backup.snapshot.username) == (
        "Acme Japan",
        "miitel@acme.example",
    )
    assert world.storage.repositories.tokens.load() is None
    assert world.salesforce.oauth.revoked == [tokens.refresh_token.get_secret_value()]
    assert world.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
    assert world.portal.history.recent()[0].event is AuthEvent.REMOVED
    audit = world.portal.audit.recent()[0]
    assert (audit.action, audit.outcome) == (AuditAction.REMOVE_INTEGRATION, AuditOutcome.SUCCEEDED)


def test_a_newer_backup_replaces_the_latest_and_the_older_stays_in_history(world: World) -> None:
    _integrated_with_settings(world)
    first = world.portal.removal.remove(actor=ADMIN).backup
    world.integrate()
    world.storage.repositories.settings.save(sample_settings(flavour="b"))

    second = world.portal.removal.remove(actor=ADMIN).backup

    latest = world.portal.backups.latest()
    assert first is not None and second is not None and latest is not None
    assert latest.id == second.id
    assert [b.id for b in world.portal.backups.history()] == [second.id, first.id]


def test_when_revoking_fails_the_removal_still_stands(world: World) -> None:
    _integrated_with_settings(world)
    world.salesforce.oauth.revoke_error = SalesforceUnavailable(
        error_code="CONNECTION_FAILED", user_message="Salesforce could not be reached."
    )

    removal = world.portal.removal.remove(actor=ADMIN)

    assert removal.result.status is StepStatus.OK
    assert removal.revoked is False
    assert removal.warning is not None and "could not be reached" in removal.warning
    assert world.portal.backups.latest() is not None
    assert world.storage.repositories.tokens.load() is None
    assert world.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
    events = [entry.event for entry in world.portal.history.recent()]
    assert events[:2] == [AuthEvent.FAILED, AuthEvent.REMOVED]
    outcomes = [(e.action, e.outcome) for e in world.portal.audit.recent()[:2]]
    assert outcomes == [
        (AuditAction.REMOVE_INTEGRATION, AuditOutcome.FAILED),
        (AuditAction.REMOVE_INTEGRATION, AuditOutcome.SUCCEEDED),
    ]


def test_dying_between_backup_and_revoke_loses_nothing(world: World) -> None:
    _integrated_with_settings(world)
    tokens = world.storage.repositories.tokens.load()
    assert tokens is not None and tokens.refresh_token is not None

    def die() -> None:
        raise SystemExit("killed")

    world.salesforce.oauth.revoke_hook = die
    with pytest.raises(SystemExit):
        world.portal.removal.remove(actor=ADMIN)

    backup = world.portal.backups.latest()
    assert backup is not None
    assert backup.snapshot.activity_history == world.portal.settings.current().activity_history
    assert world.storage.repositories.tokens.load() is None
    assert len(world.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX)) == 1

    world.salesforce.oauth.revoke_hook = None
    again = world.portal.removal.remove(actor=ADMIN)

    assert again.result.branch == "2-not-integrated"
    assert again.backup is None
    assert "interrupted removal" in again.result.message
    assert world.salesforce.oauth.revoked == [tokens.refresh_token.get_secret_value()]
    assert world.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
    assert [b.id for b in world.portal.backups.history()] == [backup.id]


def test_removing_without_an_integration_changes_nothing(world: World) -> None:
    removal = world.portal.removal.remove(actor=ADMIN)
    assert removal.result.branch == "2-not-integrated"
    assert removal.backup is None
    assert world.portal.backups.latest() is None


def test_viewers_cannot_remove(world: World) -> None:
    world.integrate()
    with pytest.raises(NotAllowed):
        world.portal.removal.remove(actor=VIEWER)
    assert world.storage.repositories.tokens.load() is not None
    assert world.portal.backups.latest() is None


def test_step_2_check_says_whether_there_is_something_to_remove(world: World) -> None:
    assert world.portal.removal.status().branch == "2-not-integrated"
    world.integrate()
    status = world.portal.removal.status()
    assert status.branch == "2-integrated" and status.status is StepStatus.ACTION_NEEDED
