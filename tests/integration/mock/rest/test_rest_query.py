"""SOQL over REST through simple-salesforce: query, queryAll, paging and the locator form."""

from __future__ import annotations

import re

import pytest
from rest_api_support import Api, SalesforceClient, error_code
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.rows import insert
from tests.conftest import BareOrg

ROWS = 4_500


def _accounts(server: ThreadedMockServer, org: BareOrg, count: int) -> list[str]:
    backend = server.backend
    account = backend.org_schema(org.org_id).get("Account")
    assert account is not None
    return insert(
        backend.store,
        org_id=org.org_id,
        obj=account,
        actor_id=org.user_id,
        now=backend.clock.now(),
        rows=[{"Name": f"Account {i:05d}"} for i in range(count)],
    )


def test_query_returns_records_with_attributes(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Queried", "Industry": "Banking"})["id"]
    result = sf.query("SELECT Id, Name, Industry FROM Account WHERE Name = 'Queried'")
    assert (result["totalSize"], result["done"]) == (1, True)
    [record] = result["records"]
    assert record["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{record_id}",
    }
    assert (record["Id"], record["Name"], record["Industry"]) == (record_id, "Queried", "Banking")


def test_first_page_has_2000_rows_and_a_root_relative_next_url(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    _accounts(mock_server, bare_org, ROWS)
    first = sf.query("SELECT Id FROM Account")
    assert (first["totalSize"], first["done"], len(first["records"])) == (ROWS, False, 2000)
    assert re.fullmatch(
        r"/services/data/v59\.0/query/01g[0-9A-Za-z]{15}-2000", first["nextRecordsUrl"]
    )


def test_query_all_reads_every_page(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    ids = set(_accounts(mock_server, bare_org, ROWS))
    result = sf.query_all("SELECT Id, Name FROM Account")
    assert result["totalSize"] == ROWS
    assert {r["Id"] for r in result["records"]} == ids


def test_query_more_by_url_and_by_locator(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    _accounts(mock_server, bare_org, ROWS)
    first = sf.query("SELECT Id FROM Account ORDER BY Name")
    by_url = sf.query_more(first["nextRecordsUrl"], identifier_is_url=True)
    locator = first["nextRecordsUrl"].rsplit("/", 1)[1]
    second = sf.query("SELECT Id FROM Account ORDER BY Name")
    by_locator = sf.query_more(second["nextRecordsUrl"].rsplit("/", 1)[1])
    assert [r["Id"] for r in by_url["records"]] == [r["Id"] for r in by_locator["records"]]
    assert len(by_url["records"]) == 2000 and not by_url["done"]
    assert locator.endswith("-2000")
    last = sf.query_more(by_url["nextRecordsUrl"], identifier_is_url=True)
    assert (len(last["records"]), last["done"]) == (ROWS - 4000, True)
    assert "nextRecordsUrl" not in last


def test_batch_size_header_sets_the_page_size(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    _accounts(mock_server, bare_org, 600)
    page = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=250"})
    assert (len(page["records"]), page["done"]) == (250, False)
    tiny = sf.query("SELECT Id FROM Account", headers={"Sforce-Query-Options": "batchSize=5"})
    assert len(tiny["records"]) == 200


def test_query_all_includes_deleted_rows(sf: SalesforceClient) -> None:
    kept = sf.Account.create({"Name": "Kept"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    live = sf.query("SELECT Id FROM Account")
    every = sf.query_all("SELECT Id, IsDeleted FROM Account", include_deleted=True)
    assert [r["Id"] for r in live["records"]] == [kept]
    assert {r["Id"]: r["IsDeleted"] for r in every["records"]} == {kept: False, gone: True}


def test_query_more_of_a_query_all(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    _accounts(mock_server, bare_org, 2_100)
    first = sf.query("SELECT Id FROM Account", include_deleted=True)
    rest = sf.query_more(first["nextRecordsUrl"].rsplit("/", 1)[1], include_deleted=True)
    assert len(rest["records"]) == 100 and rest["done"]


def test_missing_query_string_is_malformed_query(api: Api) -> None:
    response = api("GET", "query")
    assert response.status_code == 400
    assert response.json()[0] == {
        "message": "A query string has to be specified",
        "errorCode": "MALFORMED_QUERY",
        "fields": [],
    }


@pytest.mark.parametrize(
    ("soql", "code"),
    [
        ("SELECT FROM Account", "MALFORMED_QUERY"),
        ("SELECT Colour__c FROM Account", "INVALID_FIELD"),
        ("SELECT Id FROM NoSuchThing", "INVALID_TYPE"),
    ],
)
def test_bad_queries_carry_salesforce_codes(sf: SalesforceClient, soql: str, code: str) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.query(soql)
    assert error_code(caught.value) == code


def test_unknown_locator_is_refused(api: Api) -> None:
    response = api("GET", "query/01g5g00000000000AAA-2000")
    assert response.status_code >= 400
    assert response.json()[0]["errorCode"] == "INVALID_QUERY_LOCATOR"
