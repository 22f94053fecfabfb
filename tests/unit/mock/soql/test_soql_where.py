"""WHERE: operators, SOQL's null and case rules, literals and escapes, date tokens, semi-joins,
multi-select picklists, and type checks against the field."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from mock_salesforce.errors import SalesforceError
from mock_salesforce.schema import FieldType, OrgSchema
from mock_salesforce.schema.standard import f
from tests.unit.mock.soql.soql_world import World


def names(world: World, where: str) -> list[str]:
    return world.values(f"SELECT Name FROM Account WHERE {where} ORDER BY Name", "Name")


def error_of(world: World, soql: str) -> SalesforceError:
    with pytest.raises(SalesforceError) as caught:
        world.run(soql)
    assert caught.value.status == 400
    return caught.value


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("NumberOfEmployees = 120", ["Acme Corp"]),
        ("NumberOfEmployees != 120", ["Globex", "initech", "Umbrella 100%_off"]),
        ("NumberOfEmployees <> 120", ["Globex", "initech", "Umbrella 100%_off"]),
        ("NumberOfEmployees < 40", ["initech"]),
        ("NumberOfEmployees <= 40", ["Globex", "initech"]),
        ("NumberOfEmployees > 40", ["Acme Corp"]),
        ("NumberOfEmployees >= 40", ["Acme Corp", "Globex"]),
        ("AnnualRevenue > 250000.01", ["Acme Corp"]),
        ("AnnualRevenue >= 250000", ["Acme Corp", "Globex"]),
        ("NumberOfEmployees > -1", ["Acme Corp", "Globex", "initech"]),
    ],
)
def test_comparison_operators_on_numbers(world: World, where: str, expected: list[str]) -> None:
    assert names(world, where) == expected


def test_string_equality_ignores_case_and_not_equal_includes_null(world: World) -> None:
    assert names(world, "Name = 'ACME corp'") == ["Acme Corp"]
    assert names(world, "Industry = 'banking'") == ["Acme Corp"]
    assert names(world, "Industry != 'Banking'") == ["Globex", "initech", "Umbrella 100%_off"]
    assert names(world, "Name > 'h'") == ["initech", "Umbrella 100%_off"]


def test_null_comparisons(world: World) -> None:
    assert names(world, "Industry = null") == ["initech"]
    assert names(world, "Industry != NULL") == ["Acme Corp", "Globex", "Umbrella 100%_off"]
    assert names(world, "Industry = ''") == ["initech"]


def test_like_is_case_insensitive_with_wildcards_and_escapes(world: World) -> None:
    assert names(world, "Name LIKE 'acme%'") == ["Acme Corp"]
    assert names(world, "Name LIKE '_lobex'") == ["Globex"]
    assert names(world, "Name LIKE '%100\\%\\_off'") == ["Umbrella 100%_off"]
    assert names(world, "Name LIKE '%\\%%'") == ["Umbrella 100%_off"]
    assert names(world, "Name LIKE '%1_0%'") == ["Umbrella 100%_off"]
    assert names(world, "Name LIKE 'Umbrella 1\\_0%'") == []


def test_in_and_not_in(world: World) -> None:
    assert names(world, "Industry IN ('Banking', 'technology')") == ["Acme Corp", "Globex"]
    assert names(world, "Industry NOT IN ('Banking', 'Technology')") == [
        "initech",
        "Umbrella 100%_off",
    ]
    assert names(world, "Industry IN ('Retail', null)") == ["initech", "Umbrella 100%_off"]
    assert names(world, "Industry NOT IN ('Retail', null)") == ["Acme Corp", "Globex"]
    assert names(world, "Name IN ('Globex')") == ["Globex"]


def test_and_or_not_and_parentheses(world: World) -> None:
    assert names(world, "Industry = 'Banking' OR Industry = 'Retail'") == [
        "Acme Corp",
        "Umbrella 100%_off",
    ]
    assert names(world, "NumberOfEmployees > 10 AND NumberOfEmployees < 100") == ["Globex"]
    assert names(world, "NOT Name = 'Globex' AND Industry != null") == [
        "Acme Corp",
        "Umbrella 100%_off",
    ]
    assert names(
        world, "(Industry = 'Banking' OR Industry = 'Retail') AND Owner.Name = 'Ben Sales'"
    ) == ["Umbrella 100%_off"]
    assert names(world, "NOT (Industry = 'Banking' OR Industry = null)") == [
        "Globex",
        "Umbrella 100%_off",
    ]


def test_and_with_or_needs_parentheses(world: World) -> None:
    error = error_of(world, "SELECT Id FROM Account WHERE Name = 'a' AND Name = 'b' OR Name = 'c'")
    assert error.error_code == "MALFORMED_QUERY"
    assert error.message.endswith("unexpected token: 'OR'")


def test_booleans_and_picklists(world: World) -> None:
    closed = world.values(
        "SELECT Subject FROM Task WHERE IsClosed = TRUE ORDER BY Subject", "Subject"
    )
    assert closed == ["Call Yamada", "Email Sato"]
    assert world.values(
        "SELECT Subject FROM Task WHERE IsClosed = false AND Status = 'not started'", "Subject"
    ) == ["Call Tanaka"]
    assert world.values(
        "SELECT Subject FROM Task WHERE Priority IN ('high', 'LOW') ORDER BY Subject", "Subject"
    ) == ["Call Yamada", "Email Sato"]


def test_quoted_string_escapes(world: World) -> None:
    assert world.values(
        "SELECT LastName FROM Contact WHERE LastName = 'O\\'Brien'", "LastName"
    ) == ["O'Brien"]
    assert world.values(
        "SELECT LastName FROM Contact WHERE Title = 'Line1\\nLine2'", "LastName"
    ) == ["O'Brien"]
    assert world.values(
        "SELECT LastName FROM Contact WHERE Title = 'Line1\\NLine2'", "LastName"
    ) == ["O'Brien"]
    error = error_of(world, "SELECT Id FROM Contact WHERE LastName = 'a\\qb'")
    assert error.error_code == "MALFORMED_QUERY"
    assert "Illegal character sequence '\\q'" in error.message


def test_values_are_bound_not_spliced(world: World) -> None:
    assert names(world, "Name = 'x\\' OR Name != \\'x'") == []
    assert names(world, "Name = '); DROP TABLE sobj_account; --'") == []
    assert len(names(world, "Name != null")) == 4


def test_ids_compare_in_either_length(world: World) -> None:
    acme = world.ids["acme"]
    assert names(world, f"Id = '{acme}'") == ["Acme Corp"]
    assert names(world, f"Id = '{acme[:15]}'") == ["Acme Corp"]
    wrong_case = acme[:4] + acme[4].swapcase() + acme[5:]
    assert (
        error_of(world, f"SELECT Id FROM Account WHERE Id = '{wrong_case}'").error_code
        == "INVALID_QUERY_FILTER_OPERATOR"
    )
    assert names(world, f"ParentId IN ('{acme}')") == ["initech"]
    error = error_of(world, "SELECT Id FROM Account WHERE Id = 'not-an-id'")
    assert error.error_code == "INVALID_QUERY_FILTER_OPERATOR"
    assert "invalid ID field: not-an-id" in error.message


def test_date_and_datetime_literals(world: World) -> None:
    assert world.values(
        "SELECT LastName FROM Contact WHERE Birthdate = 1990-05-01", "LastName"
    ) == ["Yamada"]
    assert (
        world.values("SELECT LastName FROM Contact WHERE Birthdate > 1990-05-01", "LastName") == []
    )
    assert names(world, "CreatedDate = 2024-01-31T00:30:00Z") == ["Acme Corp", "Globex"]
    assert names(world, "CreatedDate = 2024-01-31T09:30:00+09:00") == ["Acme Corp", "Globex"]
    assert names(world, "CreatedDate = 2024-01-30T19:30:00-05:00") == ["Acme Corp", "Globex"]
    assert names(world, "CreatedDate > 2024-01-31T00:30:00.000Z") == [
        "initech",
        "Umbrella 100%_off",
    ]
    assert names(world, "CreatedDate < 2024-02-01T00:00:00Z") == ["Acme Corp", "Globex"]


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("TODAY", ["Call Yamada"]),
        ("YESTERDAY", ["Call Tanaka"]),
        ("TOMORROW", ["Email Sato"]),
        ("LAST_N_DAYS:1", ["Call Tanaka", "Call Yamada"]),
        ("NEXT_N_DAYS:1", ["Email Sato"]),
        ("N_DAYS_AGO:1", ["Call Tanaka"]),
        ("LAST_90_DAYS", ["Call Tanaka", "Call Yamada"]),
        ("NEXT_90_DAYS", ["Email Sato"]),
        ("THIS_YEAR", None),
        ("NEXT_YEAR", None),
    ],
)
def test_date_tokens_on_a_date_field(world: World, token: str, expected: list[str] | None) -> None:
    got = world.values(
        f"SELECT Subject FROM Task WHERE ActivityDate = {token} ORDER BY Subject", "Subject"
    )
    if expected is None:  # year boundaries move with the clock: compute from the dates
        today = world.today
        dates = {
            "Call Tanaka": today - timedelta(days=1),
            "Call Yamada": today,
            "Email Sato": today + timedelta(days=1),
        }
        year = today.year + (1 if token == "NEXT_YEAR" else 0)
        expected = sorted(s for s, d in dates.items() if d.year == year)
    assert got == expected


def test_date_token_ranges_with_ordering_operators(world: World) -> None:
    def subjects(where: str) -> list[str]:
        return world.values(f"SELECT Subject FROM Task WHERE {where} ORDER BY Subject", "Subject")

    assert subjects("ActivityDate < TODAY") == ["Call Tanaka"]
    assert subjects("ActivityDate <= TODAY") == ["Call Tanaka", "Call Yamada"]
    assert subjects("ActivityDate > TODAY") == ["Email Sato"]
    assert subjects("ActivityDate >= TODAY") == ["Call Yamada", "Email Sato"]
    assert subjects("ActivityDate != TODAY") == ["Call Tanaka", "Email Sato", "Follow up"]
    assert subjects("ActivityDate IN (YESTERDAY, TOMORROW)") == ["Call Tanaka", "Email Sato"]


def test_week_month_tokens(fresh: World) -> None:
    today = fresh.today
    month_start = today.replace(day=1)
    last_month_day = month_start - timedelta(days=1)
    fresh.insert(
        "Task",
        [
            {"Subject": "week ago", "ActivityDate": today - timedelta(days=7)},
            {"Subject": "week ahead", "ActivityDate": today + timedelta(days=7)},
            {"Subject": "last month", "ActivityDate": last_month_day},
            {"Subject": "long ago", "ActivityDate": today - timedelta(days=100)},
        ],
    )

    def subjects(token: str) -> set[str]:
        return set(
            fresh.values(f"SELECT Subject FROM Task WHERE ActivityDate = {token}", "Subject")
        )

    assert "week ago" in subjects("LAST_WEEK") and "week ago" not in subjects("THIS_WEEK")
    assert "week ahead" in subjects("NEXT_WEEK")
    assert "Call Yamada" in subjects("THIS_WEEK") and "Call Yamada" in subjects("THIS_MONTH")
    assert "last month" in subjects("LAST_MONTH") and "last month" not in subjects("THIS_MONTH")
    assert "long ago" in subjects("LAST_N_DAYS:100")
    assert "long ago" not in subjects("LAST_90_DAYS")
    assert subjects("N_DAYS_AGO:100") == {"long ago"}


def test_date_token_on_a_datetime_field_covers_the_whole_utc_day(fresh: World) -> None:
    today = fresh.today
    midnight = datetime.combine(today, time(), tzinfo=UTC)
    fresh.insert(
        "Event",
        [
            {"Subject": "first second", "StartDateTime": midnight, "DurationInMinutes": 30},
            {
                "Subject": "last second",
                "StartDateTime": midnight + timedelta(hours=23, minutes=59, seconds=59),
            },
            {"Subject": "yesterday night", "StartDateTime": midnight - timedelta(seconds=1)},
        ],
    )
    got = fresh.values(
        "SELECT Subject FROM Event WHERE StartDateTime = TODAY ORDER BY Subject", "Subject"
    )
    assert got == ["first second", "last second"]
    assert fresh.values("SELECT Subject FROM Event WHERE StartDateTime = YESTERDAY", "Subject") == [
        "yesterday night"
    ]
    assert len(fresh.values("SELECT Subject FROM Task WHERE CreatedDate = TODAY", "Subject")) == 4


def test_semi_join_and_anti_join(world: World) -> None:
    contacts = world.values(
        "SELECT LastName FROM Contact WHERE Id IN (SELECT WhoId FROM Task WHERE "
        "Status = 'Completed') ORDER BY LastName",
        "LastName",
    )
    assert contacts == ["Sato", "Yamada"]
    others = world.values(
        "SELECT LastName FROM Contact WHERE Id NOT IN (SELECT WhoId FROM Task) ORDER BY LastName",
        "LastName",
    )
    assert others == ["O'Brien", "Suzuki"]
    assert names(world, "Id IN (SELECT AccountId FROM Contact)") == ["Acme Corp", "Globex"]
    assert world.values(
        "SELECT LastName FROM Contact WHERE AccountId IN (SELECT Id FROM Account WHERE "
        "Industry = 'Technology')",
        "LastName",
    ) == ["Suzuki"]


def test_semi_join_rules(world: World) -> None:
    assert (
        error_of(
            world, "SELECT Id FROM Contact WHERE LastName IN (SELECT WhoId FROM Task)"
        ).error_code
        == "MALFORMED_QUERY"
    )
    assert (
        error_of(world, "SELECT Id FROM Contact WHERE Id IN (SELECT Subject FROM Task)").error_code
        == "MALFORMED_QUERY"
    )
    nested = error_of(
        world,
        "SELECT Id FROM Contact WHERE Id IN (SELECT WhoId FROM Task "
        "WHERE WhatId IN (SELECT Id FROM Account))",
    )
    assert "Nesting of semi join" in nested.message
    assert (
        error_of(world, "SELECT Id FROM Contact WHERE Id IN (SELECT Id FROM Nope)").error_code
        == "INVALID_TYPE"
    )


def _with_regions(world: World) -> OrgSchema:
    """The org's view plus a multi-select picklist on Account (column added for the test)."""
    world.backend.store.execute(
        'ALTER TABLE "sobj_account" ADD COLUMN IF NOT EXISTS "Regions__c" VARCHAR'
    )
    account = world.schema.get("Account")
    assert account is not None
    regions = f(
        "Regions__c", FieldType.MULTIPICKLIST, 4099, picklist_values=("Kanto", "Kansai", "Kyushu")
    )
    objects = [
        o if o.name != "Account" else o.with_fields([*o.fields, regions]) for o in world.schema
    ]
    return OrgSchema.of(objects)


