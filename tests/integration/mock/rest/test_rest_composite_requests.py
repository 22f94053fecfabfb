"""``/composite`` and ``/composite/batch`` over real HTTPS: simple-salesforce's ``restful`` and
raw requests, with the shapes jsforce and the Salesforce docs use."""

from __future__ import annotations

from typing import Any

import pytest
from rest_api_support import Api, SalesforceClient, error_code
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

V = "/services/data/v59.0"
HALTED = {
    "errorCode": "PROCESSING_HALTED",
    "message": "The transaction was rolled back since another operation in the same "
    "transaction failed.",
}


def _composite(sf: SalesforceClient, body: dict[str, Any]) -> list[dict[str, Any]]:
    result = sf.restful("composite", method="POST", json=body)
    assert isinstance(result, dict) and set(result) == {"compositeResponse"}, result
    entries = result["compositeResponse"]
    assert isinstance(entries, list)
    return entries


def _new_account(ref: str, name: str) -> dict[str, Any]:
    return {
        "method": "POST",
        "url": f"{V}/sobjects/Account",
        "referenceId": ref,
        "body": {"Name": name},
    }


def _count(mock_server: ThreadedMockServer, org: BareOrg, table: str) -> int:
    rows = mock_server.backend.store.execute(
        f'SELECT count(*) FROM "{table}" WHERE _org_id = ? AND NOT "IsDeleted"', [org.org_id]
    )
    return int(rows[0][0])


def test_chained_subrequests_use_earlier_answers(sf: SalesforceClient) -> None:
    entries = _composite(
        sf,
        {
            "allOrNone": True,
            "compositeRequest": [
                _new_account("refAccount", "Chained Co"),
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "refContact",
                    "body": {"LastName": "Sato", "AccountId": "@{refAccount.id}"},
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Account/@{{refAccount.id}}?fields=Name",
                    "referenceId": "refAccountData",
                },
                {
                    "method": "GET",
                    "url": f"{V}/query?q=SELECT+Id,LastName+FROM+Contact+WHERE+AccountId="
                    "'@{refAccount.id}'",
                    "referenceId": "refContacts",
                },
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Contact/@{{refContacts.records[0].Id}}",
                    "referenceId": "refRename",
                    "body": {"FirstName": "@{refAccountData.Name}"},
                },
            ],
        },
    )
    created, contact, data, found, renamed = entries
    account_id = created["body"]["id"]
    assert created == {
        "body": {"id": account_id, "success": True, "errors": []},
        "httpHeaders": {"Location": f"{V}/sobjects/Account/{account_id}"},
        "httpStatusCode": 201,
        "referenceId": "refAccount",
    }
    assert contact["httpStatusCode"] == 201 and contact["referenceId"] == "refContact"
    assert data["httpStatusCode"] == 200 and data["body"]["Name"] == "Chained Co"
    assert found["body"]["totalSize"] == 1
    assert renamed == {
        "body": None,
        "httpHeaders": {},
        "httpStatusCode": 204,
        "referenceId": "refRename",
    }
    stored = sf.Contact.get(contact["body"]["id"])
    assert stored["AccountId"] == account_id
    assert stored["Name"] == "Chained Co Sato"


