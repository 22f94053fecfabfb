"""sObject Collections: create, update, delete and retrieve in one call."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_api_support import Api, SalesforceClient, error_code
from simple_salesforce.exceptions import SalesforceMalformedRequest, SalesforceResourceNotFound

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

ROLLED_BACK = {
    "statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "message": "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
    "fields": [],
}


def _collection(sf: SalesforceClient, method: str, body: dict[str, Any]) -> list[dict[str, Any]]:
    result = sf.restful("composite/sobjects", method=method, data=json.dumps(body))
    assert isinstance(result, list)
    return result


def _account(name: str) -> dict[str, Any]:
    return {"attributes": {"type": "Account"}, "Name": name}


def _exists(sf: SalesforceClient, sobject: str, record_id: str) -> bool:
    try:
        getattr(sf, sobject).get(record_id)
    except SalesforceResourceNotFound:
        return False
    return True


def test_create_mixed_types_in_order(sf: SalesforceClient) -> None:
    results = _collection(
        sf,
        "POST",
        {
            "records": [
                _account("One"),
                {"attributes": {"type": "contact"}, "LastName": "Two"},
                _account("Three"),
            ]
        },
    )
    assert [r["success"] for r in results] == [True, True, True]
    assert [r["id"][:3] for r in results] == ["001", "003", "001"]
    assert sf.Contact.get(results[1]["id"])["LastName"] == "Two"


def test_without_all_or_none_good_records_are_kept(sf: SalesforceClient) -> None:
    results = _collection(
        sf,
        "POST",
        {
            "allOrNone": False,
            "records": [
                _account("Good"),
                {"attributes": {"type": "Account"}},
                _account("Also good"),
            ],
        },
    )
    assert results[1] == {
        "success": False,
        "errors": [
            {
                "statusCode": "REQUIRED_FIELD_MISSING",
                "message": "Required fields are missing: [Name]",
                "fields": ["Name"],
            }
        ],
    }
    assert _exists(sf, "Account", results[0]["id"]) and _exists(sf, "Account", results[2]["id"])


def test_all_or_none_rolls_back_every_record(sf: SalesforceClient) -> None:
    results = _collection(
        sf,
        "POST",
        {
            "allOrNone": True,
            "records": [
                _account("Rolled back 1"),
                _account("x" * 256),
                _account("Rolled back 2"),
            ],
        },
    )
    assert results[0] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[2] == {"success": False, "errors": [ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "STRING_TOO_LONG"
    assert all("id" not in r for r in results)


def test_all_or_none_rollback_leaves_no_rows(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    _collection(
        sf,
        "POST",
        {
            "allOrNone": True,
            "records": [
                _account("Ghost"),
                {"attributes": {"type": "Account"}, "Nope__c": 1},
            ],
        },
    )
    rows = mock_server.backend.store.execute(
        'SELECT count(*) FROM "sobj_account" WHERE _org_id = ?', [bare_org.org_id]
    )
    assert rows[0][0] == 0


def test_more_than_200_records_is_refused(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        _collection(sf, "POST", {"records": [_account(f"A{i}") for i in range(201)]})
    assert error_code(caught.value) == "EXCEEDED_ID_LIMIT"


def test_exactly_200_records_are_created(sf: SalesforceClient) -> None:
    results = _collection(sf, "POST", {"records": [_account(f"A{i}") for i in range(200)]})
    assert len({r["id"] for r in results if r["success"]}) == 200


def test_each_record_needs_a_known_type(sf: SalesforceClient) -> None:
    results = _collection(
        sf,
        "POST",
        {
            "records": [
                {"Name": "No attributes"},
                {"attributes": {"type": "Nope"}, "Name": "x"},
            ]
        },
    )
    assert [r["errors"][0]["statusCode"] for r in results] == ["INVALID_TYPE", "INVALID_TYPE"]


def test_update_by_id_with_per_record_results(sf: SalesforceClient) -> None:
    ids = [r["id"] for r in _collection(sf, "POST", {"records": [_account("A"), _account("B")]})]
    results = _collection(
        sf,
        "PATCH",
        {
            "records": [
                {"attributes": {"type": "Account"}, "id": ids[0], "Phone": "0311112222"},
                {"attributes": {"type": "Account"}, "Phone": "no id"},
                {"attributes": {"type": "Account"}, "Id": ids[1], "Industry": "Bogus"},
            ]
        },
    )
    assert results[0] == {"id": ids[0], "success": True, "errors": []}
    assert results[1]["errors"][0]["statusCode"] == "MISSING_ARGUMENT"
    assert results[2]["id"] == ids[1]
    assert results[2]["errors"][0]["statusCode"] == "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST"
    assert sf.Account.get(ids[0])["Phone"] == "0311112222"


def test_update_all_or_none_keeps_old_values(sf: SalesforceClient) -> None:
    ids = [r["id"] for r in _collection(sf, "POST", {"records": [_account("A"), _account("B")]})]
    results = _collection(
        sf,
        "PATCH",
        {
            "allOrNone": True,
            "records": [
                {"attributes": {"type": "Account"}, "id": ids[0], "Name": "Renamed"},
                {"attributes": {"type": "Account"}, "id": ids[1], "Name": None},
            ],
        },
    )
    assert results[0] == {"id": ids[0], "success": False, "errors": [ROLLED_BACK]}
    assert sf.Account.get(ids[0])["Name"] == "A"


def test_delete_by_ids(sf: SalesforceClient, api: Api) -> None:
    ids = [r["id"] for r in _collection(sf, "POST", {"records": [_account("A"), _account("B")]})]
    response = api("DELETE", "composite/sobjects", params={"ids": ",".join([*ids, "bogus"])})
    assert response.status_code == 200
    results = response.json()
    assert results[:2] == [{"id": i, "success": True, "errors": []} for i in ids]
    assert results[2]["errors"][0]["statusCode"] == "MALFORMED_ID"
    assert not _exists(sf, "Account", ids[0])


def test_delete_all_or_none_deletes_nothing_on_a_failure(sf: SalesforceClient, api: Api) -> None:
    [kept] = [r["id"] for r in _collection(sf, "POST", {"records": [_account("Kept")]})]
    results = api(
        "DELETE",
        "composite/sobjects",
        params={"ids": f"{kept},001000000000099AAA", "allOrNone": "true"},
    ).json()
    assert results[0] == {"id": kept, "success": False, "errors": [ROLLED_BACK]}
    assert results[1]["errors"][0]["statusCode"] == "INVALID_CROSS_REFERENCE_KEY"
    assert _exists(sf, "Account", kept)


def test_retrieve_by_ids(sf: SalesforceClient, api: Api) -> None:
    ids = [r["id"] for r in _collection(sf, "POST", {"records": [_account("A"), _account("B")]})]
    body = api(
        "GET",
        "composite/sobjects/Account",
        params={"ids": f"{ids[1]},001000000000099AAA,{ids[0]}", "fields": "Name"},
    ).json()
    assert [r and r["Name"] for r in body] == ["B", None, "A"]


def test_body_without_records_is_a_parser_error(api: Api) -> None:
    response = api("POST", "composite/sobjects", json={"allOrNone": True})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
