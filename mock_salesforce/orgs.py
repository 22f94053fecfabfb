"""Orgs, and the users that log in to them (credentials are the mock's own, hashed)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.rows import insert
from mock_salesforce.schema import OrgSchema, org_schema
from mock_salesforce.store import Store


@dataclass(frozen=True)
class Org:
    org_id: str
    name: str
    schema_profile: str
    instance_name: str

    @property
    def schema(self) -> OrgSchema:
        return org_schema(self.schema_profile)


def _hash_password(password: str, salt: bytes) -> str:
    return hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 50_000).hex()


class Orgs:
    """The orgs this mock hosts, and their users' passwords."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        # Orgs never change once created; every API request looks its org up.
        self._cache: dict[str, Org] = {}
        store.on_wipe(self._cache.clear)
        store.ensure_table(
            "_credentials",
            "user_id VARCHAR PRIMARY KEY, org_id VARCHAR NOT NULL, username VARCHAR UNIQUE "
            "NOT NULL, salt VARCHAR NOT NULL, password_hash VARCHAR NOT NULL",
        )

    def create(
        self,
        *,
        name: str,
        schema_profile: str,
        instance_name: str = "MOCK1",
        org_type: str = "Enterprise Edition",
        country: str = "Japan",
    ) -> Org:
        schema = org_schema(schema_profile)
        organization = schema.get("Organization")
        assert organization is not None
        now = self._clock.now()
        [org_id] = insert(
            self._store,
            org_id="",
            obj=organization,
            actor_id=None,
            now=now,
            rows=[
                {
                    "Name": name,
                    "OrganizationType": org_type,
                    "InstanceName": instance_name,
                    "IsSandbox": False,
                    "Country": country,
                    "DefaultLocaleSidKey": "ja_JP",
                    "LanguageLocaleKey": "ja",
                    "TimeZoneSidKey": "Asia/Tokyo",
                }
            ],
        )
        # The Organization row is its own org's data.
        self._store.execute(
            f'UPDATE {organization.table} SET _org_id = ? WHERE "Id" = ?', [org_id, org_id]
        )
        self._store.execute(
            "INSERT INTO _orgs VALUES (?, ?, ?, ?, ?)",
            [org_id, name, schema_profile, instance_name, naive_utc(now)],
        )
        org = Org(org_id, name, schema_profile, instance_name)
        self._cache[org_id] = org
        return org

    def get(self, org_id: str) -> Org | None:
        cached = self._cache.get(org_id)
        if cached is not None:
            return cached
        rows = self._store.execute(
            "SELECT org_id, name, schema_profile, instance_name FROM _orgs WHERE org_id = ?",
            [org_id],
        )
        if not rows:
            return None
        org = self._cache[org_id] = Org(*rows[0])
        return org

    def require(self, org_id: str) -> Org:
        """The org; ``LookupError`` for an org this mock does not hold."""
        org = self.get(org_id)
        if org is None:
            raise LookupError(f"unknown org {org_id}")
        return org

    def schema(self, org_id: str) -> OrgSchema:
        """The org's whole schema, before any user's permissions."""
        return self.require(org_id).schema

    def all(self) -> list[Org]:
        rows = self._store.execute(
            "SELECT org_id, name, schema_profile, instance_name FROM _orgs ORDER BY created_at"
        )
        return [Org(*r) for r in rows]

    def set_password(self, *, org_id: str, user_id: str, username: str, password: str) -> None:
        salt = secrets.token_bytes(16)
        self._store.execute(
            "INSERT INTO _credentials VALUES (?, ?, ?, ?, ?) ON CONFLICT (user_id) DO UPDATE "
            "SET username = EXCLUDED.username, salt = EXCLUDED.salt, "
            "password_hash = EXCLUDED.password_hash",
            [user_id, org_id, username.lower(), salt.hex(), _hash_password(password, salt)],
        )

    def authenticate(self, *, username: str, password: str) -> tuple[str, str] | None:
        """(org_id, user_id) for a right username and password of an active user, else None."""
        rows = self._store.execute(
            'SELECT c.org_id, c.user_id, c.salt, c.password_hash, u."IsActive" '
            'FROM _credentials c JOIN "sobj_user" u ON u."Id" = c.user_id '
            'WHERE c.username = ? AND NOT u."IsDeleted"',
            [username.strip().lower()],
        )
        if not rows:
            return None
        org_id, user_id, salt, expected, active = rows[0]
        given = _hash_password(password, bytes.fromhex(salt))
        if not hmac.compare_digest(given, expected) or not active:
            return None
        return org_id, user_id

    def user(self, org_id: str, user_id: str) -> dict[str, Any] | None:
        names, rows = self._store.execute_with_columns(
            'SELECT "Id", "Username", "Name", "FirstName", "LastName", "Email", "IsActive", '
            '"ProfileId", "LanguageLocaleKey", "LocaleSidKey", "TimeZoneSidKey", "UserType" '
            'FROM "sobj_user" WHERE _org_id = ? AND "Id" = ? AND NOT "IsDeleted"',
            [org_id, user_id],
        )
        return dict(zip(names, rows[0], strict=True)) if rows else None
