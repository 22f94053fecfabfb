"""sObject Collections (``composite/sobjects``): create, update and delete up to 200 records
in one call with per-record results, all-or-none when asked; and retrieve by ids."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mock_salesforce.errors import SalesforceError, excerpt, invalid_type, json_parser_error
from mock_salesforce.records import object_by_prefix, record_json
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok
from mock_salesforce.schema import ObjectDef

MAX_RECORDS = 200


class _RollBack(Exception):
    """Raised inside the all-or-none transaction to undo every record's write."""


def _too_many() -> SalesforceError:
    return SalesforceError(
        "EXCEEDED_ID_LIMIT",
        "record limit reached. cannot submit more than 200 records into this call",
    )


def _rolled_back() -> dict[str, Any]:
    return {
        "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
        "message": "Record rolled back because not all records were valid and the request was "
        "using AllOrNone header",
        "fields": [],
    }


def _collection_body(call: ApiCall) -> tuple[list[Any], bool]:
    body = call.json_body()
    if not isinstance(body, dict):
        raise json_parser_error(
            "Cannot deserialize instance of SObjectCollectionRequest from "
            f"{'START_ARRAY' if isinstance(body, list) else 'VALUE_STRING'} value "
            "at [line:1, column:1]"
        )
    records = body.get("records")
    if not isinstance(records, list):
        raise json_parser_error("The request body needs a 'records' list at [line:1, column:1]")
    if len(records) > MAX_RECORDS:
        raise _too_many()
    all_or_none = body.get("allOrNone", False)
    if not isinstance(all_or_none, bool):
        raise json_parser_error(
            "Cannot deserialize instance of boolean from VALUE_STRING value "
            f"{all_or_none} at [line:1, column:1]"
        )
    return records, all_or_none


def _typed(call: ApiCall, record: Any) -> tuple[ObjectDef, dict[str, Any]]:
    if not isinstance(record, dict):
        raise json_parser_error("Each record must be a JSON object at [line:1, column:1]")
    attributes = record.get("attributes")
    type_name = attributes.get("type") if isinstance(attributes, dict) else None
    if not isinstance(type_name, str) or not type_name:
        raise SalesforceError("INVALID_TYPE", "No type was specified in the attributes map")
    obj = call.schema.get(type_name)
    if obj is None:
        raise invalid_type(type_name)
    return obj, {k: v for k, v in record.items() if k != "attributes"}


def _run_each(
    call: ApiCall,
    items: list[Any],
    all_or_none: bool,
    action: Callable[[Any], str],
    known_id: Callable[[Any], str | None],
) -> list[dict[str, Any]]:
    """Apply ``action`` to each item; results in order, rolled back together when asked."""
    results: list[dict[str, Any]] = []

    def apply_all() -> None:
        for item in items:
            try:
                results.append({"id": action(item), "success": True, "errors": []})
            except SalesforceError as exc:
                error = _per_record(exc).as_record_error()
                failed: dict[str, Any] = {"success": False, "errors": [error]}
                given = known_id(item)
                results.append({"id": given, **failed} if given else failed)

    if not all_or_none:
        apply_all()
        return results
    store = call.backend.store
    try:
        with store.transaction():
            apply_all()
            if not all(r["success"] for r in results):
                raise _RollBack
    except _RollBack:
        for index, result in enumerate(results):
            if result["success"]:
                kept = known_id(items[index])
                results[index] = {"success": False, "errors": [_rolled_back()]} | (
                    {"id": kept} if kept else {}
                )
    return results


def _per_record(exc: SalesforceError) -> SalesforceError:
    # In a collection an id that names no record is a bad reference, not a missing resource.
    if exc.error_code == "NOT_FOUND":
        return SalesforceError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    return exc


def _field_value(record: Any, name: str) -> str | None:
    if not isinstance(record, dict):
        return None
    for key, value in record.items():
        if key.lower() == name.lower() and isinstance(value, str):
            return value
    return None


def create(call: ApiCall) -> ApiResponse:
    """``POST composite/sobjects``: ``{allOrNone, records}`` → one SaveResult per record."""
    records, all_or_none = _collection_body(call)

    def insert(record: Any) -> str:
        obj, values = _typed(call, record)
        return call.backend.records.create(
            org_id=call.org_id,
            schema=call.schema,
            obj=obj,
            values=values,
            actor_id=call.user_id,
        )

    return ok(_run_each(call, records, all_or_none, insert, lambda _: None))


def update(call: ApiCall) -> ApiResponse:
    """``PATCH composite/sobjects``: each record names its ``id`` and ``attributes.type``."""
    records, all_or_none = _collection_body(call)

    def change(record: Any) -> str:
        obj, values = _typed(call, record)
        record_id = _field_value(values, "Id")
        if record_id is None:
            raise SalesforceError("MISSING_ARGUMENT", "Id not specified in an update call")
        values = {k: v for k, v in values.items() if k.lower() != "id"}
        return call.backend.records.update(
            org_id=call.org_id,
            schema=call.schema,
            obj=obj,
            record_id=record_id,
            values=values,
            actor_id=call.user_id,
        )

    return ok(_run_each(call, records, all_or_none, change, lambda r: _field_value(r, "Id")))


def _ids_param(call: ApiCall) -> list[str]:
    raw = call.param("ids")
    if raw is None or not raw.strip():
        raise SalesforceError("MISSING_ARGUMENT", "The ids parameter is required")
    ids = [i.strip() for i in raw.split(",") if i.strip()]
    if len(ids) > MAX_RECORDS:
        raise _too_many()
    return ids


def delete(call: ApiCall) -> ApiResponse:
    """``DELETE composite/sobjects?ids=a,b[&allOrNone=true]``."""
    ids = _ids_param(call)

    def remove(raw_id: str) -> str:
        obj = object_by_prefix(call.schema, raw_id)
        if obj is None:
            raise SalesforceError("MALFORMED_ID", f"malformed id {excerpt(raw_id)}")
        return call.backend.records.delete(
            org_id=call.org_id, obj=obj, record_id=raw_id, actor_id=call.user_id
        )

    return ok(_run_each(call, ids, call.flag("allOrNone"), remove, lambda i: i))


def retrieve(call: ApiCall, sobject: str) -> ApiResponse:
    """``GET composite/sobjects/{Type}?ids=&fields=``: the records in order, null when absent."""
    obj = call.sobject(sobject)
    ids = _ids_param(call)
    fields = [f.strip() for f in (call.param("fields") or "").split(",") if f.strip()]
    if not fields:
        raise SalesforceError("MISSING_ARGUMENT", "The fields parameter is required")
    out: list[dict[str, Any] | None] = []
    for raw_id in ids:
        try:
            row = call.backend.records.get(
                org_id=call.org_id, obj=obj, record_id=raw_id, fields=fields
            )
        except SalesforceError as exc:
            if exc.error_code == "INVALID_FIELD":
                raise
            out.append(None)
            continue
        out.append(record_json(obj, row, api_version=call.api_version))
    return ok(out)
