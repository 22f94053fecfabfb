"""sObject metadata: the standard catalogue plus each org profile's custom fields and objects."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

from mock_salesforce.schema.custom import CUSTOM_FIELDS, CUSTOM_KEY_PREFIXES, CUSTOM_OBJECTS
from mock_salesforce.schema.model import (
    ChildRelationship,
    FieldDef,
    FieldType,
    ObjectDef,
    OrgSchema,
)
from mock_salesforce.schema.standard import STANDARD_OBJECTS, USER_PERMISSIONS

SCHEMA_PROFILES = tuple(CUSTOM_FIELDS)

__all__ = [
    "SCHEMA_PROFILES",
    "USER_PERMISSIONS",
    "ChildRelationship",
    "FieldDef",
    "FieldType",
    "ObjectDef",
    "OrgSchema",
    "org_schema",
    "physical_schema",
]


@cache
def org_schema(profile: str) -> OrgSchema:
    """The full schema (before any user's permissions) of an org with this profile."""
    if profile not in CUSTOM_FIELDS:
        raise KeyError(f"unknown schema profile {profile!r}; known: {', '.join(SCHEMA_PROFILES)}")
    extra = CUSTOM_FIELDS[profile]
    objects = [
        o.with_fields([*o.fields, *extra.get(o.name, [])]) if o.name in extra else o
        for o in STANDARD_OBJECTS
    ]
    objects += [
        replace(o, key_prefix=CUSTOM_KEY_PREFIXES[o.name], _by_lower={})
        for o in CUSTOM_OBJECTS[profile]
    ]
    return OrgSchema.of(objects)


@cache
def physical_schema() -> OrgSchema:
    """Every object with the union of every profile's fields: the DuckDB tables' columns."""
    merged: dict[str, ObjectDef] = {}
    for profile in SCHEMA_PROFILES:
        for o in org_schema(profile):
            key = o.name.lower()
            if key not in merged:
                merged[key] = o
                continue
            known = {fd.name.lower() for fd in merged[key].fields}
            extra = [fd for fd in o.fields if fd.name.lower() not in known]
            if extra:
                merged[key] = merged[key].with_fields([*merged[key].fields, *extra])
    return OrgSchema(merged)
