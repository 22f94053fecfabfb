"""Which objects a search covers and which of their fields each ``IN … FIELDS`` group reads.

Searchable: the business objects (Account, Contact, Lead, Task, Event), custom objects, and
User; other setup objects (Profile, PermissionSet, Organization...) are not, as in Salesforce.
Only fields the caller can read are in their schema view, so only those are searched.
"""

from __future__ import annotations

from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema
from mock_salesforce.schema.standard import SETUP_OBJECTS
from mock_salesforce.sosl.ast import SearchGroup

#: The order a search without RETURNING lists objects in.
DEFAULT_ORDER = ("Account", "Contact", "Lead", "Task", "Event", "User")
_SEARCHABLE_SETUP = frozenset({"user"})
_NAME_FIELDS = frozenset({"name", "firstname", "lastname", "subject"})
_ALL_TYPES = frozenset(
    {
        FieldType.STRING,
        FieldType.TEXTAREA,
        FieldType.EMAIL,
        FieldType.PHONE,
        FieldType.URL,
        FieldType.COMBOBOX,
    }
)


def is_searchable(obj: ObjectDef) -> bool:
    name = obj.name.lower()
    return name not in SETUP_OBJECTS or name in _SEARCHABLE_SETUP


def default_objects(schema: OrgSchema) -> list[ObjectDef]:
    """Every searchable object the caller can read: the standard ones first, then custom."""
    found = [o for name in DEFAULT_ORDER if (o := schema.get(name)) is not None]
    customs = sorted(
        (o for o in schema.objects.values() if o.custom and is_searchable(o)),
        key=lambda o: o.name.lower(),
    )
    return found + customs


def is_name_field(fd: FieldDef) -> bool:
    return fd.name.lower() in _NAME_FIELDS


def searched_fields(obj: ObjectDef, group: SearchGroup) -> list[FieldDef]:
    """The fields of ``obj`` a search ``IN group FIELDS`` looks at."""
    if group is SearchGroup.ALL:
        return [fd for fd in obj.fields if fd.type in _ALL_TYPES]
    if group is SearchGroup.NAME:
        return [fd for fd in obj.fields if is_name_field(fd)]
    if group is SearchGroup.EMAIL:
        return [fd for fd in obj.fields if fd.type is FieldType.EMAIL]
    if group is SearchGroup.PHONE:
        return [fd for fd in obj.fields if fd.type is FieldType.PHONE]
    return [
        fd
        for fd in obj.fields
        if is_name_field(fd) or fd.type in (FieldType.EMAIL, FieldType.PHONE)
    ]
