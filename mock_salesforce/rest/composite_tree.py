"""``POST composite/tree/{sObject}``: record trees (parents with nested child records under
their child relationship names) created all-or-nothing, up to 200 records in one call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from mock_salesforce.errors import SalesforceError, json_parser_error
from mock_salesforce.rest.context import ApiCall, ApiResponse, created
from mock_salesforce.schema import ObjectDef

MAX_RECORDS = 200
MAX_DEPTH = 5
MAX_TYPES = 5


@dataclass
class _Node:
    """One record of the tree: its type, values, and children (with their lookup field)."""

    obj: ObjectDef
    reference_id: str
    values: dict[str, Any]
    children: list[tuple[str, _Node]] = field(default_factory=list)

    def walk(self) -> Iterator[_Node]:
        yield self
        for _, child in self.children:
            yield from child.walk()


class _TreeError(Exception):
    """A record of the tree failed: answered as ``{hasErrors: true, results: [...]}``."""

    def __init__(self, reference_id: str | None, error: SalesforceError) -> None:
        super().__init__(error.message)
        self.reference_id = reference_id
        self.error = error


def _error_body(reference_id: str | None, error: SalesforceError) -> dict[str, Any]:
    return {
        "hasErrors": True,
        "results": [{"referenceId": reference_id, "errors": [error.as_record_error()]}],
    }


def _records(value: Any, where: str) -> list[Any]:
    records = value.get("records") if isinstance(value, dict) else None
    if not isinstance(records, list):
        raise json_parser_error(f"{where} needs a 'records' list at [line:1, column:1]")
    return records


class _TreeParser:
    """Turns the JSON trees into nodes, checking types, referenceIds and the limits."""

    def __init__(self, call: ApiCall) -> None:
        self._call = call
        self._seen: set[str] = set()
        self.count = 0
        self.types: set[str] = set()

    def node(self, raw: Any, expected: ObjectDef, depth: int) -> _Node:
        if not isinstance(raw, dict):
            raise json_parser_error("Each record must be a JSON object at [line:1, column:1]")
        attributes = raw.get("attributes")
        attributes = attributes if isinstance(attributes, dict) else {}
        reference_id = attributes.get("referenceId")
        if not isinstance(reference_id, str) or not reference_id:
            raise _TreeError(
                None,
                SalesforceError(
                    "INVALID_INPUT", "Include a reference ID for each record in the request."
                ),
            )
        if reference_id in self._seen:
            raise _TreeError(
                reference_id,
                SalesforceError("INVALID_INPUT", "Duplicate ReferenceId provided in the request."),
            )
        self._seen.add(reference_id)
        type_name = attributes.get("type")
        if not isinstance(type_name, str) or type_name.lower() != expected.name.lower():
            raise _TreeError(
                reference_id,
                SalesforceError(
                    "INVALID_TYPE",
                    f"The record's type must be {expected.name}; it is "
                    f"{type_name if isinstance(type_name, str) else 'missing'}.",
                ),
            )
        if depth > MAX_DEPTH:
            raise _TreeError(
                reference_id,
                SalesforceError(
                    "LIMIT_EXCEEDED", f"A record tree can be at most {MAX_DEPTH} levels deep."
                ),
            )
        self.count += 1
        self.types.add(expected.name)
        node = _Node(expected, reference_id, {})
        for key, value in raw.items():
            if key == "attributes":
                continue
            relation = self._call.schema.child_relationship(expected.name, key)
            if relation is not None and isinstance(value, dict):
                child_obj = self._call.schema.get(relation.child_sobject)
                if child_obj is None:
                    raise _TreeError(
                        reference_id,
                        SalesforceError("INVALID_FIELD", f"No such relationship {key}"),
                    )
                for child in _records(value, key):
                    node.children.append((relation.field, self.node(child, child_obj, depth + 1)))
                continue
            node.values[key] = value
        return node


def _create(call: ApiCall, node: _Node, parent: tuple[str, str] | None) -> list[dict[str, Any]]:
    values = dict(node.values)
    if parent is not None:
        values[parent[0]] = parent[1]
    try:
        record_id = call.backend.records.create(
            org_id=call.org_id,
            schema=call.schema,
            obj=node.obj,
            values=values,
            actor_id=call.user_id,
        )
    except SalesforceError as exc:
        raise _TreeError(node.reference_id, exc) from None
    results = [{"referenceId": node.reference_id, "id": record_id}]
    for lookup, child in node.children:
        results.extend(_create(call, child, (lookup, record_id)))
    return results


def create_tree(call: ApiCall, sobject: str) -> ApiResponse:
    """``POST composite/tree/{sObject}``: 201 ``{hasErrors: false, results: [{referenceId,
    id}]}``; on any failure nothing is saved and 400 names the record that failed."""
    root = call.sobject(sobject)
    body = call.json_body()
    if not isinstance(body, dict):
        raise json_parser_error(
            "Cannot deserialize instance of SObjectTreeRequest from "
            f"{'START_ARRAY' if isinstance(body, list) else 'VALUE_STRING'} value "
            "at [line:1, column:1]"
        )
    parser = _TreeParser(call)
    try:
        trees = [parser.node(raw, root, 1) for raw in _records(body, "The request body")]
    except _TreeError as exc:
        return _bad_request(_error_body(exc.reference_id, exc.error))
    if parser.count > MAX_RECORDS:
        raise SalesforceError(
            "LIMIT_EXCEEDED",
            f"A composite tree request can contain at most {MAX_RECORDS} records; this one "
            f"has {parser.count}.",
        )
    if len(parser.types) > MAX_TYPES:
        raise SalesforceError(
            "LIMIT_EXCEEDED",
            f"A composite tree request can contain at most {MAX_TYPES} types of records.",
        )
    results: list[dict[str, Any]] = []
    try:
        with call.backend.store.transaction():
            for tree in trees:
                results.extend(_create(call, tree, None))
    except _TreeError as exc:
        return _bad_request(_error_body(exc.reference_id, exc.error))
    return created({"hasErrors": False, "results": results})


def _bad_request(body: dict[str, Any]) -> ApiResponse:
    return ApiResponse(400, body)
