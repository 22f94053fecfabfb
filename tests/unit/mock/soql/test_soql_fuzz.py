"""Property: whatever text reaches the engine — random, or valid SOQL with tokens inserted,
deleted or swapped — the answer is a page or a Salesforce error, never anything else (and never
the mock's own failure)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_salesforce.errors import SalesforceError
from mock_salesforce.soql import QueryPage
from mock_salesforce.soql.engine import InternalQueryError
from tests.unit.mock.soql.soql_world import World, build_world

VALID = [
    "SELECT Id, Name, Owner.Name FROM Account WHERE Industry = 'Banking' ORDER BY Name LIMIT 5",
    "SELECT Subject, Who.Name, What.Type FROM Task WHERE ActivityDate = LAST_N_DAYS:30",
    "SELECT Name, (SELECT LastName FROM Contacts WHERE Email != null ORDER BY LastName LIMIT 2) "
    "FROM Account",
    "SELECT Id FROM Contact WHERE Id IN (SELECT WhoId FROM Task WHERE Status = 'Completed')",
    "SELECT OwnerId, COUNT(Id) cnt, MAX(CreatedDate) FROM Task GROUP BY OwnerId "
    "HAVING COUNT(Id) > 1 ORDER BY COUNT(Id) DESC",
    "SELECT COUNT() FROM Lead WHERE Status NOT IN ('Closed - Converted', null)",
    "SELECT Name FROM Account WHERE (Name LIKE 'a\\_%' OR NumberOfEmployees >= 10) AND NOT "
    "CreatedDate < 2024-01-31T09:00:00+09:00 ORDER BY Industry DESC NULLS LAST OFFSET 1",
    "SELECT LastName FROM Contact WHERE Birthdate > 1990-01-01 AND AccountId = "
    "'001000000000000AAA' FOR VIEW",
]

VOCABULARY = [
    "SELECT",
    "FROM",
    "WHERE",
    "AND",
    "OR",
    "NOT",
    "IN",
    "LIKE",
    "INCLUDES",
    "EXCLUDES",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "NULLS",
    "FIRST",
    "LAST",
    "LIMIT",
    "OFFSET",
    "GROUP",
    "HAVING",
    "WITH",
    "SECURITY_ENFORCED",
    "FOR",
    "VIEW",
    "UPDATE",
    "COUNT",
    "COUNT_DISTINCT",
    "SUM",
    "AVG",
    "MIN",
    "MAX",
    "FIELDS",
    "ALL",
    "(",
    ")",
    ",",
    ".",
    ":",
    "=",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "null",
    "true",
    "false",
    "TODAY",
    "LAST_N_DAYS:3",
    "N_DAYS_AGO",
    "'x'",
    "'\\''",
    "'%'",
    "''",
    "0",
    "-1",
    "2.5",
    "99999999999999999999",
    "2024-01-31",
    "2024-01-31T09:00:00Z",
    "2024-02-30",
    "Id",
    "Name",
    "Account",
    "Contact",
    "Task",
    "Contacts",
    "Tasks",
    "Owner",
    "Who",
    "What",
    "Owner.Name",
    "Account.Name",
    "Who.Name",
    "What.Type",
    "IsDeleted",
    "CreatedDate",
    "ActivityDate",
    "NumberOfEmployees",
    "Description",
    "MiiTel_Call_URL__c",
    "Status",
    "Nope",
    '"',
    "\\",
    ";",
    "*",
    "\n",
]

#: Tokens that may stand in for one another, so mutants often parse and reach the compiler.
KINDS = [
    [
        "Id",
        "Name",
        "Owner.Name",
        "Account.Name",
        "Who.Name",
        "What.Type",
        "IsDeleted",
        "CreatedDate",
        "ActivityDate",
        "NumberOfEmployees",
        "Description",
        "Status",
        "Email",
        "Birthdate",
        "OwnerId",
        "WhoId",
        "AccountId",
        "Industry",
        "Subject",
        "Nope",
        "MiiTel_Call_URL__c",
        "CallDurationInSeconds",
        "Who.Type",
        "Owner.Profile.Name",
    ],
    [
        "'x'",
        "'\\''",
        "'%'",
        "''",
        "0",
        "-1",
        "2.5",
        "99999999999999999999",
        "2024-01-31",
        "2024-01-31T09:00:00Z",
        "null",
        "true",
        "FALSE",
        "TODAY",
        "LAST_N_DAYS:3",
        "NEXT_N_DAYS:0",
        "THIS_QUARTER",
        "'001000000000000AAA'",
        "'Completed'",
    ],
    ["=", "!=", "<>", "<", "<=", ">", ">=", "LIKE", "INCLUDES", "EXCLUDES"],
    [
        "Account",
        "Contact",
        "Lead",
        "Task",
        "Event",
        "User",
        "Contacts",
        "Tasks",
        "ChildAccounts",
        "MiiTel_Call_Log__c",
        "Nope",
    ],
    ["COUNT", "COUNT_DISTINCT", "SUM", "AVG", "MIN", "MAX", "FIELDS"],
    ["AND", "OR"],
    ["ASC", "DESC"],
    ["FIRST", "LAST"],
]
_KIND_OF = {token: kind for kind in KINDS for token in kind}

_TOKEN = re.compile(r"'(?:[^'\\]|\\.)*'|\d{4}-\d{2}-\d{2}T[\d:.+Z-]+|[\w.:]+|<>|!=|<=|>=|\S")


def tokens(soql: str) -> list[str]:
    return _TOKEN.findall(soql)


@pytest.fixture(scope="module")
def fuzz_world() -> Iterator[World]:
    built = build_world()
    yield built
    built.backend.close()


def assert_answers(world: World, soql: str) -> None:
    try:
        result = world.run(soql, batch_size=200)
    except InternalQueryError as exc:  # pragma: no cover - shown when the property fails
        raise AssertionError(f"the mock failed on {soql!r}: {exc.__cause__!r}") from exc
    except SalesforceError as exc:
        assert exc.status == 400 and exc.error_code and exc.message
        return
    assert isinstance(result, QueryPage)
    assert result.total_size >= len(result.records)


@st.composite
def mutated(draw: st.DrawFn) -> str:
    parts = tokens(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3, 4]))):
        action = draw(
            st.sampled_from(
                ["same_kind", "same_kind", "same_kind", "delete", "swap", "replace", "insert"]
            )
        )
        i = draw(st.integers(0, len(parts) - 1)) if parts else 0
        if action == "same_kind":
            if parts and parts[i] in _KIND_OF:
                parts[i] = draw(st.sampled_from(_KIND_OF[parts[i]]))
        elif action == "insert" or not parts:
            parts.insert(i, draw(st.sampled_from(VOCABULARY)))
        elif action == "delete":
            del parts[i]
        elif action == "swap":
            j = draw(st.integers(0, len(parts) - 1))
            parts[i], parts[j] = parts[j], parts[i]
        else:
            parts[i] = draw(st.sampled_from(VOCABULARY))
    return " ".join(parts)


FUZZ = settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def test_valid_seed_queries_run(fuzz_world: World) -> None:
    for soql in VALID:
        assert isinstance(fuzz_world.run(soql), QueryPage), soql


@FUZZ
@given(soql=mutated())
def test_mutated_valid_soql(fuzz_world: World, soql: str) -> None:
    assert_answers(fuzz_world, soql)


@FUZZ
@given(soql=st.lists(st.sampled_from(VOCABULARY), max_size=25).map(" ".join))
def test_token_soup(fuzz_world: World, soql: str) -> None:
    assert_answers(fuzz_world, "SELECT " + soql)
    assert_answers(fuzz_world, soql)


@FUZZ
@given(soql=st.text(max_size=200))
def test_random_text(fuzz_world: World, soql: str) -> None:
    assert_answers(fuzz_world, soql)
    assert_answers(fuzz_world, "SELECT Id FROM Account WHERE Name = " + soql)
