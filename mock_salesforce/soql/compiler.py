"""A parsed SOQL query, checked against the caller's schema and compiled to DuckDB SQL.

The result is a :class:`Plan`: the page query (with ``LIMIT``/``OFFSET`` placeholders last),
the count query, one statement per child subquery (run once per page for all parents), and
the shapes that turn rows into Salesforce records. Every value is a bound parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from enum import Enum
from typing import Any

from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema
from mock_salesforce.soql import ast
from mock_salesforce.soql.predicates import Conditions, Kind, Typed, kind_of
from mock_salesforce.soql.problems import (
    QueryError,
    invalid_field,
    malformed,
    unknown_child_relationship,
    unsupported_type,
)
from mock_salesforce.soql.scope import Column, Context, Scope, Statement
from mock_salesforce.soql.shape import AggregateColumn, Children, Leaf, Node, Parent, RecordShape

#: Salesforce rejects OFFSET above this.
MAX_OFFSET = 2000
#: FIELDS(ALL) and FIELDS(CUSTOM) need a LIMIT of at most this.
FIELDS_LIMIT = 200
#: Stands for "no LIMIT" in a bound LIMIT parameter.
NO_LIMIT = 2**62

AGGREGATES = frozenset({"COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX"})


class QueryKind(Enum):
    RECORDS = "records"
    AGGREGATE = "aggregate"
    COUNT = "count"


@dataclass(frozen=True)
class ChildPlan:
    """One child subquery, run once per page with every parent id bound as a list."""

    sql: str
    params: tuple[Any, ...]
    ids_param: int
    parent_column: int
    shape: RecordShape

    def params_for(self, parent_ids: list[str]) -> list[Any]:
        values = list(self.params)
        values[self.ids_param] = parent_ids
        return values


@dataclass(frozen=True)
class Plan:
    kind: QueryKind
    #: The page query; bind ``params`` then the page size and the row offset.
    page_sql: str
    params: tuple[Any, ...]
    count_sql: str
    count_params: tuple[Any, ...]
    limit: int | None
    offset: int
    shape: RecordShape | None = None
    aggregate: tuple[AggregateColumn, ...] = ()
    children: tuple[ChildPlan, ...] = ()


_PLACEHOLDER = re.compile(r"\$(\d+)")


def _finalize(sql: str, params: list[Any]) -> tuple[str, list[Any], dict[int, int]]:
    """Renumber the placeholders ``sql`` uses as $1..$n (DuckDB wants every one used)."""
    mapping: dict[int, int] = {}
    values: list[Any] = []

    def renumber(match: re.Match[str]) -> str:
        old = int(match.group(1))
        if old not in mapping:
            values.append(params[old - 1])
            mapping[old] = len(values)
        return f"${mapping[old]}"

    return _PLACEHOLDER.sub(renumber, sql), values, mapping


def compile_query(
    query: ast.Query,
    *,
    schema: OrgSchema,
    org_id: str,
    include_deleted: bool,
    today: date,
    api_version: str,
) -> Plan:
    """The plan for ``query`` as the caller (``schema`` is their view) may run it."""
    ctx = Context(schema=schema, org_id=org_id, include_deleted=include_deleted, today=today)
    return _Compiler(ctx, api_version).top(query)


# -- select-list shapes ---------------------------------------------------------------------
@dataclass
class _ParentBuilder:
    key: str
    sobject: str
    id_column: int
    type_column: int | None
    nodes: dict[str, Any] = field(default_factory=dict)


class _Selection:
    """Collects the SELECT columns and the record shape they fill, in selection order."""

    def __init__(self, sobject: str, id_sql: str) -> None:
        self.sobject = sobject
        self.columns: list[str] = []
        self._index: dict[str, int] = {}
        self.id_column = self.add(id_sql)
        self.nodes: dict[str, Any] = {}

    def add(self, sql: str) -> int:
        """The column index of ``sql``, selected once however often it is needed."""
        if sql not in self._index:
            self._index[sql] = len(self.columns)
            self.columns.append(f"{sql} AS c{len(self.columns)}")
        return self._index[sql]

    def add_field(self, column: Column, pos: ast.Pos, text: str, *, quiet: bool = False) -> None:
        container = self.nodes
        for relation in column.relations:
            key = relation.name.lower()
            node = container.get(key)
            if not isinstance(node, _ParentBuilder):
                node = _ParentBuilder(
                    key=relation.name,
                    sobject="Name" if relation.polymorphic else relation.obj.name,
                    id_column=self.add(f'{relation.alias}."Id"'),
                    type_column=(
                        self.add(f'{relation.alias}."Type"') if relation.polymorphic else None
                    ),
                )
                container[key] = node
            container = node.nodes
        key = column.field.name.lower()
        if key in container:
            if quiet:
                return
            raise malformed(f"duplicate field selected: {text}", pos)
        container[key] = Leaf(column.field.name, self.add(column.sql), column.field.type)

    def add_children(self, key: str, index: int, pos: ast.Pos) -> None:
        if key.lower() in self.nodes:
            raise malformed(f"duplicate field selected: {key}", pos)
        self.nodes[key.lower()] = Children(key, index)

    def shape(self) -> RecordShape:
        return RecordShape(self.sobject, self.id_column, _freeze(self.nodes))


def _freeze(nodes: dict[str, Any]) -> tuple[Node, ...]:
    out: list[Node] = []
    for node in nodes.values():
        if isinstance(node, _ParentBuilder):
            out.append(
                Parent(
                    node.key, node.sobject, node.id_column, node.type_column, _freeze(node.nodes)
                )
            )
        else:
            out.append(node)
    return tuple(out)


# -- the compiler ---------------------------------------------------------------------------
class _Compiler:
    def __init__(self, ctx: Context, api_version: str) -> None:
        self.ctx = ctx
        self.api_version = api_version

    @property
    def schema(self) -> OrgSchema:
        return self.ctx.schema

    # -- entry -----------------------------------------------------------------------------
    def top(self, q: ast.Query) -> Plan:
        obj = self.schema.get(q.sobject)
        if obj is None or not obj.queryable:
            raise unsupported_type(q.sobject, q.sobject_pos)
        if q.offset is not None and q.offset > MAX_OFFSET:
            raise QueryError(
                "NUMBER_OUTSIDE_VALID_RANGE",
                f"Maximum SOQL offset allowed for apiVersion {self.api_version} is {MAX_OFFSET}",
            )
        stmt = Statement(self.ctx)
        scope = Scope(stmt, obj, alias="t0", sobject_alias=q.alias)
        kind = self._kind(q)
        if kind is QueryKind.COUNT:
            return self._count_only(q, scope)
        if kind is QueryKind.AGGREGATE:
            return self._aggregate(q, scope)
        return self._records(q, scope)

    def _kind(self, q: ast.Query) -> QueryKind:
        calls = [i.call for i in q.items if isinstance(i, ast.SelectFunction)]
        for call in calls:
            if call.name not in AGGREGATES and call.name != "FIELDS":
                raise malformed(
                    f"Function '{call.name}' is not supported by this mock org", call.pos
                )
        if any(c.name == "COUNT" and c.arg is None for c in calls):
            if len(q.items) != 1:
                raise malformed("COUNT() must be the only element in the SELECT list", calls[0].pos)
            return QueryKind.COUNT
        if q.group_by or any(c.name in AGGREGATES for c in calls):
            return QueryKind.AGGREGATE
        if q.having is not None:
            raise malformed(
                "HAVING can only be used with GROUP BY or aggregate functions", q.sobject_pos
            )
        return QueryKind.RECORDS

    # -- operands --------------------------------------------------------------------------
    def _filter_operand(self, scope: Scope) -> Callable[[ast.Operand], Typed]:
        def resolve(operand: ast.Operand) -> Typed:
            if isinstance(operand, ast.FuncCall):
                raise malformed(f"unexpected token: '{operand.name}'", operand.pos)
            column = scope.column(operand)
            if not column.field.filterable:
                raise invalid_field(
                    f"field '{column.field.name}' can not be filtered in a query call",
                    operand.pos,
                )
            return Typed(column.sql, column.field, operand.pos)

        return resolve

    def _where(self, q: ast.Query, scope: Scope, *, nested: bool = False) -> str:
        base = scope.base_filter()
        if q.where is None:
            return base
        conditions = Conditions(
            scope.stmt,
            resolve=self._filter_operand(scope),
            semi_join=None if nested else self._semi_join_for(scope),
        )
        return f"{base} AND {conditions.compile(q.where)}"

    def _sort_keys(self, column: Column, stmt: Statement, pos: ast.Pos) -> list[str]:
        fd = column.field
        if not fd.sortable:
            raise invalid_field(f"field '{fd.name}' can not be sorted in a query call", pos)
        kind = kind_of(fd.type)
        if kind is Kind.PICKLIST and fd.picklist_values:
            # Salesforce sorts a picklist by the order its values are defined in.
            values = stmt.add(list(fd.picklist_values))
            unknown = stmt.add(len(fd.picklist_values) + 1)
            position = (
                f"CASE WHEN {column.sql} IS NULL THEN NULL "
                f"ELSE coalesce(list_position({values}, {column.sql}), {unknown}) END"
            )
            return [position, f"lower({column.sql})"]
        if kind in (Kind.TEXT, Kind.PICKLIST, Kind.MULTIPICKLIST):
            return [f"lower({column.sql})"]
        return [column.sql]

    @staticmethod
    def _direction(item: ast.OrderItem) -> str:
        nulls_first = item.nulls_first if item.nulls_first is not None else not item.descending
        return f"{'DESC' if item.descending else 'ASC'} NULLS {'FIRST' if nulls_first else 'LAST'}"

    def _record_order(self, q: ast.Query, scope: Scope) -> list[str]:
        terms = []
        for item in q.order_by:
            if isinstance(item.operand, ast.FuncCall):
                raise malformed(f"unexpected token: '{item.operand.name}'", item.operand.pos)
            column = scope.column(item.operand)
            direction = self._direction(item)
            terms += [
                f"{key} {direction}"
                for key in self._sort_keys(column, scope.stmt, item.operand.pos)
            ]
        # A total order, so consecutive pages neither repeat nor skip rows.
        terms.append(f'{scope.alias}."Id" ASC')
        return terms

    # -- plain records ---------------------------------------------------------------------
    def _select_records(
        self, q: ast.Query, scope: Scope, *, allow_children: bool
    ) -> tuple[_Selection, list[ChildPlan]]:
        selection = _Selection(scope.obj.name, f'{scope.alias}."Id"')
        children: list[ChildPlan] = []
        for item in q.items:
            if isinstance(item, ast.SelectField):
                column = scope.column(item.path)
                selection.add_field(column, item.path.pos, item.path.text)
            elif isinstance(item, ast.SelectFunction):
                for column in self._fields_function(item.call, q, scope):
                    selection.add_field(column, item.call.pos, column.field.name, quiet=True)
            else:
                if not allow_children:
                    raise malformed("Nested subqueries are not supported", item.query.sobject_pos)
                plan, key = self._child(item.query, scope.obj)
                selection.add_children(key, len(children), item.query.sobject_pos)
                children.append(plan)
        return selection, children

    def _fields_function(self, call: ast.FuncCall, q: ast.Query, scope: Scope) -> list[Column]:
        which = call.arg.text.upper() if call.arg else ""
        if which not in ("ALL", "STANDARD", "CUSTOM"):
            raise malformed(
                f"unexpected token: '{call.arg.text if call.arg else ')'}'",
                call.arg.pos if call.arg else call.pos,
            )
        if which != "STANDARD" and (q.limit is None or q.limit > FIELDS_LIMIT):
            raise malformed(
                f"The SOQL FIELDS function must have a LIMIT of at most {FIELDS_LIMIT}",
                call.pos,
            )
        chosen = [
            fd
            for fd in scope.obj.fields
            if which == "ALL" or (fd.custom if which == "CUSTOM" else not fd.custom)
        ]
        return [Column(f'{scope.alias}."{fd.name}"', fd, (), scope.obj.name) for fd in chosen]

    def _records(self, q: ast.Query, scope: Scope) -> Plan:
        selection, children = self._select_records(q, scope, allow_children=True)
        where = self._where(q, scope)
        order = ", ".join(self._record_order(q, scope))
        body = f"{scope.from_sql()} WHERE {where}"
        page = f"SELECT {', '.join(selection.columns)} {body} ORDER BY {order}"
        count = self._count_sql(f"SELECT 1 {body}", q, simple=f"SELECT count(*) {body}")
        return self._plan(
            QueryKind.RECORDS,
            q,
            scope.stmt,
            page,
            count,
            shape=selection.shape(),
            children=tuple(children),
        )

    def _child(self, sub: ast.Query, parent: ObjectDef) -> tuple[ChildPlan, str]:
        rel = self.schema.child_relationship(parent.name, sub.sobject)
        child = self.schema.get(rel.child_sobject) if rel else None
        if rel is None or child is None or child.field(rel.field) is None:
            raise unknown_child_relationship(sub.sobject, sub.sobject_pos)
        if (
            sub.group_by
            or sub.having is not None
            or any(isinstance(i, ast.SelectFunction) and i.call.name != "FIELDS" for i in sub.items)
        ):
            raise malformed(
                "Aggregate functions are not supported in a relationship subquery", sub.sobject_pos
            )
        stmt = Statement(self.ctx)
        scope = Scope(stmt, child, alias=self.ctx.alias("c"), sobject_alias=sub.alias)
        selection, _ = self._select_records(sub, scope, allow_children=False)
        foreign_key = f'{scope.alias}."{rel.field}"'
        parent_column = selection.add(foreign_key)
        ids = stmt.add([])
        where = self._where(sub, scope)
        order = ", ".join(self._record_order(sub, scope))
        ranked = (
            f"SELECT {', '.join(selection.columns)}, row_number() OVER "
            f"(PARTITION BY {foreign_key} ORDER BY {order}) AS _rn {scope.from_sql()} "
            f"WHERE {where} AND {foreign_key} IN (SELECT unnest({ids}))"
        )
        window = f"_rn > {stmt.add(sub.offset or 0)}"
        if sub.limit is not None:
            window += f" AND _rn <= {stmt.add((sub.offset or 0) + sub.limit)}"
        sql, params, mapping = _finalize(
            f"SELECT * FROM ({ranked}) WHERE {window} ORDER BY _rn", stmt.params
        )
        ids_index = mapping[int(ids[1:])] - 1
        plan = ChildPlan(sql, tuple(params), ids_index, parent_column, selection.shape())
        assert rel is not None
        return plan, rel.relationship_name

    def _semi_join_for(self, outer: Scope) -> Callable[[ast.SemiJoin, Typed], str]:
        def compile_semi_join(cond: ast.SemiJoin, lhs: Typed) -> str:
            sub = cond.query
            if kind_of(lhs.field.type) is not Kind.ID:
                raise malformed(
                    f"semi join sub-selects are only allowed on Id or reference fields: "
                    f"{lhs.field.name}",
                    lhs.pos,
                )
            obj = self.schema.get(sub.sobject)
            if obj is None or not obj.queryable:
                raise unsupported_type(sub.sobject, sub.sobject_pos)
            item = sub.items[0] if len(sub.items) == 1 else None
            if not isinstance(item, ast.SelectField) or len(item.path.names) != 1:
                raise malformed(
                    "The selected field in a semi join sub-select must be a single "
                    "Id or reference field",
                    sub.sobject_pos,
                )
            if sub.group_by or sub.having or sub.order_by or sub.limit or sub.offset:
                raise malformed(
                    "semi join sub-selects support only SELECT, FROM and WHERE", sub.sobject_pos
                )
            scope = Scope(outer.stmt, obj, alias=self.ctx.alias("s"), sobject_alias=sub.alias)
            column = scope.column(item.path)
            if kind_of(column.field.type) is not Kind.ID:
                raise malformed(
                    f"semi join sub-selects can only select Id or reference fields: "
                    f"{column.field.name}",
                    item.path.pos,
                )
            where = self._where(sub, scope, nested=True)
            inner = (
                f"SELECT {column.sql} {scope.from_sql()} WHERE {where} AND {column.sql} IS NOT NULL"
            )
            if cond.negated:
                return f"({lhs.sql} IS NULL OR {lhs.sql} NOT IN ({inner}))"
            return f"({lhs.sql} IN ({inner}))"

        return compile_semi_join

    # -- aggregates ------------------------------------------------------------------------
    def _aggregate_call(self, call: ast.FuncCall, scope: Scope) -> Typed:
        if call.name not in AGGREGATES:
            raise malformed(f"unexpected token: '{call.name}'", call.pos)
        if call.arg is None:
            if call.name != "COUNT":
                raise malformed("unexpected token: ')'", call.pos)
            return Typed("count(*)", FieldDef(name="expr", type=FieldType.INT), call.pos)
        column = scope.column(call.arg)
        fd = column.field
        kind = kind_of(fd.type)
        unsupported = invalid_field(
            f"field {fd.name} does not support aggregate operator {call.name}", call.arg.pos
        )
        if call.name == "COUNT":
            return Typed(f"count({column.sql})", FieldDef(fd.name, FieldType.INT), call.pos)
        if call.name == "COUNT_DISTINCT":
            if not fd.groupable:
                raise unsupported
            return Typed(
                f"count(DISTINCT {column.sql})", FieldDef(fd.name, FieldType.INT), call.pos
            )
        if call.name in ("SUM", "AVG"):
            if kind is not Kind.NUMBER:
                raise unsupported
            result = (
                FieldType.INT
                if call.name == "SUM" and fd.type is FieldType.INT
                else (FieldType.DOUBLE)
            )
            return Typed(f"{call.name.lower()}({column.sql})", FieldDef(fd.name, result), call.pos)
        if kind in (Kind.BOOLEAN, Kind.MULTIPICKLIST) or not fd.sortable:
            raise unsupported
        return Typed(f"{call.name.lower()}({column.sql})", fd, call.pos)

    def _aggregate(self, q: ast.Query, scope: Scope) -> Plan:
        stmt = scope.stmt
        grouped: list[Column] = []
        for path in q.group_by:
            column = scope.column(path)
            if not column.field.groupable:
                raise invalid_field(
                    f"field '{column.field.name}' can not be grouped in a query call", path.pos
                )
            grouped.append(column)
        grouped_sql = [c.sql for c in grouped]

        def grouped_column(path: ast.FieldPath, message: str) -> Column:
            column = scope.column(path)
            if column.sql not in grouped_sql:
                raise malformed(f"{message}: {path.text}", path.pos)
            return column

        columns: list[str] = []
        shape: list[AggregateColumn] = []
        keys: set[str] = set()
        unnamed = 0
        for item in q.items:
            if isinstance(item, ast.SelectField):
                column = grouped_column(item.path, "Field must be grouped or aggregated")
                key, sql, field_type = column.field.name, column.sql, column.field.type
            elif isinstance(item, ast.SelectFunction):
                if item.call.name == "FIELDS":
                    raise malformed("FIELDS() can not be used in an aggregate query", item.call.pos)
                typed = self._aggregate_call(item.call, scope)
                if item.alias is None:
                    key = f"expr{unnamed}"
                    unnamed += 1
                else:
                    key = item.alias
                sql, field_type = typed.sql, typed.field.type
            else:
                raise malformed(
                    "Nested subqueries are not supported in an aggregate query",
                    item.query.sobject_pos,
                )
            if key.lower() in keys:
                raise malformed(f"duplicate alias: {key}", q.sobject_pos)
            keys.add(key.lower())
            shape.append(AggregateColumn(key, len(columns), field_type))
            columns.append(f"{sql} AS c{len(columns)}")

        where = self._where(q, scope)
        having = ""
        if q.having is not None:

            def resolve(operand: ast.Operand) -> Typed:
                if isinstance(operand, ast.FuncCall):
                    return self._aggregate_call(operand, scope)
                column = grouped_column(operand, "Field must be grouped or aggregated")
                return Typed(column.sql, column.field, operand.pos)

            having = " HAVING " + Conditions(stmt, resolve=resolve, semi_join=None).compile(
                q.having
            )
        order_terms = []
        for order in q.order_by:
            direction = self._direction(order)
            if isinstance(order.operand, ast.FuncCall):
                keys_sql = [self._aggregate_call(order.operand, scope).sql]
            else:
                column = grouped_column(
                    order.operand, "Ordered field must be grouped or aggregated"
                )
                keys_sql = self._sort_keys(column, stmt, order.operand.pos)
            order_terms += [f"{k} {direction}" for k in keys_sql]
        order_terms += [f"{sql} ASC NULLS FIRST" for sql in grouped_sql]
        group = f" GROUP BY {', '.join(grouped_sql)}" if grouped_sql else ""
        body = f"{scope.from_sql()} WHERE {where}{group}{having}"
        page = f"SELECT {', '.join(columns)} {body}"
        if order_terms:
            page += f" ORDER BY {', '.join(order_terms)}"
        count = self._count_sql(f"SELECT 1 {body}", q, simple=None)
        return self._plan(QueryKind.AGGREGATE, q, stmt, page, count, aggregate=tuple(shape))

    def _count_only(self, q: ast.Query, scope: Scope) -> Plan:
        where = self._where(q, scope)
        group = ""
        if q.group_by:
            group = " GROUP BY " + ", ".join(scope.column(p).sql for p in q.group_by)
        body = f"{scope.from_sql()} WHERE {where}{group}"
        simple = None if group else f"SELECT count(*) {body}"
        count = self._count_sql(f"SELECT 1 {body}", q, simple=simple)
        return self._plan(QueryKind.COUNT, q, scope.stmt, "SELECT 1", count)

    # -- assembly --------------------------------------------------------------------------
    def _count_sql(self, rows_sql: str, q: ast.Query, *, simple: str | None) -> str:
        if simple is not None and q.limit is None and not q.offset:
            return simple
        # LIMIT/OFFSET text is filled with placeholders by _plan.
        return f"SELECT count(*) FROM ({rows_sql} LIMIT {{limit}} OFFSET {{offset}})"

    def _plan(
        self,
        kind: QueryKind,
        q: ast.Query,
        stmt: Statement,
        page: str,
        count: str,
        *,
        shape: RecordShape | None = None,
        aggregate: tuple[AggregateColumn, ...] = (),
        children: tuple[ChildPlan, ...] = (),
    ) -> Plan:
        page_sql, page_params, _ = _finalize(page, stmt.params)
        n = len(page_params)
        page_sql += f" LIMIT ${n + 1} OFFSET ${n + 2}"
        count_sql, count_params, _ = _finalize(count, stmt.params)
        if "{limit}" in count_sql:
            m = len(count_params)
            count_sql = count_sql.replace("{limit}", f"${m + 1}").replace("{offset}", f"${m + 2}")
            count_params += [q.limit if q.limit is not None else NO_LIMIT, q.offset or 0]
        return Plan(
            kind=kind,
            page_sql=page_sql,
            params=tuple(page_params),
            count_sql=count_sql,
            count_params=tuple(count_params),
            limit=q.limit,
            offset=q.offset or 0,
            shape=shape,
            aggregate=aggregate,
            children=children,
        )
