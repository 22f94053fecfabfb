"""Bulk API 2.0's refusals over real HTTPS: Salesforce's error list, codes and statuses."""

from __future__ import annotations

import http.client
import json
import ssl

import pytest
import requests
from bulk2_support import csv_rows, error_of, ingest_job, wait_until_finished
from rest_api_support import Api, SalesforceClient

from mock_salesforce import ThreadedMockServer
from mock_salesforce.bulk import service
from tests.conftest import BareOrg, make_bare_org

UNKNOWN_JOB = "7505g0000009999AAA"


def _open_job(api: Api, obj: str = "Account", operation: str = "insert") -> str:
    created = api("POST", "jobs/ingest", json={"object": obj, "operation": operation})
    assert created.status_code == 200, created.text
    return str(created.json()["id"])


def _put(api: Api, job_id: str, data: bytes, content_type: str = "text/csv") -> requests.Response:
    return api(
        "PUT", f"jobs/ingest/{job_id}/batches", data=data, headers={"Content-Type": content_type}
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"jobs/ingest/{UNKNOWN_JOB}"),
        ("PATCH", f"jobs/ingest/{UNKNOWN_JOB}"),
        ("DELETE", f"jobs/ingest/{UNKNOWN_JOB}"),
        ("GET", f"jobs/ingest/{UNKNOWN_JOB}/failedResults"),
        ("GET", f"jobs/query/{UNKNOWN_JOB}"),
        ("GET", f"jobs/query/{UNKNOWN_JOB}/results"),
    ],
)
def test_unknown_job_is_not_found(api: Api, method: str, path: str) -> None:
    response = api(method, path, json={"state": "Aborted"})
    assert error_of(response) == (404, "NOT_FOUND")


def test_another_orgs_job_is_not_found(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    job_id = _open_job(api)
    other = make_bare_org(
        mock_server.backend, name="Other", profile="second", username="admin@other.example"
    )
    assert error_of(api("GET", f"jobs/ingest/{job_id}", token=other.token)) == (404, "NOT_FOUND")
    assert api("GET", "jobs/ingest", token=other.token).json()["records"] == []
    # An ingest job is no query job either.
    assert error_of(api("GET", f"jobs/query/{job_id}")) == (404, "NOT_FOUND")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"operation": "insert"}, 400, "INVALIDJOB"),
        ({"object": "Nope__c", "operation": "insert"}, 400, "INVALIDJOB"),
        ({"object": "Account", "operation": "merge"}, 400, "JSON_PARSER_ERROR"),
        ({"object": "Account", "operation": "upsert"}, 400, "INVALIDJOB"),
        (
            {"object": "Account", "operation": "upsert", "externalIdFieldName": "Name"},
            400,
            "INVALIDJOB",
        ),
        (
            {"object": "Account", "operation": "insert", "externalIdFieldName": "Id"},
            400,
            "INVALIDJOB",
        ),
        (
            {"object": "Account", "operation": "insert", "columnDelimiter": "COLON"},
            400,
            "JSON_PARSER_ERROR",
        ),
        (
            {"object": "Account", "operation": "insert", "lineEnding": "CR"},
            400,
            "JSON_PARSER_ERROR",
        ),
        (
            {"object": "Account", "operation": "insert", "contentType": "JSON"},
            400,
            "JSON_PARSER_ERROR",
        ),
    ],
)
def test_job_requests_salesforce_refuses(
    api: Api, body: dict[str, str], status: int, code: str
) -> None:
    assert error_of(api("POST", "jobs/ingest", json=body)) == (status, code)
    assert api("GET", "jobs/ingest").json()["records"] == []


def test_body_that_is_no_json_object(api: Api) -> None:
    response = api(
        "POST", "jobs/ingest", data=b"object=Account", headers={"Content-Type": "application/json"}
    )
    assert error_of(response) == (400, "JSON_PARSER_ERROR")


def test_upload_rules(api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    job_id = _open_job(api)
    assert error_of(_put(api, job_id, b'{"Name": "A"}', "application/json")) == (
        415,
        "UNSUPPORTED_MEDIA_TYPE",
    )
    monkeypatch.setattr(service, "MAX_UPLOAD_BYTES", 10)
    assert error_of(_put(api, job_id, b"Name\nA long name\n"))[0] == 413
    monkeypatch.undo()
    assert _put(api, job_id, b"Name\nA\n").status_code == 201
    assert error_of(_put(api, job_id, b"Name\nB\n")) == (400, "BULK_API_ERROR")
    assert (
        api("PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"}).status_code == 200
    )
    wait_until_finished(api, "ingest", job_id)
    assert error_of(_put(api, job_id, b"Name\nC\n")) == (409, "INVALIDJOBSTATE")


