"""DML on the org's records with Salesforce's validation: what the REST API's create, update,
upsert and delete check before a row is written, and the errors they raise.

Values arrive as decoded JSON (field names in any case); they leave as stored values keyed by
canonical API names, written through :mod:`mock_salesforce.rows` (ids, system fields).
Every check raises :class:`~mock_salesforce.errors.SalesforceError` with Salesforce's code and
message, so REST single-record routes and sObject Collections report the same errors.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum
from typing import Any

from mock_salesforce import rows
from mock_salesforce.clock import Clock, naive_utc, sf_datetime
from mock_salesforce.errors import SalesforceError, excerpt, invalid_field, not_found
from mock_salesforce.ids import is_valid_id, normalize_id
from mock_salesforce.read_cache import ReadCache
from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema
from mock_salesforce.schema.model import NUMERIC_TYPES, TEXT_TYPES
from mock_salesforce.store import Store

_BASE62 = re.compile(r"^[0-9A-Za-z]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?"
    r"(Z|[+-]\d{2}(?::?\d{2})?)?)?$"
)
_INT_MAX = 2**31 - 1
_IGNORED_KEYS = frozenset({"attributes"})


class DmlOperation(StrEnum):
    CREATE = "create"
    UPDATE = "update"


class RecordState(StrEnum):
    LIVE = "live"
    DELETED = "deleted"
    MISSING = "missing"


@dataclass(frozen=True)
class UpsertOutcome:
    record_id: str
    created: bool


class MultipleMatches(SalesforceError):
    """An external id matched more than one record: REST answers 300 with their URLs."""

    def __init__(self, sobject: str, record_ids: Sequence[str]) -> None:
        super().__init__(
            "MULTIPLE_CHOICES",
            f"More than one record of {sobject} matches the external id",
            status=300,
        )
        self.sobject = sobject
        self.record_ids = list(record_ids)


# -- errors in Salesforce's words --------------------------------------------------------------
def entity_is_deleted(fields: Sequence[str] = ()) -> SalesforceError:
    return SalesforceError("ENTITY_IS_DELETED", "entity is deleted", status=404, fields=fields)


def malformed_id(obj: ObjectDef | None, value: str, field: str = "Id") -> SalesforceError:
    label = f"{obj.label} ID" if obj is not None else "ID"
    return SalesforceError(
        "MALFORMED_ID",
        f"{label}: id value of incorrect type: {excerpt(str(value))}",
        fields=[field],
    )


def no_such_external_field(name: str) -> SalesforceError:
    return not_found(
        f"Provided external ID field does not exist or is not accessible: {excerpt(name)}"
    )


def _no_such_column(name: str, obj: ObjectDef) -> SalesforceError:
    return SalesforceError(
        "INVALID_FIELD", f"No such column '{excerpt(name)}' on sobject of type {obj.name}"
    )


def _parser_error(type_name: str, raw: Any, where: str) -> SalesforceError:
    token = _json_token(raw)
    shown = raw if isinstance(raw, str) else _json_text(raw)
    if token in ("START_ARRAY", "START_OBJECT"):
        return SalesforceError(
            "JSON_PARSER_ERROR",
            f"Cannot deserialize instance of {type_name} from {token} value {where}",
        )
    return SalesforceError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from {token} value {shown} "
        f"or request may be missing a required field {where}",
    )


def _json_token(raw: Any) -> str:
    if isinstance(raw, bool):
        return "VALUE_TRUE" if raw else "VALUE_FALSE"
    if isinstance(raw, int):
        return "VALUE_NUMBER_INT"
    if isinstance(raw, float):
        return "VALUE_NUMBER_FLOAT"
    if isinstance(raw, list):
        return "START_ARRAY"
    if isinstance(raw, dict):
        return "START_OBJECT"
    return "VALUE_STRING"


def _json_text(raw: Any) -> str:
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)


class BodyLocator:
    """Where a key sits in the request body, for JSON_PARSER_ERROR's ``at [line:, column:]``."""

    def __init__(self, text: str | None) -> None:
        self._text = text or ""

    def at(self, key: str) -> str:
        index = self._text.find(f'"{key}"')
        if index < 0:
            return "at [line:1, column:1]"
        colon = self._text.find(":", index)
        end = colon + 1 if colon >= 0 else index
        while end < len(self._text) and self._text[end] in " \t\r\n":
            end += 1
        end += 1
        line = self._text.count("\n", 0, end) + 1
        column = end - (self._text.rfind("\n", 0, end) + 1)
        return f"at [line:{line}, column:{column}]"