def test_all_or_none_rolls_back_every_write(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    entries = _composite(
        sf,
        {
            "allOrNone": True,
            "compositeRequest": [
                _new_account("first", "Rolled back"),
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "badContact",
                    "body": {"LastName": "Ito", "Email": "not an address"},
                },
                _new_account("third", "Never run"),
            ],
        },
    )
    assert [e["httpStatusCode"] for e in entries] == [400, 400, 400]
    assert entries[0]["body"] == [HALTED] and entries[2]["body"] == [HALTED]
    assert entries[1]["body"][0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    assert entries[1]["referenceId"] == "badContact"
    assert _count(mock_server, bare_org, "sobj_account") == 0
    assert _count(mock_server, bare_org, "sobj_contact") == 0


def test_without_all_or_none_only_dependents_are_halted(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    entries = _composite(
        sf,
        {
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "badAccount",
                    "body": {"Name": "x" * 300},
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Contact",
                    "referenceId": "dependent",
                    "body": {"LastName": "Kato", "AccountId": "@{badAccount.id}"},
                },
                _new_account("independent", "Kept Co"),
            ],
        },
    )
    assert entries[0]["body"][0]["errorCode"] == "STRING_TOO_LONG"
    assert entries[1]["httpStatusCode"] == 400
    assert entries[1]["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert "badAccount.id" in entries[1]["body"][0]["message"]
    assert entries[2]["httpStatusCode"] == 201
    assert _count(mock_server, bare_org, "sobj_account") == 1
    assert _count(mock_server, bare_org, "sobj_contact") == 0


def test_collate_subrequests_is_accepted_and_order_kept(sf: SalesforceClient) -> None:
    entries = _composite(
        sf,
        {
            "collateSubrequests": False,
            "compositeRequest": [_new_account(f"a{i}", f"Ordered {i}") for i in range(3)],
        },
    )
    assert [e["referenceId"] for e in entries] == ["a0", "a1", "a2"]
    names = [sf.Account.get(e["body"]["id"])["Name"] for e in entries]
    assert names == ["Ordered 0", "Ordered 1", "Ordered 2"]


def test_subrequests_follow_every_rest_rule(sf: SalesforceClient) -> None:
    entries = _composite(
        sf,
        {
            "compositeRequest": [
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Account/001000000000000AAA",
                    "referenceId": "missing",
                },
                {"method": "GET", "url": f"{V}/sobjects/Nope__c/describe", "referenceId": "noType"},
                {
                    "method": "DELETE",
                    "url": f"{V}/query?q=SELECT+Id+FROM+Account",
                    "referenceId": "m",
                },
                {
                    "method": "GET",
                    "url": f"{V}/query?q=SELECT+Nope+FROM+Account",
                    "referenceId": "q",
                },
                {
                    "method": "GET",
                    "url": "/services/data/v12.0/limits",
                    "referenceId": "oldVersion",
                },
            ]
        },
    )
    codes = [(e["httpStatusCode"], e["body"][0]["errorCode"]) for e in entries]
    assert codes == [
        (404, "NOT_FOUND"),
        (404, "NOT_FOUND"),
        (405, "METHOD_NOT_ALLOWED"),
        (400, "INVALID_FIELD"),
        (404, "NOT_FOUND"),
    ]


def test_more_than_25_subrequests_is_one_limit_error(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    entries = _composite(
        sf, {"compositeRequest": [_new_account(f"a{i}", f"A{i}") for i in range(26)]}
    )
    assert entries == [
        {
            "body": [
                {
                    "errorCode": "LIMIT_EXCEEDED",
                    "message": "The request can’t contain more than 25 operations.",
                }
            ],
            "httpHeaders": {},
            "httpStatusCode": 400,
            "referenceId": None,
        }
    ]
    assert _count(mock_server, bare_org, "sobj_account") == 0


def test_at_most_five_queries_or_collections(sf: SalesforceClient) -> None:
    query = {"method": "GET", "url": f"{V}/query?q=SELECT+Id+FROM+Account"}
    entries = _composite(
        sf, {"compositeRequest": [query | {"referenceId": f"q{i}"} for i in range(6)]}
    )
    assert entries[0]["body"][0]["errorCode"] == "LIMIT_EXCEEDED"
    five = _composite(
        sf, {"compositeRequest": [query | {"referenceId": f"q{i}"} for i in range(5)]}
    )
    assert [e["httpStatusCode"] for e in five] == [200] * 5


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"compositeRequest": "nope"}, "JSON_PARSER_ERROR"),
        (
            {"compositeRequest": [{"method": "get", "url": f"{V}/limits", "referenceId": "a"}]},
            "JSON_PARSER_ERROR",
        ),
        ({"compositeRequest": [{"method": "GET", "url": f"{V}/limits"}]}, "INVALID_INPUT"),
        (
            {"compositeRequest": [{"method": "GET", "url": f"{V}/limits", "referenceId": "a-b"}]},
            "INVALID_INPUT",
        ),
        (
            {
                "compositeRequest": [
                    {"method": "GET", "url": f"{V}/limits", "referenceId": "a"},
                    {"method": "GET", "url": f"{V}/limits", "referenceId": "a"},
                ]
            },
            "INVALID_INPUT",
        ),
        (
            {
                "compositeRequest": [
                    {
                        "method": "GET",
                        "url": f"{V}/limits",
                        "referenceId": "a",
                        "httpHeaders": {"Authorization": "Bearer other"},
                    }
                ]
            },
            "INVALID_INPUT",
        ),
        ({"allOrNone": "yes", "compositeRequest": []}, "JSON_PARSER_ERROR"),
    ],
)
def test_malformed_requests_are_refused_before_anything_runs(
    api: Api, body: dict[str, Any], code: str
) -> None:
    response = api("POST", "composite", json=body)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_get_lists_the_composite_resources(sf: SalesforceClient) -> None:
    assert sf.restful("composite") == {
        "batch": f"{V}/composite/batch",
        "graph": f"{V}/composite/graph",
        "sobjects": f"{V}/composite/sobjects",
        "tree": f"{V}/composite/tree",
    }


def test_put_is_not_allowed(api: Api) -> None:
    response = api("PUT", "composite", json={})
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def _used(response: Any) -> int:
    return int(response.headers["Sforce-Limit-Info"].split("=")[1].split("/")[0])


