"""The mock's files are its owner's alone, whatever the umask: its directories ``0700``, its
DuckDB file, write-ahead log, READY file, keys and certificates ``0600``.

A mode given to ``mkdir``/``open`` is only an upper bound the umask lowers, so modes are set
with ``chmod`` after creation; files the mock writes itself are created ``0600`` from the start
(:func:`write_private`). DuckDB creates its own files (the write-ahead log again after every
checkpoint), so the ``serve`` process also runs under :data:`PRIVATE_UMASK`
(:func:`private_umask`), and the store fixes the modes of its files when it opens and closes.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600
#: The umask of the mock as a program: nothing it creates is readable by others.
PRIVATE_UMASK: Final = 0o077


def private_umask() -> int:
    """Make every file and directory this process creates from now on its owner's alone
    (group and others get nothing); returns the umask it replaced."""
    return os.umask(PRIVATE_UMASK)


def make_private_dir(path: Path) -> None:
    """Create ``path`` (and missing parents) and make ``path`` itself ``0700``. Parents that
    existed keep their mode (they may be the operator's); new parents are ``0700`` too."""
    missing: list[Path] = []
    current = path
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue
        os.chmod(directory, PRIVATE_DIR_MODE)
    restrict(path, PRIVATE_DIR_MODE)


def restrict(path: Path, mode: int = PRIVATE_FILE_MODE) -> None:
    """Give ``path`` exactly ``mode`` when it exists with another one."""
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if current != mode:
        os.chmod(path, mode)


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to a new ``0600`` file that replaces ``path`` atomically: no reader ever
    sees it with a wider mode, or half-written."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            fd = -1
            handle.write(data)
    finally:
        if fd >= 0:
            os.close(fd)
    os.replace(tmp, path)