def test_state_changes_salesforce_refuses(api: Api) -> None:
    job_id = _open_job(api)
    assert error_of(api("PATCH", f"jobs/ingest/{job_id}", json={"state": "Finished"})) == (
        400,
        "JSON_PARSER_ERROR",
    )
    assert error_of(api("PATCH", f"jobs/ingest/{job_id}", json={"state": "JobComplete"})) == (
        409,
        "INVALIDJOBSTATE",
    )
    query_job = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()["id"]
    assert error_of(api("PATCH", f"jobs/query/{query_job}", json={"state": "UploadComplete"})) == (
        409,
        "INVALIDJOBSTATE",
    )


def test_bulk_api_2_exists_from_its_first_versions_on(api: Api) -> None:
    assert error_of(api("GET", "jobs/ingest", version="40.0")) == (404, "NOT_FOUND")
    assert api("GET", "jobs/ingest", version="41.0").status_code == 200
    assert error_of(api("GET", "jobs/query", version="46.0")) == (404, "NOT_FOUND")
    assert api("GET", "jobs/query", version="47.0").status_code == 200
    assert error_of(api("PUT", "jobs/query", json={}))[0] == 405


def test_abort_while_processing_keeps_what_was_done_and_lists_the_rest(
    api: Api, sf: SalesforceClient
) -> None:
    total = 600
    data = "LastName\n" + "".join(f"Row {i}\n" for i in range(total))
    job_id = ingest_job(api, {"object": "Contact", "operation": "insert"}, data)
    aborted = api("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
    assert aborted.status_code == 200, aborted.text
    info = wait_until_finished(api, "ingest", job_id)
    assert info["state"] == "Aborted"
    # The worker stops between chunks: what it wrote is reported, the rest is unprocessed.
    succeeded = csv_rows(api("GET", f"jobs/ingest/{job_id}/successfulResults").text)
    done = api("GET", f"jobs/ingest/{job_id}").json()["numberRecordsProcessed"]
    unprocessed = csv_rows(api("GET", f"jobs/ingest/{job_id}/unprocessedrecords").text)
    assert len(succeeded) == done < total
    assert len(unprocessed) == total - done
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == done


def test_hard_delete_removes_records_for_good(api: Api, sf: SalesforceClient) -> None:
    ids = [sf.Account.create({"Name": f"Hard {i}"})["id"] for i in range(2)]
    job_id = ingest_job(
        api, {"object": "Account", "operation": "hardDelete"}, "Id\n" + "\n".join(ids) + "\n"
    )
    assert wait_until_finished(api, "ingest", job_id)["numberRecordsFailed"] == 0
    assert sf.query_all("SELECT Id FROM Account", include_deleted=True)["totalSize"] == 0


def test_uploads_may_be_larger_than_a_rest_body_up_to_150_mb(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    job_id = _open_job(api)
    # 60 MB: over the REST API's 50 MB, within Bulk API 2.0's 150 MB.
    big = b"Name\n" + b"A\n" * (30 * 1024 * 1024)
    assert _put(api, job_id, big).status_code == 201
    # Over 150 MB is refused from the Content-Length, before the body is read.
    other = _open_job(api)
    context = ssl.create_default_context(cafile=str(mock_server.ca_bundle))
    host, port = mock_server.https_url.removeprefix("https://").rsplit(":", 1)
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=30)
    try:
        connection.putrequest("PUT", f"/services/data/v59.0/jobs/ingest/{other}/batches")
        connection.putheader("Authorization", f"Bearer {bare_org.token}")
        connection.putheader("Content-Type", "text/csv")
        connection.putheader("Content-Length", str(150 * 1024 * 1024 + 1))
        connection.endheaders()
        answer = connection.getresponse()
        status, body = answer.status, json.loads(answer.read())
    finally:
        connection.close()
    assert (status, body[0]["errorCode"]) == (413, "EXCEEDED_MAX_SIZE_REQUEST")
