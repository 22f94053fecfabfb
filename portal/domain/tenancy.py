"""Companies and their portal users: who may log in, to which company's data, in which role.

A hosted portal serves many MiiTel companies. Every stored thing belongs to exactly one
company; the storage hands the services a company's storage only (``Tenants.for_company``), so
scoping is a property of what a service holds, not of a ``WHERE`` it must remember. Company
:data:`HOME_COMPANY` is the first one: the company of the users configured in secrets or the
environment, and the one that hears of sign-in attempts for usernames nobody has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Final, NewType

from portal.domain.config import PortalRole
from portal.domain.text import N_, Text, msg

CompanyId = NewType("CompanyId", int)

#: The company every portal has from its first start (created by the storage's migrations).
HOME_COMPANY: Final = CompanyId(1)
HOME_SLUG: Final = "default"
#: The home company's name until an operator gives it one (shown in the reader's language).
HOME_NAME: Final = N_("Default company")

_SLUG: Final = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")
_USERNAME: Final = re.compile(r"^[^\s\x00-\x1f]{1,120}$")
MIN_PASSWORD_LENGTH: Final = 12


@dataclass(frozen=True)
class Company:
    """A MiiTel customer company: its own integration, settings, backups and logs."""

    id: CompanyId
    slug: str
    name: str


class UserSource(Enum):
    """Where a portal user is managed: the configuration (secrets or ``PORTAL_USERS``, which
    win at every start) or the database (``python -m portal users``)."""

    CONFIG = "config"
    DATABASE = "database"


@dataclass(frozen=True)
class DirectoryUser:
    """A portal user as the directory holds them (the password only as a bcrypt hash)."""

    username: str
    company_id: CompanyId
    role: PortalRole
    password_hash: str = field(repr=False)
    disabled: bool = False
    source: UserSource = UserSource.DATABASE


class UnknownCompanyError(LookupError):
    """No company has this id or slug."""


def slug_problem(slug: str) -> Text | None:
    """Why ``slug`` cannot name a company, or None."""
    if not _SLUG.match(slug):
        return msg(
            "{slug} cannot name a company: a company slug is 1 to 40 lowercase letters, digits "
            "and hyphens (not starting or ending with a hyphen).",
            slug=slug,
        )
    return None


def username_problem(username: str) -> Text | None:
    """Why ``username`` cannot be a portal username, or None."""
    if not _USERNAME.match(username):
        return msg("A username is 1 to 120 characters without spaces.")
    return None


def password_problem(password: str) -> Text | None:
    """Why ``password`` is too weak for a portal user, or None."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return msg("A password has at least {count} characters.", count=MIN_PASSWORD_LENGTH)
    return None
