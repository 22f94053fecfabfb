"""Ingest jobs: the uploaded CSV checked and written record by record through the same DML
as the REST API (validation, required fields, object and field permissions), with each
record's outcome kept for ``successfulResults``, ``failedResults`` and ``unprocessedrecords``.

CSV rules as Salesforce's: the header names fields (``Account.ExtId__c`` names a parent by its
external id), an empty value leaves a field as it is, ``#N/A`` sets it to null, and the data's
line ending must be the job's. A job-level problem (an unknown column, the wrong line ending)
fails the job and leaves every record unprocessed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mock_salesforce.bulk.jobs import BulkJobs, Job, JobState
from mock_salesforce.errors import SalesforceError
from mock_salesforce.records import MultipleMatches
from mock_salesforce.schema import ObjectDef

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

#: Salesforce's limit on the data of one ingest job (one upload).
MAX_UPLOAD_BYTES = 150 * 1024 * 1024
#: The value that sets a field to null (an empty value leaves it unchanged).
NULL_VALUE = "#N/A"
#: Operations whose CSV needs only the Id column.
DELETES = frozenset({"delete", "hardDelete"})
#: Records written per store transaction (the store is locked meanwhile, so kept small).
_ROWS_PER_TRANSACTION = 100


class JobFailure(Exception):
    """A problem with the job's data as a whole: the job fails, no record is processed."""


@dataclass(frozen=True)
class _Column:
    name: str
    #: The field's API name, or the relationship name for ``Rel.ExtField`` columns.
    target: str
    external_field: str | None = None
    #: The lookup field of a ``Rel.ExtField`` column (``#N/A`` empties it).
    lookup_field: str | None = None


@dataclass(frozen=True)
class Outcome:
    record_id: str
    created: bool


def write_unprocessed(jobs: BulkJobs, job: Job) -> None:
    """Results of an ingest job aborted before it ran: every uploaded record unprocessed."""
    upload = job.files.get("upload")
    header, rows = _read_leniently(upload.read_bytes() if upload else b"", job)
    _write_results(jobs, job, header, [], [], rows)


def run_ingest(backend: MockBackend, jobs: BulkJobs, job: Job) -> None:
    """Process the uploaded data; the results files hold every record's outcome."""
    upload = job.files.get("upload")
    raw = upload.read_bytes() if upload else b""
    obj = job.schema.get(job.object_name)
    try:
        if obj is None:
            raise JobFailure(f"InvalidJob : Unable to find object: {job.object_name}")
        header, rows = _read(raw, job)
        columns = [_column(obj, name, job) for name in header]
    except JobFailure as exc:
        header, rows = _read_leniently(raw, job)
        _write_results(jobs, job, header, [], [], rows)
        jobs.set_state(job, JobState.FAILED, error=str(exc))
        return
    successes: list[tuple[str, str, list[str]]] = []
    failures: list[tuple[str, str, list[str]]] = []
    unprocessed: list[list[str]] = []
    for start in range(0, len(rows), _ROWS_PER_TRANSACTION):
        if jobs.is_aborted(job):
            unprocessed = rows[start:]
            break
        # One commit per chunk: each record is checked before anything of it is written.
        with backend.store.transaction():
            for row in rows[start : start + _ROWS_PER_TRANSACTION]:
                _process_row(backend, job, obj, columns, row, successes, failures)
        with jobs.lock:
            job.processed = len(successes) + len(failures)
            job.failed = len(failures)
    _write_results(jobs, job, header, successes, failures, unprocessed)


def _process_row(
    backend: MockBackend,
    job: Job,
    obj: ObjectDef,
    columns: Sequence[_Column],
    row: list[str],
    successes: list[tuple[str, str, list[str]]],
    failures: list[tuple[str, str, list[str]]],
) -> None:
    try:
        outcome = _apply(backend, job, obj, columns, row)
    except MultipleMatches as exc:
        field = job.external_id_field or "Id"
        failures.append(
            (
                "",
                f"DUPLICATE_EXTERNAL_ID:{field}: more than one record found for external "
                f"id field: {exc.record_ids}:{field} --",
                row,
            )
        )
    except SalesforceError as exc:
        failures.append((_given_id(columns, row), _error_text(exc), row))
    else:
        successes.append((outcome.record_id, "true" if outcome.created else "false", row))


def _apply(
    backend: MockBackend, job: Job, obj: ObjectDef, columns: Sequence[_Column], row: list[str]
) -> Outcome:
    records = backend.records
    if len(row) != len(columns):
        raise SalesforceError(
            "INVALID_FIELD",
            f"The record has {len(row)} values but the header names {len(columns)} fields",
        )
    values = _values(columns, row)
    org_id, actor_id = job.org_id, job.created_by
    if job.operation == "insert":
        new_id = records.create(
            org_id=org_id, schema=job.schema, obj=obj, values=values, actor_id=actor_id
        )
        return Outcome(new_id, True)
    if job.operation in DELETES or job.operation == "update":
        record_id = _given_id(columns, row)
        if not record_id:
            verb = "delete" if job.operation in DELETES else "update"
            raise SalesforceError("MISSING_ARGUMENT", f"Id not specified in an {verb} call")
        try:
            if job.operation == "update":
                body = {k: v for k, v in values.items() if k.lower() != "id"}
                done = records.update(
                    org_id=org_id,
                    schema=job.schema,
                    obj=obj,
                    record_id=record_id,
                    values=body,
                    actor_id=actor_id,
                )
            else:
                done = records.delete(
                    org_id=org_id, obj=obj, record_id=record_id, actor_id=actor_id
                )
                if job.operation == "hardDelete":
                    backend.store.execute(
                        f'DELETE FROM {obj.table} WHERE _org_id = ? AND "Id" = ?',
                        [job.org_id, done],
                    )
        except SalesforceError as exc:
            if exc.error_code == "NOT_FOUND":
                raise SalesforceError(
                    "INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id"
                ) from None
            raise
        return Outcome(done, False)
    field = job.external_id_field or "Id"
    key = next((row[i] for i, c in enumerate(columns) if c.target.lower() == field.lower()), "")
    if field.lower() == "id" and not key:
        body = {k: v for k, v in values.items() if k.lower() != "id"}
        return Outcome(
            records.create(
                org_id=org_id, schema=job.schema, obj=obj, values=body, actor_id=actor_id
            ),
            True,
        )
    if not key:
        raise SalesforceError("MISSING_ARGUMENT", f"{field} not specified", fields=[field])
    outcome = records.upsert(
        org_id=org_id,
        schema=job.schema,
        obj=obj,
        field_name=field,
        value=key,
        values=values,
        actor_id=actor_id,
    )
    return Outcome(outcome.record_id, outcome.created)


