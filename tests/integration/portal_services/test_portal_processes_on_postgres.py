"""Several portal processes on one PostgreSQL database (the hosted deployment: replicas behind a
load balancer) pressing "Remove integration" at the same instant: one removal, one backup, the
tokens revoked once; every other process is told there was nothing left to remove or that the
same data changed at the same moment, never a raw error. Then pressing "Restore" at the same
instant: the settings restored once, the others told it was done already."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from portal_services_support import acme_settings, browser_sign_in
from test_portal_removal_crash import _child_config

from mock_salesforce.seed import SeededOrg
from portal.bootstrap import build_portal
from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.secret import SecretStr
from portal.domain.settings import IntegrationSettings

REPO = Path(__file__).resolve().parents[3]
CHILD = Path(__file__).with_name("press_child.py")
PROCESSES = 3


@pytest.mark.slow
def test_processes_pressing_remove_at_once_remove_once(
    world: Callable[..., list[SeededOrg]], config: PortalConfig, postgres_url: str
) -> None:
    config = replace(config, database_url=SecretStr(postgres_url))
    [org] = world("default")
    portal = build_portal(config=config)
    try:
        browser_sign_in(portal, config, org.integration_user)
        portal.storage.repositories.settings.save(acme_settings(org))
        settings = portal.settings.current()
    finally:
        portal.close()

    told = _press_at_once(config)

    backups = [t["backup"] for t in told if t.get("backup") is not None]
    assert len(backups) == 1, told
    others = [t for t in told if t.get("backup") is None]
    assert all(
        t.get("branch") == "2-not-integrated" or "at the same moment" in t.get("refused", "")
        for t in others
    ), told

    reopened = build_portal(config=config)
    try:
        history = reopened.backups.history()
        assert [b.id for b in history] == backups
        assert history[0].snapshot.activity_history == settings.activity_history
        assert reopened.storage.repositories.tokens.load() is None
        removed = [e for e in reopened.history.recent() if e.event is AuthEvent.REMOVED]
        assert len(removed) == 1
        # The tabs edited after the removal; then every process presses Restore at once.
        reopened.storage.repositories.settings.save(IntegrationSettings.default())
    finally:
        reopened.close()

    told = _press_at_once(config, restore=backups[0])
    assert all("refused" not in t for t in told), told
    assert sorted(t["changes"] > 0 for t in told) == [False] * (PROCESSES - 1) + [True], told
    again = build_portal(config=config)
    try:
        assert again.settings.current().activity_history == settings.activity_history
        restores = [
            e
            for e in again.audit.recent()
            if e.action is AuditAction.RESTORE_SETTINGS and e.outcome is AuditOutcome.SUCCEEDED
        ]
        assert sum(" 0 settings changed" not in e.detail for e in restores) == 1, restores
    finally:
        again.close()


def _press_at_once(config: PortalConfig, *, restore: int | None = None) -> list[dict[str, Any]]:
    """Every process presses at the same wall-clock instant; what each was told."""
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PORTAL_CHILD_CONFIG": _child_config(config),
        # Late enough for every process to have started and opened its pool.
        "PORTAL_PRESS_AT": str(time.time() + 6),
    }
    if restore is not None:
        env["PORTAL_PRESS_RESTORE"] = str(restore)
    children = [
        subprocess.Popen(
            [sys.executable, str(CHILD)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(PROCESSES)
    ]
    told = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        told.append(json.loads(out.strip().splitlines()[-1]))
    return told
