"""What Bulk API 2.0's requests do to jobs: create (with Salesforce's checks of the request),
upload, close, abort, delete, list; the REST handlers parse and render around these."""

from __future__ import annotations

import base64
import binascii
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from mock_salesforce.bulk.errors import (
    enum_error,
    invalid_job,
    invalid_job_state,
    multiple_uploads,
    too_large,
    unsupported_media_type,
)
from mock_salesforce.bulk.ingest_jobs import MAX_UPLOAD_BYTES, run_ingest, write_unprocessed
from mock_salesforce.bulk.jobs import (
    DELIMITERS,
    FINISHED,
    LINE_ENDINGS,
    BulkJobs,
    Job,
    JobKind,
    JobState,
)
from mock_salesforce.bulk.query_jobs import compile_bulk_query, object_of, run_query
from mock_salesforce.errors import SalesforceError, json_parser_error
from mock_salesforce.schema import OrgSchema
from mock_salesforce.sessions import Principal

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

INGEST_OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
QUERY_OPERATIONS = ("query", "queryAll")
#: Jobs per page of Get All Jobs.
LIST_PAGE_SIZE = 1_000
#: Longest wait for a running job to stop when it is aborted.
_ABORT_WAIT_SECONDS = 30.0
#: Salesforce grants "Bulk API Hard Delete" with the administrator's profile.
_HARD_DELETE_PERMISSION = "ModifyAllData"

_ABORTABLE = {
    JobKind.INGEST: frozenset({JobState.OPEN, JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS}),
    JobKind.QUERY: frozenset({JobState.UPLOAD_COMPLETE, JobState.IN_PROGRESS}),
}
_DELETABLE = {
    JobKind.INGEST: frozenset({JobState.UPLOAD_COMPLETE, *FINISHED}),
    JobKind.QUERY: FINISHED,
}


