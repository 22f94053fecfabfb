"""The mock org's SOSL engine: find the matching records of each object, then answer each
RETURNING clause through the SOQL compiler restricted to those records.

Without ORDER BY, records come in relevance order: those whose name fields match first, then
the most recently modified. At most 2,000 records are returned in all (Salesforce's cap); the
statement's ``LIMIT`` lowers that, and each object's LIMIT/OFFSET applies within it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mock_salesforce.clock import Clock
from mock_salesforce.errors import SalesforceError
from mock_salesforce.schema import ObjectDef, OrgSchema
from mock_salesforce.soql import ast as soql
from mock_salesforce.soql.compiler import MAX_OFFSET, NO_LIMIT, Plan, QueryKind, compile_query
from mock_salesforce.soql.problems import QueryError, unsupported_type
from mock_salesforce.soql.shape import shape_record
from mock_salesforce.sosl import parser
from mock_salesforce.sosl.ast import Returning, Search, SearchGroup
from mock_salesforce.sosl.matcher import Candidate, Matcher
from mock_salesforce.sosl.phones import DEFAULT_COUNTRY, country_of_locale
from mock_salesforce.sosl.problems import not_searchable, search_error, too_short
from mock_salesforce.sosl.scope import (
    default_objects,
    is_name_field,
    is_searchable,
    searched_fields,
)
from mock_salesforce.sosl.terms import positive_atoms
from mock_salesforce.sosl.text import is_cjk, literal_chars
from mock_salesforce.store import Store

log = logging.getLogger(__name__)

#: Salesforce returns at most this many records from one search.
MAX_RESULTS = 2000
MAX_SOSL_LENGTH = 100_000
#: Matches no record: stands in for an empty id list, so RETURNING is still checked.
_NO_ID = "000000000000000AAA"


@dataclass(frozen=True)
class SearchResult:
    records: list[dict[str, Any]]
    #: ``{"entityLabelMetadata": [...]}`` when the search asked ``WITH METADATA='LABELS'``.
    metadata: dict[str, Any] | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"searchRecords": self.records}
        if self.metadata is not None:
            body["metadata"] = self.metadata
        return body


@dataclass
class _Ranked:
    ids: list[str] = field(default_factory=list)
    rank: dict[str, int] = field(default_factory=dict)


class SoslEngine:
    """Runs SOSL for the REST ``search`` and ``parameterizedSearch`` resources."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def search(
        self,
        *,
        schema: OrgSchema,
        org_id: str,
        sosl: str,
        api_version: str,
        user_id: str | None = None,
    ) -> SearchResult:
        """The records ``sosl`` finds as the caller (``schema`` is their view) may see them;
        phone numbers written without a country are in the region of ``user_id``'s locale.

        Raises only :class:`SalesforceError` (MALFORMED_SEARCH, INVALID_SEARCH, INVALID_FIELD,
        INVALID_TYPE...).
        """
        try:
            if len(sosl) > MAX_SOSL_LENGTH:
                raise SalesforceError(
                    "MALFORMED_SEARCH",
                    f"SOSL statements cannot be longer than {MAX_SOSL_LENGTH:,} characters.",
                )
            try:
                statement = parser.parse(sosl)
                country = self._country(schema, org_id, user_id)
                return self._run(statement, schema, org_id, api_version, country)
            except QueryError as exc:
                raise search_error(exc, sosl) from None
        except SalesforceError:
            raise
        except RecursionError:
            raise SalesforceError(
                "MALFORMED_SEARCH", "Search is too complicated: simplify the search term."
            ) from None
        except Exception as exc:
            log.exception("SOSL engine failed on a search")
            raise SalesforceError(
                "MALFORMED_SEARCH", f"The mock org could not run this search ({type(exc).__name__})"
            ) from exc

    # -- running ---------------------------------------------------------------------------
    def _country(self, schema: OrgSchema, org_id: str, user_id: str | None) -> str:
        user = schema.get("User")
        if user_id is None or user is None or user.field("LocaleSidKey") is None:
            return DEFAULT_COUNTRY
        rows = self.store.execute(
            f'SELECT "LocaleSidKey" FROM {user.table} WHERE _org_id = ? AND "Id" = ?',
            [org_id, user_id],
        )
        return country_of_locale(rows[0][0] if rows else None)

    def _run(
        self, statement: Search, schema: OrgSchema, org_id: str, api_version: str, country: str
    ) -> SearchResult:
        if statement.terms is None or not _long_enough(statement):
            raise too_short()
        targets = self._targets(statement, schema)
        matcher = Matcher(statement.terms, country=country)
        wanted = statement.limit if statement.limit is not None else MAX_RESULTS
        remaining = min(wanted, MAX_RESULTS)
        records: list[dict[str, Any]] = []
        labels: list[dict[str, Any]] = []
        for obj, returning in targets:
            plan = self._plan(obj, returning, schema, org_id, api_version, ids=[])
            if statement.with_metadata:
                labels.append(_labels(obj, plan))
            if remaining <= 0:
                continue
            ranked = self._matches(obj, statement.group, matcher, org_id)
            if not ranked.ids:
                continue
            if not returning.order_by and returning.where is None:
                # Relevance order decides which records a LIMIT keeps: no need to look further.
                window = (returning.offset or 0) + min(remaining, returning.limit or remaining)
                ranked.ids = ranked.ids[:window]
            plan = self._plan(obj, returning, schema, org_id, api_version, ids=ranked.ids)
            found = self._rows(plan, returning, ranked, remaining)
            remaining -= len(found)
            shape = plan.shape
            assert shape is not None
            records += [shape_record(shape, row, api_version=api_version) for row in found]
        metadata = {"entityLabelMetadata": labels} if statement.with_metadata else None
        return SearchResult(records, metadata)

    def _targets(self, statement: Search, schema: OrgSchema) -> list[tuple[ObjectDef, Returning]]:
        if not statement.returning:
            pos = statement.terms_pos
            return [
                (obj, Returning(obj.name, pos, (), None, (), None, None))
                for obj in default_objects(schema)
            ]
        out = []
        for returning in statement.returning:
            obj = schema.get(returning.sobject)
            if obj is None:
                raise unsupported_type(returning.sobject, returning.pos)
            if not is_searchable(obj):
                raise not_searchable(obj.name, returning.pos)
            if returning.offset is not None and returning.offset > MAX_OFFSET:
                raise QueryError(
                    "NUMBER_OUTSIDE_VALID_RANGE",
                    f"Maximum SOSL offset allowed is {MAX_OFFSET}",
                    returning.pos,
                )
            out.append((obj, returning))
        return out

    def _matches(
        self, obj: ObjectDef, group: SearchGroup, matcher: Matcher, org_id: str
    ) -> _Ranked:
        fields = searched_fields(obj, group)
        if not fields:
            return _Ranked()
        params: list[Any] = [org_id]

        def add(value: object) -> str:
            params.append(value)
            return f"${len(params)}"

        columns = [f'"{fd.name}"' for fd in fields]
        condition = matcher.prefilter(fields, add)
        sql = (
            f'SELECT "Id", "LastModifiedDate", {", ".join(columns)} FROM {obj.table} '
            f'WHERE _org_id = $1 AND NOT "IsDeleted" AND {condition}'
        )
        rows = self.store.execute(sql, params)
        names = _person_name_columns(fields)
        scored: list[tuple[int, float, str]] = []
        for row in rows:
            values = [(fd, row[2 + i]) for i, fd in enumerate(fields)]
            if names is not None:
                first, last = row[2 + names[0]], row[2 + names[1]]
                if first and last:
                    # Japanese order (family name first) finds the person as well.
                    values.append((fields[names[1]], f"{last} {first}"))
            hits = matcher.hits(Candidate(values))
            if not hits.fields or not matcher.matches(hits):
                continue
            by_name = any(
                is_name_field(values[i][0]) for found in hits.fields.values() for i in found
            )
            modified: datetime | None = row[1]
            scored.append((0 if by_name else 1, -(modified.timestamp() if modified else 0), row[0]))
        scored.sort()
        ranked = _Ranked([s[2] for s in scored])
        ranked.rank = {record_id: n for n, record_id in enumerate(ranked.ids)}
        return ranked

    def _plan(
        self,
        obj: ObjectDef,
        returning: Returning,
        schema: OrgSchema,
        org_id: str,
        api_version: str,
        *,
        ids: list[str],
    ) -> Plan:
        pos = returning.pos
        id_path = soql.FieldPath(("Id",), pos)
        within = soql.InList(
            id_path, False, tuple(soql.StringValue(i, i, pos) for i in (ids or [_NO_ID]))
        )
        where: soql.Condition = (
            within if returning.where is None else soql.And((returning.where, within))
        )
        query = soql.Query(
            items=returning.items or (soql.SelectField(id_path),),
            sobject=obj.name,
            sobject_pos=pos,
            alias=None,
            where=where,
            group_by=(),
            having=None,
            order_by=returning.order_by,
            limit=returning.limit,
            offset=None,
        )
        plan = compile_query(
            query,
            schema=schema,
            org_id=org_id,
            include_deleted=False,
            today=self.clock.now().date(),
            api_version=api_version,
        )
        assert plan.kind is QueryKind.RECORDS and plan.shape is not None
        return plan

    def _rows(
        self, plan: Plan, returning: Returning, ranked: _Ranked, remaining: int
    ) -> list[tuple[Any, ...]]:
        take = min(remaining, returning.limit if returning.limit is not None else remaining)
        offset = returning.offset or 0
        if take <= 0:
            return []
        if returning.order_by:
            return self.store.execute(plan.page_sql, [*plan.params, take, offset])
        rows = self.store.execute(plan.page_sql, [*plan.params, NO_LIMIT, 0])
        assert plan.shape is not None
        id_column = plan.shape.id_column
        rows.sort(key=lambda row: ranked.rank.get(row[id_column], len(ranked.rank)))
        return rows[offset : offset + take]


def _long_enough(statement: Search) -> bool:
    """Salesforce refuses a search whose terms are all shorter than two characters (a single
    CJK character is a whole word, so it may stand alone)."""
    assert statement.terms is not None
    for atom in positive_atoms(statement.terms):
        chars = literal_chars(atom.text)
        if chars >= 2 or (chars == 1 and any(is_cjk(ch) for ch in atom.text)):
            return True
    return False


def _person_name_columns(fields: list[Any]) -> tuple[int, int] | None:
    names = [fd.name.lower() for fd in fields]
    if "firstname" in names and "lastname" in names:
        return names.index("firstname"), names.index("lastname")
    return None


def _labels(obj: ObjectDef, plan: Plan) -> dict[str, Any]:
    assert plan.shape is not None
    labels = []
    for node in plan.shape.nodes:
        key = getattr(node, "key", None)
        fd = obj.field(key) if isinstance(key, str) else None
        labels.append({"name": key, "value": (fd.label or fd.name) if fd else key})
    return {"entityName": obj.name, "entityFieldLabels": labels}