def test_includes_and_excludes_on_a_multi_select_picklist(fresh: World) -> None:
    schema = _with_regions(fresh)
    for name, regions in (
        ("Acme Corp", "Kanto;Kansai"),
        ("Globex", "Kyushu"),
        ("initech", "Kanto"),
    ):
        fresh.backend.store.execute(
            'UPDATE "sobj_account" SET "Regions__c" = ? WHERE "Name" = ?', [regions, name]
        )

    def where(clause: str) -> list[str]:
        return fresh.values(
            f"SELECT Name FROM Account WHERE {clause} ORDER BY Name", "Name", schema=schema
        )

    assert where("Regions__c INCLUDES ('Kanto')") == ["Acme Corp", "initech"]
    assert where("Regions__c INCLUDES ('kanto;kansai', 'Kyushu')") == ["Acme Corp", "Globex"]
    assert where("Regions__c EXCLUDES ('Kanto')") == ["Globex", "Umbrella 100%_off"]
    assert where("Regions__c = 'Kansai;Kanto'") == ["Acme Corp"]
    [record] = fresh.records(
        "SELECT Regions__c FROM Account WHERE Name = 'Acme Corp'", schema=schema
    )
    assert record["Regions__c"] == "Kanto;Kansai"
    with pytest.raises(SalesforceError) as caught:
        fresh.run("SELECT Id FROM Account WHERE Name INCLUDES ('a')", schema=schema)
    assert caught.value.error_code == "INVALID_QUERY_FILTER_OPERATOR"


