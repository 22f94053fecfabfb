"""Each org's API allowance: the workers stop sending for an org once it has used a set share
of its daily allowance (as Salesforce reports it: ``GET limits``, the ``Sforce-Limit-Info``
header's figures), and that company's next turn waits.

The check comes in each turn that has something to send, before any of it (the engine's
``may_send``), and a turn is a bounded batch (a few requests: a phone search, describe, a user
lookup, one sObject Collections write per 200 records), so an org goes past its share by at
most one turn's requests; a turn with nothing due asks nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from portal.domain.gateway_errors import ApiUsage


@dataclass(frozen=True)
class AllowancePolicy:
    """Send while an org has used less than ``share`` of its allowance; past it, wait
    ``pause`` before asking again."""

    share: float
    pause: timedelta

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise ValueError(f"share must be above 0 and at most 1, not {self.share}")

    def ceiling(self, usage: ApiUsage) -> int:
        """The requests the workers may have used in the org's window."""
        return int(usage.maximum * self.share)

    def wait_before_sending(self, usage: ApiUsage | None) -> timedelta | None:
        """None to send now; otherwise how long to wait first. An org whose usage is unknown
        (not integrated, Salesforce not saying) is sent to: the turn itself finds out why."""
        if usage is None or usage.maximum <= 0:
            return None
        if usage.used >= self.ceiling(usage):
            return self.pause
        return None
