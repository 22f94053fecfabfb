"""Who may do what in an org: profiles, permission sets, and the access they add up to.

A user's effective permissions are the union of their profile's permissions (the Profile row and
its profile-owned PermissionSet) and every PermissionSet assigned to them (PermissionSetAssignment
rows), as in Salesforce. All of it lives in real sObject rows (Profile, PermissionSet,
PermissionSetAssignment, ObjectPermissions, FieldPermissions), so SOQL sees what Setup shows.

Rules the mock applies (deliberately simple, and documented in the README):

- ``ModifyAllData`` grants every object and field; ``ViewAllData`` grants read on all of them.
- Setup objects (User, Profile, PermissionSet, OauthToken, ...) are readable by every API user;
  writing them needs ManageUsers, CustomizeApplication or ModifyAllData.
- Business objects need an ObjectPermissions row granting the action. Task and Event, which
  Salesforce governs by sharing rather than object permissions, are fully accessible unless one
  of the user's sets has an ObjectPermissions row for them.
- A field without any FieldPermissions row in the user's sets is readable and editable; once a
  row exists, the field is readable (editable) only if some row grants read (edit). An
  unreadable field is absent from the user's schema: describe omits it and SOQL answers
  ``INVALID_FIELD``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import lru_cache
from typing import Any

from mock_salesforce.clock import Clock
from mock_salesforce.errors import SalesforceError, insufficient_access
from mock_salesforce.orgs import Orgs
from mock_salesforce.rows import insert, update
from mock_salesforce.schema import USER_PERMISSIONS, ObjectDef, OrgSchema, org_schema
from mock_salesforce.schema.model import SYSTEM_FIELDS
from mock_salesforce.schema.standard import SETUP_OBJECTS
from mock_salesforce.sessions import Principal
from mock_salesforce.store import Store

#: What Setup calls each modelled user permission.
PERMISSION_LABELS: Mapping[str, str] = {
    "ApiEnabled": "API Enabled",
    "ViewSetup": "View Setup and Configuration",
    "ManageUsers": "Manage Users",
    "CustomizeApplication": "Customize Application",
    "ModifyAllData": "Modify All Data",
    "ViewAllData": "View All Data",
    "CanApproveUninstalledApps": "Approve Uninstalled Connected Apps",
}

APPROVE_UNINSTALLED_APPS = "CanApproveUninstalledApps"

#: Objects Salesforce governs by sharing, not object permissions (see module docstring).
_ACTIVITY_OBJECTS = frozenset({"task", "event"})
_SETUP_WRITERS = ("ManageUsers", "CustomizeApplication", "ModifyAllData")
_NEVER_HIDDEN = frozenset(f.lower() for f in SYSTEM_FIELDS)
#: Objects whose rows decide permissions: writing one invalidates the cache.
_PERMISSION_OBJECTS = frozenset(
    {
        "user",
        "profile",
        "permissionset",
        "permissionsetassignment",
        "objectpermissions",
        "fieldpermissions",
    }
)
#: Backstop for a write racing a read of the same user's permissions.
_CACHE_SECONDS = 1.0


class ObjectAction(StrEnum):
    READ = "read"
    CREATE = "create"
    EDIT = "edit"
    DELETE = "delete"


class SourceKind(StrEnum):
    PROFILE = "Profile"
    PERMISSION_SET = "Permission set"


@dataclass(frozen=True)
class PermissionSource:
    """Where a user's permission comes from: their profile, or an assigned permission set."""

    kind: SourceKind
    record_id: str
    name: str

    def describe(self) -> str:
        return f"{self.kind.value}: {self.name}"


@dataclass(frozen=True)
class ObjectAccess:
    read: bool = False
    create: bool = False
    edit: bool = False
    delete: bool = False

    def allows(self, action: ObjectAction) -> bool:
        return bool(getattr(self, action.value))

    def merged(self, other: ObjectAccess) -> ObjectAccess:
        return ObjectAccess(
            self.read or other.read,
            self.create or other.create,
            self.edit or other.edit,
            self.delete or other.delete,
        )


FULL_ACCESS = ObjectAccess(True, True, True, True)
READ_ONLY = ObjectAccess(read=True)


@dataclass(frozen=True)
class FieldAccess:
    read: bool
    edit: bool


