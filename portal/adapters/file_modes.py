"""The portal's files are its owner's alone, whatever the process's umask: directories it
creates are ``0700``, files it writes (the DuckDB file, its write-ahead log, the generated key)
``0600``.

Modes are set with ``chmod`` after creation, because the mode given to ``mkdir``/``open`` is
only an upper bound the umask may lower, never raise or keep; DuckDB creates its own files,
so the database adapter calls :func:`make_private_file` after DuckDB has written them.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Final

PRIVATE_DIR_MODE: Final = 0o700
PRIVATE_FILE_MODE: Final = 0o600


def make_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents, each new one ``0700``. Directories that exist
    already keep their mode: they may be the operator's (``/srv``, ``/tmp``)."""
    missing: list[Path] = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=PRIVATE_DIR_MODE)
        except FileExistsError:
            continue  # created meanwhile by another process: its creator set its mode
        os.chmod(directory, PRIVATE_DIR_MODE)


def make_owned_dir_private(path: Path) -> None:
    """Create ``path`` (as :func:`make_private_dir`) and make it ``0700`` even when it existed:
    for directories only the portal uses."""
    make_private_dir(path)
    _restrict(path, PRIVATE_DIR_MODE)


def make_private_file(path: Path) -> None:
    """Make the file at ``path`` ``0600`` when it exists and allows more."""
    _restrict(path, PRIVATE_FILE_MODE)


def _restrict(path: Path, mode: int) -> None:
    try:
        current = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return
    if current != mode:
        os.chmod(path, mode)
