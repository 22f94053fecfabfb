"""Read-only views of the authentication history and the audit log."""

from __future__ import annotations

import uuid

from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.history import AuthenticationHistoryEntry
from portal.domain.text import N_, msg
from portal.services.actors import Actor
from portal.services.context import ServiceContext

#: The audit log's actor when nobody was logged in (the UI translates it where shown).
NOBODY = N_("(not logged in)")


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

    def record_unexpected(
        self,
        *,
        actor: Actor | None,
        where: str,
        error: BaseException,
        reference: str | None = None,
    ) -> str:
        """Record an unexpected failure in the audit log (outcome failed) so admins see it in
        the portal; returns its reference (``reference``, or a new one). Only the exception's
        type is stored, never its message, which could hold a token or a password."""
        reference = reference or uuid.uuid4().hex[:8]
        self._context.audit(
            actor=actor if actor is not None else NOBODY,
            action=AuditAction.UNEXPECTED_ERROR,
            outcome=AuditOutcome.FAILED,
            # One of portal.domain.log_details' templates, so the log shows it translated.
            detail=msg(
                "{error} in {where} (reference {reference})",
                error=type(error).__name__,
                where=where,
                reference=reference,
            ),
        )
        return reference