@pytest.mark.parametrize(
    ("where", "message"),
    [
        (
            "IsDeleted = 'true'",
            "value of filter criterion for field 'IsDeleted' must be of "
            "type boolean and should not be enclosed in quotes",
        ),
        (
            "Name = true",
            "value of filter criterion for field 'Name' must be of type string "
            "and should be enclosed in quotes",
        ),
        (
            "Name = 5",
            "value of filter criterion for field 'Name' must be of type string and "
            "should be enclosed in quotes",
        ),
        (
            "NumberOfEmployees = '5'",
            "value of filter criterion for field 'NumberOfEmployees' "
            "must be of type integer and should not be enclosed in "
            "quotes",
        ),
        ("AnnualRevenue = '5'", "must be of type double"),
        ("CreatedDate = '2024-01-01'", "must be of type dateTime"),
        ("CreatedDate = 2024-01-01", "must be of type dateTime"),
        ("Owner.Name = TODAY", "must be of type string"),
    ],
)
def test_values_are_type_checked_against_the_field(world: World, where: str, message: str) -> None:
    error = error_of(world, f"SELECT Id FROM Account WHERE {where}")
    assert error.error_code == "INVALID_FIELD"
    assert message in error.message


def test_date_field_rejects_datetime_literal(world: World) -> None:
    error = error_of(world, "SELECT Id FROM Contact WHERE Birthdate = 2024-01-01T00:00:00Z")
    assert error.error_code == "INVALID_FIELD" and "must be of type date " in error.message


