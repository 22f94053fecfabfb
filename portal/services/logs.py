"""Read-only views of the authentication history and the audit log."""

from __future__ import annotations

from portal.domain.audit import AuditEntry
from portal.domain.history import AuthenticationHistoryEntry
from portal.services.context import ServiceContext


class HistoryService:
    """ "Authentication history": each integration, removal, refresh and failure."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def recent(self, *, limit: int = 50) -> list[AuthenticationHistoryEntry]:
        """Entries, newest first."""
        return self._context.repositories.authentication_history.recent(limit=limit)


class AuditService:
    """Who did what in the portal, when, and how it ended."""

    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def recent(self, *, limit: int = 100, actor: str | None = None) -> list[AuditEntry]:
        """Entries, newest first (of one portal user when ``actor`` is given)."""
        return self._context.repositories.audit.recent(limit=limit, actor=actor)
