"""SELECT lists: fields in Salesforce's JSON shape, parent paths, polymorphic Who/What, child
subqueries, FIELDS(), the caller's view of the schema, and org isolation."""

from __future__ import annotations

from typing import Any

import pytest

from mock_salesforce.errors import SalesforceError
from tests.unit.mock.soql.soql_world import World, build_world


def test_fields_use_canonical_names_in_selection_order(world: World) -> None:
    [record] = world.records("select NAME, id, industry from ACCOUNT where name = 'Globex'")
    assert list(record) == ["attributes", "Name", "Id", "Industry"]
    assert record["attributes"] == {
        "type": "Account",
        "url": f"/services/data/v59.0/sobjects/Account/{world.ids['globex']}",
    }
    assert record["Name"] == "Globex" and record["Id"] == world.ids["globex"]


def test_url_follows_the_api_version(world: World) -> None:
    [record] = world.records("SELECT Id FROM Account WHERE Name = 'Globex'", api_version="51.0")
    assert record["attributes"]["url"].startswith("/services/data/v51.0/sobjects/Account/")


def test_values_in_salesforce_formats(world: World) -> None:
    [acme] = world.records(
        "SELECT NumberOfEmployees, AnnualRevenue, CreatedDate, IsDeleted, Phone "
        "FROM Account WHERE Name = 'Acme Corp'"
    )
    assert acme["NumberOfEmployees"] == 120 and type(acme["NumberOfEmployees"]) is int
    assert acme["AnnualRevenue"] == 1500000.5 and type(acme["AnnualRevenue"]) is float
    assert acme["CreatedDate"] == "2024-01-31T00:30:00.000+0000"
    assert acme["IsDeleted"] is False
    assert acme["Phone"] == "03-1234-5678"
    [taro] = world.records("SELECT Birthdate, Email FROM Contact WHERE LastName = 'Yamada'")
    assert taro["Birthdate"] == "1990-05-01"
    [globex] = world.records("SELECT AnnualRevenue FROM Account WHERE Name = 'Globex'")
    assert globex["AnnualRevenue"] == 250000.0 and type(globex["AnnualRevenue"]) is float


def test_parent_paths_nest_and_are_null_without_a_parent(world: World) -> None:
    records = world.records(
        "SELECT LastName, Account.Name, Account.Owner.Name FROM Contact ORDER BY LastName"
    )
    by_name = {r["LastName"]: r for r in records}
    assert by_name["Yamada"]["Account"] == {
        "attributes": {
            "type": "Account",
            "url": f"/services/data/v59.0/sobjects/Account/{world.ids['acme']}",
        },
        "Name": "Acme Corp",
        "Owner": {
            "attributes": {
                "type": "User",
                "url": f"/services/data/v59.0/sobjects/User/{world.ids['admin']}",
            },
            "Name": "Ada Admin",
        },
    }
    assert by_name["Suzuki"]["Account"]["Owner"]["Name"] == "Ben Sales"
    assert by_name["O'Brien"]["Account"] is None


def test_relationship_appears_where_first_selected(world: World) -> None:
    [record] = world.records(
        "SELECT Account.Name, Id, Account.Industry FROM Contact WHERE LastName = 'Yamada'"
    )
    assert list(record) == ["attributes", "Account", "Id"]
    assert list(record["Account"]) == ["attributes", "Name", "Industry"]
    assert record["Account"]["Industry"] == "Banking"


def test_polymorphic_who_and_what_join_their_targets(world: World) -> None:
    records = world.records(
        "SELECT Subject, Who.Name, Who.Type, What.Name FROM Task ORDER BY Subject"
    )
    by_subject = {r["Subject"]: r for r in records}
    call = by_subject["Call Yamada"]
    assert call["Who"] == {
        "attributes": {
            "type": "Name",
            "url": f"/services/data/v59.0/sobjects/Contact/{world.ids['taro']}",
        },
        "Name": "Taro Yamada",
        "Type": "Contact",
    }
    assert call["What"]["Name"] == "Acme Corp"
    assert call["What"]["attributes"]["url"].endswith(f"/Account/{world.ids['acme']}")
    lead_call = by_subject["Call Tanaka"]
    assert lead_call["Who"]["Name"] == "Kenji Tanaka"
    assert lead_call["Who"]["Type"] == "Lead"
    assert lead_call["Who"]["attributes"]["url"].endswith(f"/Lead/{world.ids['kenji']}")
    assert lead_call["What"] is None
    assert by_subject["Follow up"]["Who"] is None


def test_polymorphic_relationship_filters(world: World) -> None:
    subjects = world.values(
        "SELECT Subject FROM Task WHERE Who.Type = 'Lead' OR What.Name = 'acme corp' "
        "ORDER BY Subject",
        "Subject",
    )
    assert subjects == ["Call Tanaka", "Call Yamada", "Email Sato"]


def test_polymorphic_relationship_exposes_only_the_name_object(world: World) -> None:
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT Who.Industry FROM Task")
    assert caught.value.error_code == "INVALID_FIELD"
    assert "No such column 'Industry' on entity 'Name'" in caught.value.message


def test_child_subquery_with_where_order_and_limit(world: World) -> None:
    records = world.records(
        "SELECT Name, (SELECT LastName, Email FROM Contacts WHERE LastName != 'Nobody' "
        "ORDER BY LastName DESC LIMIT 1) FROM Account WHERE Name IN ('Acme Corp', 'initech') "
        "ORDER BY Name"
    )
    acme, initech = records
    assert acme["Contacts"] == {
        "totalSize": 1,
        "done": True,
        "records": [
            {
                "attributes": {
                    "type": "Contact",
                    "url": f"/services/data/v59.0/sobjects/Contact/{world.ids['taro']}",
                },
                "LastName": "Yamada",
                "Email": "taro@example.com",
            }
        ],
    }
    assert initech["Contacts"] is None


