"""Run "Remove integration" in a process that SIGKILLs itself at the first moment after the
backup's unit of work has committed: when it is about to revoke the tokens at Salesforce.

The portal's configuration comes as JSON in the environment variable ``PORTAL_CHILD_CONFIG``.
Exits by the signal; an ordinary exit means the kill point was never reached.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from pathlib import Path

from portal.adapters.salesforce.oauth import OAuthClient
from portal.bootstrap import build_portal
from portal.domain.config import PortalConfig, PortalMode
from portal.domain.oauth import RevokeOutcome
from portal.domain.secret import SecretStr
from portal.services.actors import Actor, Role


def _killed_instead_of_revoking(self: OAuthClient, token: SecretStr) -> RevokeOutcome:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


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
        database_url=SecretStr(spec["database_url"]) if spec.get("database_url") else None,
    )
    portal = build_portal(config=config)
    OAuthClient.revoke = _killed_instead_of_revoking  # type: ignore[method-assign]
    portal.removal.remove(actor=Actor(username="alice", role=Role.ADMIN))
    print("the removal finished without reaching the revoke", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
