"""Issue 11.6: the portal's files are its owner's, whatever the umask: the data directory it
creates is 0700, the DuckDB file, every write-ahead log DuckDB creates, and the generated key
0600."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from portal.adapters.config import GENERATED_KEY_FILE, load_config
from portal.adapters.db import Database

ADMIN_HASH = "$2b$12$" + "a" * 53
USERS = [{"username": "admin", "password_hash": ADMIN_HASH, "role": "admin"}]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def open_umask() -> Iterator[None]:
    """The loosest umask an operator could run the portal with."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def test_database_files_are_the_owners_under_umask_000(tmp_path: Path, open_umask: None) -> None:
    data_dir = tmp_path / "fresh" / "data"
    path = data_dir / "portal.duckdb"

    with Database(path=path) as database:
        assert mode(data_dir) == 0o700
        assert mode(data_dir.parent) == 0o700  # every directory the portal created
        assert mode(path) == 0o600
        database.execute(
            "INSERT INTO audit_log (occurred_at, actor, action, outcome, detail) "
            "VALUES (now(), 'admin', 'sign_in', 'succeeded', '')"
        )
        wal = path.with_name(path.name + ".wal")
        assert wal.exists() and mode(wal) == 0o600
        # A checkpoint removes the log; DuckDB creates a new one with the next write.
        database.checkpoint()
        transaction = database.begin()
        try:
            transaction.execute(
                "INSERT INTO audit_log (occurred_at, actor, action, outcome, detail) "
                "VALUES (now(), 'admin', 'sign_out', 'succeeded', '')"
            )
            transaction.commit()
        finally:
            transaction.close()
        assert wal.exists() and mode(wal) == 0o600
    assert mode(path) == 0o600
    leaked = [p for p in tmp_path.rglob("*") if p.is_file() and mode(p) & 0o077]
    assert leaked == []


def test_an_existing_directory_of_the_operator_keeps_its_mode(
    tmp_path: Path, open_umask: None
) -> None:
    shared = tmp_path / "srv"
    shared.mkdir(mode=0o755)
    os.chmod(shared, 0o755)

    with Database(path=shared / "portal.duckdb"):
        pass

    assert mode(shared) == 0o755
    assert mode(shared / "portal.duckdb") == 0o600


def test_a_database_file_left_world_readable_is_made_private_at_open(
    tmp_path: Path, open_umask: None
) -> None:
    path = tmp_path / "portal.duckdb"
    Database(path=path).close()
    os.chmod(path, 0o666)

    Database(path=path).close()

    assert mode(path) == 0o600


def test_the_generated_key_and_its_directory_are_private_under_umask_000(
    tmp_path: Path, open_umask: None
) -> None:
    data_dir = tmp_path / "data"
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    (data_dir / "mock").mkdir(parents=True)
    (data_dir / "mock" / "ready.json").write_text(
        json.dumps(
            {
                "login_url": "https://127.0.0.1:8443",
                "client_id": "id",
                "client_secret": "secret",
                "redirect_uris": ["http://localhost:8501/"],
                "ca_bundle": str(ca_file),
            }
        )
    )

    load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

    key_file = data_dir / GENERATED_KEY_FILE
    assert mode(key_file) == 0o600
    assert mode(key_file.parent) == 0o700


def test_a_key_file_written_with_a_looser_mode_is_made_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text("-----BEGIN CERTIFICATE-----\n")
    (data_dir / "mock").mkdir(parents=True)
    (data_dir / "mock" / "ready.json").write_text(
        json.dumps(
            {
                "login_url": "https://127.0.0.1:8443",
                "client_id": "id",
                "client_secret": "secret",
                "redirect_uris": ["http://localhost:8501/"],
                "ca_bundle": str(ca_file),
            }
        )
    )
    first = load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)
    key_file = data_dir / GENERATED_KEY_FILE
    os.chmod(key_file, 0o644)
    os.chmod(key_file.parent, 0o755)

    again = load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

    assert again.encryption_key == first.encryption_key
    assert mode(key_file) == 0o600
    assert mode(key_file.parent) == 0o700
