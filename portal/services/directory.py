"""Companies and their portal users: the configured users made true at every start, and what
``python -m portal users`` and ``python -m portal companies`` do.

Users from the configuration (secrets or ``PORTAL_USERS``) are managed there: each start
creates or updates them and removes those no longer configured; the command line refuses to
change them. Users created on the command line live in the database only. Every change to a
user is audited in that user's company's log (actor ``(operator)``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Final

import bcrypt

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.clock import Clock
from portal.domain.config import PortalRole, PortalUser
from portal.domain.failures import WriteConflictError
from portal.domain.ports import Directory
from portal.domain.tenancy import (
    HOME_COMPANY,
    Company,
    CompanyId,
    DirectoryUser,
    UserSource,
    password_problem,
    slug_problem,
    username_problem,
)
from portal.domain.text import msg
from portal.services.context import ServiceContext
from portal.services.errors import PortalError

log = logging.getLogger(__name__)

#: The audit log's actor for changes made on the command line.
OPERATOR: Final = "(operator)"


class DirectoryService:
    def __init__(
        self,
        *,
        directory: Directory,
        clock: Clock,
        context_for: Callable[[CompanyId], ServiceContext],
    ) -> None:
        self._directory = directory
        self._clock = clock
        self._context_for = context_for

    # --- companies --------------------------------------------------------------------------

    def companies(self) -> list[Company]:
        return self._directory.companies()

    def company(self, slug: str) -> Company:
        """The company ``slug`` names; :class:`PortalError` when none does."""
        company = self._directory.company_by_slug(slug)
        if company is None:
            raise PortalError(
                msg(
                    "No company has the slug {slug}. `python -m portal companies list` shows them.",
                    slug=slug,
                )
            )
        return company

    def add_company(self, *, slug: str, name: str) -> Company:
        problem = slug_problem(slug)
        if problem is not None:
            raise PortalError(problem)
        if not name.strip():
            raise PortalError(msg("Give the company a name."))
        try:
            return self._directory.add_company(slug=slug, name=name.strip())
        except WriteConflictError:
            raise PortalError(
                msg("A company with the slug {slug} exists already.", slug=slug)
            ) from None

    def rename_company(self, slug: str, *, name: str) -> Company:
        """Give the company ``slug`` a new name (what its users see in the sidebar)."""
        company = self.company(slug)
        if not name.strip():
            raise PortalError(msg("Give the company a name."))
        self._directory.rename_company(company.id, name=name.strip())
        self._context_for(company.id).audit(
            actor=OPERATOR,
            action=AuditAction.MANAGE_USERS,
            outcome=AuditOutcome.SUCCEEDED,
            detail=f"company renamed from {company.name!r} to {name.strip()!r}",
        )
        return replace(company, name=name.strip())

    # --- users ------------------------------------------------------------------------------

    def users(self, company: str | None = None) -> list[DirectoryUser]:
        """Every portal user (of the company with slug ``company`` when given)."""
        return self._directory.users(None if company is None else self.company(company).id)

    def create_user(
        self, *, company: str, username: str, role: PortalRole, password: str
    ) -> DirectoryUser:
        owner = self.company(company)
        for problem in (username_problem(username), password_problem(password)):
            if problem is not None:
                raise PortalError(problem)
        if self._directory.user(username) is not None:
            raise PortalError(
                msg(
                    "The username {username} is taken (usernames are unique across companies).",
                    username=username,
                )
            )
        user = DirectoryUser(
            username=username,
            company_id=owner.id,
            role=role,
            password_hash=_hash(password),
        )
        self._directory.save_user(user, at=self._clock.now())
        self._audit(user, f"created {role.value} {username}")
        return user

    def set_disabled(self, username: str, *, disabled: bool) -> DirectoryUser:
        """Disable (no login; open browser sessions end at their next page) or enable."""
        user = self._database_user(username)
        changed = replace(user, disabled=disabled)
        self._directory.save_user(changed, at=self._clock.now())
        self._audit(user, f"{'disabled' if disabled else 'enabled'} {username}")
        return changed

    def reset_password(self, username: str, *, password: str) -> DirectoryUser:
        user = self._database_user(username)
        problem = password_problem(password)
        if problem is not None:
            raise PortalError(problem)
        changed = replace(user, password_hash=_hash(password))
        self._directory.save_user(changed, at=self._clock.now())
        self._audit(user, f"new password for {username}")
        return changed

    def apply_configured(self, users: tuple[PortalUser, ...]) -> None:
        """Make the configured users true: create or update each (and its company), remove
        configured users no longer configured. A database user of the same name is left
        alone (and logged): the configuration never takes over an account."""
        configured: set[str] = set()
        for user in users:
            company = self._configured_company(user)
            existing = self._directory.user(user.username)
            if existing is not None and existing.source is UserSource.DATABASE:
                log.warning(
                    "The configured portal user %s is also a user made on the command line; "
                    "the command line's is kept",
                    user.username,
                )
                continue
            configured.add(user.username)
            wanted = DirectoryUser(
                username=user.username,
                company_id=company,
                role=user.role,
                password_hash=user.password_hash,
                source=UserSource.CONFIG,
            )
            if existing != wanted:
                self._directory.save_user(wanted, at=self._clock.now())
        for stored in self._directory.users():
            if stored.source is UserSource.CONFIG and stored.username not in configured:
                self._directory.remove_user(stored.username)

    def _configured_company(self, user: PortalUser) -> CompanyId:
        if user.company is None:
            return HOME_COMPANY
        found = self._directory.company_by_slug(user.company)
        if found is not None:
            return found.id
        try:
            return self._directory.add_company(
                slug=user.company, name=user.company_name or user.company
            ).id
        except WriteConflictError:  # another replica made it at the same moment
            again = self._directory.company_by_slug(user.company)
            assert again is not None
            return again.id

    def _database_user(self, username: str) -> DirectoryUser:
        user = self._directory.user(username)
        if user is None:
            raise PortalError(msg("No portal user is called {username}.", username=username))
        if user.source is UserSource.CONFIG:
            raise PortalError(
                msg(
                    "{username} is configured in secrets or PORTAL_USERS: change them there.",
                    username=username,
                )
            )
        return user

    def _audit(self, user: DirectoryUser, detail: str) -> None:
        self._context_for(user.company_id).audit(
            actor=OPERATOR,
            action=AuditAction.MANAGE_USERS,
            outcome=AuditOutcome.SUCCEEDED,
            detail=detail,
        )


def _hash(password: str) -> str:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt()).decode("ascii")