def test_child_subquery_over_a_polymorphic_lookup(world: World) -> None:
    [taro] = world.records(
        "SELECT LastName, (SELECT Subject, Status FROM Tasks) FROM Contact "
        "WHERE LastName = 'Yamada'"
    )
    assert [t["Subject"] for t in taro["Tasks"]["records"]] == ["Call Yamada"]
    [lead] = world.records("SELECT Company, (SELECT Subject FROM Tasks) FROM Lead")
    assert [t["Subject"] for t in lead["Tasks"]["records"]] == ["Call Tanaka"]


def test_child_subqueries_run_once_per_page(world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    statements: list[str] = []
    real = world.backend.store.execute
    schema = world.schema

    def counting(sql: str, params: Any = ()) -> list[tuple[Any, ...]]:
        statements.append(sql)
        return real(sql, params)

    monkeypatch.setattr(world.backend.store, "execute", counting)
    records = world.records(
        "SELECT Name, (SELECT LastName FROM Contacts), (SELECT Subject FROM Tasks) FROM Account",
        schema=schema,
    )
    assert len(records) == 4
    assert len(statements) == 3  # the page, then one statement per child relationship
    assert sum(1 for r in records if r["Contacts"]) == 2
    assert sum(1 for r in records if r["Tasks"]) == 1


def test_child_subquery_parent_paths(world: World) -> None:
    [acme] = world.records(
        "SELECT (SELECT LastName, Owner.Name FROM Contacts ORDER BY LastName) FROM Account "
        "WHERE Name = 'Acme Corp'"
    )
    assert [(c["LastName"], c["Owner"]["Name"]) for c in acme["Contacts"]["records"]] == [
        ("Sato", "Ben Sales"),
        ("Yamada", "Ada Admin"),
    ]


def test_deleted_rows_only_with_query_all(world: World) -> None:
    names = world.values("SELECT Name FROM Account ORDER BY Name", "Name")
    assert "Deleted Co" not in names
    everything = world.records(
        "SELECT Name, IsDeleted FROM Account ORDER BY Name", include_deleted=True
    )
    assert {"Name": "Deleted Co", "IsDeleted": True} in [
        {k: r[k] for k in ("Name", "IsDeleted")} for r in everything
    ]


def test_from_alias_and_object_name_prefix(world: World) -> None:
    assert world.values("SELECT a.Name FROM Account a WHERE a.Name = 'Globex'", "Name") == [
        "Globex"
    ]
    assert world.values("SELECT Account.Name FROM Account WHERE Name = 'Globex'", "Name") == [
        "Globex"
    ]


def test_fields_function(world: World) -> None:
    [record] = world.records("SELECT FIELDS(STANDARD) FROM Task WHERE Subject = 'Call Yamada'")
    assert record["Subject"] == "Call Yamada" and record["CallDurationInSeconds"] == 120
    assert "MiiTel_Call_URL__c" not in record
    [custom] = world.records(
        "SELECT Id, FIELDS(CUSTOM) FROM Task WHERE Subject = 'Call Yamada' LIMIT 1"
    )
    assert "MiiTel_Call_URL__c" in custom and "Subject" not in custom
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT FIELDS(ALL) FROM Task")
    assert caught.value.error_code == "MALFORMED_QUERY"
    assert "LIMIT of at most 200" in caught.value.message


def test_a_hidden_field_does_not_exist_for_the_caller(world: World) -> None:
    view = world.view(hidden_fields={"Account": ["Industry"]})
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT Name, Industry FROM Account", schema=view)
    assert caught.value.error_code == "INVALID_FIELD"
    assert "No such column 'Industry' on entity 'Account'" in caught.value.message
    with pytest.raises(SalesforceError):
        world.run("SELECT Name FROM Contact WHERE Account.Industry = 'Banking'", schema=view)


def test_an_unreadable_object_is_not_supported(world: World) -> None:
    view = world.view(readable_objects=["Account", "User"])
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT Id FROM Contact", schema=view)
    assert caught.value.error_code == "INVALID_TYPE"
    with pytest.raises(SalesforceError) as child:
        world.run("SELECT (SELECT Id FROM Contacts) FROM Account", schema=view)
    assert child.value.error_code == "INVALID_TYPE"


def test_custom_fields_exist_only_in_orgs_that_have_them(world: World) -> None:
    [task] = world.records("SELECT MiiTel_Call_URL__c FROM Task WHERE Subject = 'Call Yamada'")
    assert task["MiiTel_Call_URL__c"] is None
    second = build_world(profile="second", name="Second Org", username="admin@second.example")
    try:
        with pytest.raises(SalesforceError) as caught:
            second.run("SELECT MiiTel_Call_URL__c FROM Task")
        assert caught.value.error_code == "INVALID_FIELD"
    finally:
        second.backend.close()


def test_another_orgs_rows_are_invisible(fresh: World) -> None:
    from tests.conftest import make_bare_org

    other = make_bare_org(fresh.backend, name="Other", username="admin@other.example")
    account = fresh.schema.get("Account")
    assert account is not None
    from mock_salesforce.rows import insert

    insert(
        fresh.backend.store,
        org_id=other.org_id,
        obj=account,
        rows=[{"Name": "Other Org Account"}],
        actor_id=other.user_id,
        now=fresh.backend.clock.now(),
    )
    assert "Other Org Account" not in fresh.values("SELECT Name FROM Account", "Name")
    page = fresh.backend.queries.run(
        schema=fresh.schema,
        org_id=other.org_id,
        soql="SELECT Name FROM Account",
        include_deleted=True,
    )
    assert [r["Name"] for r in page.records] == ["Other Org Account"]
