"""``sf data export bulk`` and ``sf data import bulk`` (Bulk API 2.0 query and ingest jobs)
against the mock org, with ``sf data bulk results`` for a job's failed rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
import requests
from sf_cli_support import SalesforceCli

from tests.integration.mock.serve.mock_cli_process import MockProcess


@pytest.fixture(scope="module")
def query(mock_org: MockProcess, api: requests.Session) -> Any:
    def run(soql: str) -> dict[str, Any]:
        url = f"{mock_org.ready['instance_url']}/services/data/v62.0/query"
        body: dict[str, Any] = api.get(url, params={"q": soql}).json()
        return body

    return run


def _rows(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_export_bulk_writes_every_row_to_csv(sf: SalesforceCli, query: Any, tmp_path: Path) -> None:
    soql = "SELECT Id, LastName, FirstName, Phone, Account.Name FROM Contact ORDER BY Id"
    result = sf.run(
        "data",
        "export",
        "bulk",
        "--query",
        soql,
        "--output-file",
        "contacts.csv",
        "--wait",
        "5",
        cwd=tmp_path,
    )

    rows = _rows(tmp_path / "contacts.csv")
    assert result["totalSize"] == len(rows) == query("SELECT COUNT() FROM Contact")["totalSize"]
    assert list(rows[0]) == ["Id", "LastName", "FirstName", "Phone", "Account.Name"]
    [first] = query(f"{soql} LIMIT 1")["records"]
    assert rows[0]["Id"] == first["Id"]
    assert rows[0]["LastName"] == first["LastName"]
    assert rows[0]["Account.Name"] == ((first["Account"] or {}).get("Name") or "")


def test_import_bulk_inserts_the_csv_rows(sf: SalesforceCli, query: Any, tmp_path: Path) -> None:
    (tmp_path / "leads.csv").write_text(
        "LastName,FirstName,Company,Phone\n"
        "一括,太郎,一括登録商事,03-5555-0301\n"
        "一括,次郎,一括登録商事,+81 3 5555 0302\n"
        "一括,三郎,一括登録商事,(03) 5555-0303\n",
        encoding="utf-8",
    )

    result = sf.run(
        "data",
        "import",
        "bulk",
        "--sobject",
        "Lead",
        "--file",
        "leads.csv",
        "--wait",
        "5",
        cwd=tmp_path,
    )

    assert (result["processedRecords"], result["successfulRecords"], result["failedRecords"]) == (
        3,
        3,
        0,
    )
    stored = query(
        "SELECT FirstName, Phone FROM Lead WHERE Company = '一括登録商事' ORDER BY Phone"
    )
    assert sorted((r["FirstName"], r["Phone"]) for r in stored["records"]) == [
        ("三郎", "(03) 5555-0303"),
        ("太郎", "03-5555-0301"),
        ("次郎", "+81 3 5555 0302"),
    ]


def test_failed_rows_are_reported_and_their_results_fetched(
    sf: SalesforceCli, query: Any, tmp_path: Path
) -> None:
    (tmp_path / "accounts.csv").write_text(
        "Name,Phone\n一括取引先,03-5555-0401\n,03-5555-0402\n", encoding="utf-8"
    )

    error = sf.fails(
        "data",
        "import",
        "bulk",
        "--sobject",
        "Account",
        "--file",
        str(tmp_path / "accounts.csv"),
        "--wait",
        "5",
    )

    assert error["name"] == "FailedRecordDetailsError"
    assert error["data"]["state"] == "JobComplete"
    job_id = error["data"]["jobId"]
    results = sf.run("data", "bulk", "results", "--job-id", job_id, cwd=tmp_path)
    assert (
        results["processedRecords"],
        results["successfulRecords"],
        results["failedRecords"],
    ) == (2, 1, 1)
    [failed] = _rows(tmp_path / results["failedFilePath"])
    assert failed["sf__Error"].startswith("REQUIRED_FIELD_MISSING:")
    assert failed["Phone"] == "03-5555-0402"
    [succeeded] = _rows(tmp_path / results["successFilePath"])
    assert succeeded["sf__Created"] == "true"
    assert (
        query(f"SELECT Name FROM Account WHERE Id = '{succeeded['sf__Id']}'")["records"][0]["Name"]
        == "一括取引先"
    )
