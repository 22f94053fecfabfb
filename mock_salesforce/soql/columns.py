"""What ``query?q=…&columns=true`` answers: the query's columns as Salesforce describes them
(``columnMetadata``), without running it.

Each selected item is one column in selection order: a field; a parent relationship whose
``joinColumns`` are the fields selected through it (``Owner.Name`` and ``Owner.Email`` share
one ``Owner`` column, as they share one nested object in the records); a child subquery
(``aggregate`` true, its fields as ``joinColumns``); or an aggregate function (``expr0``… or
its alias, ``displayName`` as written). The query has been checked by the compiler first.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema
from mock_salesforce.schema.model import NUMERIC_TYPES, TEXT_TYPES
from mock_salesforce.soql import ast
from mock_salesforce.soql.compiler import AGGREGATES
from mock_salesforce.soql.scope import Column, Context, Scope, Statement

#: The Apex type Salesforce names for each field type.
_APEX_TYPES: dict[FieldType, str] = {
    FieldType.ID: "Id",
    FieldType.REFERENCE: "Id",
    FieldType.BOOLEAN: "Boolean",
    FieldType.INT: "Integer",
    FieldType.DOUBLE: "Double",
    FieldType.CURRENCY: "Decimal",
    FieldType.PERCENT: "Decimal",
    FieldType.DATE: "Date",
    FieldType.DATETIME: "Datetime",
}
_TEXT = TEXT_TYPES - {FieldType.ID, FieldType.REFERENCE}


@dataclass
class _Column:
    """One column being built; ``joins`` collects a relationship's columns by name."""

    meta: dict[str, Any]
    joins: dict[str, _Column] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        if self.joins:
            self.meta["joinColumns"] = [c.as_json() for c in self.joins.values()]
        return self.meta


def _meta(
    *,
    name: str,
    display: str,
    aggregate: bool = False,
    apex_type: str | None = None,
    field_type: FieldType | None = None,
    custom: bool = False,
    foreign_key: str | None = None,
    insertable: bool = False,
    updatable: bool = False,
) -> dict[str, Any]:
    return {
        "aggregate": aggregate,
        "apexType": apex_type,
        "booleanType": field_type is FieldType.BOOLEAN,
        "columnName": name,
        "custom": custom,
        "displayName": display,
        "foreignKeyName": foreign_key,
        "insertable": insertable,
        "joinColumns": [],
        "numberType": field_type in NUMERIC_TYPES,
        "textType": field_type in _TEXT,
        "updatable": updatable,
    }


def _field_meta(fd: FieldDef, owner: ObjectDef) -> dict[str, Any]:
    return _meta(
        name=fd.name,
        display=fd.name,
        apex_type=_APEX_TYPES.get(fd.type, "String"),
        field_type=fd.type,
        custom=fd.custom,
        insertable=fd.createable and owner.createable,
        updatable=fd.updateable and owner.updateable,
    )


class _Columns:
    """The columns of one SELECT list, relationships merged as the records nest them."""

    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.top: dict[str, _Column] = {}
        self._unnamed = 0

    def add_field(self, column: Column) -> None:
        container, owner = self.top, self.scope.obj
        for relation in column.relations:
            key = relation.name.lower()
            if key not in container:
                lookup = owner.relationship(relation.name)
                container[key] = _Column(
                    _meta(
                        name=relation.name,
                        display=relation.name,
                        custom=relation.name.endswith("__r"),
                        foreign_key=lookup.name if lookup else None,
                    )
                )
            container, owner = container[key].joins, relation.obj
        owner = self.scope.ctx.schema.get(column.entity) or owner
        container.setdefault(column.field.name.lower(), _Column(_field_meta(column.field, owner)))

    def add_children(self, name: str, children: Iterable[_Column]) -> None:
        column = _Column(_meta(name=name, display=name, aggregate=True))
        column.joins = {str(i): c for i, c in enumerate(children)}
        self.top[name.lower()] = column

    def add_function(self, call: ast.FuncCall, alias: str | None, display: str) -> None:
        if alias is None:
            name = f"expr{self._unnamed}"
            self._unnamed += 1
        else:
            name = alias
        result = self._result_type(call)
        self.top[name.lower()] = _Column(
            _meta(name=name, display=display, aggregate=True, field_type=result)
        )

    def _result_type(self, call: ast.FuncCall) -> FieldType:
        if call.name in ("COUNT", "COUNT_DISTINCT") or call.arg is None:
            return FieldType.INT
        fd = self.scope.column(call.arg).field
        if call.name == "AVG" or (call.name == "SUM" and fd.type is not FieldType.INT):
            return FieldType.DOUBLE
        return fd.type

    def as_json(self) -> list[dict[str, Any]]:
        return [c.as_json() for c in self.top.values()]


