"""Press "Remove integration" (or, with ``PORTAL_PRESS_RESTORE`` = a backup id, "Restore") in a
portal process of its own, at a given wall-clock instant, and print what the person is told as
one JSON line.

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
        admin = Actor(username="alice", role=Role.ADMIN)
        restore = os.environ.get("PORTAL_PRESS_RESTORE")
        time.sleep(max(0.0, float(os.environ["PORTAL_PRESS_AT"]) - time.time()))
        try:
            if restore is not None:
                restored = portal.restore.restore(actor=admin, expected_backup_id=int(restore))
                told = {
                    "changes": len(restored.outcome.changes),
                    "message": str(restored.result.message),
                }
            else:
                removed = portal.removal.remove(actor=admin)
                backup = removed.backup.id if removed.backup is not None else None
                told = {"backup": backup, "branch": removed.result.branch}
        except PortalError as refused:
            told = {"refused": str(refused)}
        print(json.dumps(told))
    finally:
        portal.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
