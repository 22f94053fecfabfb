"""ORDER BY (directions, Salesforce's null placement, parent paths, picklist order), LIMIT and
OFFSET."""

from __future__ import annotations

import pytest

from mock_salesforce.errors import SalesforceError
from tests.unit.mock.soql.soql_world import World


def names(world: World, tail: str) -> list[str]:
    return world.values(f"SELECT Name FROM Account {tail}", "Name")


def test_order_by_text_ignores_case(world: World) -> None:
    assert names(world, "ORDER BY Name") == [
        "Acme Corp",
        "Globex",
        "initech",
        "Umbrella 100%_off",
    ]
    assert names(world, "ORDER BY Name DESC") == [
        "Umbrella 100%_off",
        "initech",
        "Globex",
        "Acme Corp",
    ]


def test_nulls_first_ascending_last_descending_unless_told(world: World) -> None:
    assert names(world, "ORDER BY Industry, Name")[0] == "initech"
    assert names(world, "ORDER BY Industry DESC, Name")[-1] == "initech"
    assert names(world, "ORDER BY Industry ASC NULLS LAST")[-1] == "initech"
    assert names(world, "ORDER BY Industry DESC NULLS FIRST")[0] == "initech"
    assert names(world, "ORDER BY NumberOfEmployees DESC NULLS LAST") == [
        "Acme Corp",
        "Globex",
        "initech",
        "Umbrella 100%_off",
    ]


def test_order_by_several_fields_and_parent_paths(world: World) -> None:
    records = world.records(
        "SELECT LastName FROM Contact ORDER BY Account.Name DESC NULLS LAST, LastName ASC"
    )
    assert [r["LastName"] for r in records] == ["Suzuki", "Sato", "Yamada", "O'Brien"]
    assert names(world, "ORDER BY Owner.Name, Name DESC") == [
        "initech",
        "Acme Corp",
        "Umbrella 100%_off",
        "Globex",
    ]


def test_picklists_sort_in_their_defined_order(world: World) -> None:
    priorities = world.values("SELECT Priority FROM Task ORDER BY Priority, Subject", "Priority")
    assert priorities == ["High", "Normal", "Normal", "Low"]
    statuses = world.values("SELECT Status FROM Task ORDER BY Status DESC", "Status")
    assert statuses == ["Completed", "Completed", "In Progress", "Not Started"]


def test_limit_and_offset(world: World) -> None:
    assert names(world, "ORDER BY Name LIMIT 2") == ["Acme Corp", "Globex"]
    assert names(world, "ORDER BY Name LIMIT 2 OFFSET 1") == ["Globex", "initech"]
    assert names(world, "ORDER BY Name OFFSET 3") == ["Umbrella 100%_off"]
    assert names(world, "LIMIT 0") == []
    page = world.run("SELECT Name FROM Account ORDER BY Name LIMIT 2")
    assert page.total_size == 2 and page.done


def test_offset_above_2000_is_refused(world: World) -> None:
    assert names(world, "ORDER BY Name OFFSET 2000") == []
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT Name FROM Account OFFSET 2001")
    assert caught.value.error_code == "NUMBER_OUTSIDE_VALID_RANGE"
    assert "Maximum SOQL offset allowed for apiVersion 59.0 is 2000" in caught.value.message


def test_a_field_that_cannot_be_sorted(world: World) -> None:
    with pytest.raises(SalesforceError) as caught:
        world.run("SELECT Id FROM Task ORDER BY Description")
    assert caught.value.error_code == "INVALID_FIELD"
    assert "field 'Description' can not be sorted in a query call" in caught.value.message


def test_order_without_fields_in_the_select_list(world: World) -> None:
    ids = world.values("SELECT Id FROM Account ORDER BY CreatedDate DESC, Name", "Id")
    assert ids[:2] == [world.ids["initech"], world.ids["umbrella"]]


def test_clauses_accepted_and_ignored(world: World) -> None:
    for tail in (
        "WITH SECURITY_ENFORCED ORDER BY Name",
        "ORDER BY Name FOR VIEW",
        "ORDER BY Name FOR REFERENCE",
        "ORDER BY Name LIMIT 10 FOR UPDATE",
        "WITH USER_MODE ORDER BY Name",
    ):
        assert names(world, tail)[0] == "Acme Corp", tail
