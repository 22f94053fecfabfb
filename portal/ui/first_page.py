"""Set once the portal has drawn its first page in this process: a warm-up (``scripts/
portal_server.py``) waits for it before importing what only later pages need, so the first
page does not share the interpreter with those imports."""

from __future__ import annotations

import threading
from typing import Final

DRAWN: Final = threading.Event()
