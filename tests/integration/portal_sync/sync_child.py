"""Run "send the queued calls" in a process that SIGKILLs itself right after Salesforce has
answered the second sObject Collections write, before the portal records its outcome.

The portal's configuration comes as JSON in the environment variable ``PORTAL_CHILD_CONFIG``.
Exits by the signal; an ordinary exit means the kill point was never reached.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from portal.adapters.salesforce import SalesforceGateway
from portal.bootstrap import build_portal
from portal.domain.salesforce import RecordResult
from portal.services.actors import Actor, Role
from tests.integration.portal_services.child_config import child_config

KILL_AFTER_WRITE: int = 2
_writes = 0
_create_records = SalesforceGateway.create_records


def _killed_after_writing(
    self: SalesforceGateway,
    sobject: str,
    records: Sequence[Mapping[str, Any]],
    *,
    all_or_none: bool = False,
) -> list[RecordResult]:
    global _writes
    results = _create_records(self, sobject, records, all_or_none=all_or_none)
    _writes += 1
    if _writes == KILL_AFTER_WRITE:
        os.kill(os.getpid(), signal.SIGKILL)
    return results


def main() -> int:
    portal = build_portal(config=child_config())
    SalesforceGateway.create_records = _killed_after_writing  # type: ignore[method-assign]
    portal.sync.sync_pending(actor=Actor(username="alice", role=Role.ADMIN))
    print("the sync finished without reaching the kill point", file=sys.stderr)
    return 3


if __name__ == "__main__":
    sys.exit(main())