def _fields_of(call: ast.FuncCall, obj: ObjectDef) -> list[FieldDef]:
    which = call.arg.text.upper() if call.arg else ""
    return [
        fd
        for fd in obj.fields
        if which == "ALL" or (fd.custom if which == "CUSTOM" else not fd.custom)
    ]


class _Describer:
    def __init__(self, ctx: Context, soql: str) -> None:
        self.ctx = ctx
        self.lines = soql.splitlines() or [""]

    def written(self, call: ast.FuncCall) -> str:
        """The function call as the query spells it (``avg(Amount)``, ``COUNT(Id)``)."""
        line = self.lines[call.pos.line - 1] if call.pos.line <= len(self.lines) else ""
        start = call.pos.column - 1
        name = line[start : start + len(call.name)]
        if name.upper() != call.name:
            name = call.name
        return f"{name}({call.arg.text if call.arg else ''})"

    def columns(self, q: ast.Query, obj: ObjectDef) -> _Columns:
        scope = Scope(Statement(self.ctx), obj, alias=self.ctx.alias("m"), sobject_alias=q.alias)
        out = _Columns(scope)
        grouped = bool(q.group_by) or any(
            isinstance(i, ast.SelectFunction) and i.call.name in AGGREGATES for i in q.items
        )
        for item in q.items:
            if isinstance(item, ast.SelectField):
                column = scope.column(item.path)
                if grouped:
                    # An AggregateResult names a grouped field by its own name, never nested.
                    owner = column.relations[-1].obj if column.relations else obj
                    column = Column(column.sql, column.field, (), owner.name)
                out.add_field(column)
            elif isinstance(item, ast.SelectFunction) and item.call.name == "FIELDS":
                for fd in _fields_of(item.call, obj):
                    out.add_field(Column("", fd, (), obj.name))
            elif isinstance(item, ast.SelectFunction):
                if item.call.name in AGGREGATES:
                    out.add_function(item.call, item.alias, self.written(item.call))
            else:
                rel = self.ctx.schema.child_relationship(obj.name, item.query.sobject)
                child = self.ctx.schema.get(rel.child_sobject) if rel else None
                if rel is not None and child is not None:
                    inner = self.columns(item.query, child)
                    out.add_children(rel.relationship_name, inner.top.values())
        return out


def describe_columns(
    query: ast.Query, *, soql: str, schema: OrgSchema, org_id: str, today: date
) -> dict[str, Any]:
    """Salesforce's answer to ``columns=true`` for a query the compiler accepted."""
    obj = schema.get(query.sobject)
    assert obj is not None
    ctx = Context(schema=schema, org_id=org_id, include_deleted=False, today=today)
    describer = _Describer(ctx, soql)
    counts_only = any(
        isinstance(i, ast.SelectFunction) and i.call.name == "COUNT" and i.call.arg is None
        for i in query.items
    )
    columns = [] if counts_only else describer.columns(query, obj).as_json()
    id_selected = any(
        (isinstance(i, ast.SelectField) and _is_own_id(i.path, query, obj))
        or (
            isinstance(i, ast.SelectFunction)
            and i.call.name == "FIELDS"
            and (i.call.arg is None or i.call.arg.text.upper() != "CUSTOM")
        )
        for i in query.items
    )
    return {
        "columnMetadata": columns,
        "entityName": obj.name,
        "groupBy": bool(query.group_by),
        "idSelected": id_selected,
        "keyPrefix": obj.key_prefix or None,
    }


def _is_own_id(path: ast.FieldPath, query: ast.Query, obj: ObjectDef) -> bool:
    names = [n.lower() for n in path.names]
    if len(names) == 2 and names[0] in {obj.name.lower(), (query.alias or "").lower()}:
        names = names[1:]
    return names == ["id"]