@dataclass(frozen=True)
class EffectivePermissions:
    """One user's permissions, already combined over their profile and permission sets."""

    org_id: str
    user_id: str
    profile_id: str | None
    #: Modelled user permissions (``ApiEnabled``...) the user holds, each with its sources.
    sources: Mapping[str, tuple[PermissionSource, ...]]
    #: ObjectPermissions per lower-case sObject name (combined over the user's sets).
    object_rows: Mapping[str, ObjectAccess]
    #: FieldPermissions per (lower-case sObject, lower-case field) (combined).
    field_rows: Mapping[tuple[str, str], FieldAccess]
    permission_set_ids: tuple[str, ...] = field(default=())

    def has(self, permission: str) -> bool:
        return bool(self.sources.get(permission))

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset(p for p, s in self.sources.items() if s)

    def object_access(self, sobject: str) -> ObjectAccess:
        """What the user may do with records of ``sobject``."""
        key = sobject.lower()
        if self.has("ModifyAllData"):
            return FULL_ACCESS
        granted = self.object_rows.get(key, ObjectAccess())
        if key in SETUP_OBJECTS:
            writer = any(self.has(p) for p in _SETUP_WRITERS)
            return FULL_ACCESS if writer else READ_ONLY
        if key in _ACTIVITY_OBJECTS and key not in self.object_rows:
            granted = FULL_ACCESS
        if self.has("ViewAllData"):
            granted = granted.merged(READ_ONLY)
        return granted

    def field_access(self, sobject: str, field_name: str) -> FieldAccess:
        if self.has("ModifyAllData") or field_name.lower() in _NEVER_HIDDEN:
            return FieldAccess(True, True)
        row = self.field_rows.get((sobject.lower(), field_name.lower()))
        if row is None:
            return FieldAccess(True, True)
        if self.has("ViewAllData"):
            return FieldAccess(True, row.edit)
        return row


def api_disabled() -> SalesforceError:
    return SalesforceError(
        "API_DISABLED_FOR_ORG", "The REST API is not enabled for this Organization.", status=403
    )


@dataclass(frozen=True)
class ProfileInfo:
    profile_id: str
    name: str
    permissions: frozenset[str]
    #: The profile-owned PermissionSet holding its object and field permissions (if any).
    owned_permission_set_id: str | None


@dataclass(frozen=True)
class PermissionSetInfo:
    permission_set_id: str
    name: str
    label: str
    description: str | None
    permissions: frozenset[str]
    owned_by_profile_id: str | None


@dataclass(frozen=True)
class Assignment:
    assignment_id: str
    user_id: str
    permission_set_id: str
    permission_set_label: str


@dataclass
class _Cached:
    generation: int
    at: float
    effective: EffectivePermissions
    #: The user's view of each schema (keyed by the schema object's id; schemas are cached).
    views: dict[int, OrgSchema]


