"""COUNT(), aggregate functions, GROUP BY and HAVING, returned as AggregateResult records."""

from __future__ import annotations

import pytest

from mock_salesforce.errors import SalesforceError
from tests.unit.mock.soql.soql_world import World


def test_count_only_gives_total_size_and_no_records(world: World) -> None:
    page = world.run("SELECT COUNT() FROM Contact")
    assert (page.total_size, page.done, page.records) == (4, True, [])
    assert page.as_json(api_version="59.0") == {"totalSize": 4, "done": True, "records": []}
    assert world.run("SELECT count() FROM Account WHERE Industry = 'Banking'").total_size == 1
    assert world.run("SELECT COUNT() FROM Account LIMIT 2").total_size == 2
    assert world.run("SELECT COUNT() FROM Account", include_deleted=True).total_size == 5


def test_aggregates_without_group_by_give_one_row(world: World) -> None:
    [row] = world.records(
        "SELECT COUNT(Id), COUNT(Industry), COUNT_DISTINCT(OwnerId), MAX(Name) FROM Account"
    )
    assert row == {
        "attributes": {"type": "AggregateResult"},
        "expr0": 4,
        "expr1": 3,
        "expr2": 2,
        "expr3": "initech",
    }


def test_group_by_with_aliases_and_typed_results(world: World) -> None:
    rows = world.records(
        "SELECT OwnerId, COUNT(Id) cnt, SUM(NumberOfEmployees), AVG(NumberOfEmployees), "
        "MIN(CreatedDate) first, MAX(AnnualRevenue) FROM Account GROUP BY OwnerId "
        "ORDER BY COUNT(Id) DESC, OwnerId"
    )
    by_owner = {r["OwnerId"]: r for r in rows}
    admin = by_owner[world.ids["admin"]]
    assert list(admin) == ["attributes", "OwnerId", "cnt", "expr0", "expr1", "first", "expr2"]
    assert admin["cnt"] == 2
    assert admin["expr0"] == 125 and type(admin["expr0"]) is int
    assert admin["expr1"] == 62.5 and type(admin["expr1"]) is float
    assert admin["first"] == "2024-01-31T00:30:00.000+0000"
    assert admin["expr2"] == 1500000.5
    ben = by_owner[world.ids["ben"]]
    assert (ben["cnt"], ben["expr0"], ben["expr1"]) == (2, 40, 40.0)


def test_group_by_a_parent_field_uses_its_name(world: World) -> None:
    rows = world.records(
        "SELECT Owner.Name, COUNT(Id) FROM Task GROUP BY Owner.Name ORDER BY Owner.Name"
    )
    assert rows == [
        {"attributes": {"type": "AggregateResult"}, "Name": "Ada Admin", "expr0": 2},
        {"attributes": {"type": "AggregateResult"}, "Name": "Ben Sales", "expr0": 2},
    ]


def test_having_filters_groups(world: World) -> None:
    rows = world.records(
        "SELECT Status, COUNT(Id) n FROM Task GROUP BY Status HAVING COUNT(Id) > 1"
    )
    assert [(r["Status"], r["n"]) for r in rows] == [("Completed", 2)]
    rows = world.records(
        "SELECT Status FROM Task GROUP BY Status HAVING Status IN ('Completed', 'Deferred')"
    )
    assert [r["Status"] for r in rows] == ["Completed"]


def test_group_by_total_size_counts_groups(world: World) -> None:
    page = world.run("SELECT Industry, COUNT(Id) FROM Account GROUP BY Industry")
    assert page.total_size == 4 and len(page.records) == 4
    assert {r["Industry"] for r in page.records} == {"Banking", "Technology", "Retail", None}


@pytest.mark.parametrize(
    ("soql", "code", "message"),
    [
        (
            "SELECT Name, COUNT(Id) FROM Account GROUP BY OwnerId",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: Name",
        ),
        (
            "SELECT Name, COUNT(Id) FROM Account",
            "MALFORMED_QUERY",
            "Field must be grouped or aggregated: Name",
        ),
        (
            "SELECT SUM(Name) FROM Account",
            "INVALID_FIELD",
            "field Name does not support aggregate operator SUM",
        ),
        (
            "SELECT Description FROM Account GROUP BY Description",
            "INVALID_FIELD",
            "field 'Description' can not be grouped in a query call",
        ),
        (
            "SELECT OwnerId FROM Account GROUP BY OwnerId ORDER BY Name",
            "MALFORMED_QUERY",
            "Ordered field must be grouped or aggregated: Name",
        ),
        ("SELECT COUNT(), Name FROM Account", "MALFORMED_QUERY", "COUNT()"),
        ("SELECT Name FROM Account HAVING COUNT(Id) > 1", "MALFORMED_QUERY", "HAVING"),
        ("SELECT CALENDAR_YEAR(CreatedDate) FROM Account", "MALFORMED_QUERY", "CALENDAR_YEAR"),
        ("SELECT COUNT(Id) n, MAX(Name) n FROM Account", "MALFORMED_QUERY", "duplicate alias"),
    ],
)
def test_aggregate_rules(world: World, soql: str, code: str, message: str) -> None:
    with pytest.raises(SalesforceError) as caught:
        world.run(soql)
    assert caught.value.error_code == code
    assert message in caught.value.message


def test_aggregate_results_do_not_support_query_more(fresh: World) -> None:
    fresh.bulk_tasks(250)
    page = fresh.run("SELECT Subject, COUNT(Id) FROM Task GROUP BY Subject", batch_size=200)
    assert page.total_size == 254 and not page.done and len(page.records) == 200
    assert page.next_locator is not None
    with pytest.raises(SalesforceError) as caught:
        fresh.backend.queries.more(org_id=fresh.org.org_id, locator=page.next_locator)
    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"
    assert "Aggregate query does not support queryMore()" in caught.value.message
