"""The directory of companies and portal users, in SQL (the DuckDB file's migration 7, or
PostgreSQL's 0003: the same statements) or in memory."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime

from portal.adapters.db import SqlRunner, to_db_time
from portal.domain.config import PortalRole
from portal.domain.failures import WriteConflictError
from portal.domain.tenancy import (
    HOME_COMPANY,
    HOME_NAME,
    HOME_SLUG,
    Company,
    CompanyId,
    DirectoryUser,
    UserSource,
)
from portal.domain.text import msg

_USER_COLUMNS = "username, company_id, role, password_hash, disabled, source"
_SLUG_TAKEN = msg("A company with this slug exists already.")
_HOME = Company(id=HOME_COMPANY, slug=HOME_SLUG, name=HOME_NAME)


def _company(row: tuple[object, ...]) -> Company:
    return Company(id=CompanyId(int(str(row[0]))), slug=str(row[1]), name=str(row[2]))


def _user(row: tuple[object, ...]) -> DirectoryUser:
    return DirectoryUser(
        username=str(row[0]),
        company_id=CompanyId(int(str(row[1]))),
        role=PortalRole(row[2]),
        password_hash=str(row[3]),
        disabled=bool(row[4]),
        source=UserSource(row[5]),
    )


class SqlDirectory:
    """Companies and portal users over a runner that sees every company's directory rows."""

    def __init__(self, runner: SqlRunner) -> None:
        self._runner = runner

    def companies(self) -> list[Company]:
        rows = self._runner.execute("SELECT id, slug, name FROM companies ORDER BY id")
        return [_company(row) for row in rows]

    def company(self, company_id: CompanyId) -> Company | None:
        rows = self._runner.execute(
            "SELECT id, slug, name FROM companies WHERE id = ?", [int(company_id)]
        )
        return _company(rows[0]) if rows else None

    def company_count(self) -> int:
        return int(self._runner.execute("SELECT count(*) FROM companies")[0][0])

    def company_by_slug(self, slug: str) -> Company | None:
        rows = self._runner.execute("SELECT id, slug, name FROM companies WHERE slug = ?", [slug])
        return _company(rows[0]) if rows else None

    def add_company(self, *, slug: str, name: str) -> Company:
        # Asked first: DuckDB reports a duplicate key as its own error (its writes in one
        # process take turns); PostgreSQL's at the same moment is a WriteConflictError.
        if self.company_by_slug(slug) is not None:
            raise WriteConflictError(_SLUG_TAKEN)
        rows = self._runner.execute(
            "INSERT INTO companies (slug, name) VALUES (?, ?) RETURNING id, slug, name",
            [slug, name],
        )
        return _company(rows[0])

    def rename_company(self, company_id: CompanyId, *, name: str) -> None:
        self._runner.execute("UPDATE companies SET name = ? WHERE id = ?", [name, int(company_id)])

    def user(self, username: str) -> DirectoryUser | None:
        rows = self._runner.execute(
            f"SELECT {_USER_COLUMNS} FROM portal_users WHERE username = ?", [username]
        )
        return _user(rows[0]) if rows else None

    def users(self, company_id: CompanyId | None = None) -> list[DirectoryUser]:
        if company_id is None:
            rows = self._runner.execute(
                f"SELECT {_USER_COLUMNS} FROM portal_users ORDER BY username"
            )
        else:
            rows = self._runner.execute(
                f"SELECT {_USER_COLUMNS} FROM portal_users WHERE company_id = ? ORDER BY username",
                [int(company_id)],
            )
        return [_user(row) for row in rows]

    def save_user(self, user: DirectoryUser, *, at: datetime) -> None:
        self._runner.execute(
            f"""INSERT INTO portal_users ({_USER_COLUMNS}, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (username) DO UPDATE SET company_id = excluded.company_id,
                    role = excluded.role, password_hash = excluded.password_hash,
                    disabled = excluded.disabled, source = excluded.source,
                    updated_at = excluded.updated_at""",
            [
                user.username,
                int(user.company_id),
                user.role.value,
                user.password_hash,
                user.disabled,
                user.source.value,
                to_db_time(at),
            ],
            retry_duplicate_key=True,
        )

    def remove_user(self, username: str) -> None:
        self._runner.execute("DELETE FROM portal_users WHERE username = ?", [username])


class InMemoryDirectory:
    """The directory in memory, for service tests: same contract as :class:`SqlDirectory`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._companies: dict[CompanyId, Company] = {HOME_COMPANY: _HOME}
        self._users: dict[str, DirectoryUser] = {}

    def companies(self) -> list[Company]:
        with self._lock:
            return sorted(self._companies.values(), key=lambda c: c.id)

    def company(self, company_id: CompanyId) -> Company | None:
        with self._lock:
            return self._companies.get(company_id)

    def company_count(self) -> int:
        with self._lock:
            return len(self._companies)

    def company_by_slug(self, slug: str) -> Company | None:
        with self._lock:
            return next((c for c in self._companies.values() if c.slug == slug), None)

    def add_company(self, *, slug: str, name: str) -> Company:
        with self._lock:
            if any(c.slug == slug for c in self._companies.values()):
                raise WriteConflictError(_SLUG_TAKEN)
            company = Company(id=CompanyId(max(self._companies) + 1), slug=slug, name=name)
            self._companies[company.id] = company
            return company

    def rename_company(self, company_id: CompanyId, *, name: str) -> None:
        with self._lock:
            if company_id in self._companies:
                self._companies[company_id] = replace(self._companies[company_id], name=name)

    def user(self, username: str) -> DirectoryUser | None:
        with self._lock:
            return self._users.get(username)

    def users(self, company_id: CompanyId | None = None) -> list[DirectoryUser]:
        with self._lock:
            return sorted(
                (u for u in self._users.values() if company_id in (None, u.company_id)),
                key=lambda u: u.username,
            )

    def save_user(self, user: DirectoryUser, *, at: datetime) -> None:
        del at
        with self._lock:
            self._users[user.username] = user

    def remove_user(self, username: str) -> None:
        with self._lock:
            self._users.pop(username, None)
