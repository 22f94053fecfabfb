"""The whole re-integration procedure against the mock org's default scenario: every step's
service over real HTTPS, real simple-salesforce and a real DuckDB file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest
from portal_services_support import ADMIN, acme_settings, browser_sign_in

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.duckdb_logs import DuckDbAuditRepository
from portal.bootstrap import Portal, build_portal
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.mock_org import Consent
from portal.domain.settings import (
    IntegrationSettings,
)
from portal.domain.steps import StepStatus
from portal.services.checks import ConnectedAppStatus
from portal.services.connections import CHECK_SLOT, REVOKE_PREFIX
from portal.services.integration import CallbackKind, SignInPurpose


def _configure(portal: Portal, org: SeededOrg) -> IntegrationSettings:
    settings = acme_settings(org)
    for saved in (
        portal.settings.save_activity_history(actor=ADMIN, settings=settings.activity_history),
        portal.settings.save_video_history(actor=ADMIN, settings=settings.video_history),
        portal.settings.save_assignee(actor=ADMIN, settings=settings.assignee),
    ):
        assert saved.saved, saved.problems
    return portal.settings.current()


def test_the_whole_procedure_in_the_default_org(
    world: Callable[..., list[SeededOrg]],
    portal: Portal,
    config: PortalConfig,
    mock_server: ThreadedMockServer,
) -> None:
    [org] = world("default")
    assert browser_sign_in(portal, config, org.integration_user).kind is CallbackKind.INTEGRATED
    configured = _configure(portal, org)

    # 1. The org and user to re-integrate, confirmed live.
    step1 = portal.procedure.check(step=1)
    current = portal.integration.current()
    assert step1.status is StepStatus.OK and current.status.live is True
    assert current.status.org_name == "Acme Japan"
    assert current.status.username == org.integration_user.username

    # 2. Remove integration: backup first, then the tokens are revoked at Salesforce.
    old_tokens = portal.storage.repositories.tokens.load()
    assert old_tokens is not None and old_tokens.refresh_token is not None
    removal = portal.removal.remove(actor=ADMIN)
    assert removal.revoked and removal.backup is not None
    assert removal.backup.snapshot.activity_history == configured.activity_history
    assert removal.backup.snapshot.video_history == configured.video_history
    assert removal.backup.snapshot.assignee == configured.assignee
    assert (
        mock_server.backend.oauth.refresh_tokens.find(old_tokens.refresh_token.get_secret_value())
        is None
    )
    assert portal.storage.repositories.tokens.load() is None
    assert portal.procedure.progress().current_step == 3
    # Pressed again (a second browser, say): nothing to remove, and step 2 still names the
    # backup step 7 will restore.
    again = portal.removal.remove(actor=ADMIN)
    assert again.backup is None and "nothing to remove" in again.result.message
    assert f"backup #{removal.backup.id}" in portal.procedure.check(step=2).message

    # 3. The connected app, through the check sign-in of an admin.
    step3 = portal.procedure.check(step=3)
    assert step3.status is StepStatus.ACTION_NEEDED  # no session yet
    signed = browser_sign_in(portal, config, org.admin, purpose=SignInPurpose.CHECK)
    assert signed.kind is CallbackKind.CHECK_SIGNED_IN
    app = portal.checks.connected_app()
    assert app.status is ConnectedAppStatus.INSTALLED
    assert app.result.branch == "3-2-2" and app.result.next_step == 5
    assert app.setup_link == f"{mock_server.http_url}/setup/connected-apps-oauth-usage"

    # 4. The step-1 user's "Approve Uninstalled Connected Apps".
    permission = portal.checks.approve_permission()
    assert permission.granted is True
    assert "the profile “System Administrator”" in permission.result.message

    # 5. Re-integrate; the check sign-in ends with it.
    check_tokens = portal.storage.repositories.token_slots.load(CHECK_SLOT)
    assert check_tokens is not None and check_tokens.refresh_token is not None
    outcome = browser_sign_in(portal, config, org.integration_user)
    assert outcome.kind is CallbackKind.INTEGRATED
    assert outcome.signed_in_as is not None and outcome.signed_in_as.org_name == "Acme Japan"
    assert portal.storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert (
        mock_server.backend.oauth.refresh_tokens.find(check_tokens.refresh_token.get_secret_value())
        is None
    )

    # 6. Installed.
    assert portal.checks.installed().installed is True

    # 7. Restore over settings changed since the removal.
    portal.storage.repositories.settings.save(
        replace(IntegrationSettings.default(), basic=configured.basic)
    )
    preview = portal.restore.preview()
    assert preview.available and preview.changes
    assert preview.backup is not None and preview.backup.id == removal.backup.id
    restored = portal.restore.restore(actor=ADMIN, expected_backup_id=preview.backup.id)
    assert restored.result.status is StepStatus.OK
    assert portal.settings.current().activity_history == configured.activity_history
    assert portal.settings.current().assignee == configured.assignee

    # 8. Every field and user exists and is usable.
    report = portal.validation.validate()
    assert report.problems == () and report.ok

    # 9 and 10.
    assert portal.settings.set_contact_retrieval(actor=ADMIN, turn_off=True).status is (
        StepStatus.OK
    )
    assert portal.procedure.check(step=10).status is StepStatus.OK
    for step in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10):
        portal.procedure.check(step=step)
    assert portal.procedure.progress().complete

    events = [entry.event for entry in portal.history.recent()]
    assert events[:3] == [AuthEvent.INTEGRATED, AuthEvent.REMOVED, AuthEvent.INTEGRATED]


def test_deny_on_the_consent_page_is_explained(
    world: Callable[..., list[SeededOrg]], portal: Portal, config: PortalConfig
) -> None:
    [org] = world("default")
    outcome = browser_sign_in(portal, config, org.integration_user, consent=Consent.DENY)
    assert outcome.kind is CallbackKind.FAILED
    assert '"Deny"' in outcome.result.message
    assert portal.storage.repositories.tokens.load() is None
    assert portal.history.recent()[0].event is AuthEvent.FAILED


def test_a_callback_replayed_from_the_browser_history_is_refused(
    world: Callable[..., list[SeededOrg]], portal: Portal, config: PortalConfig
) -> None:
    import requests

    from portal.adapters.mock_org import sign_in

    [org] = world("default")
    redirect = portal.integration.start(actor=ADMIN)
    browser = requests.Session()
    browser.trust_env = False
    params = sign_in(
        session=browser,
        authorize_url=redirect.url,
        redirect_uri=config.redirect_uri,
        username=org.integration_user.username,
        password=org.integration_user.password,
    )
    browser.close()
    assert portal.integration.complete(actor=ADMIN, query_params=params).succeeded

    replay = portal.integration.complete(actor=ADMIN, query_params=params)

    assert replay.kind is CallbackKind.FAILED
    assert "already used or expired" in replay.result.message


def test_restore_is_one_transaction_in_the_database_file(
    world: Callable[..., list[SeededOrg]],
    portal: Portal,
    config: PortalConfig,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    [org] = world("default")
    browser_sign_in(portal, config, org.integration_user)
    _configure(portal, org)
    backup = portal.removal.remove(actor=ADMIN).backup
    assert backup is not None
    portal.storage.repositories.settings.save(IntegrationSettings.default())
    audit_before = portal.audit.recent()

    def failing(self: DuckDbAuditRepository, entry: object) -> object:
        raise OSError("No space left on device")

    with monkeypatch.context() as patched:
        patched.setattr(DuckDbAuditRepository, "append", failing)
        with pytest.raises(OSError):
            portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id)
    portal.close()

    reopened = build_portal(config=config)
    try:
        assert reopened.settings.current() == IntegrationSettings.default()
        assert reopened.audit.recent() == audit_before
        assert [b.id for b in reopened.backups.history()] == [backup.id]
        assert 7 not in reopened.storage.repositories.progress.all()
        assert reopened.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
    finally:
        reopened.close()