def _values(columns: Sequence[_Column], row: Sequence[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for column, raw in zip(columns, row, strict=True):
        if raw == "":
            continue
        value = None if raw == NULL_VALUE else raw
        if column.external_field is None:
            values[column.target] = value
        elif value is not None:
            values[column.target] = {column.external_field: value}
        elif column.lookup_field is not None:
            values[column.lookup_field] = None
    return values


def _given_id(columns: Sequence[_Column], row: Sequence[str]) -> str:
    for column, value in zip(columns, row, strict=False):
        if column.target == "Id":
            return value.strip()
    return ""


def _error_text(exc: SalesforceError) -> str:
    """``sf__Error`` as Salesforce writes it: ``CODE:message:Field1,Field2 --``."""
    return f"{exc.error_code}:{exc.message}:{','.join(exc.fields)} --"


def _column(obj: ObjectDef, name: str, job: Job) -> _Column:
    text = name.strip()
    field = obj.field(text)
    if field is not None:
        return _Column(name, field.name)
    relationship, dot, external = text.partition(".")
    lookup = obj.relationship(relationship) if dot else None
    if lookup is not None and job.operation not in DELETES:
        return _Column(name, lookup.relationship_name or relationship, external, lookup.name)
    raise JobFailure(f"InvalidBatch : Field name not found : {text}")


def _read(raw: bytes, job: Job) -> tuple[list[str], list[list[str]]]:
    text = _decode(raw)
    first_end = _first_line_end(text)
    if first_end is not None:
        ending = "\r\n" if text[max(0, first_end - 1) : first_end + 1] == "\r\n" else "\n"
        if ending != job.newline:
            raise JobFailure(
                "ClientInputError : LineEnding is invalid on user data. Current LineEnding "
                f"setting is {job.line_ending}"
            )
    rows = [r for r in _reader(text, job) if r != [] and r != [""]]
    if not rows:
        raise JobFailure("InvalidBatch : No data was uploaded for the job")
    header = rows[0]
    seen: set[str] = set()
    for name in header:
        if name.strip().lower() in seen:
            raise JobFailure(f"InvalidBatch : Duplicate field name : {name.strip()}")
        seen.add(name.strip().lower())
    return header, rows[1:]


def _read_leniently(raw: bytes, job: Job) -> tuple[list[str], list[list[str]]]:
    try:
        rows = [r for r in _reader(_decode(raw), job) if r != [] and r != [""]]
    except (JobFailure, csv.Error):
        return [], []
    return (rows[0], rows[1:]) if rows else ([], [])


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise JobFailure(
            f"ClientInputError : The data is not valid UTF-8 (byte {exc.start + 1})"
        ) from None


def _reader(text: str, job: Job) -> Iterator[list[str]]:
    try:
        yield from csv.reader(io.StringIO(text, newline=""), delimiter=job.delimiter, strict=True)
    except csv.Error as exc:
        raise JobFailure(f"ClientInputError : The CSV data could not be read: {exc}") from None


def _first_line_end(text: str) -> int | None:
    """Where the header line ends (outside quotes), or None when there is only one line."""
    quoted = False
    for index, ch in enumerate(text):
        if ch == '"':
            quoted = not quoted
        elif ch == "\n" and not quoted:
            return index
    return None


def _write_results(
    jobs: BulkJobs,
    job: Job,
    header: Sequence[str],
    successes: Sequence[tuple[str, str, list[str]]],
    failures: Sequence[tuple[str, str, list[str]]],
    unprocessed: Sequence[list[str]],
) -> None:
    _write(jobs, job, "successful", ["sf__Id", "sf__Created", *header], successes)
    _write(jobs, job, "failed", ["sf__Id", "sf__Error", *header], failures)
    _write(jobs, job, "unprocessed", list(header), [("", "", r) for r in unprocessed], lead=0)


def _write(
    jobs: BulkJobs,
    job: Job,
    name: str,
    header: list[str],
    rows: Sequence[tuple[str, str, list[str]]],
    *,
    lead: int = 2,
) -> None:
    path = jobs.path_for(job, name)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(
            out, delimiter=job.delimiter, lineterminator=job.newline, quoting=csv.QUOTE_ALL
        )
        writer.writerow(header)
        for first, second, row in rows:
            writer.writerow([first, second, *row][2 - lead :])


def results_csv(job: Job, name: str) -> bytes:
    """A finished ingest job's results file (``successful``, ``failed`` or ``unprocessed``)."""
    path = job.files.get(name)
    return path.read_bytes() if path is not None else b""
