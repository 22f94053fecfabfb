"""The mock org's SOQL engine: parse, compile against the caller's schema, run on DuckDB one
page at a time, and keep a cursor for ``nextRecordsUrl``.

A page is fetched with LIMIT/OFFSET on a total order (the query's ORDER BY, then Id), so no
result is ever held in memory whole; ``totalSize`` comes from the page itself when it is the
last one, else from a COUNT.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from mock_salesforce.clock import Clock
from mock_salesforce.errors import SalesforceError
from mock_salesforce.schema import OrgSchema
from mock_salesforce.soql.ast import Query
from mock_salesforce.soql.columns import describe_columns
from mock_salesforce.soql.compiler import Plan, QueryKind, compile_query
from mock_salesforce.soql.cursors import Cursors, invalid_locator
from mock_salesforce.soql.cursors import locator as make_locator
from mock_salesforce.soql.parser import parse
from mock_salesforce.soql.problems import QueryError, malformed, to_salesforce
from mock_salesforce.soql.shape import shape_aggregate, shape_record
from mock_salesforce.store import Store

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 2000
MIN_BATCH_SIZE = 200
MAX_BATCH_SIZE = 2000
#: Salesforce's limit on the length of a SOQL statement.
MAX_SOQL_LENGTH = 100_000


class InternalQueryError(SalesforceError):
    """A query the mock itself failed on (a mock bug), still answered in Salesforce's shape."""


@dataclass(frozen=True)
class QueryPage:
    """One page of a query result, as ``/query`` and ``/query/{locator}`` return it."""

    total_size: int
    done: bool
    records: list[dict[str, Any]]
    next_locator: str | None

    def as_json(self, *, api_version: str) -> dict[str, Any]:
        body: dict[str, Any] = {
            "totalSize": self.total_size,
            "done": self.done,
            "records": self.records,
        }
        if not self.done and self.next_locator:
            body["nextRecordsUrl"] = f"/services/data/v{api_version}/query/{self.next_locator}"
        return body


def clamp_batch_size(requested: int) -> int:
    """Salesforce's ``batchSize`` range: 200..2000 (outside values are moved into it)."""
    return max(MIN_BATCH_SIZE, min(MAX_BATCH_SIZE, requested))


