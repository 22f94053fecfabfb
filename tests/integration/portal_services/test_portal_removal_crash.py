"""A process killed between the backup write and the revoke loses nothing: the backup is
intact and equal to the settings, and running "Remove integration" again finishes the job; in
the DuckDB file and on PostgreSQL."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest
from portal_services_support import ADMIN, acme_settings, browser_sign_in

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import build_portal
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.secret import SecretStr
from portal.services.connections import REVOKE_PREFIX
from portal.services.integration import CallbackKind

REPO = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("removal_child.py")


def _child_config(config: PortalConfig) -> str:
    return json.dumps(
        {
            "login_url": config.salesforce_login_url,
            "client_id": config.client_id,
            "client_secret": config.client_secret.get_secret_value(),
            "redirect_uri": config.redirect_uri,
            "ca_bundle": str(config.ca_bundle),
            "db_path": str(config.db_path),
            "encryption_key": config.encryption_key.get_secret_value(),
            "data_dir": str(config.data_dir),
            "mock_http_url": config.mock_http_url,
            "database_url": config.database_url.get_secret_value() if config.database_url else None,
        }
    )


@pytest.mark.slow
@pytest.mark.parametrize("storage", ["duckdb", "postgresql"])
def test_killed_between_backup_and_revoke_loses_nothing(
    world: Callable[..., list[SeededOrg]],
    config: PortalConfig,
    mock_server: ThreadedMockServer,
    storage: str,
    request: pytest.FixtureRequest,
) -> None:
    if storage == "postgresql":
        url = request.getfixturevalue("postgres_url")
        config = replace(config, database_url=SecretStr(url))
    [org] = world("default")
    portal = build_portal(config=config)
    browser_sign_in(portal, config, org.integration_user)
    portal.storage.repositories.settings.save(acme_settings(org))
    settings = portal.settings.current()
    tokens = portal.storage.repositories.tokens.load()
    assert tokens is not None and tokens.refresh_token is not None
    refresh = tokens.refresh_token.get_secret_value()
    portal.close()  # DuckDB lets one process at a time open the file

    child = subprocess.run(
        [sys.executable, str(CHILD)],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "PORTAL_CHILD_CONFIG": _child_config(config)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == -signal.SIGKILL, child.stderr

    reopened = build_portal(config=config)
    try:
        backup = reopened.backups.latest()
        assert backup is not None
        assert backup.snapshot.activity_history == settings.activity_history
        assert backup.snapshot.video_history == settings.video_history
        assert backup.snapshot.assignee == settings.assignee
        assert reopened.settings.current() == settings
        assert reopened.storage.repositories.tokens.load() is None
        assert reopened.history.recent()[0].event is AuthEvent.REMOVED
        assert len(reopened.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX)) == 1
        # Salesforce never heard of the removal: the token is still live there.
        assert mock_server.backend.oauth.refresh_tokens.find(refresh) is not None

        again = reopened.removal.remove(actor=ADMIN)

        assert again.result.branch == "2-not-integrated" and again.revoked
        assert "interrupted removal" in again.result.message
        assert mock_server.backend.oauth.refresh_tokens.find(refresh) is None
        assert reopened.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
        assert [b.id for b in reopened.backups.history()] == [backup.id]

        restored = reopened.restore.restore(actor=ADMIN, expected_backup_id=backup.id)
        assert restored.outcome.restored
        outcome = browser_sign_in(reopened, config, org.integration_user)
        assert outcome.kind is CallbackKind.INTEGRATED
    finally:
        reopened.close()
