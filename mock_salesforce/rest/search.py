"""SOSL over REST: ``search?q=`` and ``parameterizedSearch`` (GET with URI parameters, the
quick search, and POST with a JSON body), both answered ``{"searchRecords": [...]}``, and
``search/scopeOrder``.

A parameterized search is turned into the SOSL statement it stands for, so both resources
share one engine and one set of rules.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mock_salesforce.errors import SalesforceError, invalid_type, json_parser_error
from mock_salesforce.rest.context import ApiCall, ApiResponse, ok
from mock_salesforce.sosl import MAX_RESULTS, SoslEngine
from mock_salesforce.sosl.ast import SearchGroup
from mock_salesforce.sosl.problems import MALFORMED_SEARCH, NO_TERM, too_short
from mock_salesforce.sosl.scope import default_objects

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$")


def _engine(call: ApiCall) -> SoslEngine:
    return SoslEngine(call.backend.store, call.backend.clock)


def _answer(call: ApiCall, sosl: str) -> ApiResponse:
    result = _engine(call).search(
        schema=call.schema,
        org_id=call.org_id,
        sosl=sosl,
        api_version=call.api_version,
        user_id=call.user_id,
    )
    return ok(result.as_json())


def search(call: ApiCall) -> ApiResponse:
    """``GET search?q=FIND {…} …``."""
    sosl = call.param("q")
    if sosl is None or not sosl.strip():
        raise SalesforceError(MALFORMED_SEARCH, NO_TERM)
    return _answer(call, sosl)


def scope_order(call: ApiCall) -> ApiResponse:
    """``GET search/scopeOrder``: the objects a search without RETURNING covers, in the order
    it lists them, as ``[{keyPrefix, name}]``."""
    return ok([{"keyPrefix": o.key_prefix, "name": o.name} for o in default_objects(call.schema)])


# -- parameterized search -------------------------------------------------------------------
def _bad(message: str) -> SalesforceError:
    return SalesforceError(MALFORMED_SEARCH, message)


@dataclass
class _Target:
    name: str
    fields: list[str] = field(default_factory=list)
    where: str | None = None
    order_by: str | None = None
    limit: int | None = None


@dataclass
class _Parameters:
    q: str
    group: SearchGroup = SearchGroup.ALL
    targets: list[_Target] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)
    overall_limit: int | None = None
    default_limit: int | None = None
    metadata: bool = False

    def sosl(self) -> str:
        term = self.q.replace("{", "\\{").replace("}", "\\}")
        parts = [f"FIND {{{term}}} IN {self.group.value} FIELDS"]
        returning = [self._returning(t) for t in self.targets]
        if returning:
            parts.append("RETURNING " + ", ".join(returning))
        if self.metadata:
            parts.append("WITH METADATA='LABELS'")
        if self.overall_limit is not None:
            parts.append(f"LIMIT {self.overall_limit}")
        return " ".join(parts)

    def _returning(self, target: _Target) -> str:
        fields = target.fields or self.fields
        inner = ", ".join(fields) if fields else "Id"
        if target.where:
            inner += f" WHERE {target.where}"
        if target.order_by:
            inner += f" ORDER BY {target.order_by}"
        limit = target.limit if target.limit is not None else self.default_limit
        if limit is not None:
            inner += f" LIMIT {limit}"
        return f"{target.name}({inner})"


def _int(name: str, value: Any) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(f"Invalid value for parameter '{name}': {value}")
    try:
        number = int(str(value).strip())
    except ValueError:
        raise _bad(f"Invalid value for parameter '{name}': {value}") from None
    if number < 0:
        raise _bad(f"Invalid value for parameter '{name}': {value}")
    return number


def _group(value: Any) -> SearchGroup:
    if value is None or value == "":
        return SearchGroup.ALL
    try:
        return SearchGroup(str(value).strip().upper())
    except ValueError:
        raise _bad(
            f"Invalid value for parameter 'in': {value}. Use ALL, NAME, EMAIL, PHONE or SIDEBAR"
        ) from None


def _object_name(value: Any) -> str:
    name = str(value).strip()
    if not _NAME.match(name):
        raise invalid_type(name)
    return name


def _field_list(value: Any) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, list):
        items = value
    else:
        raise _bad("fields must be a list of field names")
    names = [str(v).strip() for v in items if str(v).strip()]
    for name in names:
        if not _FIELD.match(name):
            raise _bad(f"Invalid field name: {name}")
    return names


def _query_values(call: ApiCall, name: str) -> list[str]:
    getlist = getattr(call.request.query, "getlist", None)
    raw = getlist(name) if callable(getlist) else [call.param(name) or ""]
    return [v.strip() for value in raw for v in str(value).split(",") if v.strip()]


def _from_query(call: ApiCall) -> _Parameters:
    query: Mapping[str, str] = call.request.query
    q = call.param("q")
    if q is None or not q.strip():
        raise too_short()
    names = _query_values(call, "sobject")
    # ``Account.fields=…`` names its object too, as Salesforce reads it.
    for key in query:
        head, _, option = key.partition(".")
        if option and head.lower() not in (n.lower() for n in names):
            names.append(head)
    targets = []
    for name in names:
        target = _Target(_object_name(name))
        for key, value in query.items():
            head, _, option = key.partition(".")
            if head.lower() != name.lower():
                continue
            option = option.lower()
            if option == "fields":
                target.fields = _field_list(value)
            elif option == "where":
                target.where = value
            elif option == "limit":
                target.limit = _int(key, value)
            elif option == "orderby":
                target.order_by = value
        targets.append(target)
    return _Parameters(
        q=q,
        group=_group(call.param("in")),
        targets=targets,
        fields=_field_list(call.param("fields") or ""),
        overall_limit=_int("overallLimit", call.param("overallLimit")),
        default_limit=_int("defaultLimit", call.param("defaultLimit")),
        metadata=(call.param("metadata") or "").strip().upper() == "LABELS",
    )


def _from_body(call: ApiCall) -> _Parameters:
    body = call.json_object("SearchRequest")
    q = body.get("q")
    if not isinstance(q, str) or not q.strip():
        raise too_short()
    sobjects = body.get("sobjects") or []
    if not isinstance(sobjects, list):
        raise json_parser_error("sobjects must be a JSON array at [line:1, column:1]")
    targets = []
    for spec in sobjects:
        if not isinstance(spec, dict) or not spec.get("name"):
            raise _bad("Each sobjects entry needs a name")
        targets.append(
            _Target(
                name=_object_name(spec["name"]),
                fields=_field_list(spec.get("fields")),
                where=spec.get("where") or None,
                order_by=spec.get("orderBy") or None,
                limit=_int("limit", spec.get("limit")),
            )
        )
    return _Parameters(
        q=q,
        group=_group(body.get("in")),
        targets=targets,
        fields=_field_list(body.get("fields")),
        overall_limit=_int("overallLimit", body.get("overallLimit")),
        default_limit=_int("defaultLimit", body.get("defaultLimit")),
        metadata=str(body.get("metadata") or "").strip().upper() == "LABELS",
    )


def _limits_checked(params: _Parameters) -> _Parameters:
    limits = (("overallLimit", params.overall_limit), ("defaultLimit", params.default_limit))
    for name, value in limits:
        if value is not None and value > MAX_RESULTS:
            raise _bad(f"{name} can't be more than {MAX_RESULTS}")
    return params


def parameterized_get(call: ApiCall) -> ApiResponse:
    """``GET parameterizedSearch?q=…`` (with ``sobject``, ``Obj.fields``, ``in``...): the
    quick search."""
    return _answer(call, _limits_checked(_from_query(call)).sosl())


def parameterized_post(call: ApiCall) -> ApiResponse:
    """``POST parameterizedSearch`` with ``{"q", "sobjects": [{name, fields, where, limit}],
    "in", "fields", "overallLimit", "defaultLimit", "metadata"}``."""
    return _answer(call, _limits_checked(_from_body(call)).sosl())