# -- values: JSON in, stored values out ---------------------------------------------------------
def parse_datetime(text: str) -> datetime | None:
    """A naive-UTC datetime from the forms Salesforce accepts (``Z``, ``+0900``, ``+09:00``,
    with or without seconds and milliseconds, or a bare date); None when it is not one."""
    match = _DATETIME.match(text.strip())
    if not match:
        return None
    year, month, day, hour, minute, second, fraction, zone = match.groups()
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0")[:6].ljust(6, "0")),
        )
    except ValueError:
        return None
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
        if hours > 23 or minutes > 59:
            return None
        offset = timezone(sign * timedelta(hours=hours, minutes=minutes))
        moment = moment.replace(tzinfo=offset)
    else:
        moment = moment.replace(tzinfo=UTC)
    try:
        return naive_utc(moment)
    except OverflowError:
        return None


def parse_date(text: str) -> date | None:
    match = _DATE.match(text.strip())
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def _as_number(raw: Any) -> float | int | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return raw
    if isinstance(raw, str) and "_" not in raw:
        text = raw.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            return None
    return None


def convert_value(field: FieldDef, raw: Any, where: str) -> Any:
    """The stored form of one JSON value for ``field``; JSON_PARSER_ERROR when it cannot be."""
    if raw is None:
        return False if field.type is FieldType.BOOLEAN else None
    if isinstance(raw, list | dict):
        raise _parser_error(_type_name(field), raw, where)
    return _CONVERTERS[field.type](field, raw, where)


def _blank(raw: Any) -> bool:
    """An empty or all-space string: null for number, date and datetime fields."""
    return isinstance(raw, str) and not raw.strip()


def _to_boolean(field: FieldDef, raw: Any, where: str) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise _parser_error("boolean", raw, where)


def _finite_number(field: FieldDef, raw: Any, where: str) -> float | int:
    """A JSON number or numeric string that is finite (booleans are not numbers)."""
    number = _as_number(raw)
    if number is None or (isinstance(number, float) and not math.isfinite(number)):
        raise _parser_error(_type_name(field), raw, where)
    return number


def _to_int(field: FieldDef, raw: Any, where: str) -> int | None:
    if _blank(raw):
        return None
    number = _finite_number(field, raw, where)
    if isinstance(number, float) and not number.is_integer():
        raise _parser_error("int", raw, where)
    if abs(number) > _INT_MAX:
        raise _parser_error("int", raw, where)
    return int(number)


def _to_float(field: FieldDef, raw: Any, where: str) -> float | None:
    if _blank(raw):
        return None
    number = _finite_number(field, raw, where)
    try:
        return float(number)
    except OverflowError:
        raise _parser_error(_type_name(field), raw, where) from None


