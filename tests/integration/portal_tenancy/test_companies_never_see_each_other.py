"""Issue 15, tenancy: a user of one company never reads, changes, exports or restores another
company's data through any service; the login gives each user their own company; the audit
log of each company holds its own users' actions. Over the real mock org, on the DuckDB files
and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import requests
from tenancy_support import PASSWORD, SECOND

from mock_salesforce.seed import SeededOrg, SeededUser, UserRole
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Hosting, Portal
from portal.domain.audit import AuditAction
from portal.domain.config import PortalConfig
from portal.domain.integration_errors import ErrorSource, IntegrationErrorEntry, SyncOperation
from portal.domain.tenancy import HOME_COMPANY
from portal.services.actors import Actor
from portal.services.errors import NotAllowed, PortalError
from portal.services.integration import SignInPurpose
from tests.integration.portal_sync.sync_support import integrate


def _log_in(hosting: Hosting, username: str) -> Actor:
    return hosting.access.login(username=username, password=PASSWORD, client_key="127.0.0.1")


def _an_error(record: str) -> IntegrationErrorEntry:
    return IntegrationErrorEntry(
        occurred_at=datetime(2026, 12, 1, 9, tzinfo=UTC),
        source=ErrorSource.ACTIVITY,
        miitel_record_id=record,
        sobject="Task",
        operation=SyncOperation.CREATE,
        status_code="REQUIRED_FIELD_MISSING",
        message=f"home company's {record}",
    )


@pytest.fixture
def home_with_history(
    hosting: Hosting, hosted_config: PortalConfig, world: Callable[..., list[SeededOrg]]
) -> Portal:
    """The home company integrated with the mock org, then removed (a backup, authentication
    history, audit lines, procedure progress), with two errors in its error log."""
    org = world()[0]
    integration_user = next(u for u in org.users if u.role is UserRole.INTEGRATION)
    home = hosting.portal_for(HOME_COMPANY)
    integrate(home, hosted_config, integration_user)
    admin = _log_in(hosting, "admin")
    removed = home.removal.remove(actor=admin)
    assert removed.backup is not None
    for record in ("call-1", "call-2"):
        home.storage.repositories.integration_errors.append(_an_error(record))
    return home


def test_a_login_gives_the_users_own_company(hosting: Hosting) -> None:
    assert _log_in(hosting, "admin").company_id == HOME_COMPANY
    second = _log_in(hosting, "admin-b")
    assert second.company_id != HOME_COMPANY
    assert hosting.access.company_name(second) == "Beta Co"
    assert [c.slug for c in hosting.companies()] == ["default", SECOND]


def test_the_second_company_sees_none_of_the_first_companys_data(
    hosting: Hosting, home_with_history: Portal
) -> None:
    second = hosting.portal_for(_log_in(hosting, "admin-b").company_id)
    assert home_with_history.backups.latest() is not None
    assert second.backups.latest() is None and second.backups.history() == []
    assert second.history.recent() == []
    assert not second.integration.status().connected
    assert second.integration.status().org_id is None
    assert second.error_tables.page().total == 0
    assert home_with_history.error_tables.page().total == 2
    exported = second.error_tables.export().decode("utf-8-sig")
    assert "call-1" not in exported and len(exported.strip().splitlines()) == 1, "header only"
    assert second.procedure.progress().done == 0 < home_with_history.procedure.progress().done
    assert all(e.actor == "admin-b" for e in second.audit.recent() if e.actor != "(operator)")


def test_no_backup_of_another_company_can_be_read_or_restored(
    hosting: Hosting, home_with_history: Portal
) -> None:
    backup = home_with_history.backups.latest()
    assert backup is not None and backup.id is not None
    second = hosting.portal_for(_log_in(hosting, "admin-b").company_id)
    admin_b = _log_in(hosting, "admin-b")
    if second.backups.history() == []:
        with pytest.raises(PortalError):
            second.backups.get(backup_id=backup.id)
    with pytest.raises(PortalError):
        second.restore.restore(actor=admin_b, expected_backup_id=backup.id)
    before = home_with_history.settings.current()
    assert home_with_history.backups.latest() == backup
    assert home_with_history.settings.current() == before


def test_a_user_of_one_company_cannot_act_on_another_companys_services(
    hosting: Hosting, home_with_history: Portal
) -> None:
    admin_b = _log_in(hosting, "admin-b")
    backup = home_with_history.backups.latest()
    assert backup is not None
    with pytest.raises(NotAllowed):
        home_with_history.restore.restore(actor=admin_b, expected_backup_id=backup.id)
    with pytest.raises(NotAllowed):
        home_with_history.removal.remove(actor=admin_b)
    assert home_with_history.backups.latest() == backup, "nothing restored or removed"
    denied = [e for e in home_with_history.audit.recent() if e.actor == "admin-b"]
    assert denied and all(e.outcome.value == "denied" for e in denied), (
        "the attempt is in the home company's audit log"
    )


def test_each_companys_audit_log_records_its_own_sign_ins(hosting: Hosting) -> None:
    _log_in(hosting, "admin")
    _log_in(hosting, "admin-b")
    home = hosting.portal_for(HOME_COMPANY)
    second = hosting.portal_for(_log_in(hosting, "viewer-b").company_id)
    home_actors = {e.actor for e in home.audit.recent() if e.action is AuditAction.SIGN_IN}
    second_actors = {e.actor for e in second.audit.recent() if e.action is AuditAction.SIGN_IN}
    assert home_actors == {"admin"}
    assert second_actors == {"admin-b", "viewer-b"}


def test_a_wipe_of_one_company_leaves_the_other_as_it_was(
    hosting: Hosting, home_with_history: Portal
) -> None:
    second = hosting.portal_for(_log_in(hosting, "admin-b").company_id)
    second.storage.wipe()
    assert home_with_history.backups.latest() is not None
    assert home_with_history.error_tables.page().total == 2


def _integrate_as(portal: Portal, actor: Actor, config: PortalConfig, user: SeededUser) -> None:
    """The admin of ``portal``'s company clicks Integrate and signs in as ``user``."""
    redirect = portal.integration.start(actor=actor, purpose=SignInPurpose.INTEGRATION)
    browser = requests.Session()
    browser.trust_env = False
    try:
        params = sign_in(
            session=browser,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=user.username,
            password=user.password,
        )
    finally:
        browser.close()
    assert portal.integration.complete(actor=actor, query_params=params).succeeded


def test_each_company_has_its_own_salesforce_integration(
    hosting: Hosting, hosted_config: PortalConfig, world: Callable[..., list[SeededOrg]]
) -> None:
    acme, beta = world("second-org")[:2]
    admin, admin_b = _log_in(hosting, "admin"), _log_in(hosting, "admin-b")
    home, second = hosting.portal_for(admin.company_id), hosting.portal_for(admin_b.company_id)
    _integrate_as(home, admin, hosted_config, _integration_user(acme))
    _integrate_as(second, admin_b, hosted_config, _integration_user(beta))
    assert home.integration.status().org_id == acme.org_id
    assert second.integration.status().org_id == beta.org_id
    assert second.removal.remove(actor=admin_b).revoked
    assert not second.integration.status().connected
    assert home.integration.status().connected, "the other company's integration is untouched"
    assert home.integration.current().status.org_id == acme.org_id, "each reads its own org"


def _integration_user(org: SeededOrg) -> SeededUser:
    return next(u for u in org.users if u.role is UserRole.INTEGRATION)
