"""Bulk API 2.0's errors, in the REST API's JSON list as Salesforce answers them."""

from __future__ import annotations

from mock_salesforce.errors import SalesforceError


def invalid_job(message: str) -> SalesforceError:
    """A job request Salesforce refuses to create (bad object, operation or field)."""
    return SalesforceError("INVALIDJOB", message)


def invalid_job_state(message: str) -> SalesforceError:
    """A state change or an upload the job's current state does not allow."""
    return SalesforceError("INVALIDJOBSTATE", message, status=409)


def api_error(message: str, *, status: int = 400) -> SalesforceError:
    return SalesforceError("API_ERROR", message, status=status)


def unsupported_media_type(given: str) -> SalesforceError:
    return SalesforceError(
        "UNSUPPORTED_MEDIA_TYPE",
        f"Content-Type header specified in HTTP request is not supported: {given or 'none'}",
        status=415,
    )


def too_large(limit_mb: int) -> SalesforceError:
    return SalesforceError(
        "EXCEEDED_MAX_SIZE_REQUEST",
        f"The upload exceeds the maximum size of {limit_mb} MB for the data of one job",
        status=413,
    )


def multiple_uploads(job_id: str) -> SalesforceError:
    return SalesforceError(
        "BULK_API_ERROR",
        f"Found multiple contents for job: <{job_id}>, please 'Close' / 'Abort' / 'Delete' the "
        "current Job then create a new Job and make sure you only do 'PUT' once on a given Job.",
    )


def enum_error(type_name: str, value: object) -> SalesforceError:
    """An unknown enum value in a job request, as Salesforce's JSON reader reports it."""
    return SalesforceError(
        "JSON_PARSER_ERROR",
        f"Cannot deserialize instance of {type_name} from VALUE_STRING value {value} or "
        "request may be missing a required field at [line:1, column:1]",
    )
