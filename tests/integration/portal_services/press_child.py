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
from pathlib import Path

from portal.bootstrap import build_portal
from portal.domain.config import PortalConfig, PortalMode
from portal.domain.failures import PortalError
from portal.domain.secret import SecretStr
from portal.services.actors import Actor, Role


def main() -> int:
    spec = json.loads(os.environ["PORTAL_CHILD_CONFIG"])
    config = PortalConfig(
        mode=PortalMode.MOCK,
        salesforce_login_url=spec["login_url"],
        client_id=spec["client_id"],
        client_secret=SecretStr(spec["client_secret"]),
        redirect_uri=spec["redirect_uri"],
        ca_bundle=Path(spec["ca_bundle"]),
        db_path=Path(spec["db_path"]),
        encryption_key=SecretStr(spec["encryption_key"]),
        users=(),
        data_dir=Path(spec["data_dir"]),
        mock_http_url=spec["mock_http_url"],
        database_url=SecretStr(spec["database_url"]),
    )
    portal = build_portal(config=config)
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
