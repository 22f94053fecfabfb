"""sObject rows: create, read, update and delete by Id; read, upsert and delete by external id;
and the lists of records updated or deleted in a time window."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from mock_salesforce.clock import sf_datetime
from mock_salesforce.errors import SalesforceError, not_found
from mock_salesforce.records import (
    MultipleMatches,
    no_such_external_field,
    parse_datetime,
    record_json,
)
from mock_salesforce.rest.context import (
    ApiCall,
    ApiResponse,
    created,
    method_not_allowed,
    no_content,
    ok,
)
from mock_salesforce.schema import ObjectDef

_ID_LIKE = re.compile(r"^[0-9A-Za-z]{15}(?:[0-9A-Za-z]{3})?$")
#: Since API 46.0 an upsert that updates answers 200 with a body (204 before).
_UPSERT_BODY_SINCE = 46.0
_REPLICATION_WINDOW = timedelta(days=30)


def _record_id(raw: str) -> str:
    """A path segment that must be an id; anything else reads as a missing external id field."""
    if not _ID_LIKE.match(raw):
        raise no_such_external_field(raw)
    return raw


def _readable(call: ApiCall, sobject: str) -> ObjectDef:
    obj = call.sobject(sobject)
    if not obj.queryable:
        raise not_found()
    return obj


def _save_result(record_id: str) -> dict[str, object]:
    return {"id": record_id, "success": True, "errors": []}


def create(call: ApiCall, sobject: str) -> ApiResponse:
    """``POST sobjects/{Type}``: 201 ``{id, success, errors}``."""
    obj = call.sobject(sobject)
    values = call.json_object(obj.name)
    record_id = call.backend.records.create(
        org_id=call.org_id,
        schema=call.schema,
        obj=obj,
        values=values,
        actor_id=call.user_id,
        body_text=call.body_text,
    )
    return created(_save_result(record_id))


def get_record(call: ApiCall, sobject: str, raw_id: str) -> ApiResponse:
    """``GET sobjects/{Type}/{Id}[?fields=a,b]``."""
    obj = _readable(call, sobject)
    wanted = [f.strip() for f in (call.param("fields") or "").split(",") if f.strip()]
    body = call.backend.records.get_json(
        org_id=call.org_id,
        obj=obj,
        record_id=_record_id(raw_id),
        fields=wanted or None,
        api_version=call.api_version,
    )
    return ok(body)


def update_record(call: ApiCall, sobject: str, raw_id: str) -> ApiResponse:
    """``PATCH sobjects/{Type}/{Id}``: 204."""
    obj = call.sobject(sobject)
    record_id = _record_id(raw_id)
    values = call.json_object(obj.name)
    call.backend.records.update(
        org_id=call.org_id,
        schema=call.schema,
        obj=obj,
        record_id=record_id,
        values=values,
        actor_id=call.user_id,
        body_text=call.body_text,
    )
    return no_content()


def delete_record(call: ApiCall, sobject: str, raw_id: str) -> ApiResponse:
    """``DELETE sobjects/{Type}/{Id}``: 204; the record goes to the recycle bin."""
    obj = call.sobject(sobject)
    call.backend.records.delete(
        org_id=call.org_id, obj=obj, record_id=_record_id(raw_id), actor_id=call.user_id
    )
    return no_content()


def create_with_id_field(call: ApiCall, sobject: str, field: str) -> ApiResponse:
    """``POST sobjects/{Type}/Id``: a create that names ``Id`` as its (empty) external id."""
    if field.lower() != "id":
        raise method_not_allowed("POST", ("GET", "PATCH", "DELETE"))
    return create(call, sobject)


def _single_match(call: ApiCall, obj: ObjectDef, field: str, value: str) -> str:
    matches = call.backend.records.match_external(
        org_id=call.org_id, obj=obj, field_name=field, value=value
    )
    if len(matches) > 1:
        raise MultipleMatches(obj.name, matches)
    if not matches:
        raise not_found()
    return matches[0]


def get_by_external_id(call: ApiCall, sobject: str, field: str, value: str) -> ApiResponse:
    """``GET sobjects/{Type}/{Field}/{Value}``: the one match, 300 for several, else 404."""
    obj = _readable(call, sobject)
    record_id = _single_match(call, obj, field, value)
    wanted = [f.strip() for f in (call.param("fields") or "").split(",") if f.strip()]
    row = call.backend.records.get(
        org_id=call.org_id, obj=obj, record_id=record_id, fields=wanted or None
    )
    return ok(record_json(obj, row, api_version=call.api_version))


def upsert(call: ApiCall, sobject: str, field: str, value: str) -> ApiResponse:
    """``PATCH sobjects/{Type}/{Field}/{Value}``: 201 created, 200 (204 before v46) updated,
    300 when the value matches several records."""
    obj = call.sobject(sobject)
    call.backend.records.external_field(obj, field)
    values = call.json_object(obj.name)
    outcome = call.backend.records.upsert(
        org_id=call.org_id,
        schema=call.schema,
        obj=obj,
        field_name=field,
        value=value,
        values=values,
        actor_id=call.user_id,
        update_only=call.flag("updateOnly"),
        body_text=call.body_text,
    )
    with_body = float(call.api_version) >= _UPSERT_BODY_SINCE
    body = {**_save_result(outcome.record_id), "created": outcome.created}
    if outcome.created:
        return created(body if with_body else _save_result(outcome.record_id))
    return ok(body) if with_body else no_content()


def delete_by_external_id(call: ApiCall, sobject: str, field: str, value: str) -> ApiResponse:
    """``DELETE sobjects/{Type}/{Field}/{Value}``: 204."""
    obj = call.sobject(sobject)
    record_id = _single_match(call, obj, field, value)
    call.backend.records.delete(
        org_id=call.org_id, obj=obj, record_id=record_id, actor_id=call.user_id
    )
    return no_content()


def _window(call: ApiCall) -> tuple[datetime, datetime]:
    start = parse_datetime(call.param("start") or "")
    end = parse_datetime(call.param("end") or "")
    if start is None or end is None:
        raise SalesforceError("INVALID_REPLICATION_DATE", "start and end must be dateTime values")
    now = call.backend.clock.now().replace(tzinfo=None)
    if end <= start or start < now - _REPLICATION_WINDOW:
        raise SalesforceError(
            "INVALID_REPLICATION_DATE",
            "start must be before end and within the last 30 days",
        )
    return start, min(end, now).replace(second=0, microsecond=0)


def updated(call: ApiCall, sobject: str) -> ApiResponse:
    """``GET sobjects/{Type}/updated?start=&end=``: ids modified in the window."""
    obj = _readable(call, sobject)
    start, end = _window(call)
    changed = call.backend.records.changed(
        org_id=call.org_id, obj=obj, start=start, end=end, deleted=False
    )
    return ok({"ids": [i for i, _ in changed], "latestDateCovered": sf_datetime(end)})


def deleted(call: ApiCall, sobject: str) -> ApiResponse:
    """``GET sobjects/{Type}/deleted?start=&end=``: records deleted in the window."""
    obj = _readable(call, sobject)
    start, end = _window(call)
    gone = call.backend.records.changed(
        org_id=call.org_id, obj=obj, start=start, end=end, deleted=True
    )
    return ok(
        {
            "deletedRecords": [{"deletedDate": sf_datetime(when), "id": i} for i, when in gone],
            "earliestDateAvailable": sf_datetime(start),
            "latestDateCovered": sf_datetime(end),
        }
    )
