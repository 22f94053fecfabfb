"""Bulk API 2.0 query jobs over real HTTPS: simple-salesforce's ``sf.bulk2`` and raw calls."""

from __future__ import annotations

import re

import pytest
from bulk2_support import csv_rows, error_of, wait_until_finished
from rest_api_support import Api, SalesforceClient

from mock_salesforce import ThreadedMockServer
from mock_salesforce.rows import insert
from tests.conftest import BareOrg

ROWS = 2_345


@pytest.fixture
def many_accounts(mock_server: ThreadedMockServer, bare_org: BareOrg) -> list[str]:
    """2,345 Accounts (every third without a phone), written straight to the store."""
    backend = mock_server.backend
    account = backend.org_schema(bare_org.org_id).get("Account")
    assert account is not None
    return insert(
        backend.store,
        org_id=bare_org.org_id,
        obj=account,
        actor_id=bare_org.user_id,
        now=backend.clock.now(),
        rows=[
            {
                "Name": f"Account {i:05d}",
                "Phone": None if i % 3 == 0 else f"03-1234-{i:04d}",
                "OwnerId": bare_org.user_id,
            }
            for i in range(ROWS)
        ],
    )


def test_simple_salesforce_reads_every_row_in_pages_with_parents_flattened(
    sf: SalesforceClient, many_accounts: list[str]
) -> None:
    pages = list(
        sf.bulk2.Account.query(
            "SELECT Id, Name, Phone, Owner.Name FROM Account ORDER BY Name",
            max_records=1_000,
            wait=0.05,
        )
    )
    assert len(pages) == 3
    rows = [row for page in pages for row in csv_rows(page)]
    assert len(rows) == ROWS
    assert list(rows[0]) == ["Id", "Name", "Phone", "Owner.Name"]
    assert [r["Id"] for r in rows] == many_accounts
    assert rows[0] == {
        "Id": many_accounts[0],
        "Name": "Account 00000",
        "Phone": "",
        "Owner.Name": "Ada Admin",
    }
    assert rows[1]["Phone"] == "03-1234-0001"
    # Every value is quoted, as Salesforce writes them; a null is an empty value.
    assert pages[0].splitlines()[1] == f'"{many_accounts[0]}","Account 00000","","Ada Admin"'


def test_results_page_by_locator_with_salesforce_headers(
    api: Api, many_accounts: list[str]
) -> None:
    created = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    )
    assert created.status_code == 200
    job = created.json()
    assert job["state"] == "UploadComplete"
    assert {
        k: job[k]
        for k in (
            "operation",
            "object",
            "contentType",
            "apiVersion",
            "lineEnding",
            "columnDelimiter",
            "concurrencyMode",
        )
    } == {
        "operation": "query",
        "object": "Account",
        "contentType": "CSV",
        "apiVersion": 59.0,
        "lineEnding": "LF",
        "columnDelimiter": "COMMA",
        "concurrencyMode": "Parallel",
    }
    info = wait_until_finished(api, "query", job["id"])
    assert info["state"] == "JobComplete"
    assert info["numberRecordsProcessed"] == ROWS
    assert info["jobType"] == "V2Query"

    seen: list[str] = []
    locator = None
    pages = 0
    while locator != "null":
        params = {"maxRecords": "1000"} | ({"locator": locator} if locator else {})
        page = api("GET", f"jobs/query/{job['id']}/results", params=params)
        assert page.status_code == 200
        assert page.headers["Content-Type"].startswith("text/csv")
        rows = csv_rows(page.text)
        assert int(page.headers["Sforce-NumberOfRecords"]) == len(rows)
        seen += [r["Id"] for r in rows]
        locator = page.headers["Sforce-Locator"]
        pages += 1
    assert pages == 3
    assert sorted(seen) == sorted(many_accounts)

    # A locator stays valid: the second page can be read again.
    first = api("GET", f"jobs/query/{job['id']}/results", params={"maxRecords": "1000"})
    again = api(
        "GET",
        f"jobs/query/{job['id']}/results",
        params={"maxRecords": "1000", "locator": first.headers["Sforce-Locator"]},
    )
    assert again.status_code == 200 and len(csv_rows(again.text)) == 1000

    # Without maxRecords every row comes at once.
    whole = api("GET", f"jobs/query/{job['id']}/results")
    assert whole.headers["Sforce-Locator"] == "null"
    assert len(csv_rows(whole.text)) == ROWS