class Permissions:
    """Reads and changes an org's profiles, permission sets and assignments, and enforces them."""

    def __init__(self, store: Store, clock: Clock, orgs: Orgs) -> None:
        self._store = store
        self._clock = clock
        self._orgs = orgs
        self._lock = threading.Lock()
        self._generation = 0
        self._cache: dict[tuple[str, str], _Cached] = {}

    def invalidate(self) -> None:
        """Forget cached permissions (after any change to users, profiles or permission sets;
        this class's own changes call it)."""
        with self._lock:
            self._generation += 1
            self._cache.clear()

    def _cached(self, org_id: str, user_id: str) -> _Cached:
        key = (org_id, user_id)
        now = time.monotonic()
        with self._lock:
            generation = self._generation
            hit = self._cache.get(key)
        if hit is not None and hit.generation == generation and now - hit.at < _CACHE_SECONDS:
            return hit
        fresh = _Cached(generation, now, self._compute(org_id=org_id, user_id=user_id), {})
        with self._lock:
            if self._generation == generation:
                self._cache[key] = fresh
        return fresh

    # -- reading ---------------------------------------------------------------------------
    def _schema(self, org_id: str) -> OrgSchema:
        org = self._orgs.get(org_id)
        if org is None:
            raise LookupError(f"unknown org {org_id}")
        return org.schema

    def _obj(self, org_id: str, name: str) -> ObjectDef:
        obj = self._schema(org_id).get(name)
        assert obj is not None, name
        return obj

    @staticmethod
    def _granted(row: Sequence[Any], offset: int) -> frozenset[str]:
        return frozenset(p for i, p in enumerate(USER_PERMISSIONS) if row[offset + i])

    def _perm_columns(self, alias: str) -> str:
        return ", ".join(f'{alias}."Permissions{p}"' for p in USER_PERMISSIONS)

    def effective(self, *, org_id: str, user_id: str) -> EffectivePermissions:
        """The user's combined permissions (none at all for an unknown or inactive user)."""
        return self._cached(org_id, user_id).effective

    def _compute(self, *, org_id: str, user_id: str) -> EffectivePermissions:
        perms_p, perms_ps = self._perm_columns("p"), self._perm_columns("ps")
        # One round trip: the user's profile, its own set, and the assigned sets.
        rows = self._store.execute(
            'WITH u AS (SELECT "ProfileId" AS pid FROM "sobj_user" WHERE _org_id = ? '
            'AND "Id" = ? AND NOT "IsDeleted" AND "IsActive") '
            f'SELECT 0, u.pid, p."Name", NULL, {perms_p} FROM u LEFT JOIN "sobj_profile" p '
            'ON p._org_id = ? AND p."Id" = u.pid AND NOT p."IsDeleted" '
            f'UNION ALL SELECT 1, ps."ProfileId", p."Name", ps."Id", {perms_ps} '
            'FROM u JOIN "sobj_permissionset" ps ON ps._org_id = ? AND ps."ProfileId" = u.pid '
            'AND ps."IsOwnedByProfile" AND NOT ps."IsDeleted" LEFT JOIN "sobj_profile" p '
            'ON p._org_id = ps._org_id AND p."Id" = ps."ProfileId" '
            f'UNION ALL SELECT 2, ps."Id", coalesce(ps."Label", ps."Name"), ps."Id", {perms_ps} '
            'FROM u, "sobj_permissionsetassignment" a JOIN "sobj_permissionset" ps '
            'ON ps._org_id = a._org_id AND ps."Id" = a."PermissionSetId" AND NOT ps."IsDeleted" '
            'AND NOT coalesce(ps."IsOwnedByProfile", false) '
            'WHERE a._org_id = ? AND a."AssigneeId" = ? AND NOT a."IsDeleted" ORDER BY 1, 3, 4',
            [org_id, user_id, org_id, org_id, org_id, user_id],
        )
        if not rows:
            return EffectivePermissions(org_id, user_id, None, {}, {}, {})
        profile_id = rows[0][1]
        sources: dict[str, list[PermissionSource]] = {}
        set_ids: list[str] = []
        for row in rows:
            kind, record_id, name, set_id = row[:4]
            if record_id is None:
                continue
            if set_id is not None:
                set_ids.append(set_id)
            source = PermissionSource(
                SourceKind.PERMISSION_SET if kind == 2 else SourceKind.PROFILE,
                record_id,
                name or "",
            )
            for permission in self._granted(row, 4):
                if source not in sources.setdefault(permission, []):
                    sources[permission].append(source)
        object_rows, field_rows = self._object_and_field_rows(org_id, set_ids)
        return EffectivePermissions(
            org_id=org_id,
            user_id=user_id,
            profile_id=profile_id,
            sources={p: tuple(s) for p, s in sources.items()},
            object_rows=object_rows,
            field_rows=field_rows,
            permission_set_ids=tuple(set_ids),
        )

    def _object_and_field_rows(
        self, org_id: str, set_ids: Sequence[str]
    ) -> tuple[dict[str, ObjectAccess], dict[tuple[str, str], FieldAccess]]:
        objects: dict[str, ObjectAccess] = {}
        fields: dict[tuple[str, str], FieldAccess] = {}
        if not set_ids:
            return objects, fields
        marks = ", ".join("?" for _ in set_ids)
        rows = self._store.execute(
            'SELECT 0, "SobjectType", NULL, "PermissionsCreate", "PermissionsRead", '
            '"PermissionsEdit", "PermissionsDelete", "PermissionsViewAllRecords", '
            '"PermissionsModifyAllRecords" FROM "sobj_objectpermissions" WHERE _org_id = ? '
            f'AND "ParentId" IN ({marks}) AND NOT "IsDeleted" '
            'UNION ALL SELECT 1, "SobjectType", "Field", NULL, "PermissionsRead", '
            '"PermissionsEdit", NULL, NULL, NULL FROM "sobj_fieldpermissions" WHERE _org_id = ? '
            f'AND "ParentId" IN ({marks}) AND NOT "IsDeleted"',
            [org_id, *set_ids, org_id, *set_ids],
        )
        for kind, sobject, name, c, r, e, d, view_all, modify_all in rows:
            if kind == 0 and sobject:
                read = bool(r or c or e or d or view_all or modify_all)
                edit = bool(e or d or modify_all)
                access = ObjectAccess(read, bool(c), edit, bool(d or modify_all))
                key = sobject.lower()
                objects[key] = objects[key].merged(access) if key in objects else access
            elif kind == 1 and name:
                obj_name, _, field_name = name.rpartition(".")
                field_key = ((sobject or obj_name).lower(), field_name.lower())
                granted = FieldAccess(bool(r or e), bool(e))
                prior = fields.get(field_key)
                fields[field_key] = (
                    granted
                    if prior is None
                    else FieldAccess(prior.read or granted.read, prior.edit or granted.edit)
                )
        return objects, fields

    def has_permission(self, *, org_id: str, user_id: str, permission: str) -> bool:
        return self.effective(org_id=org_id, user_id=user_id).has(permission)

    def _profiles_where(self, where: str, params: Sequence[Any]) -> list[ProfileInfo]:
        rows = self._store.execute(
            f'SELECT p."Id", p."Name", {self._perm_columns("p")}, min(ps."Id") '
            'FROM "sobj_profile" p LEFT JOIN "sobj_permissionset" ps ON ps._org_id = p._org_id '
            'AND ps."ProfileId" = p."Id" AND ps."IsOwnedByProfile" AND NOT ps."IsDeleted" '
            f'WHERE NOT p."IsDeleted" AND {where} GROUP BY ALL ORDER BY p."Name", p."Id"',
            params,
        )
        return [ProfileInfo(r[0], r[1], self._granted(r, 2), r[-1]) for r in rows]

    def profile(self, *, org_id: str, profile_id: str) -> ProfileInfo | None:
        found = self._profiles_where('p._org_id = ? AND p."Id" = ?', [org_id, profile_id])
        return found[0] if found else None

    def profiles(self, *, org_id: str) -> list[ProfileInfo]:
        return self._profiles_where("p._org_id = ?", [org_id])

    def profile_by_name(self, *, org_id: str, name: str) -> ProfileInfo | None:
        found = self._profiles_where('p._org_id = ? AND p."Name" = ?', [org_id, name])
        return found[0] if found else None

    def _permission_sets_where(self, where: str, params: Sequence[Any]) -> list[PermissionSetInfo]:
        rows = self._store.execute(
            f'SELECT ps."Id", ps."Name", ps."Label", ps."Description", ps."IsOwnedByProfile", '
            f'ps."ProfileId", {self._perm_columns("ps")} FROM "sobj_permissionset" ps '
            f'WHERE NOT ps."IsDeleted" AND {where} ORDER BY ps."Label", ps."Id"',
            params,
        )
        return [
            PermissionSetInfo(
                r[0], r[1], r[2] or r[1], r[3], self._granted(r, 6), r[5] if r[4] else None
            )
            for r in rows
        ]

    def permission_set(self, *, org_id: str, permission_set_id: str) -> PermissionSetInfo | None:
        found = self._permission_sets_where(
            'ps._org_id = ? AND ps."Id" = ?', [org_id, permission_set_id]
        )
        return found[0] if found else None

    def permission_sets(
        self, *, org_id: str, include_profile_owned: bool = False
    ) -> list[PermissionSetInfo]:
        """The org's permission sets; those owned by profiles only when asked."""
        owned = "" if include_profile_owned else ' AND NOT coalesce(ps."IsOwnedByProfile", false)'
        return self._permission_sets_where("ps._org_id = ?" + owned, [org_id])

    def assignments(
        self, *, org_id: str, user_id: str | None = None, permission_set_id: str | None = None
    ) -> list[Assignment]:
        """Assignments of non-profile permission sets, filtered by user and/or set."""
        clauses = [
            "a._org_id = ?",
            'NOT a."IsDeleted"',
            'NOT coalesce(ps."IsOwnedByProfile", false)',
        ]
        params: list[Any] = [org_id]
        if user_id is not None:
            clauses.append('a."AssigneeId" = ?')
            params.append(user_id)
        if permission_set_id is not None:
            clauses.append('a."PermissionSetId" = ?')
            params.append(permission_set_id)
        rows = self._store.execute(
            'SELECT a."Id", a."AssigneeId", a."PermissionSetId", coalesce(ps."Label", ps."Name") '
            'FROM "sobj_permissionsetassignment" a JOIN "sobj_permissionset" ps '
            'ON ps._org_id = a._org_id AND ps."Id" = a."PermissionSetId" AND NOT ps."IsDeleted" '
            f'WHERE {" AND ".join(clauses)} ORDER BY 4, a."Id"',
            params,
        )
        return [Assignment(*r) for r in rows]

    # -- enforcing -------------------------------------------------------------------------
    def require_api(self, principal: Principal) -> None:
        """Raise ``API_DISABLED_FOR_ORG`` (403) unless the caller holds ApiEnabled."""
        if not self.has_permission(
            org_id=principal.org_id, user_id=principal.user_id, permission="ApiEnabled"
        ):
            raise api_disabled()

    def require_object_access(
        self, *, org_id: str, user_id: str, sobject: str, action: ObjectAction | str
    ) -> None:
        """Raise ``INSUFFICIENT_ACCESS_OR_READONLY`` unless the user may do ``action`` on
        records of ``sobject`` (``read``, ``create``, ``edit`` or ``delete``); what DML in
        ``records.py`` checks."""
        if sobject.lower() in _PERMISSION_OBJECTS and ObjectAction(action) is not ObjectAction.READ:
            # A write that may change someone's permissions is about to happen.
            self.invalidate()
        effective = self.effective(org_id=org_id, user_id=user_id)
        if not effective.object_access(sobject).allows(ObjectAction(action)):
            raise insufficient_access()

    def schema_for(self, principal: Principal, schema: OrgSchema) -> OrgSchema:
        """``schema`` as the caller sees it: readable objects only, unreadable fields removed,
        and createable/updateable/deletable narrowed to what the caller may do."""
        cached = self._cached(principal.org_id, principal.user_id)
        view = cached.views.get(id(schema))
        if view is None:
            view = cached.views[id(schema)] = view_of(schema, cached.effective)
        return view

    # -- changing --------------------------------------------------------------------------
    def create_profile(
        self,
        *,
        org_id: str,
        name: str,
        permissions: Iterable[str],
        object_access: Mapping[str, ObjectAccess] | None = None,
        description: str | None = None,
        actor_id: str | None = None,
    ) -> ProfileInfo:
        """A profile and its profile-owned permission set, both granting ``permissions``, with
        ObjectPermissions rows on the owned set for ``object_access``."""
        granted = _checked(permissions)
        now = self._clock.now()
        flags = {f"Permissions{p}": p in granted for p in USER_PERMISSIONS}
        with self._store.transaction():
            [profile_id] = insert(
                self._store,
                org_id=org_id,
                obj=self._obj(org_id, "Profile"),
                actor_id=actor_id,
                now=now,
                rows=[{"Name": name, "Description": description, "UserType": "Standard", **flags}],
            )
            [set_id] = insert(
                self._store,
                org_id=org_id,
                obj=self._obj(org_id, "PermissionSet"),
                actor_id=actor_id,
                now=now,
                rows=[
                    {
                        "Name": f"X{profile_id[:15]}",
                        "Label": name,
                        "IsOwnedByProfile": True,
                        "ProfileId": profile_id,
                        "Description": None,
                        **flags,
                    }
                ],
            )
            self.set_object_access(
                org_id=org_id,
                permission_set_id=set_id,
                access=object_access or {},
                actor_id=actor_id,
            )
        self.invalidate()
        profile = self.profile(org_id=org_id, profile_id=profile_id)
        assert profile is not None
        return profile

    def clone_profile(
        self, *, org_id: str, source_profile_id: str, name: str, actor_id: str | None = None
    ) -> ProfileInfo:
        """A copy of a profile with its object and field permissions. As in Salesforce since
        2025, the clone does not carry "Approve Uninstalled Connected Apps"."""
        source = self.profile(org_id=org_id, profile_id=source_profile_id)
        if source is None:
            raise LookupError(f"unknown profile {source_profile_id}")
        objects: dict[str, ObjectAccess] = {}
        fields: list[tuple[str, str, bool, bool]] = []
        if source.owned_permission_set_id:
            objects = self.object_access_rows(
                org_id=org_id, permission_set_id=source.owned_permission_set_id
            )
            fields = self.field_access_rows(
                org_id=org_id, permission_set_id=source.owned_permission_set_id
            )
        with self._store.transaction():
            clone = self.create_profile(
                org_id=org_id,
                name=name,
                actor_id=actor_id,
                object_access=objects,
                permissions=source.permissions - {APPROVE_UNINSTALLED_APPS},
                description=f"Cloned from {source.name}",
            )
            assert clone.owned_permission_set_id is not None
            for sobject, field_name, read, edit in fields:
                self.set_field_access(
                    org_id=org_id,
                    permission_set_id=clone.owned_permission_set_id,
                    sobject=sobject,
                    field_name=field_name,
                    read=read,
                    edit=edit,
                    actor_id=actor_id,
                )
        return clone

    def create_permission_set(
        self,
        *,
        org_id: str,
        name: str,
        label: str,
        permissions: Iterable[str],
        description: str | None = None,
        actor_id: str | None = None,
    ) -> PermissionSetInfo:
        """A permission set (not owned by a profile) granting ``permissions``."""
        granted = _checked(permissions)
        [set_id] = insert(
            self._store,
            org_id=org_id,
            obj=self._obj(org_id, "PermissionSet"),
            actor_id=actor_id,
            now=self._clock.now(),
            rows=[
                {
                    "Name": name,
                    "Label": label,
                    "Description": description,
                    "IsOwnedByProfile": False,
                    **{f"Permissions{p}": p in granted for p in USER_PERMISSIONS},
                }
            ],
        )
        self.invalidate()
        ps = self.permission_set(org_id=org_id, permission_set_id=set_id)
        assert ps is not None
        return ps

    def set_object_access(
        self,
        *,
        org_id: str,
        permission_set_id: str,
        access: Mapping[str, ObjectAccess],
        actor_id: str | None = None,
    ) -> None:
        """Replace the set's ObjectPermissions rows for the objects in ``access``."""
        if not access:
            return
        obj = self._obj(org_id, "ObjectPermissions")
        with self._store.transaction():
            for sobject in access:
                self._store.execute(
                    f'DELETE FROM {obj.table} WHERE _org_id = ? AND "ParentId" = ? '
                    'AND lower("SobjectType") = ?',
                    [org_id, permission_set_id, sobject.lower()],
                )
            insert(
                self._store,
                org_id=org_id,
                obj=obj,
                actor_id=actor_id,
                now=self._clock.now(),
                rows=[
                    {
                        "ParentId": permission_set_id,
                        "SobjectType": sobject,
                        "PermissionsRead": a.read,
                        "PermissionsCreate": a.create,
                        "PermissionsEdit": a.edit,
                        "PermissionsDelete": a.delete,
                        "PermissionsViewAllRecords": False,
                        "PermissionsModifyAllRecords": False,
                    }
                    for sobject, a in access.items()
                ],
            )
        self.invalidate()

    def object_access_rows(self, *, org_id: str, permission_set_id: str) -> dict[str, ObjectAccess]:
        rows, _ = self._object_and_field_rows(org_id, [permission_set_id])
        names = self._store.execute(
            'SELECT DISTINCT "SobjectType" FROM "sobj_objectpermissions" WHERE _org_id = ? '
            'AND "ParentId" = ? AND NOT "IsDeleted"',
            [org_id, permission_set_id],
        )
        return {n[0]: rows[n[0].lower()] for n in names if n[0] and n[0].lower() in rows}

    def field_access_rows(
        self, *, org_id: str, permission_set_id: str
    ) -> list[tuple[str, str, bool, bool]]:
        """The set's FieldPermissions as (sObject, field, read, edit)."""
        rows = self._store.execute(
            'SELECT "SobjectType", "Field", "PermissionsRead", "PermissionsEdit" '
            'FROM "sobj_fieldpermissions" WHERE _org_id = ? AND "ParentId" = ? '
            'AND NOT "IsDeleted" ORDER BY "Field"',
            [org_id, permission_set_id],
        )
        return [(s, f.rpartition(".")[2], bool(r), bool(e)) for s, f, r, e in rows]

    def set_field_access(
        self,
        *,
        org_id: str,
        permission_set_id: str,
        sobject: str,
        field_name: str,
        read: bool,
        edit: bool,
        actor_id: str | None = None,
    ) -> None:
        """Set one field's FieldPermissions row on a permission set (``Field`` is
        ``Object.Field``, as Salesforce stores it)."""
        obj = self._obj(org_id, "FieldPermissions")
        target = self._schema(org_id).get(sobject)
        if target is None or target.field(field_name) is None:
            raise LookupError(f"{sobject}.{field_name} does not exist in this org")
        canonical = f"{target.name}.{target.field(field_name).name}"  # type: ignore[union-attr]
        with self._store.transaction():
            self._store.execute(
                f'DELETE FROM {obj.table} WHERE _org_id = ? AND "ParentId" = ? '
                'AND lower("Field") = ?',
                [org_id, permission_set_id, canonical.lower()],
            )
            insert(
                self._store,
                org_id=org_id,
                obj=obj,
                actor_id=actor_id,
                now=self._clock.now(),
                rows=[
                    {
                        "ParentId": permission_set_id,
                        "SobjectType": target.name,
                        "Field": canonical,
                        "PermissionsRead": read or edit,
                        "PermissionsEdit": edit,
                    }
                ],
            )
        self.invalidate()

    def set_user_profile(
        self, *, org_id: str, user_id: str, profile_id: str, actor_id: str | None = None
    ) -> None:
        """Move the user to another profile."""
        update(
            self._store,
            org_id=org_id,
            obj=self._obj(org_id, "User"),
            record_id=user_id,
            values={"ProfileId": profile_id},
            actor_id=actor_id,
            now=self._clock.now(),
        )
        self.sync_profile_assignments(org_id=org_id, user_id=user_id)

    def sync_profile_assignments(self, *, org_id: str, user_id: str | None = None) -> int:
        """Give each user (or just ``user_id``) exactly one PermissionSetAssignment row for
        their profile's own permission set, as Salesforce keeps them (so one SOQL query on
        PermissionSetAssignment covers profile and permission sets). Returns rows added."""
        obj = self._obj(org_id, "PermissionSetAssignment")
        only_user = 'AND u."Id" = ?' if user_id else ""
        with self._store.transaction():
            # Drop profile-set rows that no longer match the user's profile.
            self._store.execute(
                f'DELETE FROM {obj.table} a WHERE a._org_id = ? AND a."PermissionSetId" IN '
                '(SELECT "Id" FROM "sobj_permissionset" WHERE _org_id = ? AND "IsOwnedByProfile") '
                'AND NOT EXISTS (SELECT 1 FROM "sobj_user" u JOIN "sobj_permissionset" ps '
                'ON ps._org_id = u._org_id AND ps."ProfileId" = u."ProfileId" '
                'AND ps."IsOwnedByProfile" WHERE u._org_id = a._org_id '
                'AND u."Id" = a."AssigneeId" AND ps."Id" = a."PermissionSetId")',
                [org_id, org_id],
            )
            missing = self._store.execute(
                'SELECT u."Id", min(ps."Id") FROM "sobj_user" u JOIN "sobj_permissionset" ps '
                'ON ps._org_id = u._org_id AND ps."ProfileId" = u."ProfileId" '
                'AND ps."IsOwnedByProfile" AND NOT ps."IsDeleted" '
                f'WHERE u._org_id = ? AND NOT u."IsDeleted" {only_user} AND NOT EXISTS ('
                f"SELECT 1 FROM {obj.table} a WHERE a._org_id = u._org_id "
                'AND a."AssigneeId" = u."Id" AND a."PermissionSetId" = ps."Id") '
                'GROUP BY u."Id" ORDER BY u."Id"',
                [org_id, *([user_id] if user_id else [])],
            )
            insert(
                self._store,
                org_id=org_id,
                obj=obj,
                actor_id=None,
                now=self._clock.now(),
                rows=[{"AssigneeId": uid, "PermissionSetId": sid} for uid, sid in missing],
            )
        self.invalidate()
        return len(missing)

    def assign(
        self, *, org_id: str, user_id: str, permission_set_id: str, actor_id: str | None = None
    ) -> str:
        """Assign a permission set to a user; returns the PermissionSetAssignment id.

        Raises ``AssignmentRefused`` for a profile's own set or a set already assigned."""
        ps = self.permission_set(org_id=org_id, permission_set_id=permission_set_id)
        if ps is None:
            raise AssignmentRefused("That permission set does not exist.")
        if ps.owned_by_profile_id:
            raise AssignmentRefused(
                "You can't assign or unassign this permission set because it's associated "
                "with a profile."
            )
        with self._store.transaction():
            if any(
                a.permission_set_id == permission_set_id
                for a in self.assignments(org_id=org_id, user_id=user_id)
            ):
                raise AssignmentRefused(f'"{ps.label}" is already assigned to this user.')
            [assignment_id] = insert(
                self._store,
                org_id=org_id,
                obj=self._obj(org_id, "PermissionSetAssignment"),
                actor_id=actor_id,
                now=self._clock.now(),
                rows=[{"AssigneeId": user_id, "PermissionSetId": permission_set_id}],
            )
        self.invalidate()
        return assignment_id

    def unassign(self, *, org_id: str, assignment_id: str) -> None:
        """Remove one assignment (a hard delete, as Salesforce does for setup rows)."""
        found = [a for a in self.assignments(org_id=org_id) if a.assignment_id == assignment_id]
        if not found:
            raise AssignmentRefused("That permission set assignment does not exist.")
        self._store.execute(
            'DELETE FROM "sobj_permissionsetassignment" WHERE _org_id = ? AND "Id" = ?',
            [org_id, assignment_id],
        )
        self.invalidate()