def test_composite_counts_as_one_api_request(api: Api) -> None:
    before = _used(api("GET", "limits"))
    response = api(
        "POST",
        "composite",
        json={"compositeRequest": [_new_account(f"a{i}", f"A{i}") for i in range(5)]},
    )
    assert response.status_code == 200
    assert _used(response) == before + 1


# -- /composite/batch ----------------------------------------------------------------------
def _batch(sf: SalesforceClient, body: dict[str, Any]) -> dict[str, Any]:
    result = sf.restful("composite/batch", method="POST", json=body)
    assert isinstance(result, dict)
    return result


def test_batch_runs_each_subrequest_independently(sf: SalesforceClient) -> None:
    account_id = sf.Account.create({"Name": "Batch Co"})["id"]
    result = _batch(
        sf,
        {
            "batchRequests": [
                {
                    "method": "PATCH",
                    "url": f"v59.0/sobjects/Account/{account_id}",
                    "richInput": {"Name": "Batch Co Renamed"},
                },
                {"method": "GET", "url": f"v59.0/sobjects/Account/{account_id}?fields=Name"},
                {
                    "method": "POST",
                    "url": "v59.0/sobjects/Account",
                    "richInput": {"Name": "x" * 300},
                },
                {"method": "GET", "url": "v59.0/limits"},
            ]
        },
    )
    assert result["hasErrors"] is True
    statuses = [r["statusCode"] for r in result["results"]]
    assert statuses == [204, 200, 400, 200]
    assert result["results"][0]["result"] is None
    assert result["results"][1]["result"]["Name"] == "Batch Co Renamed"
    assert result["results"][2]["result"][0]["errorCode"] == "STRING_TOO_LONG"
    assert "DailyApiRequests" in result["results"][3]["result"]


def test_batch_halt_on_error_stops_the_rest(sf: SalesforceClient) -> None:
    result = _batch(
        sf,
        {
            "haltOnError": True,
            "batchRequests": [
                {"method": "GET", "url": "v59.0/sobjects/Account/001000000000000AAA"},
                {
                    "method": "POST",
                    "url": "v59.0/sobjects/Account",
                    "richInput": {"Name": "Skipped"},
                },
            ],
        },
    )
    assert result == {
        "hasErrors": True,
        "results": [
            {
                "statusCode": 404,
                "result": [
                    {
                        "message": "The requested resource does not exist",
                        "errorCode": "NOT_FOUND",
                        "fields": [],
                    }
                ],
            },
            {
                "statusCode": 412,
                "result": [
                    {
                        "errorCode": "BATCH_PROCESSING_HALTED",
                        "message": "Batch processing halted per request",
                    }
                ],
            },
        ],
    }
    assert sf.query("SELECT Id FROM Account WHERE Name = 'Skipped'")["totalSize"] == 0


def test_batch_without_errors(sf: SalesforceClient) -> None:
    result = _batch(sf, {"batchRequests": [{"method": "GET", "url": "v59.0/limits"}]})
    assert result["hasErrors"] is False
    assert result["results"][0]["statusCode"] == 200


def test_batch_of_more_than_25_is_refused(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _batch(sf, {"batchRequests": [{"method": "GET", "url": "v59.0/limits"}] * 26})
    assert error_code(caught.value) == "LIMIT_EXCEEDED"


def test_nested_composite_is_not_a_subrequest(sf: SalesforceClient) -> None:
    result = _batch(
        sf, {"batchRequests": [{"method": "POST", "url": "v59.0/composite", "richInput": {}}]}
    )
    assert result["results"][0]["statusCode"] == 404


def test_unknown_composite_resource_is_404(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound):
        sf.restful("composite/nothing", method="POST", json={})


def test_references_into_collections_and_upserts(sf: SalesforceClient) -> None:
    entries = _composite(
        sf,
        {
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "POST",
                    "url": f"{V}/composite/sobjects",
                    "referenceId": "accounts",
                    "body": {
                        "records": [
                            {"attributes": {"type": "Account"}, "Name": "Coll 1"},
                            {"attributes": {"type": "Account"}, "Name": "Coll 2"},
                        ]
                    },
                },
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Contact/MiiTel_External_Id__c/C-77",
                    "referenceId": "upserted",
                    "body": {"LastName": "Mori", "AccountId": "@{accounts[1].id}"},
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Contact/MiiTel_External_Id__c/C-77?fields=AccountId",
                    "referenceId": "readBack",
                },
            ],
        },
    )
    accounts, upserted, read_back = entries
    second_account = accounts["body"][1]["id"]
    assert upserted["httpStatusCode"] == 201
    assert upserted["body"]["created"] is True
    assert upserted["httpHeaders"] == {"Location": f"{V}/sobjects/Contact/{upserted['body']['id']}"}
    assert read_back["body"]["AccountId"] == second_account
