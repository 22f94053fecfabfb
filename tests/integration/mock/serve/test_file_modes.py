"""Issue 11.6 (the mock's half): the mock's data directory is ``0700`` and every DuckDB file,
write-ahead log, key, certificate and READY file in it ``0600``, whatever the umask it was
started with (tested with umask 0, which would leave files ``0666``)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from mock_cli_process import start_mock

from mock_salesforce.backend import DB_FILE
from tests.portal_over_mock import guarded_server


def _modes(root: Path) -> dict[str, int]:
    """The mode of ``root`` and of everything under it, by path relative to ``root``."""
    found = {".": stat.S_IMODE(root.stat().st_mode)}
    for path in root.rglob("*"):
        found[str(path.relative_to(root))] = stat.S_IMODE(path.stat().st_mode)
    return found


def _loose(root: Path) -> dict[str, str]:
    """Paths under ``root`` whose mode is not the owner's alone."""
    loose = {}
    for name, mode in _modes(root).items():
        wanted = 0o700 if (root / name).is_dir() else 0o600
        if mode != wanted:
            loose[name] = oct(mode)
    return loose


@pytest.fixture
def umask_zero() -> Iterator[None]:
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_the_served_mock_keeps_every_file_private_under_umask_0(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    mock = start_mock(data_dir, umask=0)
    try:
        ready = mock.ready
        with mock.session() as session:
            # Writes: a reset re-seeds the org (the write-ahead log grows), a record is added.
            assert session.post(ready["control_url"] + "/reset", json={}).status_code == 200
            user = next(u for u in ready["users"] if u["role"] == "integration")
            token = session.post(
                ready["login_url"] + "/services/oauth2/token",
                data={
                    "grant_type": "password",
                    "client_id": ready["client_id"],
                    "client_secret": ready["client_secret"],
                    "username": user["username"],
                    "password": user["password"],
                },
            ).json()["access_token"]
            created = session.post(
                ready["instance_url"] + "/services/data/v60.0/sobjects/Account",
                json={"Name": "Private Files KK"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201
        mock_dir = data_dir / "mock"
        names = set(_modes(mock_dir))
        assert {
            DB_FILE,
            "ready.json",
            "tls/ca.pem",
            "tls/server-key.pem",
            "tls/ca-key.pem",
        } <= names
        assert _loose(data_dir) == {}
    finally:
        assert mock.stop() == 0
    assert _loose(data_dir) == {}


def test_the_embedded_mock_keeps_its_files_private_under_umask_0(
    tmp_path: Path, umask_zero: None
) -> None:
    data_dir = tmp_path / "embedded"
    with guarded_server(data_dir=data_dir) as server:
        server.backend.store.execute("CREATE TABLE _file_mode_probe (a INTEGER)")
        server.backend.store.execute("INSERT INTO _file_mode_probe VALUES (1)")
        assert _modes(data_dir)["."] == 0o700
        assert _modes(data_dir)[DB_FILE] == 0o600
        assert _loose(data_dir / "tls") == {}
    assert _loose(data_dir) == {}


def test_files_an_older_mock_left_readable_are_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    with guarded_server(data_dir=data_dir):
        pass
    for path in [data_dir, *data_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    with guarded_server(data_dir=data_dir):
        assert _loose(data_dir) == {}