class AssignmentRefused(Exception):
    """An assignment change Salesforce would refuse; the message is shown to the admin."""


def _checked(permissions: Iterable[str]) -> frozenset[str]:
    granted = frozenset(permissions)
    unknown = granted - set(USER_PERMISSIONS)
    if unknown:
        raise ValueError(f"unknown permissions: {', '.join(sorted(unknown))}")
    return granted


def view_of(schema: OrgSchema, effective: EffectivePermissions) -> OrgSchema:
    """The user's view of ``schema`` (see :meth:`Permissions.schema_for`)."""
    objects = []
    hidden: list[tuple[str, str]] = []
    readonly: list[tuple[str, str]] = []
    for obj in schema:
        access = effective.object_access(obj.name)
        if not access.read:
            continue
        objects.append((obj.name, access.create, access.edit, access.delete))
        for fd in obj.fields:
            fa = effective.field_access(obj.name, fd.name)
            if not fa.read:
                hidden.append((obj.name, fd.name))
            elif not fa.edit:
                readonly.append((obj.name, fd.name))
    return _cached_view(schema, tuple(objects), tuple(hidden), tuple(readonly))


@lru_cache(maxsize=256)
def _cached_view_by_profile(
    profile: str,
    objects: tuple[tuple[str, bool, bool, bool], ...],
    hidden: tuple[tuple[str, str], ...],
    readonly: tuple[tuple[str, str], ...],
) -> OrgSchema:
    return _build_view(org_schema(profile), objects, hidden, readonly)


