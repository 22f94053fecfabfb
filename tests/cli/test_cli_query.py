"""``sf data query`` against the mock org: relationships, child subqueries, aggregates, more
than one page (2,000 rows), ``--all-rows``, Salesforce's errors; the CLI's table and CSV take
their columns from ``columns=true``."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
import requests
from sf_cli_support import SalesforceCli

from tests.integration.mock.serve.mock_cli_process import MockProcess

ACCOUNTS_WITH_CONTACTS = (
    "SELECT Id, Name, Owner.Name, (SELECT LastName, Phone FROM Contacts ORDER BY LastName) "
    "FROM Account WHERE Industry = 'Banking' ORDER BY Name LIMIT 3"
)


@pytest.fixture(scope="module")
def rest(mock_org: MockProcess, api: requests.Session) -> Any:
    """``rest(soql)``: the same query's records over REST (all pages), to compare with."""

    def query(soql: str, *, all_rows: bool = False) -> list[dict[str, Any]]:
        base = mock_org.ready["instance_url"]
        page = api.get(
            f"{base}/services/data/v62.0/{'queryAll' if all_rows else 'query'}", params={"q": soql}
        ).json()
        records = list(page["records"])
        while not page["done"]:
            page = api.get(base + page["nextRecordsUrl"]).json()
            records += page["records"]
        return records

    return query


def _csv(sf: SalesforceCli, soql: str) -> list[list[str]]:
    done = sf.execute("data", "query", "--query", soql, "--result-format", "csv")
    assert done.returncode == 0, done.stderr
    return list(csv.reader(io.StringIO(done.stdout)))


def test_parent_relationships_and_child_subqueries_come_back_as_rest_returns_them(
    sf: SalesforceCli, rest: Any
) -> None:
    result = sf.run("data", "query", "--query", ACCOUNTS_WITH_CONTACTS)

    expected = rest(ACCOUNTS_WITH_CONTACTS)
    assert result["totalSize"] == 3 and result["done"] is True
    assert result["records"] == expected
    first = result["records"][0]
    assert first["Owner"]["Name"]
    assert first["Contacts"]["records"][0]["LastName"]


def test_the_csv_header_is_laid_out_from_the_column_metadata(sf: SalesforceCli, rest: Any) -> None:
    rows = _csv(sf, ACCOUNTS_WITH_CONTACTS)

    header, first = rows[0], rows[1]
    assert header[:5] == [
        "Id",
        "Name",
        "Owner.Name",
        "Contacts.totalSize",
        "Contacts.records.0.LastName",
    ]
    [expected, *_] = rest(ACCOUNTS_WITH_CONTACTS)
    assert first[:3] == [expected["Id"], expected["Name"], expected["Owner"]["Name"]]
    assert first[4] == expected["Contacts"]["records"][0]["LastName"]


def test_aggregates_show_the_function_as_written(sf: SalesforceCli, rest: Any) -> None:
    soql = "SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry ORDER BY Industry"
    rows = _csv(sf, soql)

    assert rows[0] == ["Industry", "COUNT(Id)"]
    expected = [[r["Industry"] or "", str(r["expr0"])] for r in rest(soql)]
    assert rows[1:] == expected
    assert sum(int(count) for _, count in rows[1:]) == 500


def test_more_than_2000_rows_are_fetched_page_by_page(sf: SalesforceCli) -> None:
    result = sf.run("data", "query", "--query", "SELECT Id, Subject FROM Task")

    assert result["totalSize"] == 3000
    assert len({r["Id"] for r in result["records"]}) == 3000


def test_all_rows_includes_deleted_records(
    sf: SalesforceCli, mock_org: MockProcess, api: requests.Session
) -> None:
    base = f"{mock_org.ready['instance_url']}/services/data/v62.0/sobjects/Lead"
    created = api.post(base, json={"LastName": "削除予定", "Company": "ごみ箱商事"}).json()
    assert api.delete(f"{base}/{created['id']}").status_code == 204
    soql = f"SELECT Id, LastName, IsDeleted FROM Lead WHERE Id = '{created['id']}'"

    assert sf.run("data", "query", "--query", soql)["totalSize"] == 0
    [deleted] = sf.run("data", "query", "--query", soql, "--all-rows")["records"]
    assert (deleted["Id"], deleted["LastName"], deleted["IsDeleted"]) == (
        created["id"],
        "削除予定",
        True,
    )


def test_a_bad_query_reports_salesforces_error(sf: SalesforceCli) -> None:
    error = sf.fails("data", "query", "--query", "SELECT Nope FROM Account")

    assert error["name"] == "INVALID_FIELD"
    assert "No such column 'Nope' on entity 'Account'" in error["message"]
    assert "ERROR at Row:1:Column:8" in error["message"]


def test_data_search_finds_japanese_names_as_the_search_resource_does(
    sf: SalesforceCli, mock_org: MockProcess, api: requests.Session
) -> None:
    sosl = "FIND {佐藤} IN NAME FIELDS RETURNING Contact(Name, Phone ORDER BY Name LIMIT 5)"
    found = sf.run("data", "search", "--query", sosl)

    expected = api.get(
        f"{mock_org.ready['instance_url']}/services/data/v62.0/search", params={"q": sosl}
    ).json()["searchRecords"]
    assert found["searchRecords"] == expected
    assert expected and all("佐藤" in r["Name"] for r in expected)