def test_operator_must_suit_the_field(world: World) -> None:
    assert (
        error_of(world, "SELECT Id FROM Account WHERE IsDeleted > true").error_code
        == "INVALID_QUERY_FILTER_OPERATOR"
    )
    assert (
        error_of(world, "SELECT Id FROM Account WHERE NumberOfEmployees LIKE '1%'").error_code
        == "INVALID_QUERY_FILTER_OPERATOR"
    )


def test_a_field_that_cannot_be_filtered(world: World) -> None:
    error = error_of(world, "SELECT Id FROM Task WHERE Description = 'x'")
    assert error.error_code == "INVALID_FIELD"
    assert error.message.endswith("field 'Description' can not be filtered in a query call")


def test_values_quoted_by_simple_salesforce_round_trip(fresh: World) -> None:
    from simple_salesforce import format_soql

    awkward = "Quote ' double \" back \\ line\nnew\ttab\r\b\f end 100%_"
    fresh.insert("Account", [{"Name": awkward}])
    soql = format_soql(
        "SELECT Name FROM Account WHERE Name = {name} AND CreatedDate < {now} AND Name IN {names}",
        name=awkward,
        names=[awkward, "x"],
        now=datetime.now(UTC) + timedelta(days=1),
    )
    assert fresh.values(soql, "Name") == [awkward]
