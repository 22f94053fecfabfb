"""Bulk API 2.0 under ``/services/data/vNN.N/jobs/``: ingest jobs (``jobs/ingest``) and query
jobs (``jobs/query``). Handlers read the request, call :mod:`mock_salesforce.bulk`, and answer
with JSON job info or CSV results (``text/csv``)."""

from __future__ import annotations

from typing import Any

from mock_salesforce.bulk import JobKind, bulk_jobs
from mock_salesforce.bulk import service as jobs_service
from mock_salesforce.bulk.errors import api_error
from mock_salesforce.bulk.ingest_jobs import results_csv
from mock_salesforce.bulk.jobs import Job
from mock_salesforce.bulk.query_jobs import results_page
from mock_salesforce.errors import not_found
from mock_salesforce.rest.context import ApiCall, ApiResponse, no_content, ok

#: Bulk API 2.0 ingest jobs exist since API 41.0, query jobs since 47.0.
_SINCE = {JobKind.INGEST: 41.0, JobKind.QUERY: 47.0}
_CSV = "text/csv"


def _available(call: ApiCall, kind: JobKind) -> None:
    if float(call.api_version) < _SINCE[kind]:
        raise not_found()


def _body(call: ApiCall) -> dict[str, Any]:
    return call.json_object("JobInfo")


def _job(call: ApiCall, job_id: str, kind: JobKind) -> Job:
    _available(call, kind)
    return bulk_jobs(call.backend).get(org_id=call.org_id, job_id=job_id, kind=kind)


def _jobs_info(call: ApiCall, job: Job, *, full: bool) -> dict[str, Any]:
    return bulk_jobs(call.backend).info(job, full=full)


# -- ingest ------------------------------------------------------------------------------------
def create_ingest_job(call: ApiCall) -> ApiResponse:
    """``POST jobs/ingest``: ``{object, operation, externalIdFieldName, columnDelimiter,
    lineEnding, contentType}`` → the Open job with its ``contentUrl``."""
    _available(call, JobKind.INGEST)
    job = jobs_service.create_ingest_job(
        call.backend,
        bulk_jobs(call.backend),
        principal=call.principal,
        schema=call.schema,
        api_version=call.api_version,
        body=_body(call),
    )
    return ok(_jobs_info(call, job, full=False))


def list_ingest_jobs(call: ApiCall) -> ApiResponse:
    """``GET jobs/ingest``: the org's ingest jobs, ``{done, records, nextRecordsUrl}``."""
    return _list(call, JobKind.INGEST, "ingest")


def get_ingest_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/ingest/{id}``: state and processing figures."""
    return ok(_jobs_info(call, _job(call, job_id, JobKind.INGEST), full=True))


def patch_ingest_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``PATCH jobs/ingest/{id}`` with ``{"state": "UploadComplete"|"Aborted"}``."""
    job = _job(call, job_id, JobKind.INGEST)
    body = _body(call)
    jobs_service.change_state(bulk_jobs(call.backend), job, body)
    return ok(_jobs_info(call, job, full=False))


def delete_ingest_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``DELETE jobs/ingest/{id}``: 204; the job and its data are gone."""
    jobs_service.delete(bulk_jobs(call.backend), _job(call, job_id, JobKind.INGEST))
    return no_content()


def upload_ingest_data(call: ApiCall, job_id: str) -> ApiResponse:
    """``PUT jobs/ingest/{id}/batches`` with the CSV (``text/csv``): 201, no body."""
    job = _job(call, job_id, JobKind.INGEST)
    jobs_service.upload(
        bulk_jobs(call.backend),
        job,
        data=call.request.body,
        content_type=call.request.headers.get("content-type", ""),
    )
    return ApiResponse(201, None)


def _ingest_results(call: ApiCall, job_id: str, name: str) -> ApiResponse:
    job = _job(call, job_id, JobKind.INGEST)
    jobs_service.require_finished(job)
    return ApiResponse(200, results_csv(job, name), media_type=_CSV)


def successful_results(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/ingest/{id}/successfulResults``: ``sf__Id, sf__Created`` + the columns."""
    return _ingest_results(call, job_id, "successful")


def failed_results(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/ingest/{id}/failedResults``: ``sf__Id, sf__Error`` + the columns."""
    return _ingest_results(call, job_id, "failed")


def unprocessed_records(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/ingest/{id}/unprocessedrecords``: the records the job never reached."""
    return _ingest_results(call, job_id, "unprocessed")


# -- query -------------------------------------------------------------------------------------
def create_query_job(call: ApiCall) -> ApiResponse:
    """``POST jobs/query``: ``{operation: query|queryAll, query, columnDelimiter, lineEnding}``
    → the job in UploadComplete; bad SOQL is refused here with the REST API's query errors."""
    _available(call, JobKind.QUERY)
    job = jobs_service.create_query_job(
        call.backend,
        bulk_jobs(call.backend),
        principal=call.principal,
        schema=call.schema,
        api_version=call.api_version,
        body=_body(call),
    )
    return ok(_jobs_info(call, job, full=False))


def list_query_jobs(call: ApiCall) -> ApiResponse:
    """``GET jobs/query``: the org's query jobs."""
    return _list(call, JobKind.QUERY, "query")


def get_query_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/query/{id}``."""
    return ok(_jobs_info(call, _job(call, job_id, JobKind.QUERY), full=True))


def patch_query_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``PATCH jobs/query/{id}`` with ``{"state": "Aborted"}``."""
    job = _job(call, job_id, JobKind.QUERY)
    jobs_service.change_state(bulk_jobs(call.backend), job, _body(call))
    return ok(_jobs_info(call, job, full=False))


def delete_query_job(call: ApiCall, job_id: str) -> ApiResponse:
    """``DELETE jobs/query/{id}``: 204."""
    jobs_service.delete(bulk_jobs(call.backend), _job(call, job_id, JobKind.QUERY))
    return no_content()


def query_results(call: ApiCall, job_id: str) -> ApiResponse:
    """``GET jobs/query/{id}/results[?locator=&maxRecords=]``: CSV with ``Sforce-Locator``
    (``null`` after the last page) and ``Sforce-NumberOfRecords``."""
    job = _job(call, job_id, JobKind.QUERY)
    jobs_service.require_finished(job)
    if job.api_version != call.api_version:
        raise api_error(
            f"Results of job {job.id} must be read with the API version that created it "
            f"({job.api_version})",
            status=409,
        )
    data, count, locator = results_page(
        job, locator=call.param("locator"), max_records=call.param("maxRecords")
    )
    headers = {"Sforce-Locator": locator, "Sforce-NumberOfRecords": str(count)}
    return ApiResponse(200, data, headers, media_type=_CSV)


def _list(call: ApiCall, kind: JobKind, segment: str) -> ApiResponse:
    _available(call, kind)
    return ok(
        jobs_service.list_page(
            bulk_jobs(call.backend),
            org_id=call.org_id,
            kind=kind,
            params=dict(call.request.query),
            base_url=f"{call.base_path}/jobs/{segment}",
        )
    )
