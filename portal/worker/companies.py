"""The companies a worker sends for, and each one's portal (its storage, scoped to it, and its
own Salesforce integration), opened once per worker process: the one place the worker opens
portals (:func:`portal.bootstrap.build_hosting`)."""

from __future__ import annotations

from typing import Protocol

from portal.bootstrap import Hosting, Portal, build_hosting
from portal.domain.clock import Clock
from portal.domain.config import PortalConfig
from portal.domain.tenancy import CompanyId


class Companies(Protocol):
    """Every company a worker serves."""

    def company_ids(self) -> tuple[CompanyId, ...]:
        """The companies, in a stable order."""
        ...

    def portal_for(self, company_id: CompanyId) -> Portal:
        """The company's portal (:class:`~portal.domain.tenancy.UnknownCompanyError` for an
        unknown company)."""
        ...

    def close(self) -> None: ...


class HostedCompanies:
    """The companies in the portal's database, their portals built from ``config``."""

    def __init__(self, *, config: PortalConfig, clock: Clock | None = None) -> None:
        self._hosting: Hosting = build_hosting(config=config, clock=clock)

    def company_ids(self) -> tuple[CompanyId, ...]:
        return tuple(sorted(company.id for company in self._hosting.companies()))

    def portal_for(self, company_id: CompanyId) -> Portal:
        return self._hosting.portal_for(company_id)

    def close(self) -> None:
        self._hosting.close()
