"""``/composite/graph`` over real HTTPS: each graph all-or-nothing on its own."""

from __future__ import annotations

from typing import Any

import pytest
from rest_api_support import Api, SalesforceClient

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

V = "/services/data/v59.0"


def _node(ref: str, method: str, url: str, body: Any = None) -> dict[str, Any]:
    node: dict[str, Any] = {"method": method, "url": f"{V}/{url}", "referenceId": ref}
    if body is not None:
        node["body"] = body
    return node


def _account_with_contact(prefix: str, email: str) -> list[dict[str, Any]]:
    return [
        _node(f"{prefix}Account", "POST", "sobjects/Account", {"Name": f"{prefix} Co"}),
        _node(
            f"{prefix}Contact",
            "POST",
            "sobjects/Contact",
            {"LastName": prefix, "Email": email, "AccountId": f"@{{{prefix}Account.id}}"},
        ),
    ]


def _names(mock_server: ThreadedMockServer, org: BareOrg) -> list[str]:
    rows = mock_server.backend.store.execute(
        'SELECT "Name" FROM "sobj_account" WHERE _org_id = ? ORDER BY "Name"', [org.org_id]
    )
    return [r[0] for r in rows]


def test_each_graph_commits_or_rolls_back_alone(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    result = sf.restful(
        "composite/graph",
        method="POST",
        json={
            "graphs": [
                {"graphId": "good", "compositeRequest": _account_with_contact("Good", "g@x.com")},
                {"graphId": "bad", "compositeRequest": _account_with_contact("Bad", "nope")},
            ]
        },
    )
    good, bad = result["graphs"]
    assert good["graphId"] == "good" and good["isSuccessful"] is True
    entries = good["graphResponse"]["compositeResponse"]
    assert [e["httpStatusCode"] for e in entries] == [201, 201]
    contact = sf.Contact.get(entries[1]["body"]["id"])
    assert contact["AccountId"] == entries[0]["body"]["id"]
    assert bad["graphId"] == "bad" and bad["isSuccessful"] is False
    halted, failed = bad["graphResponse"]["compositeResponse"]
    assert halted["httpStatusCode"] == 400
    assert halted["body"][0]["errorCode"] == "PROCESSING_HALTED"
    assert failed["body"][0]["errorCode"] == "INVALID_EMAIL_ADDRESS"
    assert failed["referenceId"] == "BadContact"
    assert _names(mock_server, bare_org) == ["Good Co"]


def test_graph_nodes_are_sobject_resources_only(api: Api) -> None:
    response = api(
        "POST",
        "composite/graph",
        json={
            "graphs": [
                {
                    "graphId": "g1",
                    "compositeRequest": [_node("q", "GET", "query?q=SELECT+Id+FROM+Account")],
                }
            ]
        },
    )
    assert response.status_code == 200
    [graph] = response.json()["graphs"]
    assert graph["isSuccessful"] is False
    assert graph["graphResponse"]["compositeResponse"][0]["body"][0]["errorCode"] == "INVALID_INPUT"


def test_upsert_and_read_nodes(sf: SalesforceClient) -> None:
    result = sf.restful(
        "composite/graph",
        method="POST",
        json={
            "graphs": [
                {
                    "graphId": "g1",
                    "compositeRequest": [
                        _node("acc", "POST", "sobjects/Account", {"Name": "Read Co"}),
                        _node("read", "GET", "sobjects/Account/@{acc.id}"),
                        _node("rename", "PATCH", "sobjects/Account/@{acc.id}", {"Name": "Renamed"}),
                    ],
                }
            ]
        },
    )
    [graph] = result["graphs"]
    assert graph["isSuccessful"] is True
    read = graph["graphResponse"]["compositeResponse"][1]
    assert read["body"]["Name"] == "Read Co"
    account_id = graph["graphResponse"]["compositeResponse"][0]["body"]["id"]
    assert sf.Account.get(account_id)["Name"] == "Renamed"


@pytest.mark.parametrize(
    ("graphs", "code"),
    [
        ([], "INVALID_INPUT"),
        ([{"graphId": "_bad", "compositeRequest": [_node("a", "GET", "limits")]}], "INVALID_INPUT"),
        (
            [
                {"graphId": "same", "compositeRequest": [_node("a", "GET", "limits")]},
                {"graphId": "same", "compositeRequest": [_node("b", "GET", "limits")]},
            ],
            "INVALID_INPUT",
        ),
        (
            [
                {"graphId": f"g{i}", "compositeRequest": [_node("a", "GET", "limits")]}
                for i in range(76)
            ],
            "LIMIT_EXCEEDED",
        ),
        (
            [
                {
                    "graphId": "big",
                    "compositeRequest": [
                        _node(f"a{i}", "POST", "sobjects/Account", {"Name": "A"})
                        for i in range(501)
                    ],
                }
            ],
            "LIMIT_EXCEEDED",
        ),
        (
            [
                {
                    "graphId": "deep",
                    "compositeRequest": [_node("n0", "POST", "sobjects/Account", {"Name": "A"})]
                    + [
                        _node(f"n{i}", "PATCH", f"sobjects/Account/@{{n{i - 1}.id}}", {"Name": "A"})
                        for i in range(1, 16)
                    ],
                }
            ],
            "LIMIT_EXCEEDED",
        ),
    ],
)
def test_graph_limits_and_ids(api: Api, graphs: list[Any], code: str) -> None:
    response = api("POST", "composite/graph", json={"graphs": graphs})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == code


def test_after_14_failed_graphs_the_rest_are_halted(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    failing = [
        {"graphId": f"f{i}", "compositeRequest": [_node("a", "POST", "sobjects/Account", {})]}
        for i in range(15)
    ]
    last = {
        "graphId": "last",
        "compositeRequest": [_node("a", "POST", "sobjects/Account", {"Name": "Late"})],
    }
    response = api("POST", "composite/graph", json={"graphs": [*failing, last]})
    graphs = response.json()["graphs"]
    assert [g["isSuccessful"] for g in graphs] == [False] * 16
    first_error = graphs[0]["graphResponse"]["compositeResponse"][0]["body"][0]
    assert first_error["errorCode"] == "REQUIRED_FIELD_MISSING"
    halted = graphs[15]["graphResponse"]["compositeResponse"][0]["body"][0]
    assert halted["errorCode"] == "PROCESSING_HALTED"
    assert _names(mock_server, bare_org) == []
