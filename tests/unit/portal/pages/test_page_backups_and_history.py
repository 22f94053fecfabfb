"""The Backups page (latest, history, side-by-side comparison, JSON download) and the
Authentication history page (history and audit log)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from page_helpers import ADMIN, PASSWORDS, texts

from portal.bootstrap import Portal
from portal.domain.backup import BackupSnapshot
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.settings import IntegrationSettings

TAKEN = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)


def backup(portal: Portal, settings: IntegrationSettings, *, taken: datetime) -> int:
    stored = portal.storage.repositories.backups.save_latest(
        BackupSnapshot.capture(
            settings=settings,
            taken_at=taken,
            org_id="00D000000000001AAA",
            org_name="Acme Japan",
            username="miitel@acme-japan.example",
            instance_url="https://acme.example",
        )
    )
    return stored.id


@pytest.fixture
def two_backups(absent_portal: Portal) -> tuple[Portal, int, int]:
    first = IntegrationSettings.default()
    second = replace(
        first,
        activity_history=replace(first.activity_history, enabled=True),
        video_history=replace(first.video_history, subject="[MiiTel Meetings] {title}"),
    )
    older = backup(absent_portal, first, taken=TAKEN)
    newer = backup(absent_portal, second, taken=TAKEN + timedelta(days=30))
    return absent_portal, older, newer


def test_no_backup_yet_says_how_one_is_taken(page_app, absent_portal: Portal):
    app = page_app("backups.py", absent_portal).run()

    assert not app.exception
    assert 'There is no backup yet. "Remove integration" takes one' in texts(app)


def test_the_latest_backup_and_the_history_are_shown(page_app, two_backups):
    portal, older, newer = two_backups
    app = page_app("backups.py", portal).run()

    assert not app.exception
    shown = texts(app)
    assert f"**Backup #{newer}**, taken 2026/05/01 08:30 UTC from **Acme Japan**" in shown
    assert "**Activity history integration**: enabled" in shown
    history = app.dataframe[0].value
    assert list(history["Backup"]) == [f"#{newer}", f"#{older}"]


def test_two_backups_are_compared_side_by_side(page_app, two_backups):
    portal, older, newer = two_backups
    app = page_app("backups.py", portal).run()

    table = app.dataframe[1].value
    assert list(table.columns) == ["Tab", "Setting", f"Backup #{older}", f"Backup #{newer}"]
    rows = {(r["Tab"], r[f"Backup #{newer}"]) for _, r in table.iterrows()}
    assert ("Video history integration", "[MiiTel Meetings] {title}") in rows
    assert len(app.get("json")) == 2  # both backups in full


def test_each_backup_downloads_as_its_json(page_app, two_backups):
    portal, older, _newer = two_backups
    app = page_app("backups.py", portal).run()
    app.selectbox(key="backups.download.choice").select(older).run()

    assert not app.exception
    [button] = app.get("download_button")
    assert button.proto.label == f"Download backup #{older} (JSON)"
    assert json.loads(portal.backups.as_json(backup_id=older))["org_id"] == "00D000000000001AAA"


def test_authentication_history_and_the_audit_log(page_app, absent_portal: Portal):
    absent_portal.storage.repositories.authentication_history.append(
        AuthenticationHistoryEntry(
            occurred_at=TAKEN,
            event=AuthEvent.INTEGRATED,
            org_id="00D000000000001AAA",
            org_name="Acme Japan",
            username="miitel@acme-japan.example",
            instance_url="https://acme.example",
            detail="Integrated by admin.",
        )
    )
    absent_portal.access.login(username="admin", password=PASSWORDS["admin"], client_key="t")
    app = page_app("authentication_history.py", absent_portal, actor=ADMIN).run()

    assert not app.exception
    assert [t.label for t in app.tabs] == ["Authentication history", "Portal audit log"]
    history, audit = (frame.value for frame in app.dataframe)
    assert list(history["Event"]) == ["Integrated"]
    assert list(history["User"]) == ["miitel@acme-japan.example"]
    assert "Log In" in set(audit["Action"])
    assert set(audit["Portal user"]) == {"admin"}