def _text(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise json_parser_error(
            f"Cannot deserialize instance of string from {type(value).__name__} value "
            f"{value} at [line:1, column:1]"
        )
    return value


def _enum(body: dict[str, Any], key: str, allowed: Any, type_name: str, default: str) -> str:
    value = _text(body, key)
    if value is None:
        return default
    if value not in allowed:
        raise enum_error(type_name, value)
    return value


def _operation(body: dict[str, Any], allowed: tuple[str, ...]) -> str:
    """The job's ``operation``: required, and one of ``allowed`` (ingest or query ones)."""
    operation = _text(body, "operation")
    if operation is None:
        raise invalid_job("The operation of the job is required")
    if operation not in allowed:
        raise enum_error("OperationEnum", operation)
    return operation


def _format(body: dict[str, Any]) -> tuple[str, str]:
    _enum(body, "contentType", ("CSV",), "ContentType", "CSV")
    delimiter = _enum(body, "columnDelimiter", DELIMITERS, "ColumnDelimiterEnum", "COMMA")
    line_ending = _enum(body, "lineEnding", LINE_ENDINGS, "LineEndingEnum", "LF")
    return delimiter, line_ending


def create_ingest_job(
    backend: MockBackend,
    jobs: BulkJobs,
    *,
    principal: Principal,
    schema: OrgSchema,
    api_version: str,
    body: dict[str, Any],
) -> Job:
    """A new Open ingest job, after Salesforce's checks of the object and operation."""
    operation = _operation(body, INGEST_OPERATIONS)
    delimiter, line_ending = _format(body)
    name = _text(body, "object")
    if not name:
        raise invalid_job("The object of the job is required")
    obj = schema.get(name)
    if obj is None:
        raise invalid_job(f"Unable to find object: {name}")
    external = _text(body, "externalIdFieldName")
    if operation == "upsert":
        if not external:
            raise invalid_job("External ID field is required for upsert: externalIdFieldName")
        try:
            external = backend.records.external_field(obj, external).name
        except SalesforceError:
            raise invalid_job(
                f"Field {external} on {obj.name} is not an external ID field or the Id"
            ) from None
    elif external:
        raise invalid_job("externalIdFieldName is only valid for the upsert operation")
    if operation == "hardDelete" and not backend.permissions.has_permission(
        org_id=principal.org_id, user_id=principal.user_id, permission=_HARD_DELETE_PERMISSION
    ):
        raise SalesforceError(
            "FEATURENOTENABLED",
            "hardDelete operation requires special user profile permission, please contact "
            "your system administrator",
        )
    now = backend.clock.now()
    return jobs.add(
        Job(
            id=jobs.new_id(),
            org_id=principal.org_id,
            kind=JobKind.INGEST,
            operation=operation,
            object_name=obj.name,
            created_by=principal.user_id,
            created=now,
            modified=now,
            api_version=api_version,
            column_delimiter=delimiter,
            line_ending=line_ending,
            schema=schema,
            external_id_field=external,
        )
    )


def create_query_job(
    backend: MockBackend,
    jobs: BulkJobs,
    *,
    principal: Principal,
    schema: OrgSchema,
    api_version: str,
    body: dict[str, Any],
) -> Job:
    """A new query job (UploadComplete, queued for the worker); bad SOQL fails at once. The
    job is returned as created: the worker may already have moved the queued one on."""
    operation = _operation(body, QUERY_OPERATIONS)
    delimiter, line_ending = _format(body)
    soql = _text(body, "query")
    if not soql or not soql.strip():
        raise invalid_job("The query of the job is required")
    plan = compile_bulk_query(
        backend=backend,
        schema=schema,
        org_id=principal.org_id,
        soql=soql,
        all_rows=operation == "queryAll",
        api_version=api_version,
    )
    now = backend.clock.now()
    job = jobs.add(
        Job(
            id=jobs.new_id(),
            org_id=principal.org_id,
            kind=JobKind.QUERY,
            operation=operation,
            object_name=object_of(plan),
            created_by=principal.user_id,
            created=now,
            modified=now,
            api_version=api_version,
            column_delimiter=delimiter,
            line_ending=line_ending,
            schema=schema,
            query=soql,
            plan=plan,
            state=JobState.UPLOAD_COMPLETE,
        )
    )
    created = replace(job)
    jobs.submit(job, run_query)
    return created


def upload(jobs: BulkJobs, job: Job, *, data: bytes, content_type: str) -> None:
    """Keep the job's CSV data (one upload per job, at most 150 MB, ``text/csv``)."""
    media = content_type.split(";", 1)[0].strip().lower()
    if media != "text/csv":
        raise unsupported_media_type(content_type)
    if len(data) > MAX_UPLOAD_BYTES:
        raise too_large(MAX_UPLOAD_BYTES // (1024 * 1024))
    with jobs.lock:
        if job.state is not JobState.OPEN:
            raise invalid_job_state(
                f"Unable to upload data to job {job.id} in state {job.state}: "
                "data can be uploaded only while the job is Open"
            )
        if "upload" in job.files:
            raise multiple_uploads(job.id)
        jobs.path_for(job, "upload").write_bytes(data)


def change_state(jobs: BulkJobs, job: Job, body: dict[str, Any]) -> Job:
    """``PATCH {"state": "UploadComplete"|"Aborted"}``: close an ingest job (queued for the
    worker) or abort a job."""
    wanted = _text(body, "state")
    if wanted is None:
        raise invalid_job_state("The state to change the job to is required")
    try:
        target = JobState(wanted)
    except ValueError:
        raise enum_error("JobStateEnum", wanted) from None
    if target is JobState.ABORTED:
        with jobs.lock:
            was_running = job.state is JobState.IN_PROGRESS
            jobs.move(job, target, allowed_from=_ABORTABLE[job.kind])
            if job.kind is JobKind.INGEST and not was_running:
                write_unprocessed(jobs, job)
        if was_running:
            # The worker stops at its next chunk and writes what it did: wait for that, so
            # the results are complete once the job reads Aborted.
            job.settled.wait(_ABORT_WAIT_SECONDS)
        return job
    with jobs.lock:
        if target is JobState.UPLOAD_COMPLETE and job.kind is JobKind.INGEST:
            jobs.move(job, target, allowed_from=frozenset({JobState.OPEN}))
            if "upload" not in job.files:
                jobs.path_for(job, "upload").write_bytes(b"")
        else:
            raise invalid_job_state(
                f"Invalid state transition from {job.state} to {target} for job {job.id}"
            )
    jobs.submit(job, run_ingest)
    return job


def delete(jobs: BulkJobs, job: Job) -> None:
    with jobs.lock:
        if job.state not in _DELETABLE[job.kind]:
            raise invalid_job_state(f"Job {job.id} cannot be deleted in state {job.state}")
        jobs.delete(job)


def require_finished(job: Job) -> None:
    """Results exist once the job has finished (JobComplete for query jobs)."""
    wanted = frozenset({JobState.JOB_COMPLETE}) if job.kind is JobKind.QUERY else FINISHED
    if job.state not in wanted:
        raise invalid_job_state(f"Results are not available for job {job.id} in state {job.state}")


def list_page(
    jobs: BulkJobs, *, org_id: str, kind: JobKind, params: dict[str, str], base_url: str
) -> dict[str, Any]:
    """Get All Jobs: ``{done, records, nextRecordsUrl}``, 1,000 jobs a page."""
    found = jobs.list(org_id=org_id, kind=kind)
    job_type = params.get("jobType")
    if job_type and job_type != str(kind):
        found = []
    mode = params.get("concurrencyMode")
    if mode and mode != "Parallel":
        found = []
    if params.get("isPkChunkingEnabled", "").lower() == "true":
        found = []
    start = _list_start(params.get("queryLocator"), len(found))
    page = found[start : start + LIST_PAGE_SIZE]
    following = start + len(page)
    records = []
    for job in page:
        record = job.info(full=False)
        record["jobType"] = str(job.kind)
        records.append(record)
    done = following >= len(found)
    return {
        "done": done,
        "records": records,
        "nextRecordsUrl": None if done else f"{base_url}?queryLocator={_encode(following)}",
    }


def _encode(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode().rstrip("=")


def _list_start(locator: str | None, total: int) -> int:
    if not locator:
        return 0
    try:
        position = int(base64.b64decode(locator + "=" * (-len(locator) % 4)).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        position = -1
    if position <= 0 or position >= total:
        raise SalesforceError("INVALID_QUERY_LOCATOR", "invalid query locator")
    return position
