"""Step 7 through the service: the domain's rules applied to the stored settings in one unit
of work, only with the backup the person previewed."""

from __future__ import annotations

from dataclasses import replace

import pytest
from service_fakes import ADMIN, VIEWER, World, sample_settings

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.restore import restore_from_backup
from portal.domain.settings import BasicSettings, IntegrationSettings, SettingsArea
from portal.domain.steps import StepStatus
from portal.services.errors import BackupChanged, NotAllowed


def _removed_with(world: World, settings: IntegrationSettings) -> None:
    world.storage.repositories.settings.save(settings)
    world.integrate()
    world.portal.removal.remove(actor=ADMIN)


def test_without_a_backup_there_is_nothing_to_restore(world: World) -> None:
    preview = world.portal.restore.preview()
    assert preview.available is False and preview.backup is None

    restored = world.portal.restore.restore(actor=ADMIN, expected_backup_id=None)

    assert restored.result.branch == "7-no-backup"
    assert restored.result.status is StepStatus.ACTION_NEEDED
    assert '"Activity history assignee"' in restored.result.message
    assert world.portal.settings.current() == IntegrationSettings.default()


def test_preview_lists_every_change_and_restore_applies_the_domain_rules(world: World) -> None:
    backed_up = sample_settings(activity_enabled=True, video_enabled=False)
    _removed_with(world, backed_up)
    changed = replace(
        IntegrationSettings.default(), basic=BasicSettings(turn_off_contact_retrieval=True)
    )
    world.storage.repositories.settings.save(changed)

    preview = world.portal.restore.preview()
    assert preview.available and preview.backup is not None
    expected = restore_from_backup(current=changed, backup=preview.backup.snapshot)
    assert preview.changes == expected.changes and preview.changes

    restored = world.portal.restore.restore(actor=ADMIN, expected_backup_id=preview.backup.id)

    assert restored.result.status is StepStatus.OK and restored.result.branch == "7-backup"
    current = world.portal.settings.current()
    assert current == expected.settings
    assert current.activity_history == backed_up.activity_history
    assert current.video_history.enabled is False
    assert current.basic.turn_off_contact_retrieval is True  # never restored
    audit = world.portal.audit.recent()[0]
    assert (audit.action, audit.outcome) == (AuditAction.RESTORE_SETTINGS, AuditOutcome.SUCCEEDED)
    assert world.portal.restore.status().status is StepStatus.OK


def test_restore_refuses_when_the_backup_changed_since_the_preview(world: World) -> None:
    _removed_with(world, sample_settings())
    preview = world.portal.restore.preview()
    assert preview.backup is not None
    world.integrate()
    world.storage.repositories.settings.save(sample_settings(flavour="b"))
    world.portal.removal.remove(actor=ADMIN)
    before = world.portal.settings.current()

    with pytest.raises(BackupChanged) as raised:
        world.portal.restore.restore(actor=ADMIN, expected_backup_id=preview.backup.id)

    assert "changed since you opened the preview" in raised.value.user_message
    assert world.portal.settings.current() == before


class _Broken(Exception):
    pass


def test_a_failure_part_way_leaves_everything_as_it_was(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _removed_with(world, sample_settings(activity_enabled=False))
    world.storage.repositories.settings.save(IntegrationSettings.default())
    before_settings = world.portal.settings.current()
    before_audit = world.portal.audit.recent()
    backup = world.portal.backups.latest()
    assert backup is not None

    def failing_append(self: object, entry: object) -> object:
        raise _Broken("the disk is full")

    with monkeypatch.context() as patched:
        patched.setattr(type(world.storage.repositories.audit), "append", failing_append)
        with pytest.raises(_Broken):
            world.portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id)

    assert world.portal.settings.current() == before_settings
    assert world.portal.audit.recent() == before_audit
    assert 7 not in world.storage.repositories.progress.all()


def test_viewers_cannot_restore(world: World) -> None:
    _removed_with(world, sample_settings())
    backup = world.portal.backups.latest()
    assert backup is not None
    with pytest.raises(NotAllowed):
        world.portal.restore.restore(actor=VIEWER, expected_backup_id=backup.id)
    assert world.portal.settings.current().activity_history.enabled is True


def test_restore_never_deletes_a_backup(world: World) -> None:
    _removed_with(world, sample_settings())
    backup = world.portal.backups.latest()
    assert backup is not None
    world.portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id)
    assert [b.id for b in world.portal.backups.history()] == [backup.id]
    assert {a.area for a in world.portal.restore.preview().areas} == set(SettingsArea)
