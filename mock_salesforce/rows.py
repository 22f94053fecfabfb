"""Physical row writes shared by DML, seeding and setup actions: ids, system fields, and the
computed ``Name`` of person objects. No validation here: callers validate first."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from mock_salesforce.clock import naive_utc
from mock_salesforce.schema import ObjectDef
from mock_salesforce.store import Store

PERSON_OBJECTS = frozenset({"contact", "lead", "user"})


def full_name(first: str | None, last: str | None) -> str | None:
    """Salesforce's Name of a person record (first name, then last name)."""
    parts = [p for p in (first, last) if p]
    return " ".join(parts) or None


def _with_computed(obj: ObjectDef, values: dict[str, Any]) -> dict[str, Any]:
    """``values`` plus the fields the server computes from them (person Name, Task IsClosed)."""
    if obj.name.lower() in PERSON_OBJECTS and ("FirstName" in values or "LastName" in values):
        values["Name"] = full_name(values.get("FirstName"), values.get("LastName"))
    if obj.name == "Task" and "Status" in values:
        values["IsClosed"] = values["Status"] == "Completed"
    return values


def insert(
    store: Store,
    *,
    org_id: str,
    obj: ObjectDef,
    rows: Iterable[Mapping[str, Any]],
    actor_id: str | None,
    now: datetime,
) -> list[str]:
    """Insert rows (field API names with canonical case) and return their new ids."""
    given = [dict(r) for r in rows]
    if not given:
        return []
    ids = store.next_ids(obj.key_prefix, len(given))
    stamp = naive_utc(now)
    prepared = []
    for record_id, row in zip(ids, given, strict=True):
        values = _with_computed(obj, row)
        values.update(
            Id=record_id,
            IsDeleted=False,
            CreatedDate=stamp,
            LastModifiedDate=stamp,
            SystemModstamp=stamp,
            CreatedById=actor_id or record_id,
            LastModifiedById=actor_id or record_id,
        )
        if obj.has_owner and not values.get("OwnerId"):
            values["OwnerId"] = actor_id
        prepared.append(values)
    columns = sorted({c for v in prepared for c in v})
    quoted = ", ".join(f'"{c}"' for c in columns)
    sql = (
        f"INSERT INTO {obj.table} (_org_id, {quoted}) VALUES (?, {', '.join('?' for _ in columns)})"
    )
    store.executemany(sql, [[org_id, *(v.get(c) for c in columns)] for v in prepared])
    return ids


def update(
    store: Store,
    *,
    org_id: str,
    obj: ObjectDef,
    record_id: str,
    values: Mapping[str, Any],
    actor_id: str | None,
    now: datetime,
) -> None:
    """Set fields of one live row and stamp LastModified*/SystemModstamp."""
    values = _with_computed(obj, dict(values))
    if (
        obj.name.lower() in PERSON_OBJECTS
        and "Name" in values
        and ("FirstName" not in values or "LastName" not in values)
    ):
        current = store.execute(
            f'SELECT "FirstName", "LastName" FROM {obj.table} WHERE _org_id = ? AND "Id" = ?',
            [org_id, record_id],
        )
        if current:
            first = values.get("FirstName", current[0][0])
            last = values.get("LastName", current[0][1])
            values["Name"] = full_name(first, last)
    stamp = naive_utc(now)
    values.update(LastModifiedDate=stamp, SystemModstamp=stamp, LastModifiedById=actor_id)
    assignments = ", ".join(f'"{c}" = ?' for c in values)
    store.execute(
        f'UPDATE {obj.table} SET {assignments} WHERE _org_id = ? AND "Id" = ?',
        [*values.values(), org_id, record_id],
    )


def soft_delete(
    store: Store,
    *,
    org_id: str,
    obj: ObjectDef,
    record_id: str,
    actor_id: str | None,
    now: datetime,
) -> None:
    """Move a row to the recycle bin: IsDeleted, visible only to queryAll."""
    update(
        store,
        org_id=org_id,
        obj=obj,
        record_id=record_id,
        values={"IsDeleted": True},
        actor_id=actor_id,
        now=now,
    )
