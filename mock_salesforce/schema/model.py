"""Metadata of an org's sObjects: what describe returns and what SOQL and DML check against.

An :class:`OrgSchema` is the set of objects one org has (standard objects plus that org's
custom fields and objects). A user's *view* of it (:func:`mock_salesforce.permissions.view_of`)
drops the objects and fields the user cannot read, so describe, SOQL and DML need no separate
checks for read access: a hidden field simply does not exist for that user, as in Salesforce.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum


class FieldType(StrEnum):
    ID = "id"
    STRING = "string"
    TEXTAREA = "textarea"
    PICKLIST = "picklist"
    MULTIPICKLIST = "multipicklist"
    COMBOBOX = "combobox"
    BOOLEAN = "boolean"
    INT = "int"
    DOUBLE = "double"
    CURRENCY = "currency"
    PERCENT = "percent"
    DATE = "date"
    DATETIME = "datetime"
    REFERENCE = "reference"
    PHONE = "phone"
    EMAIL = "email"
    URL = "url"


#: DuckDB column type for each field type (how a value is stored physically).
SQL_TYPES: Mapping[FieldType, str] = {
    FieldType.ID: "VARCHAR",
    FieldType.STRING: "VARCHAR",
    FieldType.TEXTAREA: "VARCHAR",
    FieldType.PICKLIST: "VARCHAR",
    FieldType.MULTIPICKLIST: "VARCHAR",
    FieldType.COMBOBOX: "VARCHAR",
    FieldType.BOOLEAN: "BOOLEAN",
    FieldType.INT: "BIGINT",
    FieldType.DOUBLE: "DOUBLE",
    FieldType.CURRENCY: "DOUBLE",
    FieldType.PERCENT: "DOUBLE",
    FieldType.DATE: "DATE",
    FieldType.DATETIME: "TIMESTAMP",
    FieldType.REFERENCE: "VARCHAR",
    FieldType.PHONE: "VARCHAR",
    FieldType.EMAIL: "VARCHAR",
    FieldType.URL: "VARCHAR",
}

TEXT_TYPES = frozenset(
    {
        FieldType.ID,
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.PICKLIST,
        FieldType.MULTIPICKLIST,
        FieldType.COMBOBOX,
        FieldType.REFERENCE,
        FieldType.PHONE,
        FieldType.EMAIL,
        FieldType.URL,
    }
)
NUMERIC_TYPES = frozenset({FieldType.INT, FieldType.DOUBLE, FieldType.CURRENCY, FieldType.PERCENT})

#: Fields the server maintains on every object; never createable or updateable.
SYSTEM_FIELDS = (
    "Id",
    "IsDeleted",
    "CreatedDate",
    "CreatedById",
    "LastModifiedDate",
    "LastModifiedById",
    "SystemModstamp",
)


@dataclass(frozen=True)
class FieldDef:
    """One field of an sObject, with the attributes describe reports."""

    name: str
    type: FieldType
    label: str = ""
    length: int = 0
    nillable: bool = True
    createable: bool = True
    updateable: bool = True
    filterable: bool = True
    sortable: bool = True
    groupable: bool = True
    reference_to: tuple[str, ...] = ()
    relationship_name: str | None = None
    #: Name of the child relationship this lookup creates on each parent (e.g. "Contacts").
    child_relationship_name: str | None = None
    picklist_values: tuple[str, ...] = ()
    default_value: str | bool | int | float | None = None
    default_on_create: bool = False
    external_id: bool = False
    unique: bool = False
    calculated: bool = False
    precision: int = 0
    scale: int = 0

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def polymorphic(self) -> bool:
        return len(self.reference_to) > 1

    @property
    def required_on_create(self) -> bool:
        """Salesforce's rule: not nillable, createable, and no default the server fills in."""
        return (
            not self.nillable
            and self.createable
            and not self.default_on_create
            and self.type is not FieldType.BOOLEAN
        )

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class ChildRelationship:
    child_sobject: str
    field: str
    relationship_name: str


@dataclass(frozen=True)
class ObjectDef:
    """One sObject type. Field lookups are case-insensitive, as Salesforce's are."""

    name: str
    label: str
    label_plural: str
    key_prefix: str
    fields: tuple[FieldDef, ...]
    createable: bool = True
    updateable: bool = True
    deletable: bool = True
    queryable: bool = True
    has_owner: bool = False
    _by_lower: dict[str, FieldDef] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_lower.clear()
        self._by_lower.update({f.name.lower(): f for f in self.fields})

    @property
    def custom(self) -> bool:
        return self.name.endswith("__c")

    @property
    def table(self) -> str:
        """The quoted DuckDB table holding this object's rows for every org."""
        return f'"sobj_{self.name.lower()}"'

    def field(self, name: str) -> FieldDef | None:
        return self._by_lower.get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The lookup field whose relationship name is ``name`` (e.g. ``Account`` → AccountId)."""
        lowered = name.lower()
        for f in self.fields:
            if f.relationship_name and f.relationship_name.lower() == lowered:
                return f
        return None

    def with_fields(self, fields: Iterable[FieldDef]) -> ObjectDef:
        return replace(self, fields=tuple(fields), _by_lower={})


@dataclass(frozen=True)
class OrgSchema:
    """The objects of one org, looked up case-insensitively."""

    objects: Mapping[str, ObjectDef]

    @classmethod
    def of(cls, objects: Iterable[ObjectDef]) -> OrgSchema:
        return cls({o.name.lower(): o for o in objects})

    def get(self, name: str) -> ObjectDef | None:
        return self.objects.get(name.lower())

    def __iter__(self) -> Iterator[ObjectDef]:
        return iter(self.objects.values())

    def child_relationships(self, parent: str) -> list[ChildRelationship]:
        """Relationships from other objects' lookups to ``parent`` (``Account.Contacts``...)."""
        lowered = parent.lower()
        found = []
        for obj in self.objects.values():
            for f in obj.fields:
                if f.child_relationship_name and any(t.lower() == lowered for t in f.reference_to):
                    found.append(ChildRelationship(obj.name, f.name, f.child_relationship_name))
        return found

    def child_relationship(self, parent: str, name: str) -> ChildRelationship | None:
        lowered = name.lower()
        for rel in self.child_relationships(parent):
            if rel.relationship_name.lower() == lowered:
                return rel
        return None