def test_query_all_includes_deleted_rows_and_query_does_not(sf: SalesforceClient, api: Api) -> None:
    kept = sf.Account.create({"Name": "Kept"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    soql = "SELECT Id, Name, IsDeleted FROM Account ORDER BY Name"
    live = [r for page in sf.bulk2.Account.query(soql, wait=0.05) for r in csv_rows(page)]
    every = [r for page in sf.bulk2.Account.query_all(soql, wait=0.05) for r in csv_rows(page)]
    assert [r["Id"] for r in live] == [kept]
    assert [(r["Id"], r["IsDeleted"]) for r in every] == [(gone, "true"), (kept, "false")]


def test_delimiter_and_line_ending_of_the_job_shape_the_results(
    sf: SalesforceClient, api: Api
) -> None:
    sf.Account.create({"Name": 'Pipe | "quoted"'})
    created = api(
        "POST",
        "jobs/query",
        json={
            "operation": "query",
            "query": "SELECT Name, NumberOfEmployees FROM Account",
            "columnDelimiter": "PIPE",
            "lineEnding": "CRLF",
        },
    ).json()
    wait_until_finished(api, "query", created["id"])
    body = api("GET", f"jobs/query/{created['id']}/results").content
    assert body == b'"Name"|"NumberOfEmployees"\r\n"Pipe | ""quoted"""|""\r\n'


def test_bad_soql_is_refused_when_the_job_is_created(api: Api) -> None:
    bad_field = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Nope FROM Account"}
    )
    assert error_of(bad_field) == (400, "INVALID_FIELD")
    bad_type = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Nope"}
    )
    assert error_of(bad_type) == (400, "INVALID_TYPE")
    aggregate = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT COUNT() FROM Account"}
    )
    assert error_of(aggregate) == (400, "API_ERROR")
    nested = api(
        "POST",
        "jobs/query",
        json={"operation": "query", "query": "SELECT Id, (SELECT Id FROM Contacts) FROM Account"},
    )
    assert error_of(nested) == (400, "API_ERROR")
    operation = api(
        "POST", "jobs/query", json={"operation": "insert", "query": "SELECT Id FROM Account"}
    )
    assert error_of(operation) == (400, "JSON_PARSER_ERROR")
    assert api("GET", "jobs/query").json()["records"] == []


def test_finished_query_job_is_listed_then_deleted(api: Api, sf: SalesforceClient) -> None:
    sf.Account.create({"Name": "Listed"})
    job_id = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()["id"]
    wait_until_finished(api, "query", job_id)
    listed = api("GET", "jobs/query").json()
    assert listed["done"] is True and listed["nextRecordsUrl"] is None
    assert [(j["id"], j["jobType"], j["state"]) for j in listed["records"]] == [
        (job_id, "V2Query", "JobComplete")
    ]
    # Aborting a finished job is a state error; deleting it removes it.
    assert error_of(api("PATCH", f"jobs/query/{job_id}", json={"state": "Aborted"})) == (
        409,
        "INVALIDJOBSTATE",
    )
    assert api("DELETE", f"jobs/query/{job_id}").status_code == 204
    assert error_of(api("GET", f"jobs/query/{job_id}")) == (404, "NOT_FOUND")
    assert error_of(api("GET", f"jobs/query/{job_id}/results")) == (404, "NOT_FOUND")


def test_results_need_the_api_version_that_created_the_job(api: Api, sf: SalesforceClient) -> None:
    sf.Account.create({"Name": "Versioned"})
    job_id = api(
        "POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM Account"}
    ).json()["id"]
    wait_until_finished(api, "query", job_id)
    other = api("GET", f"jobs/query/{job_id}/results", version="60.0")
    assert error_of(other)[0] == 409
    bad_page = api("GET", f"jobs/query/{job_id}/results", params={"maxRecords": "0"})
    assert bad_page.status_code == 400
    bad_locator = api("GET", f"jobs/query/{job_id}/results", params={"locator": "bogus"})
    assert bad_locator.status_code == 400


def test_every_bulk_request_counts_against_the_daily_allowance(api: Api) -> None:
    def used(response: object) -> int:
        header = response.headers["Sforce-Limit-Info"]  # type: ignore[attr-defined]
        return int(header.split("=")[1].split("/")[0])

    first = api("GET", "jobs/query")
    second = api("POST", "jobs/query", json={"operation": "query", "query": "SELECT Id FROM User"})
    third = api("GET", f"jobs/query/{second.json()['id']}")
    assert [used(first) + 1, used(first) + 2] == [used(second), used(third)]


def test_values_are_written_in_bulk_csv_formats(sf: SalesforceClient) -> None:
    sf.Contact.create({"LastName": "Format", "Birthdate": "1990-04-01"})
    [page] = sf.bulk2.Contact.query(
        "SELECT Birthdate, CreatedDate, Account.Name, Account.Owner.Name FROM Contact", wait=0.05
    )
    [row] = csv_rows(page)
    assert row["Birthdate"] == "1990-04-01"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", row["CreatedDate"])
    # A contact without an account: every column of the parent is empty.
    assert (row["Account.Name"], row["Account.Owner.Name"]) == ("", "")
