"""Who is acting: a portal user and their role, and the one rule that viewers change nothing."""

from __future__ import annotations

from dataclasses import dataclass

from portal.domain.config import PortalRole as Role
from portal.services.errors import NotAllowed

__all__ = ["Actor", "Role", "require_admin"]


@dataclass(frozen=True)
class Actor:
    """A logged-in portal user."""

    username: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def require_admin(actor: Actor) -> None:
    """Raise :class:`NotAllowed` unless ``actor`` is an admin."""
    if not actor.is_admin:
        raise NotAllowed()
