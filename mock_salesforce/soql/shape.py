"""Result rows to Salesforce's JSON records: ``attributes`` first, fields in the order
selected with the schema's canonical names, parents nested (null when the lookup is empty),
child relationships as ``{totalSize, done, records}``, and values in Salesforce's formats."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from mock_salesforce.clock import sf_datetime
from mock_salesforce.schema import FieldType
from mock_salesforce.schema.model import NUMERIC_TYPES


def _datetime(value: Any) -> Any:
    return sf_datetime(value) if isinstance(value, datetime) else value


def _date(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def _int(value: Any) -> Any:
    return int(value) if isinstance(value, int | float | Decimal) else value


def _as_is(value: Any) -> Any:
    return value


_FORMATS: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.DATETIME: _datetime,
    FieldType.DATE: _date,
    FieldType.BOOLEAN: bool,
    FieldType.INT: _int,
    **{t: float for t in NUMERIC_TYPES if t is not FieldType.INT},
}


def format_value(value: Any, field_type: FieldType) -> Any:
    """A stored value as Salesforce's JSON writes it for this field type."""
    if value is None:
        return None
    return _FORMATS.get(field_type, _as_is)(value)


def record_url(api_version: str, sobject: str, record_id: str) -> str:
    return f"/services/data/v{api_version}/sobjects/{sobject}/{record_id}"


@dataclass(frozen=True)
class Leaf:
    key: str
    column: int
    field_type: FieldType


@dataclass(frozen=True)
class Parent:
    """A parent relationship: its id (and, when polymorphic, its type) decide null or nested."""

    key: str
    sobject: str
    id_column: int
    type_column: int | None
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Children:
    key: str
    index: int


Node = Leaf | Parent | Children


@dataclass(frozen=True)
class RecordShape:
    sobject: str
    id_column: int
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class AggregateColumn:
    key: str
    column: int
    field_type: FieldType


ChildRecords = Sequence[Mapping[str, list[dict[str, Any]]]]


def shape_record(
    shape: RecordShape,
    row: Sequence[Any],
    *,
    api_version: str,
    children: ChildRecords = (),
) -> dict[str, Any]:
    """One record; ``children[i]`` maps this record's id to its records of child plan ``i``."""
    record_id = row[shape.id_column]
    out: dict[str, Any] = {
        "attributes": {
            "type": shape.sobject,
            "url": record_url(api_version, shape.sobject, record_id),
        }
    }
    _fill(out, shape.nodes, row, api_version, children, record_id)
    return out


def _fill(
    out: dict[str, Any],
    nodes: tuple[Node, ...],
    row: Sequence[Any],
    api_version: str,
    children: ChildRecords,
    record_id: str,
) -> None:
    for node in nodes:
        if isinstance(node, Leaf):
            out[node.key] = format_value(row[node.column], node.field_type)
        elif isinstance(node, Parent):
            parent_id = row[node.id_column]
            if parent_id is None:
                out[node.key] = None
                continue
            actual = row[node.type_column] if node.type_column is not None else node.sobject
            nested: dict[str, Any] = {
                "attributes": {
                    "type": node.sobject,
                    "url": record_url(api_version, actual, parent_id),
                }
            }
            _fill(nested, node.nodes, row, api_version, children, record_id)
            out[node.key] = nested
        else:
            records = children[node.index].get(record_id) if children else None
            out[node.key] = (
                {"totalSize": len(records), "done": True, "records": records} if records else None
            )


def shape_aggregate(columns: Sequence[AggregateColumn], row: Sequence[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"attributes": {"type": "AggregateResult"}}
    for col in columns:
        out[col.key] = format_value(row[col.column], col.field_type)
    return out