def _to_date(field: FieldDef, raw: Any, where: str) -> date | None:
    if _blank(raw):
        return None
    parsed = parse_date(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _parser_error("date", raw, where)
    return parsed


def _to_datetime(field: FieldDef, raw: Any, where: str) -> datetime | None:
    if _blank(raw):
        return None
    parsed = parse_datetime(raw) if isinstance(raw, str) else None
    if parsed is None:
        raise _parser_error("datetime", raw, where)
    return parsed


def _to_text(field: FieldDef, raw: Any, where: str) -> str | None:
    """Text as sent; numbers and booleans become their JSON text, as Salesforce does."""
    text = raw if isinstance(raw, str) else _json_text(raw)
    return text if text != "" else None


def _to_id_text(field: FieldDef, raw: Any, where: str) -> str | None:
    """An id as text without surrounding spaces."""
    text = (raw if isinstance(raw, str) else _json_text(raw)).strip()
    return text if text != "" else None


#: How a JSON value (not null, not an array or object) becomes each field type's stored value.
_CONVERTERS: Mapping[FieldType, Callable[[FieldDef, Any, str], Any]] = {
    **dict.fromkeys(TEXT_TYPES, _to_text),
    FieldType.ID: _to_id_text,
    FieldType.REFERENCE: _to_id_text,
    FieldType.BOOLEAN: _to_boolean,
    **dict.fromkeys(NUMERIC_TYPES, _to_float),
    FieldType.INT: _to_int,
    FieldType.DATE: _to_date,
    FieldType.DATETIME: _to_datetime,
}


def _type_name(field: FieldDef) -> str:
    if field.type in TEXT_TYPES and field.type is not FieldType.REFERENCE:
        return "string"
    return str(field.type)


def json_value(field: FieldDef | None, value: Any) -> Any:
    """A stored value as Salesforce writes it in JSON (datetimes as ``...000+0000``)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return sf_datetime(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        if field is not None and field.type is FieldType.INT and value.is_integer():
            return int(value)
    return value


def record_url(obj: ObjectDef, record_id: str, api_version: str) -> str:
    return f"/services/data/v{api_version}/sobjects/{obj.name}/{record_id}"


def record_json(obj: ObjectDef, row: Mapping[str, Any], *, api_version: str) -> dict[str, Any]:
    """A record as the REST API returns it: ``attributes {type, url}`` then its fields."""
    out: dict[str, Any] = {
        "attributes": {"type": obj.name, "url": record_url(obj, str(row.get("Id")), api_version)}
    }
    for name, value in row.items():
        out[name] = json_value(obj.field(name), value)
    return out


# -- the component -----------------------------------------------------------------------------
class Records:
    """Validated DML and record reads for every org in the store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        #: Rows of point reads, forgotten at the store's next write (REST GET by Id).
        self._reads = ReadCache(store)
        #: Object permission check of the acting user (set by the backend to
        #: ``permissions.require_object_access``); raises INSUFFICIENT_ACCESS_OR_READONLY.
        self.access_check: Callable[..., None] | None = None

    def _check_access(self, *, org_id: str, actor_id: str, obj: ObjectDef, action: str) -> None:
        if self.access_check is not None:
            self.access_check(org_id=org_id, user_id=actor_id, sobject=obj.name, action=action)

    # -- ids and reads ---------------------------------------------------------------------
    def check_id(self, obj: ObjectDef, raw: str, *, field: str = "Id") -> str:
        """The 18-character form of an id of ``obj``'s type, else ``MALFORMED_ID``."""
        if not obj.key_prefix or not is_valid_id(raw) or not raw.startswith(obj.key_prefix):
            raise malformed_id(obj, raw, field)
        return normalize_id(raw)

    def state(self, *, org_id: str, obj: ObjectDef, record_id: str) -> RecordState:
        found = self._store.execute(
            f'SELECT "IsDeleted" FROM {obj.table} WHERE _org_id = ? AND "Id" = ?',
            [org_id, record_id],
        )
        if not found:
            return RecordState.MISSING
        return RecordState.DELETED if found[0][0] else RecordState.LIVE

    def live_id(self, *, org_id: str, obj: ObjectDef, raw_id: str) -> str:
        """The id of a live record, else MALFORMED_ID / NOT_FOUND / ENTITY_IS_DELETED."""
        record_id = self.check_id(obj, raw_id)
        state = self.state(org_id=org_id, obj=obj, record_id=record_id)
        if state is RecordState.MISSING:
            raise not_found()
        if state is RecordState.DELETED:
            raise entity_is_deleted()
        return record_id

    def get(
        self,
        *,
        org_id: str,
        obj: ObjectDef,
        record_id: str,
        fields: Sequence[str] | None = None,
    ) -> dict[str, Any]:
        """One live record's stored values (all fields, or ``fields`` in their given order)."""
        chosen = list(obj.fields)
        if fields:
            chosen = []
            for name in fields:
                found = obj.field(name)
                if found is None:
                    raise invalid_field(name, obj.name)
                if found not in chosen:
                    chosen.append(found)
        record_id = self.check_id(obj, record_id)
        names = tuple(f.name for f in chosen)
        # One read answers both "is it live?" and "what are its values?".
        sql = (
            f'SELECT "IsDeleted", {", ".join(_q(n) for n in names)} FROM {obj.table} '
            'WHERE _org_id = ? AND "Id" = ?'
        )
        found_rows = self._reads.read(
            (obj.table, org_id, record_id, names),
            lambda: tuple(self._store.execute(sql, [org_id, record_id])),
        )
        if not found_rows:
            raise not_found()
        deleted, *values = found_rows[0]
        if deleted:
            raise entity_is_deleted()
        # Salesforce appends the Id when the chosen fields leave it out.
        return {f.name: v for f, v in zip(chosen, values, strict=True)} | {"Id": record_id}

    def get_json(
        self,
        *,
        org_id: str,
        obj: ObjectDef,
        record_id: str,
        fields: Sequence[str] | None,
        api_version: str,
    ) -> dict[str, Any]:
        """:meth:`get` as the REST API renders it (:func:`record_json`), answered from the read
        cache while the store is unchanged. Callers must not modify the answer."""
        # The caller's view decides which fields "all fields" means: it is part of the key.
        key = (
            "json",
            api_version,
            obj.table,
            tuple(f.name for f in obj.fields),
            org_id,
            record_id,
            tuple(fields or ()),
        )
        return self._reads.read(
            key,
            lambda: record_json(
                obj,
                self.get(org_id=org_id, obj=obj, record_id=record_id, fields=fields),
                api_version=api_version,
            ),
        )

    def find(self, *, org_id: str, obj: ObjectDef, field: FieldDef, value: Any) -> list[str]:
        """Ids of live records whose ``field`` equals ``value`` (text: case-insensitively)."""
        if field.type in TEXT_TYPES and isinstance(value, str):
            clause, param = f"lower({_q(field.name)}) = lower(?)", value
        else:
            clause, param = f"{_q(field.name)} = ?", value
        found = self._store.execute(
            f'SELECT "Id" FROM {obj.table} WHERE _org_id = ? AND NOT "IsDeleted" AND {clause} '
            'ORDER BY "Id"',
            [org_id, param],
        )
        return [r[0] for r in found]

    def changed(
        self, *, org_id: str, obj: ObjectDef, start: datetime, end: datetime, deleted: bool
    ) -> list[tuple[str, datetime]]:
        """(id, when) of records modified (or deleted) in ``[start, end)``, naive UTC."""
        found = self._store.execute(
            f'SELECT "Id", "SystemModstamp" FROM {obj.table} WHERE _org_id = ? '
            'AND "IsDeleted" = ? AND "SystemModstamp" >= ? AND "SystemModstamp" < ? '
            'ORDER BY "SystemModstamp", "Id"',
            [org_id, deleted, start, end],
        )
        return [(r[0], r[1]) for r in found]

    def count(self, *, org_id: str, schema: OrgSchema) -> int:
        """Live records of every object in the org (what data storage counts)."""
        total = 0
        for obj in schema:
            total += int(
                self._store.execute(
                    f'SELECT count(*) FROM {obj.table} WHERE _org_id = ? AND NOT "IsDeleted"',
                    [org_id],
                )[0][0]
            )
        return total

    # -- writes ----------------------------------------------------------------------------
    def create(
        self,
        *,
        org_id: str,
        schema: OrgSchema,
        obj: ObjectDef,
        values: Mapping[str, Any],
        actor_id: str,
        body_text: str | None = None,
    ) -> str:
        """Insert one record after Salesforce's checks; returns its new id."""
        self._check_access(org_id=org_id, actor_id=actor_id, obj=obj, action="create")
        if not obj.createable:
            raise SalesforceError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type cannot be inserted: {obj.label}",
            )
        with self._store.transaction():
            prepared = self._prepare(
                org_id=org_id,
                schema=schema,
                obj=obj,
                values=values,
                operation=DmlOperation.CREATE,
                record_id=None,
                locator=BodyLocator(body_text),
            )
            [record_id] = rows.insert(
                self._store,
                org_id=org_id,
                obj=obj,
                rows=[prepared],
                actor_id=actor_id,
                now=self._clock.now(),
            )
            return record_id

    def update(
        self,
        *,
        org_id: str,
        schema: OrgSchema,
        obj: ObjectDef,
        record_id: str,
        values: Mapping[str, Any],
        actor_id: str,
        body_text: str | None = None,
    ) -> str:
        """Update one live record after Salesforce's checks; returns its 18-character id."""
        self._check_access(org_id=org_id, actor_id=actor_id, obj=obj, action="edit")
        if not obj.updateable:
            raise SalesforceError(
                "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
                f"entity type cannot be updated: {obj.label}",
            )
        with self._store.transaction():
            record_id = self.live_id(org_id=org_id, obj=obj, raw_id=record_id)
            prepared = self._prepare(
                org_id=org_id,
                schema=schema,
                obj=obj,
                values=values,
                operation=DmlOperation.UPDATE,
                record_id=record_id,
                locator=BodyLocator(body_text),
            )
            if prepared:
                rows.update(
                    self._store,
                    org_id=org_id,
                    obj=obj,
                    record_id=record_id,
                    values=prepared,
                    actor_id=actor_id,
                    now=self._clock.now(),
                )
            return record_id

    def delete(self, *, org_id: str, obj: ObjectDef, record_id: str, actor_id: str) -> str:
        """Move one live record to the recycle bin; returns its 18-character id."""
        self._check_access(org_id=org_id, actor_id=actor_id, obj=obj, action="delete")
        if not obj.deletable:
            raise SalesforceError(
                "INSUFFICIENT_ACCESS_OR_READONLY", "insufficient access rights on object id"
            )
        with self._store.transaction():
            record_id = self.live_id(org_id=org_id, obj=obj, raw_id=record_id)
            rows.soft_delete(
                self._store,
                org_id=org_id,
                obj=obj,
                record_id=record_id,
                actor_id=actor_id,
                now=self._clock.now(),
            )
            return record_id

    def external_field(self, obj: ObjectDef, name: str) -> FieldDef:
        """The field an upsert or external-id read matches on: ``Id`` or an external id."""
        found = obj.field(name)
        if found is None or not (found.external_id or found.name == "Id"):
            raise no_such_external_field(name)
        return found

    def match_external(
        self, *, org_id: str, obj: ObjectDef, field_name: str, value: str
    ) -> list[str]:
        """Live records whose external id field ``field_name`` has ``value``."""
        field = self.external_field(obj, field_name)
        if field.name == "Id":
            if not is_valid_id(value) or not value.startswith(obj.key_prefix):
                return []
            record_id = normalize_id(value)
            live = self.state(org_id=org_id, obj=obj, record_id=record_id) is RecordState.LIVE
            return [record_id] if live else []
        try:
            key = convert_value(field, value, "")
        except SalesforceError:
            return []
        if key is None:
            return []
        return self.find(org_id=org_id, obj=obj, field=field, value=key)

    def upsert(
        self,
        *,
        org_id: str,
        schema: OrgSchema,
        obj: ObjectDef,
        field_name: str,
        value: str,
        values: Mapping[str, Any],
        actor_id: str,
        update_only: bool = False,
        body_text: str | None = None,
    ) -> UpsertOutcome:
        """Create or update by external id: one match updates it, none creates a record with
        that value, several raise :class:`MultipleMatches`."""
        field = self.external_field(obj, field_name)
        with self._store.transaction():
            matches = self.match_external(
                org_id=org_id, obj=obj, field_name=field.name, value=value
            )
            if len(matches) > 1:
                raise MultipleMatches(obj.name, matches)
            body = {k: v for k, v in values.items() if k.lower() != field.name.lower()}
            if matches:
                record_id = self.update(
                    org_id=org_id,
                    schema=schema,
                    obj=obj,
                    record_id=matches[0],
                    values=body,
                    actor_id=actor_id,
                    body_text=body_text,
                )
                return UpsertOutcome(record_id, created=False)
            if update_only or field.name == "Id":
                raise not_found()
            record_id = self.create(
                org_id=org_id,
                schema=schema,
                obj=obj,
                values={**body, field.name: value},
                actor_id=actor_id,
                body_text=body_text,
            )
            return UpsertOutcome(record_id, created=True)

    # -- validation ------------------------------------------------------------------------
    def _prepare(
        self,
        *,
        org_id: str,
        schema: OrgSchema,
        obj: ObjectDef,
        values: Mapping[str, Any],
        operation: DmlOperation,
        record_id: str | None,
        locator: BodyLocator,
    ) -> dict[str, Any]:
        """Stored values for a create or an update, checked in Salesforce's order."""
        fields, foreign = _fields_and_parents(obj, values)
        self._check_writable(obj, fields, foreign, operation, record_id)
        prepared = {
            name: convert_value(field, raw, locator.at(key))
            for name, (field, raw, key) in fields.items()
        }
        for name, (lookup, spec) in foreign.items():
            prepared[name] = self._resolve_foreign(org_id, schema, obj, lookup, spec)
        prepared.pop("Id", None)
        if operation is DmlOperation.CREATE:
            self._fill_defaults(obj, prepared)
        _check_required(obj, prepared, operation)
        for name, value in prepared.items():
            field = obj.field(name)
            if field is not None and value is not None:
                prepared[name] = self._check_value(field, value)
        self._check_references(org_id, schema, obj, prepared)
        self._check_unique(org_id, obj, prepared, record_id)
        return prepared

    @staticmethod
    def _check_writable(
        obj: ObjectDef,
        fields: Mapping[str, tuple[FieldDef, Any, str]],
        foreign: Mapping[str, tuple[FieldDef, Any]],
        operation: DmlOperation,
        record_id: str | None,
    ) -> None:
        if "Id" in fields:
            given = fields["Id"][1]
            if operation is DmlOperation.CREATE:
                raise SalesforceError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "cannot specify Id in an insert call",
                    fields=["Id"],
                )
            if (
                not isinstance(given, str)
                or not is_valid_id(given)
                or normalize_id(given) != record_id
            ):
                raise SalesforceError(
                    "INVALID_FIELD_FOR_INSERT_UPDATE",
                    "Id in the record does not match the record being updated",
                    fields=["Id"],
                )
        allowed: Callable[[FieldDef], bool] = (
            (lambda f: f.createable)
            if operation is DmlOperation.CREATE
            else (lambda f: f.updateable)
        )
        refused = [
            f.name
            for f, _, _ in [*fields.values(), *((f, r, "") for f, r in foreign.values())]
            if f.name != "Id" and not allowed(f)
        ]
        if refused:
            raise SalesforceError(
                "INVALID_FIELD_FOR_INSERT_UPDATE",
                f"Unable to create/update fields: {', '.join(refused)}. Please check the "
                "security settings of this field and verify that it is read/write for your "
                "profile or permission set.",
                fields=refused,
            )

    @staticmethod
    def _fill_defaults(obj: ObjectDef, prepared: dict[str, Any]) -> None:
        for f in obj.fields:
            if f.name in prepared or f.default_value is None or f.name == "IsDeleted":
                continue
            if f.default_on_create:
                prepared[f.name] = f.default_value

    @staticmethod
    def _check_value(field: FieldDef, value: Any) -> Any:
        label = field.label or field.name
        if isinstance(value, str):
            if (
                field.type in (FieldType.PICKLIST, FieldType.MULTIPICKLIST)
                and field.picklist_values
            ):
                value = _picklist_value(field, value)
            if field.length and len(value) > field.length:
                raise SalesforceError(
                    "STRING_TOO_LONG",
                    f"{label}: data value too large: {value} (max length={field.length})",
                    fields=[field.name],
                )
            if field.type is FieldType.EMAIL and not _EMAIL.match(value):
                raise SalesforceError(
                    "INVALID_EMAIL_ADDRESS",
                    f"{label}: invalid email address: {value}",
                    fields=[field.name],
                )
        if isinstance(value, float) and field.precision:
            integer_digits = len(str(int(abs(value)))) if abs(value) >= 1 else 0
            if integer_digits > field.precision - field.scale:
                raise SalesforceError(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    f"{label}: value outside of valid range on numeric field: {value}",
                    fields=[field.name],
                )
            value = round(value, field.scale)
        return value

    def _check_references(
        self, org_id: str, schema: OrgSchema, obj: ObjectDef, prepared: dict[str, Any]
    ) -> None:
        by_prefix = {o.key_prefix: o for o in schema if o.key_prefix}
        for name, value in list(prepared.items()):
            field = obj.field(name)
            if field is not None and field.type is FieldType.REFERENCE and value is not None:
                # Store the case-safe 18-character form, as Salesforce does.
                prepared[name] = self._checked_reference(org_id, by_prefix, obj, field, value)

    def _checked_reference(
        self,
        org_id: str,
        by_prefix: Mapping[str, ObjectDef],
        obj: ObjectDef,
        field: FieldDef,
        value: str,
    ) -> str:
        """The 18-character id a reference names: well formed, of an allowed type, live, and
        (for an owner) an active user."""
        label = f"{field.label} ID"
        if not _BASE62.match(value) or not is_valid_id(value):
            raise SalesforceError(
                "MALFORMED_ID",
                f"{label}: id value of incorrect type: {value}",
                fields=[field.name],
            )
        target = by_prefix.get(value[:3])
        if target is None or target.name not in field.reference_to:
            raise SalesforceError(
                "FIELD_INTEGRITY_EXCEPTION",
                f"{label}: id value of incorrect type: {value}",
                fields=[field.name],
            )
        target_id = normalize_id(value)
        self._check_live_reference(org_id, field, target, target_id)
        if (
            field.name == "OwnerId"
            and target.name == "User"
            and not self._active_user(org_id, target_id)
        ):
            raise SalesforceError(
                "INACTIVE_OWNER_OR_USER",
                f"operation performed with inactive user [{target_id}] as owner of "
                f"{obj.name.lower()}",
                fields=[field.name],
            )
        return target_id

    def _check_live_reference(
        self, org_id: str, field: FieldDef, target: ObjectDef, target_id: str
    ) -> None:
        state = self.state(org_id=org_id, obj=target, record_id=target_id)
        if state is RecordState.MISSING:
            raise SalesforceError(
                "INVALID_CROSS_REFERENCE_KEY",
                "invalid cross reference id",
                fields=[field.name],
            )
        if state is RecordState.DELETED:
            raise entity_is_deleted([field.name])

    def _active_user(self, org_id: str, user_id: str) -> bool:
        found = self._store.execute(
            'SELECT "IsActive" FROM "sobj_user" WHERE _org_id = ? AND "Id" = ?', [org_id, user_id]
        )
        return bool(found and found[0][0])

    def _resolve_foreign(
        self,
        org_id: str,
        schema: OrgSchema,
        obj: ObjectDef,
        lookup: FieldDef,
        spec: Mapping[str, Any],
    ) -> str:
        """A parent's id from ``{"Account": {"Ext__c": "x"}}`` (a relationship by external id)."""
        target = _parent_object(schema, obj, lookup, spec)
        field, raw = _parent_key(target, lookup, spec)
        shown = raw if isinstance(raw, str) else _json_text(raw)
        matches = self.match_external(org_id=org_id, obj=target, field_name=field.name, value=shown)
        if not matches:
            raise SalesforceError(
                "INVALID_FIELD",
                f"Foreign key external ID: {shown} not found for field {field.name} in entity "
                f"{target.name}",
            )
        if len(matches) > 1:
            raise SalesforceError(
                "DUPLICATE_EXTERNAL_ID",
                f"Foreign key external ID: {shown} matched more than one record for field "
                f"{field.name} in entity {target.name}",
            )
        return matches[0]

    def _check_unique(
        self, org_id: str, obj: ObjectDef, prepared: Mapping[str, Any], record_id: str | None
    ) -> None:
        for name, value in prepared.items():
            field = obj.field(name)
            if field is None or not field.unique or value is None:
                continue
            if obj.name == "User" and field.name == "Username":
                # Usernames are unique across every org, as in Salesforce.
                taken = self._store.execute(
                    'SELECT "Id" FROM "sobj_user" WHERE lower("Username") = lower(?) '
                    'AND "Id" IS DISTINCT FROM ?',
                    [value, record_id],
                )
                if taken:
                    raise SalesforceError(
                        "DUPLICATE_USERNAME",
                        "Duplicate Username.<br>The username already exists in this or another "
                        "Salesforce organization. Usernames must be unique across all Salesforce "
                        "organizations. To resolve, use a different username (it doesn't need to "
                        "match the user's email address).",
                        fields=["Username"],
                    )
                continue
            others = [
                i
                for i in self.find(org_id=org_id, obj=obj, field=field, value=value)
                if i != record_id
            ]
            if others:
                raise SalesforceError(
                    "DUPLICATE_VALUE",
                    f"duplicate value found: {field.name} duplicates value on record with id: "
                    f"{others[0]}",
                    fields=[field.name],
                )


