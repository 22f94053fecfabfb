"""Helpers of the Bulk API 2.0 tests: raw job calls over HTTPS, polling as clients do."""

from __future__ import annotations

import csv
import io
import time
from typing import Any

from rest_api_support import Api

FINISHED = ("JobComplete", "Failed", "Aborted")


def wait_until_finished(
    api: Api, kind: str, job_id: str, *, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll ``GET jobs/{kind}/{id}`` (as simple-salesforce and the CLI do) until it finishes."""
    deadline = time.monotonic() + timeout
    while True:
        response = api("GET", f"jobs/{kind}/{job_id}")
        assert response.status_code == 200, response.text
        info: dict[str, Any] = response.json()
        if info["state"] in FINISHED:
            return info
        assert time.monotonic() < deadline, f"job {job_id} still {info['state']}"
        time.sleep(0.05)


def ingest_job(api: Api, body: dict[str, Any], data: str) -> str:
    """Create an ingest job, upload ``data`` and close it; the job's id."""
    created = api("POST", "jobs/ingest", json={"contentType": "CSV", **body})
    assert created.status_code == 200, created.text
    job_id: str = created.json()["id"]
    uploaded = api(
        "PUT",
        f"jobs/ingest/{job_id}/batches",
        data=data.encode("utf-8"),
        headers={"Content-Type": "text/csv"},
    )
    assert uploaded.status_code == 201, uploaded.text
    closed = api("PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert closed.status_code == 200, closed.text
    return job_id


def csv_rows(text: str, *, delimiter: str = ",") -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter))


def error_of(response: Any) -> tuple[int, str]:
    """(status, errorCode) of a Salesforce JSON error list."""
    body = response.json()
    assert isinstance(body, list) and body, body
    return response.status_code, str(body[0]["errorCode"])
