"""Run "Remove integration" in a process that SIGKILLs itself at the first moment after the
backup's unit of work has committed: when it is about to revoke the tokens at Salesforce.

The portal's configuration comes as JSON in the environment variable ``PORTAL_CHILD_CONFIG``.
Exits by the signal; an ordinary exit means the kill point was never reached.
"""

from __future__ import annotations

import os
import signal
import sys

from child_config import child_config

from portal.adapters.salesforce.oauth import OAuthClient
from portal.bootstrap import build_portal
from portal.domain.oauth import RevokeOutcome
from portal.domain.secret import SecretStr
from portal.services.actors import Actor, Role


def _killed_instead_of_revoking(self: OAuthClient, token: SecretStr) -> RevokeOutcome:
    os.kill(os.getpid(), signal.SIGKILL)
    raise AssertionError("unreachable")


def main() -> int:
    portal = build_portal(config=child_config())
    OAuthClient.revoke = _killed_instead_of_revoking  # type: ignore[method-assign]
    portal.removal.remove(actor=Actor(username="alice", role=Role.ADMIN))
    print("the removal finished without reaching the revoke", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
