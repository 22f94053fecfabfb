"""Who is acting: a portal user, their company and role, and the one rule that viewers change
nothing."""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.config import PortalRole as Role
from portal.domain.tenancy import HOME_COMPANY, CompanyId
from portal.services.errors import NotAllowed

__all__ = ["Actor", "Role", "require_admin"]


@dataclass(frozen=True)
class Actor:
    """A logged-in portal user of one company."""

    username: str
    role: Role
    company_id: CompanyId = HOME_COMPANY

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` is an admin."""
    if not actor.is_admin:
        raise NotAllowed()
