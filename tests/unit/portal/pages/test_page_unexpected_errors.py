"""An unexpected failure shows a generic message with a reference, and is recorded in the
audit log (type and reference, never the exception's text) so admins see it in the portal."""

from __future__ import annotations

import re

import pytest
from page_helpers import ADMIN

from portal.bootstrap import Portal
from portal.domain.audit import AuditAction, AuditOutcome

SECRET = "00D!token-that-must-never-be-stored"


def _boom(**_: object) -> object:
    raise RuntimeError(f"refresh failed for {SECRET}")


def test_an_unexpected_failure_is_shown_with_a_reference_and_audited(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(absent_portal.error_tables, "page", _boom)

    app = page_app("error_log.py", absent_portal).run()

    assert not app.exception
    [shown] = [e.value for e in app.error if "Something went wrong" in e.value]
    reference = re.search(r"reference (\w+)", shown)
    assert reference is not None
    assert SECRET not in shown
    [entry] = [e for e in absent_portal.audit.recent() if e.action is AuditAction.UNEXPECTED_ERROR]
    assert entry.outcome is AuditOutcome.FAILED
    assert entry.actor == ADMIN.username
    assert "RuntimeError" in entry.detail
    assert reference.group(1) in entry.detail
    assert SECRET not in entry.detail


def test_the_audit_log_page_lists_the_unexpected_error(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(absent_portal.error_tables, "page", _boom)
    page_app("error_log.py", absent_portal).run()
    monkeypatch.undo()

    app = page_app("authentication_history.py", absent_portal).run()

    assert not app.exception
    rows = app.dataframe[-1].value
    assert "Unexpected error" in list(rows["Action"])
    assert "Failed" in list(rows["Outcome"][rows["Action"] == "Unexpected error"])
