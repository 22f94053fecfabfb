"""The companies a worker sends for, and each one's portal (its storage and Salesforce
integration), opened once per worker process. The one place the worker opens a portal."""

from __future__ import annotations

import threading
from typing import Protocol

from portal.bootstrap import DEFAULT_COMPANY_ID, Portal, build_portal
from portal.domain.clock import Clock
from portal.domain.config import PortalConfig


class Companies(Protocol):
    """Every company a worker serves."""

    def company_ids(self) -> tuple[int, ...]:
        """The companies, in a stable order."""
        ...

    def portal_for(self, company_id: int) -> Portal:
        """The company's portal (a :class:`LookupError` for an unknown company)."""
        ...

    def close(self) -> None: ...


class HostedCompanies:
    """The companies in the portal's database, their portals built from ``config``."""

    def __init__(self, *, config: PortalConfig, clock: Clock | None = None) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._portal: Portal | None = None

    def company_ids(self) -> tuple[int, ...]:
        return (DEFAULT_COMPANY_ID,)

    def portal_for(self, company_id: int) -> Portal:
        if company_id != DEFAULT_COMPANY_ID:
            raise LookupError(f"no company {company_id}")
        with self._lock:
            if self._portal is None:
                self._portal = build_portal(config=self._config, clock=self._clock)
            return self._portal

    def close(self) -> None:
        with self._lock:
            if self._portal is not None:
                self._portal.close()
                self._portal = None