class SoqlEngine:
    """Runs SOQL for the REST ``query`` resources."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.cursors = Cursors()

    def run(
        self,
        *,
        schema: OrgSchema,
        org_id: str,
        soql: str,
        include_deleted: bool,
        batch_size: int = DEFAULT_BATCH_SIZE,
        api_version: str = "59.0",
    ) -> QueryPage:
        """The first page of ``soql`` as the caller (``schema`` is their view) sees it.

        Raises only :class:`SalesforceError` (MALFORMED_QUERY, INVALID_FIELD, INVALID_TYPE,
        INVALID_QUERY_FILTER_OPERATOR, NUMBER_OUTSIDE_VALID_RANGE...).
        """
        try:
            _, plan = self._compile(schema, org_id, soql, include_deleted, api_version)
            return self._first_page(plan, org_id, clamp_batch_size(batch_size), api_version)
        except SalesforceError:
            raise
        except RecursionError:
            raise SalesforceError(
                "QUERY_TOO_COMPLICATED",
                "Query is either selecting too many fields or the filter conditions are too "
                "complicated.",
            ) from None
        except Exception as exc:
            log.exception("SOQL engine failed on a query")
            raise InternalQueryError(
                "MALFORMED_QUERY", f"The mock org could not run this query ({type(exc).__name__})"
            ) from exc

    def columns(
        self, *, schema: OrgSchema, org_id: str, soql: str, api_version: str = "59.0"
    ) -> dict[str, Any]:
        """``columns=true``: the columns ``soql`` would return (``columnMetadata``), checked
        as :meth:`run` checks it but not run."""
        try:
            query, _ = self._compile(schema, org_id, soql, False, api_version)
            return describe_columns(
                query, soql=soql, schema=schema, org_id=org_id, today=self.clock.now().date()
            )
        except SalesforceError:
            raise
        except QueryError as exc:
            raise to_salesforce(exc, soql) from None
        except Exception as exc:
            log.exception("SOQL engine failed on a query's columns")
            raise InternalQueryError(
                "MALFORMED_QUERY", f"The mock org could not run this query ({type(exc).__name__})"
            ) from exc

    def more(self, *, org_id: str, locator: str, api_version: str = "59.0") -> QueryPage:
        """The page a ``nextRecordsUrl`` locator names; INVALID_QUERY_LOCATOR when the cursor
        is unknown, expired (15 minutes unused), or another org's."""
        try:
            cursor, position = self.cursors.take(
                org_id=org_id, locator=locator, now=self.clock.now()
            )
            if cursor.plan.kind is QueryKind.AGGREGATE:
                raise invalid_locator(
                    "Aggregate query does not support queryMore(), use LIMIT to restrict the "
                    "results to a single batch"
                )
            records = self._page(cursor.plan, org_id, position, cursor.batch_size, api_version)
            end = position + len(records)
            done = end >= cursor.total_size or not records
            next_locator = None if done else make_locator(cursor.cursor_id, end)
            return QueryPage(cursor.total_size, done, records, next_locator)
        except SalesforceError:
            raise
        except Exception as exc:
            log.exception("SOQL engine failed on a query locator")
            raise InternalQueryError(
                "MALFORMED_QUERY", f"The mock org could not run this query ({type(exc).__name__})"
            ) from exc

    # -- internals -------------------------------------------------------------------------
    def _compile(
        self, schema: OrgSchema, org_id: str, soql: str, include_deleted: bool, api_version: str
    ) -> tuple[Query, Plan]:
        try:
            if len(soql) > MAX_SOQL_LENGTH:
                raise malformed(
                    f"SOQL statements cannot be longer than {MAX_SOQL_LENGTH:,} characters."
                )
            bad = next((ch for ch in soql if "\ud800" <= ch <= "\udfff"), None)
            if bad is not None:
                raise malformed(f"no viable alternative at character '\\u{ord(bad):04x}'")
            query = parse(soql)
            return query, compile_query(
                query,
                schema=schema,
                org_id=org_id,
                include_deleted=include_deleted,
                today=self.clock.now().date(),
                api_version=api_version,
            )
        except QueryError as exc:
            raise to_salesforce(exc, soql) from None

    def _first_page(self, plan: Plan, org_id: str, batch_size: int, api_version: str) -> QueryPage:
        if plan.kind is QueryKind.COUNT:
            return QueryPage(self._count(plan), True, [], None)
        wanted = batch_size if plan.limit is None else min(batch_size, plan.limit)
        records = self._page(plan, org_id, 0, wanted, api_version)
        if len(records) < wanted or (plan.limit is not None and plan.limit <= wanted):
            return QueryPage(len(records), True, records, None)
        total = self._count(plan)
        if total <= len(records):
            return QueryPage(total, True, records, None)
        cursor_id = self.cursors.open(
            org_id=org_id,
            plan=plan,
            total_size=total,
            batch_size=batch_size,
            now=self.clock.now(),
        )
        return QueryPage(total, False, records, make_locator(cursor_id, len(records)))

    def _count(self, plan: Plan) -> int:
        rows = self.store.execute(plan.count_sql, plan.count_params)
        return int(rows[0][0])

    def _page(
        self, plan: Plan, org_id: str, position: int, size: int, api_version: str
    ) -> list[dict[str, Any]]:
        if plan.limit is not None:
            size = min(size, plan.limit - position)
        if size <= 0:
            return []
        rows = self.store.execute(plan.page_sql, [*plan.params, size, plan.offset + position])
        if plan.kind is QueryKind.AGGREGATE:
            return [shape_aggregate(plan.aggregate, row) for row in rows]
        assert plan.shape is not None
        children = self._children(plan, rows, api_version) if plan.children else []
        return [
            shape_record(plan.shape, row, api_version=api_version, children=children)
            for row in rows
        ]

    def _children(
        self, plan: Plan, rows: list[tuple[Any, ...]], api_version: str
    ) -> list[dict[str, list[dict[str, Any]]]]:
        """Each child subquery's records for the whole page, by parent id (one SQL each)."""
        assert plan.shape is not None
        parent_ids = [row[plan.shape.id_column] for row in rows]
        out: list[dict[str, list[dict[str, Any]]]] = []
        for child in plan.children:
            by_parent: dict[str, list[dict[str, Any]]] = defaultdict(list)
            if parent_ids:
                for row in self.store.execute(child.sql, child.params_for(parent_ids)):
                    by_parent[row[child.parent_column]].append(
                        shape_record(child.shape, row, api_version=api_version)
                    )
            out.append(by_parent)
        return out
