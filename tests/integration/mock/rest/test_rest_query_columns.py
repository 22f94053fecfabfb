"""``query?q=…&columns=true``: the query's columns as Salesforce's ``columnMetadata``, which the
Salesforce CLI asks for after every ``sf data query`` to lay out its table and CSV."""

from __future__ import annotations

from typing import Any

from rest_api_support import Api


def _columns(api: Api, soql: str) -> dict[str, Any]:
    response = api("GET", "query", params={"q": soql, "columns": "true"})
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _column(
    name: str,
    *,
    apex: str | None,
    display: str | None = None,
    aggregate: bool = False,
    boolean: bool = False,
    number: bool = False,
    text: bool = False,
    editable: bool = False,
    foreign_key: str | None = None,
    custom: bool = False,
    join: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "aggregate": aggregate,
        "apexType": apex,
        "booleanType": boolean,
        "columnName": name,
        "custom": custom,
        "displayName": display or name,
        "foreignKeyName": foreign_key,
        "insertable": editable,
        "joinColumns": join or [],
        "numberType": number,
        "textType": text,
        "updatable": editable,
    }


def test_fields_relationships_and_a_child_subquery_are_described_as_salesforce_does(
    api: Api,
) -> None:
    body = _columns(
        api,
        "SELECT Id, Name, NumberOfEmployees, Owner.Name, Owner.Email, "
        "(SELECT LastName, Account.Name FROM Contacts) FROM Account",
    )

    assert {k: v for k, v in body.items() if k != "columnMetadata"} == {
        "entityName": "Account",
        "groupBy": False,
        "idSelected": True,
        "keyPrefix": "001",
    }
    assert body["columnMetadata"] == [
        _column("Id", apex="Id"),
        _column("Name", apex="String", text=True, editable=True),
        _column("NumberOfEmployees", apex="Integer", number=True, editable=True),
        _column(
            "Owner",
            apex=None,
            foreign_key="OwnerId",
            join=[
                # A user's Name is computed from first and last name: neither settable.
                _column("Name", apex="String", text=True),
                _column("Email", apex="String", text=True, editable=True),
            ],
        ),
        _column(
            "Contacts",
            apex=None,
            aggregate=True,
            join=[
                _column("LastName", apex="String", text=True, editable=True),
                _column(
                    "Account",
                    apex=None,
                    foreign_key="AccountId",
                    join=[_column("Name", apex="String", text=True, editable=True)],
                ),
            ],
        ),
    ]


def test_aggregates_are_named_expr_n_or_by_alias_and_displayed_as_written(api: Api) -> None:
    body = _columns(
        api,
        "SELECT Industry, count(Id), AVG(NumberOfEmployees) average, MAX(CreatedDate) "
        "FROM Account GROUP BY Industry",
    )

    assert body["groupBy"] is True
    assert body["idSelected"] is False
    assert [
        (c["columnName"], c["displayName"], c["aggregate"], c["numberType"])
        for c in body["columnMetadata"]
    ] == [
        ("Industry", "Industry", False, False),
        ("expr0", "count(Id)", True, True),
        ("average", "AVG(NumberOfEmployees)", True, True),
        ("expr1", "MAX(CreatedDate)", True, False),
    ]


def test_polymorphic_lookups_and_fields_all_are_described(api: Api) -> None:
    polymorphic = _columns(api, "SELECT Who.Name, What.Name FROM Task")
    assert [
        (c["columnName"], c["foreignKeyName"], [j["columnName"] for j in c["joinColumns"]])
        for c in polymorphic["columnMetadata"]
    ] == [("Who", "WhoId", ["Name"]), ("What", "WhatId", ["Name"])]

    every_field = _columns(api, "SELECT FIELDS(ALL) FROM Lead LIMIT 1")
    names = [c["columnName"] for c in every_field["columnMetadata"]]
    assert names[:2] == ["Id", "IsDeleted"]
    assert {"LastName", "Company", "Phone"} <= set(names)
    assert every_field["idSelected"] is True
    assert every_field["keyPrefix"] == "00Q"


def test_count_only_has_no_columns(api: Api) -> None:
    body = _columns(api, "SELECT COUNT() FROM Contact")
    assert body["columnMetadata"] == []
    assert body["entityName"] == "Contact"


def test_a_bad_query_gets_the_same_error_as_without_columns(api: Api) -> None:
    for params in (
        {"q": "SELECT Nope FROM Account"},
        {"q": "SELECT Nope FROM Account", "columns": "true"},
    ):
        response = api("GET", "query", params=params)
        assert response.status_code == 400
        [error] = response.json()
        assert error["errorCode"] == "INVALID_FIELD"
        assert "No such column 'Nope' on entity 'Account'" in error["message"]


def test_columns_do_not_run_the_query(api: Api) -> None:
    body = _columns(api, "SELECT Id FROM Account")
    assert "records" not in body
    assert "totalSize" not in body