def _cached_view(
    schema: OrgSchema,
    objects: tuple[tuple[str, bool, bool, bool], ...],
    hidden: tuple[tuple[str, str], ...],
    readonly: tuple[tuple[str, str], ...],
) -> OrgSchema:
    # Schemas come from org_schema(profile) (cached, so identity identifies the profile).
    for profile in _known_profiles():
        if org_schema(profile) is schema:
            return _cached_view_by_profile(profile, objects, hidden, readonly)
    return _build_view(schema, objects, hidden, readonly)


def _known_profiles() -> tuple[str, ...]:
    from mock_salesforce.schema import SCHEMA_PROFILES

    return SCHEMA_PROFILES


def _build_view(
    schema: OrgSchema,
    objects: tuple[tuple[str, bool, bool, bool], ...],
    hidden: tuple[tuple[str, str], ...],
    readonly: tuple[tuple[str, str], ...],
) -> OrgSchema:
    drop: dict[str, set[str]] = {}
    for sobject, name in hidden:
        drop.setdefault(sobject.lower(), set()).add(name.lower())
    frozen: dict[str, set[str]] = {}
    for sobject, name in readonly:
        frozen.setdefault(sobject.lower(), set()).add(name.lower())
    result: dict[str, ObjectDef] = {}
    for name, create, edit, delete in objects:
        obj = schema.get(name)
        assert obj is not None
        key = name.lower()
        fields = [
            replace(fd, createable=False, updateable=False)
            if fd.name.lower() in frozen.get(key, ())
            else fd
            for fd in obj.fields
            if fd.name.lower() not in drop.get(key, ())
        ]
        narrowed = obj.with_fields(fields) if key in drop or key in frozen else obj
        flags = (obj.createable and create, obj.updateable and edit, obj.deletable and delete)
        if flags != (obj.createable, obj.updateable, obj.deletable):
            narrowed = replace(
                narrowed,
                createable=flags[0],
                updateable=flags[1],
                deletable=flags[2],
                _by_lower={},
            )
        result[key] = narrowed
    return OrgSchema(result)
