"""Issue 11.4 on real storage: when the operating system refuses the database's writes (a file
size limit, a full disk), the portal says it is a storage problem an operator must fix, with a
reference the server log repeats with the cause; nothing of the change is written; once the
storage is fixed, the same action works without a restart.

The file-size limit (``RLIMIT_FSIZE``) needs no privileges, so it runs everywhere; the full
disk needs a small tmpfs and runs only where this process may mount one. (A file system cannot
be made read-only under an open database; the unit tests inject DuckDB's answer for that.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# One action (step 9's "Save") through the real services and DuckDB file, in a child process:
# first with the storage refusing writes, then with the storage fixed.
_CHILD = r"""
import json, logging, os, resource, signal, sys
from pathlib import Path
from datetime import UTC, datetime
from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database
from portal.adapters.storage import DuckDbPortalStorage
from portal.services.actors import Actor, Role
from portal.bootstrap import assemble_portal
from portal.services.errors import PortalError

logging.basicConfig(stream=sys.stderr, level=logging.ERROR, format="%(name)s %(message)s")
db_path, how = Path(sys.argv[1]), sys.argv[2]
clock = FixedClock(datetime(2025, 3, 1, 9, 0, tzinfo=UTC))
storage = DuckDbPortalStorage(
    database=Database(path=db_path), cipher=TokenCipher(generate_key()), clock=clock
)
storage.database.checkpoint()
portal = assemble_portal(storage=storage, salesforce=None, clock=clock, users=())
admin = Actor(username="alice", role=Role.ADMIN)
if how == "fsize":
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (64, resource.RLIM_INFINITY))
else:
    print("READY", flush=True)
    sys.stdin.readline()  # the parent breaks the storage, then says go
report = {}
try:
    portal.settings.set_contact_retrieval(actor=admin, turn_off=True)
    report["first"] = {"ok": True}
except PortalError as exc:
    report["first"] = {
        "ok": False,
        "type": type(exc).__name__,
        "message": str(exc.user_message),
        "reference": getattr(exc, "reference", None),
    }
if how == "fsize":
    resource.setrlimit(resource.RLIMIT_FSIZE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
else:
    print("FAILED", flush=True)
    sys.stdin.readline()  # the parent fixes the storage, then says go
report["kept"] = portal.settings.current().basic.turn_off_contact_retrieval
report["audit"] = len(storage.repositories.audit.recent())
try:
    portal.settings.set_contact_retrieval(actor=admin, turn_off=True)
    report["again"] = portal.settings.current().basic.turn_off_contact_retrieval
except PortalError as exc:
    report["again"] = str(exc.user_message)
print("REPORT " + json.dumps(report), flush=True)
"""


def _check_report(report: dict[str, object], stderr: str, cause: str) -> None:
    first = report["first"]
    assert isinstance(first, dict) and first["ok"] is False, report
    assert first["type"] == "StorageFailure"
    message = str(first["message"])
    assert "same moment" not in message
    assert "storage problem" in message and "An operator must fix the storage" in message
    reference = str(first["reference"])
    assert reference in message
    logged = [line for line in stderr.splitlines() if reference in line]
    assert logged and cause in logged[0], stderr
    # Nothing half-written: neither the setting nor its audit line; fixed storage works again.
    assert report["kept"] is False and report["audit"] == 0
    assert report["again"] is True


def _child_env() -> dict[str, str]:
    root = Path(__file__).resolve().parents[3]
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(root), os.environ.get("PYTHONPATH", "")]),
    }


def test_a_file_size_limit_is_named_as_a_storage_problem(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(tmp_path / "portal.duckdb"), "fsize"],
        capture_output=True,
        text=True,
        timeout=120,
        env=_child_env(),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.split("REPORT ", 1)[1])
    _check_report(report, done.stderr, "File too large")


@pytest.fixture
def small_tmpfs(tmp_path: Path) -> Iterator[Path]:
    mount_point = tmp_path / f"tmpfs-{uuid.uuid4().hex[:6]}"
    mount_point.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount_point)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("this process may not mount a tmpfs (needs CAP_SYS_ADMIN)")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], check=False)


def _run_with_broken_storage(
    db_path: Path, *, breaking: list[str], fix: list[str]
) -> tuple[str, str]:
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db_path), "interactive"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    assert child.stdin is not None and child.stdout is not None
    try:
        assert child.stdout.readline().strip() == "READY"
        subprocess.run(breaking, check=True, capture_output=True)
        child.stdin.write("go\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "FAILED"
        subprocess.run(fix, check=True, capture_output=True)
        child.stdin.write("go\n")
        child.stdin.flush()
        stdout, stderr = child.communicate(timeout=120)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 0, stderr
    return stdout, stderr


def test_a_full_disk_is_named_as_a_storage_problem(small_tmpfs: Path) -> None:
    filler = small_tmpfs / "filler"
    stdout, stderr = _run_with_broken_storage(
        small_tmpfs / "portal.duckdb",
        breaking=["sh", "-c", f"dd if=/dev/zero of={filler} bs=64k 2>/dev/null; true"],
        fix=["rm", "-f", str(filler)],
    )
    _check_report(json.loads(stdout.split("REPORT ", 1)[1]), stderr, "No space left on device")
