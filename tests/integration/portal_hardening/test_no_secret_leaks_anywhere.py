"""Issue 4: no token or secret ever appears in a repr, a log line, an exception message, a
result, the logs the portal keeps, an export, or the database file in clear.

The whole procedure runs over real HTTPS against the mock org with every logger at DEBUG
(including requests, urllib3, Authlib and simple-salesforce): integrate, a forced session expiry
and refresh, the checks, the check sign-in, failures (Deny, a replayed callback, a revoked
connection), remove with revoke, restore. Every secret the portal handled is then looked for
in everything it produced.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hardening_support import (
    ADMIN,
    admin_settings,
    browser,
    browser_sign_in,
    callback_params,
    set_faults,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.adapters.salesforce.oauth import OAuthClient
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.mock_org import Consent
from portal.domain.oauth import AuthorizationRequest, TokenSet
from portal.domain.secret import SecretStr
from portal.services.error_tables import ExportFormat
from portal.services.errors import PortalError
from portal.services.integration import SignInPurpose

# The mock org stands for Salesforce: its own logs are not the portal's.
_NOT_THE_PORTAL = ("mock_salesforce", "uvicorn")


class Secrets:
    """Every secret value the portal handled during the run."""

    def __init__(self) -> None:
        self.values: set[str] = set()

    def add(self, *values: SecretStr | str | None) -> None:
        for value in values:
            if value is None:
                continue
            text = value.get_secret_value() if isinstance(value, SecretStr) else value
            if len(text) >= 8:  # short values would match by chance
                self.values.add(text)

    def tokens(self, tokens: TokenSet | None) -> None:
        if tokens is not None:
            self.add(tokens.access_token, tokens.refresh_token)

    def found_in(self, text: str) -> list[str]:
        return sorted(secret[:6] + "…" for secret in self.values if secret in text)


@pytest.fixture
def secrets(monkeypatch: pytest.MonkeyPatch, config: PortalConfig) -> Secrets:
    """Collects the client secret, the encryption key, and each PKCE verifier as issued."""
    found = Secrets()
    found.add(config.client_secret, config.encryption_key)
    start = OAuthClient.start

    def recording_start(self: OAuthClient, *, force_login: bool = False) -> AuthorizationRequest:
        request = start(self, force_login=force_login)
        found.add(request.code_verifier)
        return request

    monkeypatch.setattr(OAuthClient, "start", recording_start)
    return found


@pytest.fixture
def all_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    with caplog.at_level(logging.DEBUG):
        for name in ("urllib3", "requests", "authlib", "simple_salesforce", "portal"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield caplog


def _log_text(caplog: pytest.LogCaptureFixture) -> str:
    lines = []
    handler = logging.Handler()
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    for record in caplog.records:
        if record.name.startswith(_NOT_THE_PORTAL):
            continue
        lines.append(handler.format(record))  # message, args and any traceback
    return "\n".join(lines)


def test_no_secret_in_any_repr_log_exception_result_record_export_or_file(
    world: Callable[..., list[SeededOrg]],
    portal: Portal,
    config: PortalConfig,
    mock_server: ThreadedMockServer,
    secrets: Secrets,
    all_logs: pytest.LogCaptureFixture,
) -> None:
    [org] = world("default")
    secrets.add(org.integration_user.password, org.admin.password)
    produced: list[Any] = []
    raised: list[BaseException] = []

    def run(call: Callable[[], Any]) -> Any:
        try:
            result = call()
        except Exception as exc:  # every failure's text is checked too
            raised.append(exc)
            return None
        produced.append(result)
        return result

    # Step 5: integrate (the code in the callback is a secret too).
    params = callback_params(portal, config, org.integration_user, mock_server)
    secrets.add(params.get("code"))
    run(lambda: portal.integration.complete(actor=ADMIN, query_params=params))
    secrets.tokens(portal.storage.repositories.tokens.load())
    # The same callback again (a replay from the browser history).
    run(lambda: portal.integration.complete(actor=ADMIN, query_params=params))
    portal.storage.repositories.settings.save(admin_settings(org))

    # Step 1 after Salesforce expired the session: refreshed, the new token stored.
    set_faults(mock_server, expire_sessions=True)
    run(portal.integration.current)
    secrets.tokens(portal.storage.repositories.tokens.load())
    for check in (
        portal.validation.validate,
        portal.checks.connected_app,
        portal.checks.approve_permission,
        portal.checks.installed,
        portal.restore.preview,
        portal.error_tables.status,
        portal.procedure.progress,
    ):
        run(check)

    # Step 2, then the checks through a check sign-in, then its end.
    run(lambda: portal.removal.remove(actor=ADMIN))
    params = callback_params(portal, config, org.admin, mock_server, purpose=SignInPurpose.CHECK)
    secrets.add(params.get("code"))
    run(lambda: portal.integration.complete(actor=ADMIN, query_params=params))
    secrets.tokens(portal.storage.repositories.token_slots.load("check"))
    run(portal.checks.connected_app)
    run(portal.checks.approve_permission)
    run(lambda: portal.checks.finish(actor=ADMIN))

    # Failures: Deny, then an integration whose tokens Salesforce revokes behind its back.
    run(lambda: browser_sign_in(portal, config, org.admin, mock_server, consent=Consent.DENY))
    run(lambda: browser_sign_in(portal, config, org.integration_user, mock_server))
    revoked = portal.storage.repositories.tokens.load()
    secrets.tokens(revoked)
    assert revoked is not None and revoked.refresh_token is not None
    with browser(mock_server) as session:
        session.post(
            f"{mock_server.https_url}/services/oauth2/revoke",
            data={"token": revoked.refresh_token.get_secret_value()},
        )
    run(portal.integration.current)
    run(portal.validation.validate)
    run(lambda: portal.settings.save_assignee(actor=ADMIN, settings=admin_settings(org).assignee))
    run(lambda: portal.removal.remove(actor=ADMIN))
    backup = portal.restore.preview().backup
    run(lambda: portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id if backup else 0))
    run(lambda: portal.restore.restore(actor=ADMIN, expected_backup_id=-1))  # BackupChanged

    assert len(secrets.values) >= 10, "the run should have handled many secrets"
    assert raised and all(isinstance(exc, PortalError) for exc in raised), raised

    where: dict[str, str] = {
        "log lines": _log_text(all_logs),
        "results": "\n".join(repr(r) + "\n" + str(r) for r in produced),
        "exceptions": "\n".join(
            f"{exc!r} {exc} {getattr(exc, 'user_message', '')}" for exc in raised
        ),
        "the portal object": repr(portal) + repr(config),
        "history": repr(portal.history.recent(limit=1000)),
        "audit log": repr(portal.audit.recent(limit=1000)),
        "procedure progress": repr(portal.storage.repositories.progress.all()),
        "backups": "\n".join(
            portal.backups.as_json(backup_id=b.id).decode() for b in portal.backups.history()
        ),
        "error log export": portal.error_tables.export(format=ExportFormat.CSV).decode("utf-8"),
    }
    for what, text in where.items():
        assert secrets.found_in(text) == [], f"a secret shows in the {what}"

    portal.close()
    raw = config.db_path.read_bytes().decode("latin-1")
    assert secrets.found_in(raw) == [], "a secret is stored in clear in the database file"
