"""Field paths to SQL columns: one FROM object, its parent joins, and the bound parameters of
the statement they belong to.

Every table reference filters on the org (``_org_id``) and, unless the call is queryAll, on
``NOT "IsDeleted"``. Parent relationships are LEFT JOINs; a polymorphic lookup (``Who``,
``What``) joins the union of its target objects seen through Salesforce's ``Name`` object.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mock_salesforce.schema import FieldDef, FieldType, ObjectDef, OrgSchema
from mock_salesforce.schema.standard import f
from mock_salesforce.soql.ast import FieldPath
from mock_salesforce.soql.problems import no_such_column, unknown_relationship

#: Salesforce's ``Name`` object: what a polymorphic relationship exposes of its target.
NAME_OBJECT = ObjectDef(
    name="Name",
    label="Name",
    label_plural="Names",
    key_prefix="",
    fields=(
        f("Id", FieldType.ID),
        f("Type", FieldType.STRING, 40),
        f("Name", FieldType.STRING, 255),
        f("FirstName", FieldType.STRING, 40),
        f("LastName", FieldType.STRING, 80),
        f("Alias", FieldType.STRING, 8),
        f("Email", FieldType.EMAIL),
        f("Phone", FieldType.PHONE),
        f("Title", FieldType.STRING, 128),
        f("Username", FieldType.STRING, 80),
        f("IsActive", FieldType.BOOLEAN),
    ),
    createable=False,
    updateable=False,
    deletable=False,
)

#: Salesforce's Who and What are polymorphic even where this catalogue lists one target.
_POLYMORPHIC_RELATIONSHIPS = frozenset({"who", "what"})


@dataclass
class Context:
    """What every statement of one query shares."""

    schema: OrgSchema
    org_id: str
    include_deleted: bool
    today: date
    _aliases: int = 0

    def alias(self, prefix: str) -> str:
        self._aliases += 1
        return f"{prefix}{self._aliases}"


@dataclass
class Statement:
    """One SQL statement's positional parameters (``$1``, ``$2``...); ``$1`` is the org id."""

    ctx: Context
    params: list[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.org = self.add(self.ctx.org_id)

    def add(self, value: Any) -> str:
        self.params.append(value)
        return f"${len(self.params)}"


@dataclass(frozen=True)
class Relation:
    """A joined parent: ``Owner`` of a Task is the User aliased ``j1``."""

    name: str
    alias: str
    obj: ObjectDef
    polymorphic: bool


@dataclass(frozen=True)
class Column:
    """A resolved field: its SQL, its definition, and the relationships leading to it."""

    sql: str
    field: FieldDef
    relations: tuple[Relation, ...]
    entity: str


class Scope:
    """The FROM object of one (sub)query and the parent joins its field paths need."""

    def __init__(
        self, stmt: Statement, obj: ObjectDef, *, alias: str, sobject_alias: str | None
    ) -> None:
        self.stmt = stmt
        self.obj = obj
        self.alias = alias
        self.sobject_alias = sobject_alias
        self._joins: dict[tuple[str, ...], Relation] = {}
        self._join_sql: list[str] = []

    @property
    def ctx(self) -> Context:
        return self.stmt.ctx

    def not_deleted(self, alias: str) -> str:
        return "" if self.ctx.include_deleted else f' AND NOT {alias}."IsDeleted"'

    def from_sql(self) -> str:
        """``FROM <table> AS <alias>`` followed by every join the resolved paths needed."""
        return " ".join([f"FROM {self.obj.table} AS {self.alias}", *self._join_sql])

    def base_filter(self) -> str:
        return f"{self.alias}._org_id = {self.stmt.org}{self.not_deleted(self.alias)}"

    def strip_prefix(self, names: tuple[str, ...]) -> tuple[str, ...]:
        """Drop a leading FROM alias, or the object's own name, as Salesforce allows."""
        if len(names) < 2:
            return names
        head = names[0].lower()
        if self.sobject_alias and head == self.sobject_alias.lower():
            return names[1:]
        if head == self.obj.name.lower() and self.obj.relationship(names[0]) is None:
            return names[1:]
        return names

    def column(self, path: FieldPath) -> Column:
        """The column a field path names; INVALID_FIELD for unknown fields or relationships."""
        names = self.strip_prefix(path.names)
        obj, alias = self.obj, self.alias
        relations: list[Relation] = []
        for depth, name in enumerate(names[:-1]):
            lookup = obj.relationship(name) if obj is not NAME_OBJECT else None
            if lookup is None:
                raise unknown_relationship(name, path.pos)
            key = tuple(n.lower() for n in names[: depth + 1])
            relation = self._joins.get(key) or self._join(key, lookup, alias, path)
            relations.append(relation)
            obj, alias = relation.obj, relation.alias
        fd = obj.field(names[-1])
        if fd is None:
            raise no_such_column(names[-1], obj.name, path.pos)
        return Column(f'{alias}."{fd.name}"', fd, tuple(relations), obj.name)

    def _join(
        self, key: tuple[str, ...], lookup: FieldDef, parent_alias: str, path: FieldPath
    ) -> Relation:
        alias = self.ctx.alias("j")
        rel_name = lookup.relationship_name or lookup.name
        on = f'{alias}."Id" = {parent_alias}."{lookup.name}"{self.not_deleted(alias)}'
        if lookup.polymorphic or rel_name.lower() in _POLYMORPHIC_RELATIONSHIPS:
            source = self._name_union(lookup, rel_name, path)
            relation = Relation(rel_name, alias, NAME_OBJECT, polymorphic=True)
            self._join_sql.append(f"LEFT JOIN ({source}) AS {alias} ON {on}")
        else:
            target = self.ctx.schema.get(lookup.reference_to[0]) if lookup.reference_to else None
            if target is None:
                raise unknown_relationship(rel_name, path.pos)
            relation = Relation(rel_name, alias, target, polymorphic=False)
            self._join_sql.append(
                f"LEFT JOIN {target.table} AS {alias} ON {alias}._org_id = {self.stmt.org} AND {on}"
            )
        self._joins[key] = relation
        return relation

    def _name_union(self, lookup: FieldDef, rel_name: str, path: FieldPath) -> str:
        branches = []
        for target_name in lookup.reference_to:
            target = self.ctx.schema.get(target_name)
            if target is None:
                continue
            columns = ['"IsDeleted"']
            for fd in NAME_OBJECT.fields:
                if fd.name == "Type":
                    # Object names are identifiers from the schema, never user input.
                    columns.append(f"'{target.name}' AS \"Type\"")
                elif target.field(fd.name) is not None:
                    columns.append(f'"{fd.name}"')
                else:
                    columns.append(f'CAST(NULL AS {fd.sql_type}) AS "{fd.name}"')
            branches.append(
                f"SELECT {', '.join(columns)} FROM {target.table} WHERE _org_id = {self.stmt.org}"
            )
        if not branches:
            raise unknown_relationship(rel_name, path.pos)
        return " UNION ALL ".join(branches)