def _fields_and_parents(
    obj: ObjectDef, values: Mapping[str, Any]
) -> tuple[dict[str, tuple[FieldDef, Any, str]], dict[str, tuple[FieldDef, Mapping[str, Any]]]]:
    """The body's fields (each with its value and the key as sent), and its parents named by
    relationship (``{"Account": {...}}``, by the lookup field); INVALID_FIELD for other keys."""
    fields: dict[str, tuple[FieldDef, Any, str]] = {}
    foreign: dict[str, tuple[FieldDef, Mapping[str, Any]]] = {}
    for key, raw in values.items():
        if key in _IGNORED_KEYS:
            continue
        field = obj.field(key)
        if field is None:
            lookup = obj.relationship(key)
            if lookup is not None and isinstance(raw, dict):
                foreign[lookup.name] = (lookup, raw)
                continue
            raise _no_such_column(key, obj)
        fields[field.name] = (field, raw, key)
    return fields, foreign


def _check_required(obj: ObjectDef, prepared: Mapping[str, Any], operation: DmlOperation) -> None:
    """REQUIRED_FIELD_MISSING for a create without a required value, or an update that clears
    a field that cannot be null."""
    if operation is DmlOperation.CREATE:
        missing = [
            f.name for f in obj.fields if f.required_on_create and prepared.get(f.name) is None
        ]
    else:
        missing = [
            name for name, value in prepared.items() if value is None and not _nillable(obj, name)
        ]
    if missing:
        raise SalesforceError(
            "REQUIRED_FIELD_MISSING",
            f"Required fields are missing: [{', '.join(missing)}]",
            fields=missing,
        )


