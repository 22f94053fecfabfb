"""Press "Remove integration" in a portal process of its own, at a given wall-clock instant, and
print what the person is told as one JSON line.

The portal's configuration comes as JSON in ``PORTAL_CHILD_CONFIG`` (as for
``removal_child.py``); ``PORTAL_PRESS_AT`` is the ``time.time()`` to press at.
"""

from __future__ import annotations

import json
import os
import sys
import time

from child_config import child_config

from portal.bootstrap import build_portal
from portal.domain.failures import PortalError
from portal.services.actors import Actor, Role


def main() -> int:
    portal = build_portal(config=child_config())
    try:
        time.sleep(max(0.0, float(os.environ["PORTAL_PRESS_AT"]) - time.time()))
        try:
            removed = portal.removal.remove(actor=Actor(username="alice", role=Role.ADMIN))
        except PortalError as refused:
            print(json.dumps({"refused": str(refused)}))
        else:
            backup = removed.backup.id if removed.backup is not None else None
            print(json.dumps({"backup": backup, "branch": removed.result.branch}))
    finally:
        portal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
