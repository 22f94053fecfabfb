"""SOSL over HTTPS: simple-salesforce's ``search`` and ``quick_search``, and raw requests to
``search`` and ``parameterizedSearch`` (GET and POST), as a client sees them."""

from __future__ import annotations

from typing import Any

import pytest
from rest_api_support import Api, SalesforceClient, error_code, first_error
from simple_salesforce.exceptions import SalesforceMalformedRequest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.permissions import READ_ONLY
from mock_salesforce.rows import insert
from tests.conftest import BareOrg

STORED_FORMS = (
    "03-1234-5678",
    "0312345678",
    "(03) 1234-5678",
    "+81 3 1234 5678",
    "+81-3-1234-5678",
)


def _insert(
    server: ThreadedMockServer, org: BareOrg, sobject: str, rows: list[dict[str, Any]]
) -> list[str]:
    backend = server.backend
    obj = backend.org_schema(org.org_id).get(sobject)
    assert obj is not None
    return insert(
        backend.store,
        org_id=org.org_id,
        obj=obj,
        rows=rows,
        actor_id=org.user_id,
        now=backend.clock.now(),
    )


def _found(result: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((r["attributes"]["type"], r["Id"]) for r in result["searchRecords"])


def test_phone_search_finds_every_format_through_simple_salesforce(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    contacts = _insert(
        mock_server,
        bare_org,
        "Contact",
        [{"LastName": f"C{i}", "Phone": p} for i, p in enumerate(STORED_FORMS)],
    )
    [lead] = _insert(
        mock_server,
        bare_org,
        "Lead",
        [{"LastName": "L", "Company": "Co", "MobilePhone": "+81 3 1234 5678"}],
    )
    account = sf.Account.create({"Name": "Acme", "Phone": "(03) 1234-5678"})["id"]
    _insert(mock_server, bare_org, "Contact", [{"LastName": "Other", "Phone": "03-1234-5670"}])
    result = sf.search(
        "FIND {03-1234-5678} IN PHONE FIELDS "
        "RETURNING Contact(Id, Phone), Lead(Id, Phone), Account(Id, Phone)"
    )
    assert _found(result) == sorted(
        [("Contact", c) for c in contacts] + [("Lead", lead), ("Account", account)]
    )
    phones = {r["Id"]: r["Phone"] for r in result["searchRecords"]}
    assert phones[contacts[3]] == "+81 3 1234 5678"
    assert result["searchRecords"][0]["attributes"]["url"].startswith(
        "/services/data/v59.0/sobjects/"
    )


def test_several_numbers_in_one_request(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    tokyo, osaka = _insert(
        mock_server,
        bare_org,
        "Contact",
        [{"LastName": "T", "Phone": "03-1234-5678"}, {"LastName": "O", "Phone": "+81 6 1234 5678"}],
    )
    result = sf.search("FIND {0312345678 OR 0612345678} IN PHONE FIELDS RETURNING Contact(Id)")
    assert _found(result) == sorted([("Contact", tokyo), ("Contact", osaka)])


def test_a_record_written_through_rest_is_found_at_once(sf: SalesforceClient) -> None:
    record_id = sf.Contact.create(
        {"LastName": "山田", "FirstName": "太郎", "Phone": "090-1111-2222"}
    )["id"]
    assert _found(sf.search("FIND {09011112222} IN PHONE FIELDS RETURNING Contact")) == [
        ("Contact", record_id)
    ]
    sf.Contact.update(record_id, {"Phone": "+81 90 3333 4444"})
    assert sf.search("FIND {09011112222} IN PHONE FIELDS RETURNING Contact")["searchRecords"] == []
    assert _found(sf.search("FIND {090-3333-4444} IN PHONE FIELDS RETURNING Contact")) == [
        ("Contact", record_id)
    ]


def test_japanese_names_through_quick_search(sf: SalesforceClient) -> None:
    yamada = sf.Contact.create({"LastName": "山田", "FirstName": "太郎"})["id"]
    kana = sf.Lead.create({"LastName": "ヤマダ", "Company": "ヤマダ電機"})["id"]
    assert _found(sf.quick_search("山田")) == [("Contact", yamada)]
    assert _found(sf.quick_search("ヤマダ")) == [("Lead", kana)]
    assert _found(sf.search('FIND {"山田 太郎"} IN NAME FIELDS RETURNING Contact(Id, Name)')) == [
        ("Contact", yamada)
    ]
    [record] = sf.search("FIND {山田} RETURNING Contact(Name)")["searchRecords"]
    assert record["Name"] == "太郎 山田"


def test_parameterized_search_get_is_the_quick_search(sf: SalesforceClient, api: Api) -> None:
    account = sf.Account.create({"Name": "Acme Japan", "Phone": "03-1234-5678"})["id"]
    contact = sf.Contact.create({"LastName": "Acme"})["id"]
    plain = api("GET", "parameterizedSearch/", params={"q": "acme"})
    assert plain.status_code == 200
    assert _found(plain.json()) == sorted([("Account", account), ("Contact", contact)])
    shaped = api(
        "GET",
        "parameterizedSearch",
        params=[
            ("q", "acme"),
            ("sobject", "Account"),
            ("sobject", "Lead"),
            ("Account.fields", "Id,Name,Phone"),
            ("metadata", "LABELS"),
        ],
    )
    body = shaped.json()
    assert [{k: v for k, v in r.items() if k != "attributes"} for r in body["searchRecords"]] == [
        {"Id": account, "Name": "Acme Japan", "Phone": "03-1234-5678"}
    ]
    assert [m["entityName"] for m in body["metadata"]["entityLabelMetadata"]] == ["Account", "Lead"]


def test_parameterized_search_post(sf: SalesforceClient, api: Api) -> None:
    ids = [
        sf.Lead.create({"LastName": f"L{i}", "Company": f"Acme {i}", "Phone": "0312345678"})["id"]
        for i in range(3)
    ]
    response = api(
        "POST",
        "parameterizedSearch",
        json={
            "q": "03-1234-5678",
            "in": "PHONE",
            "sobjects": [
                {"name": "Lead", "fields": ["Company"], "where": "Company != 'Acme 1'", "limit": 5}
            ],
            "overallLimit": 1,
        },
    )
    assert response.status_code == 200, response.text
    [record] = response.json()["searchRecords"]
    assert record["attributes"]["type"] == "Lead" and record["Company"] in ("Acme 0", "Acme 2")
    assert record["attributes"]["url"].rsplit("/", 1)[1] in ids


def test_search_counts_against_the_api_allowance(sf: SalesforceClient, api: Api) -> None:
    before = api("GET", "limits").json()["DailyApiRequests"]["Remaining"]
    first = api("GET", "search", params={"q": "FIND {acme}"})
    second = api("GET", "parameterizedSearch", params={"q": "acme"})
    assert first.status_code == second.status_code == 200
    after = api("GET", "limits").json()["DailyApiRequests"]["Remaining"]
    assert before - after == 3
    assert first.headers["Sforce-Limit-Info"].startswith("api-usage=")


@pytest.mark.parametrize(
    ("q", "code", "message"),
    [
        ("FIND {a}", "INVALID_SEARCH", "search term must be longer than one character"),
        (
            "FIND acme",
            "MALFORMED_SEARCH",
            "No search term found. The search term must be enclosed in braces.",
        ),
        ("FIND {acme OR}", "MALFORMED_SEARCH", "unexpected end of search term"),
        (
            "FIND {acme} RETURNING Account(Nope)",
            "INVALID_FIELD",
            "No such column 'Nope' on entity 'Account'",
        ),
        (
            "FIND {acme} RETURNING Profile",
            "INVALID_TYPE",
            "entity type Profile does not support search",
        ),
    ],
)
def test_search_errors_through_simple_salesforce(
    sf: SalesforceClient, q: str, code: str, message: str
) -> None:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.search(q)
    assert error_code(caught.value) == code
    assert message in first_error(caught.value)["message"]


def test_parameterized_search_errors(api: Api) -> None:
    short = api("GET", "parameterizedSearch", params={"q": "a"})
    assert (short.status_code, short.json()[0]["errorCode"]) == (400, "INVALID_SEARCH")
    bad_scope = api("POST", "parameterizedSearch", json={"q": "acme", "in": "COMPANY"})
    assert bad_scope.json()[0]["errorCode"] == "MALFORMED_SEARCH"
    assert "'in'" in bad_scope.json()[0]["message"]
    bad_body = api(
        "POST", "parameterizedSearch", data="{", headers={"Content-Type": "application/json"}
    )
    assert bad_body.json()[0]["errorCode"] == "JSON_PARSER_ERROR"
    missing = api("GET", "search")
    assert missing.json()[0]["errorCode"] == "MALFORMED_SEARCH"


def test_search_sees_what_the_caller_may_read(
    mock_server: ThreadedMockServer, bare_org: BareOrg, api: Api
) -> None:
    backend = mock_server.backend
    profile = backend.permissions.create_profile(
        org_id=bare_org.org_id,
        name="Contacts only",
        permissions={"ApiEnabled"},
        object_access={"Contact": READ_ONLY},
    )
    assert profile.owned_permission_set_id is not None
    backend.permissions.set_field_access(
        org_id=bare_org.org_id,
        permission_set_id=profile.owned_permission_set_id,
        sobject="Contact",
        field_name="MobilePhone",
        read=False,
        edit=False,
    )
    [user] = _insert(
        mock_server,
        bare_org,
        "User",
        [
            {
                "Username": "rep@bare.example",
                "LastName": "Rep",
                "Alias": "rep",
                "Email": "rep@bare.example",
                "IsActive": True,
                "ProfileId": profile.profile_id,
                "LocaleSidKey": "ja_JP",
            }
        ],
    )
    backend.permissions.sync_profile_assignments(org_id=bare_org.org_id, user_id=user)
    token, _, _ = backend.sessions.issue(org_id=bare_org.org_id, user_id=user, app_name="MiiTel")
    [visible, _] = _insert(
        mock_server,
        bare_org,
        "Contact",
        [{"LastName": "A", "Phone": "0312345678"}, {"LastName": "B", "MobilePhone": "0312345678"}],
    )
    _insert(
        mock_server, bare_org, "Lead", [{"LastName": "L", "Company": "C", "Phone": "0312345678"}]
    )

    as_rep = api("GET", "search", params={"q": "FIND {03-1234-5678}"}, token=token)
    assert _found(as_rep.json()) == [("Contact", visible)]
    as_admin = api("GET", "search", params={"q": "FIND {03-1234-5678}"})
    assert len(as_admin.json()["searchRecords"]) == 3
    lead = api("GET", "search", params={"q": "FIND {03-1234-5678} RETURNING Lead"}, token=token)
    assert lead.json()[0]["errorCode"] == "INVALID_TYPE"
    hidden = api(
        "GET",
        "search",
        params={"q": "FIND {03-1234-5678} RETURNING Contact(MobilePhone)"},
        token=token,
    )
    assert hidden.json()[0]["errorCode"] == "INVALID_FIELD"


def test_scope_order_lists_the_searched_objects(api: Api) -> None:
    response = api("GET", "search/scopeOrder")
    assert response.status_code == 200
    scope = response.json()
    assert scope[:6] == [
        {"keyPrefix": "001", "name": "Account"},
        {"keyPrefix": "003", "name": "Contact"},
        {"keyPrefix": "00Q", "name": "Lead"},
        {"keyPrefix": "00T", "name": "Task"},
        {"keyPrefix": "00U", "name": "Event"},
        {"keyPrefix": "005", "name": "User"},
    ]
    assert "Profile" not in {entry["name"] for entry in scope}


def test_unserved_search_resources_are_salesforces_404(api: Api) -> None:
    for path in ("search/suggestions", "search/layout"):
        response = api("GET", path, params={"q": "acme"})
        assert response.status_code == 404
        assert response.json()[0]["errorCode"] == "NOT_FOUND"
    wrong_method = api("POST", "search", json={"q": "FIND {acme}"})
    assert wrong_method.status_code == 405


def test_the_version_resource_map_names_the_search_resources(api: Api) -> None:
    body = api("GET", "").json()
    assert body["search"] == "/services/data/v59.0/search"
    assert body["parameterizedSearch"] == "/services/data/v59.0/parameterizedSearch"
