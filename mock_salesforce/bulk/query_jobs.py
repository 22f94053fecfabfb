"""Query jobs: the SOQL checked when the job is created (Salesforce's query errors at once),
then run by the worker into one CSV file with an index of row offsets, so results can be read
back in pages of ``maxRecords`` from a ``locator``.

Columns are the selected fields in order, relationship fields flattened to ``Account.Name``;
every value is quoted and a null is an empty value, as Salesforce writes them.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from mock_salesforce.bulk.errors import api_error
from mock_salesforce.bulk.jobs import BulkJobs, Job
from mock_salesforce.clock import naive_utc
from mock_salesforce.errors import SalesforceError
from mock_salesforce.schema import FieldType, OrgSchema
from mock_salesforce.soql.compiler import Plan, QueryKind, compile_query
from mock_salesforce.soql.engine import MAX_SOQL_LENGTH
from mock_salesforce.soql.parser import parse
from mock_salesforce.soql.problems import QueryError, malformed, to_salesforce
from mock_salesforce.soql.shape import Children, Leaf, Node, Parent

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

#: Rows read from the store per statement while a job runs: one statement (one consistent
#: read, as Salesforce's snapshot) for any result this size or smaller, bounded memory beyond.
_CHUNK_ROWS = 50_000

Column = tuple[str, Callable[[Sequence[Any]], str]]


def compile_bulk_query(
    *,
    backend: MockBackend,
    schema: OrgSchema,
    org_id: str,
    soql: str,
    all_rows: bool,
    api_version: str,
) -> Plan:
    """The plan of a query job's SOQL, or the error Salesforce gives when the job is created:
    the REST API's query errors, and API_ERROR for what Bulk API 2.0 queries cannot do."""
    try:
        if len(soql) > MAX_SOQL_LENGTH:
            raise malformed(
                f"SOQL statements cannot be longer than {MAX_SOQL_LENGTH:,} characters."
            )
        query = parse(soql)
        plan = compile_query(
            query,
            schema=schema,
            org_id=org_id,
            include_deleted=all_rows,
            today=backend.clock.now().date(),
            api_version=api_version,
        )
    except QueryError as exc:
        raise to_salesforce(exc, soql) from None
    except RecursionError:
        raise SalesforceError(
            "QUERY_TOO_COMPLICATED",
            "Query is either selecting too many fields or the filter conditions are too "
            "complicated.",
        ) from None
    if plan.kind is not QueryKind.RECORDS:
        raise api_error("Aggregate queries are not supported by Bulk API 2.0 query jobs")
    if plan.children:
        raise api_error("Nested queries are not supported by Bulk API 2.0 query jobs")
    if query.offset:
        raise api_error("OFFSET is not supported by Bulk API 2.0 query jobs")
    return plan


def object_of(plan: Plan) -> str:
    assert plan.shape is not None
    return plan.shape.sobject


def run_query(backend: MockBackend, jobs: BulkJobs, job: Job) -> None:
    """Write the job's whole result to its CSV file; stops early when the job is aborted."""
    plan = job.plan
    assert plan is not None and plan.shape is not None
    columns = _columns(plan.shape.nodes, "")
    path = jobs.path_for(job, "results")
    offsets = job.row_offsets
    store = backend.store
    delimiter, newline = job.delimiter, job.newline
    written = 0
    with path.open("wb") as out:
        position = out.write(_line([name for name, _ in columns], delimiter, newline))
        while True:
            wanted = _CHUNK_ROWS
            if plan.limit is not None:
                wanted = min(wanted, plan.limit - written)
            if wanted <= 0:
                break
            rows = store.execute(plan.page_sql, [*plan.params, wanted, plan.offset + written])
            for row in rows:
                offsets.append(position)
                position += out.write(_line([get(row) for _, get in columns], delimiter, newline))
            written += len(rows)
            with jobs.lock:
                job.processed = written
            if len(rows) < wanted or jobs.is_aborted(job):
                break


def results_page(
    job: Job, *, locator: str | None, max_records: str | None
) -> tuple[bytes, int, str]:
    """One page of a finished query job: the CSV (header first), its record count, and the
    locator of the next page (``"null"`` after the last)."""
    start = _start_of(locator, len(job.row_offsets))
    size = _page_size(max_records)
    end = len(job.row_offsets) if size is None else min(len(job.row_offsets), start + size)
    path = job.files["results"]
    with path.open("rb") as data:
        first = job.row_offsets[0] if job.row_offsets else path.stat().st_size
        header = data.read(first)
        body = b""
        if end > start:
            data.seek(job.row_offsets[start])
            stop = job.row_offsets[end] if end < len(job.row_offsets) else path.stat().st_size
            body = data.read(stop - job.row_offsets[start])
    following = _locator(end) if end < len(job.row_offsets) else "null"
    return header + body, end - start, following


def _locator(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def _start_of(locator: str | None, total: int) -> int:
    if not locator:
        return 0
    try:
        text = base64.b64decode(locator + "=" * (-len(locator) % 4), validate=True).decode()
        position = int(text)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = -1
    if position <= 0 or position >= total:
        raise SalesforceError("INVALID_LOCATOR", f"Invalid locator: {locator}")
    return position


def _page_size(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) <= 0:
        raise SalesforceError(
            "INVALIDPARAMETERVALUE", f"maxRecords must be a positive integer, not {raw}"
        )
    return int(raw)


def _columns(nodes: tuple[Node, ...], prefix: str) -> list[Column]:
    out: list[Column] = []
    for node in nodes:
        if isinstance(node, Leaf):
            out.append((prefix + node.key, _getter(node.column, node.field_type)))
        elif isinstance(node, Parent):
            out.extend(_columns(node.nodes, f"{prefix}{node.key}."))
        elif isinstance(node, Children):  # pragma: no cover - refused when the job is created
            raise api_error("Nested queries are not supported by Bulk API 2.0 query jobs")
    return out


def _getter(column: int, field_type: FieldType) -> Callable[[Sequence[Any]], str]:
    return lambda row: csv_text(row[column], field_type)


def csv_text(value: Any, field_type: FieldType) -> str:
    """A stored value as Bulk API 2.0 writes it in CSV (datetimes ``...000Z``, nulls empty)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = naive_utc(value) if value.tzinfo else value
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        value = float(value)
    if isinstance(value, float) and field_type is FieldType.INT and value.is_integer():
        return str(int(value))
    if field_type is FieldType.BOOLEAN:
        return "true" if value else "false"
    return str(value)


def _line(values: Sequence[str], delimiter: str, newline: str) -> bytes:
    quoted = ('"' + v.replace('"', '""') + '"' for v in values)
    return (delimiter.join(quoted) + newline).encode("utf-8")