def _parent_object(
    schema: OrgSchema, obj: ObjectDef, lookup: FieldDef, spec: Mapping[str, Any]
) -> ObjectDef:
    """The object a relationship value names: its ``attributes.type``, else the lookup's only
    target; INVALID_FIELD when that is no object the lookup may point to."""
    attributes = spec.get("attributes")
    wanted = attributes.get("type") if isinstance(attributes, dict) else None
    if wanted is None and len(lookup.reference_to) == 1:
        wanted = lookup.reference_to[0]
    target = schema.get(str(wanted)) if wanted else None
    if target is None or target.name not in lookup.reference_to:
        raise SalesforceError(
            "INVALID_FIELD",
            f"The relationship {lookup.relationship_name} on {obj.name} needs a valid type "
            "in its attributes",
        )
    return target


def _parent_key(
    target: ObjectDef, lookup: FieldDef, spec: Mapping[str, Any]
) -> tuple[FieldDef, Any]:
    """The one external id field (or Id) a relationship value names, and its value."""
    keys = [k for k in spec if k not in _IGNORED_KEYS]
    if len(keys) != 1:
        raise SalesforceError(
            "INVALID_FIELD",
            f"Foreign key external ID reference on {lookup.relationship_name} must name "
            "exactly one external ID field",
        )
    raw = spec[keys[0]]
    field = target.field(keys[0])
    if field is None or not (field.external_id or field.name == "Id"):
        raise SalesforceError(
            "INVALID_FIELD", f"Field {keys[0]} is not an external ID field of {target.name}"
        )
    return field, raw


def _picklist_value(field: FieldDef, value: str) -> str:
    canonical = {v.lower(): v for v in field.picklist_values}
    items = value.split(";") if field.type is FieldType.MULTIPICKLIST else [value]
    chosen = []
    for item in items:
        found = canonical.get(item.strip().lower())
        if found is None:
            raise SalesforceError(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"{field.label or field.name}: bad value for restricted picklist field: {item}",
                fields=[field.name],
            )
        if found not in chosen:
            chosen.append(found)
    return ";".join(chosen)


def _q(name: str) -> str:
    return f'"{name}"'


def object_by_prefix(schema: OrgSchema, record_id: str) -> ObjectDef | None:
    """The object type an id belongs to in this schema, from its key prefix."""
    prefix = record_id[:3]
    return next((o for o in schema if o.key_prefix and o.key_prefix == prefix), None)


def _nillable(obj: ObjectDef, name: str) -> bool:
    field = obj.field(name)
    return field is None or field.nillable
