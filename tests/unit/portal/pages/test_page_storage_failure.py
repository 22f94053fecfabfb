"""Issue 11.4 on a page: when the disk is full as step 9's "Save" commits, the page says the
portal could not save because of a storage problem an operator must fix, with the reference
the server log has with the cause; never "someone else changed the same data", never a
traceback; the setting is not half-saved."""

from __future__ import annotations

import logging
import re
from typing import Any

import duckdb
import pytest
from page_helpers import ADMIN, texts
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal

PAGE = "procedure.py"
FULL_DISK = (
    'TransactionContext Error: Failed to commit: Could not write file "portal.duckdb.wal": '
    "No space left on device"
)


class _FullDiskCursor:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def commit(self) -> Any:
        raise duckdb.TransactionException(FULL_DISK)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class _FullDiskRoot:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def cursor(self) -> Any:
        return _FullDiskCursor(self._inner.cursor())

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def test_a_full_disk_on_save_is_named_with_a_reference(
    page_app,
    absent_portal: Portal,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app: AppTest = page_app(PAGE, absent_portal, actor=ADMIN, state={"proc.step": 9}).run()
    database = absent_portal.storage.database  # type: ignore[attr-defined]
    monkeypatch.setattr(database, "_root", _FullDiskRoot(database._root))

    app.checkbox(key="proc.contact.turn_off").check()
    with caplog.at_level(logging.ERROR):
        app.button(key="proc.contact.save").click().run()

    assert not app.exception
    shown = texts(app)
    assert "same moment" not in shown and "Traceback" not in shown
    errors = "\n".join(str(e.value) for e in app.error)
    assert "because of a storage problem" in errors
    assert "An operator must fix the storage" in errors
    reference = re.search(r"reference ([0-9A-F]{8})", errors)
    assert reference is not None
    logged = [r.getMessage() for r in caplog.records if reference.group(1) in r.getMessage()]
    assert logged and "No space left on device" in logged[0]
    monkeypatch.undo()
    assert not absent_portal.settings.current().basic.turn_off_contact_retrieval
