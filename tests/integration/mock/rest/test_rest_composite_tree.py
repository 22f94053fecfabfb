"""``/composite/tree/{sObject}`` over real HTTPS: record trees created all-or-nothing, as the
Salesforce CLI's ``data import tree`` and jsforce send them."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from rest_api_support import Api, SalesforceClient, error_code
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg


def _account(ref: str, name: str, **extra: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Account", "referenceId": ref}, "Name": name, **extra}


def _contact(ref: str, last: str, **extra: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Contact", "referenceId": ref}, "LastName": last, **extra}


def _tree(api: Api, sobject: str, records: list[Any]) -> requests.Response:
    return api("POST", f"composite/tree/{sobject}", json={"records": records})


def _count(mock_server: ThreadedMockServer, org: BareOrg, table: str) -> int:
    rows = mock_server.backend.store.execute(
        f'SELECT count(*) FROM "{table}" WHERE _org_id = ?', [org.org_id]
    )
    return int(rows[0][0])


def test_parents_and_nested_children_are_created(sf: SalesforceClient) -> None:
    body = {
        "records": [
            _account(
                "ref1",
                "Tree Co",
                Phone="03-1234-5678",
                Contacts={
                    "records": [
                        _contact(
                            "ref2",
                            "Suzuki",
                            Tasks={
                                "records": [
                                    {
                                        "attributes": {"type": "Task", "referenceId": "ref3"},
                                        "Subject": "Call",
                                    }
                                ]
                            },
                        ),
                        _contact("ref4", "Tanaka", Email="tanaka@example.com"),
                    ]
                },
            ),
            _account("ref5", "Second Co"),
        ]
    }
    result = sf.restful("composite/tree/Account", method="POST", json=body)
    assert result["hasErrors"] is False
    ids = {r["referenceId"]: r["id"] for r in result["results"]}
    assert [r["referenceId"] for r in result["results"]] == ["ref1", "ref2", "ref3", "ref4", "ref5"]
    assert [ids[r][:3] for r in ("ref1", "ref2", "ref3", "ref4", "ref5")] == [
        "001",
        "003",
        "00T",
        "003",
        "001",
    ]
    assert sf.Contact.get(ids["ref2"])["AccountId"] == ids["ref1"]
    assert sf.Contact.get(ids["ref4"])["AccountId"] == ids["ref1"]
    assert sf.Task.get(ids["ref3"])["WhoId"] == ids["ref2"]
    assert sf.Account.get(ids["ref1"])["Phone"] == "03-1234-5678"


def test_answers_201(api: Api) -> None:
    response = _tree(api, "account", [_account("a", "Status Co")])
    assert response.status_code == 201


def test_one_bad_record_saves_nothing(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    response = _tree(
        api,
        "Account",
        [
            _account(
                "ok1", "Fine Co", Contacts={"records": [_contact("bad", "Ito", Email="nope")]}
            ),
            _account("ok2", "Also Fine Co"),
        ],
    )
    assert response.status_code == 400
    assert response.json() == {
        "hasErrors": True,
        "results": [
            {
                "referenceId": "bad",
                "errors": [
                    {
                        "statusCode": "INVALID_EMAIL_ADDRESS",
                        "message": "Email: invalid email address: nope",
                        "fields": ["Email"],
                    }
                ],
            }
        ],
    }
    assert _count(mock_server, bare_org, "sobj_account") == 0
    assert _count(mock_server, bare_org, "sobj_contact") == 0


@pytest.mark.parametrize(
    ("records", "reference_id", "code"),
    [
        ([_account("dup", "A"), _account("dup", "B")], "dup", "INVALID_INPUT"),
        ([{"attributes": {"type": "Account"}, "Name": "No ref"}], None, "INVALID_INPUT"),
        ([_contact("wrongType", "Root must be Account")], "wrongType", "INVALID_TYPE"),
        ([_account("noField", "A", Nope__c=1)], "noField", "INVALID_FIELD"),
        ([_account("noName", "")], "noName", "REQUIRED_FIELD_MISSING"),
    ],
)
def test_record_errors_name_the_record(
    api: Api, records: list[Any], reference_id: str | None, code: str
) -> None:
    response = _tree(api, "Account", records)
    assert response.status_code == 400
    body = response.json()
    assert body["hasErrors"] is True
    [failed] = body["results"]
    assert failed["referenceId"] == reference_id
    assert failed["errors"][0]["statusCode"] == code


def test_at_most_200_records_in_all(sf: SalesforceClient, api: Api) -> None:
    children = {"records": [_contact(f"c{i}", f"C{i}") for i in range(199)]}
    too_many = [_account("parent", "Big Co", Contacts=children), _account("extra", "Extra")]
    response = _tree(api, "Account", too_many)
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "LIMIT_EXCEEDED"
    ok = _tree(api, "Account", too_many[:1])
    assert ok.status_code == 201
    assert len(ok.json()["results"]) == 200


def test_unknown_object_is_404(sf: SalesforceClient) -> None:
    with pytest.raises(Exception) as caught:
        sf.restful("composite/tree/Nope__c", method="POST", json={"records": []})
    assert error_code(caught.value) == "NOT_FOUND"


def test_body_without_records_is_a_parser_error(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.restful("composite/tree/Account", method="POST", json={"rows": []})
    assert error_code(caught.value) == "JSON_PARSER_ERROR"
