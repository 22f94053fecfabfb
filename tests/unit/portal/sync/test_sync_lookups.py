"""Batched reads: many numbers per SOSL phone search (within Salesforce's term, URL and result
limits), every record found checked again in E.164; many values per SOQL ``IN``."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from simple_salesforce import format_soql

from portal.adapters.salesforce.gateway import phone_search
from portal.adapters.salesforce.sync_reads import (
    QUERY_URL_BUDGET,
    SEARCH_RESULTS_LIMIT,
    SEARCH_TERMS_BUDGET,
    chunk_values,
    find_counterparts,
    find_markers,
    find_users,
)
from portal.domain.calls import ActivityKind
from portal.domain.gateway_errors import (
    SalesforcePermissionError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from portal.domain.oauth import TokenSet
from portal.domain.salesforce import ObjectDescription, PhoneMatchObject, RecordResult
from portal.domain.secret import SecretStr

_SEARCH = re.compile(r"^FIND \{(?P<terms>[^}]*)\} IN PHONE FIELDS RETURNING (?P<returning>.+)$")


def _tail(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if ch.isdigit())[-8:]


class FakeOrg:
    """Answers the sync's queries from rows per object, recording every query and search.
    Its phone search is fuzzy, as a search engine's may be: a record is found when a phone
    field ends in the last eight digits of a term, and at most 2,000 records come back."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        self.rows = rows
        self.queries: list[tuple[str, list[str]]] = []
        self.searches: list[tuple[list[str], list[str]]] = []
        self.url_budget = QUERY_URL_BUDGET
        self.refuse: dict[str, Exception] = {}
        self.tokens = TokenSet(
            access_token=SecretStr("x"),
            refresh_token=None,
            instance_url="https://example.my.salesforce.com",
            org_id="00D000000000001AAA",
            user_id="005000000000001AAA",
            issued_at=datetime(2025, 5, 1, tzinfo=UTC),
        )

    def query_all(self, soql_template: str, **params: Any) -> list[dict[str, Any]]:
        sobject = soql_template.split(" FROM ")[1].split()[0]
        values = list(params["n"])
        self.queries.append((sobject, values))
        assert len(urlencode({"q": format_soql(soql_template, **params)})) <= QUERY_URL_BUDGET
        if sobject in self.refuse:
            raise self.refuse[sobject]
        wanted = set(values)
        return [
            r
            for r in self.rows.get(sobject, [])
            if any(v in wanted for k, v in r.items() if k not in ("Id", "Name"))
        ]

    def search_phones(self, terms: Sequence[str], returning: Sequence[str]) -> list[dict[str, Any]]:
        sosl = phone_search(terms, returning)  # what the real gateway sends
        match = _SEARCH.match(sosl)
        assert match, sosl
        assert len(match["terms"]) <= 4_000  # Salesforce drops OR past 4,000 characters
        assert len(urlencode({"q": sosl})) <= self.url_budget
        raw = match["terms"].split(" OR ")
        # Digits, and "+" escaped as SOSL requires of its reserved characters.
        assert all(re.fullmatch(r"(\\\+)?[0-9]+", t) for t in raw), raw
        terms = [t.replace("\\+", "+") for t in raw]
        objects = re.findall(r"(\w+)\(", match["returning"])
        self.searches.append((objects, terms))
        for sobject in objects:
            if sobject in self.refuse:
                raise self.refuse[sobject]
        tails = {_tail(t) for t in terms}
        found = [
            {"attributes": {"type": sobject}, **r}
            for sobject in objects
            for r in self.rows.get(sobject, [])
            if any(_tail(str(v)) in tails for k, v in r.items() if "Phone" in k and v)
        ]
        return found[:SEARCH_RESULTS_LIMIT]

    def describe(self, sobject: str) -> ObjectDescription:
        raise AssertionError("not used")

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        raise AssertionError("not used")


def test_chunks_stay_within_the_budget_and_keep_every_value() -> None:
    template = "SELECT Id FROM Contact WHERE Phone IN {n} OR MobilePhone IN {n}"
    values = [f"03-{i:04d}-{i:04d}" for i in range(3000)]
    chunks = chunk_values(template, values, budget=QUERY_URL_BUDGET)
    assert [v for c in chunks for v in c] == values
    for chunk in chunks:
        size = len(urlencode({"q": format_soql(template, n=chunk)}))
        assert size <= QUERY_URL_BUDGET
    assert len(chunks) <= 10  # several hundred numbers per query, not one
    assert chunk_values(template, [], budget=QUERY_URL_BUDGET) == []


def test_every_format_is_found_in_one_search_of_all_three_objects() -> None:
    org = FakeOrg(
        {
            "Contact": [{"Id": "003A", "Name": "c", "Phone": "+81 3-1111-2222"}],
            "Account": [{"Id": "001A", "Name": "a", "Phone": "(03) 3333-4444"}],
            "Lead": [{"Id": "00QA", "Name": "l", "MobilePhone": "０９０－５５５５－６６６６"}],
        }
    )
    found = find_counterparts(org, ["0311112222", "03-3333-4444", "+81 90 5555 6666", "0612345678"])
    assert {k: m.record_id for k, m in found.items()} == {
        "+81311112222": "003A",
        "+81333334444": "001A",
        "+819055556666": "00QA",
    }
    assert found["+81311112222"].stored_number == "+81 3-1111-2222"
    [(objects, terms)] = org.searches
    assert objects == ["Contact", "Account", "Lead"]
    # Each number in its national digits and in E.164, whatever form MiiTel gave.
    assert {"0311112222", "+81311112222", "09055556666", "+819055556666"} <= set(terms)
    assert org.queries == []


def test_a_number_sharing_only_its_last_digits_is_not_a_match() -> None:
    org = FakeOrg(
        {
            "Contact": [
                {"Id": "003A", "Name": "other city", "Phone": "06-1111-2222"},
                {"Id": "003B", "Name": "abroad", "Phone": "+1 415 311 1122 22"},
            ],
            "Account": [{"Id": "001A", "Name": "right", "Phone": "0311112222"}],
        }
    )
    found = find_counterparts(org, ["03-1111-2222"])
    assert {k: m.record_id for k, m in found.items()} == {"+81311112222": "001A"}


def test_a_foreign_number_dialled_from_japan_finds_its_record() -> None:
    org = FakeOrg(
        {
            "Contact": [
                {"Id": "003A", "Name": "sf", "Phone": "+1 (415) 555-0123"},
                {"Id": "003B", "Name": "ldn", "MobilePhone": "+44 20 7946 0958"},
            ]
        }
    )
    found = find_counterparts(org, ["010 1 415 555 0123", "+442079460958"])
    assert {k: m.record_id for k, m in found.items()} == {
        "+14155550123": "003A",
        "+442079460958": "003B",
    }


def test_many_numbers_stay_within_salesforces_search_limits() -> None:
    numbers = [f"03-{i:04d}-{i:04d}" for i in range(1, 1_001)]
    org = FakeOrg(
        {"Contact": [{"Id": f"003{i:04d}", "Name": "c", "Phone": n} for i, n in enumerate(numbers)]}
    )
    found = find_counterparts(org, numbers)
    assert len(found) == 1_000
    for _objects, terms in org.searches:
        assert len(" OR ".join(terms)) <= SEARCH_TERMS_BUDGET
    assert len(org.searches) <= 12  # over a hundred numbers a search, not one


def test_a_smaller_url_budget_gives_more_searches_each_within_it() -> None:
    numbers = [f"+1 415 555 {i:04d}" for i in range(300)]
    org = FakeOrg({})
    org.url_budget = 3_000
    find_counterparts(org, numbers, budget=3_000)
    assert len(org.searches) > 1
    terms = [t for _objects, asked in org.searches for t in asked]
    assert {"+14155550000", "01014155550000", "+14155550299"} <= set(terms)


def test_a_search_that_reaches_2000_records_is_split_and_nothing_is_cut_off() -> None:
    # Every number is held by 30 Contacts: 100 numbers would be 3,000 records in one answer.
    numbers = [f"03-2000-{i:04d}" for i in range(100)]
    rows = [
        {
            "Id": f"003{i:03d}{j:02d}",
            "Name": "c",
            "Phone": n,
            "LastModifiedDate": f"2025-01-{j + 1:02d}T00:00:00.000+0000",
        }
        for i, n in enumerate(numbers)
        for j in range(30)
    ]
    org = FakeOrg({"Contact": rows})
    found = find_counterparts(org, numbers)
    assert len(found) == 100
    # The newest of the 30 wins for every number.
    assert {m.record_id[-2:] for m in found.values()} == {"29"}
    assert len(org.searches) > 1
    assert all(len(terms) < 200 for _o, terms in org.searches[1:])


def test_a_refused_object_is_reported_and_the_others_still_searched() -> None:
    org = FakeOrg(
        {
            "Contact": [{"Id": "003A", "Name": "c", "Phone": "0322223333"}],
            "Lead": [{"Id": "00QA", "Name": "l", "Phone": "0311112222"}],
        }
    )
    org.refuse["Lead"] = SalesforceRequestError(
        error_code="INVALID_TYPE", user_message="sObject type 'Lead' is not supported."
    )
    refused: list[PhoneMatchObject] = []
    numbers = ["0311112222", "0322223333"]
    found = find_counterparts(org, numbers, on_refused=lambda o, _e: refused.append(o))
    assert refused == [PhoneMatchObject.LEAD]
    assert {k: m.record_id for k, m in found.items()} == {"+81322223333": "003A"}
    with pytest.raises(SalesforceRequestError):
        find_counterparts(org, numbers)
    org.refuse = {
        "Contact": SalesforcePermissionError(
            error_code="INSUFFICIENT_ACCESS", user_message="no access"
        )
    }
    refused.clear()
    found = find_counterparts(org, ["0311112222"], on_refused=lambda o, _e: refused.append(o))
    assert refused == [PhoneMatchObject.CONTACT]
    assert found["+81311112222"].record_id == "00QA"


def test_an_outage_is_never_swallowed() -> None:
    org = FakeOrg({})
    org.refuse["Contact"] = SalesforceUnavailable(error_code="TIMEOUT", user_message="slow")
    with pytest.raises(SalesforceUnavailable):
        find_counterparts(org, ["0311112222"], on_refused=lambda _o, _e: None)


def test_users_are_found_without_regard_to_case() -> None:
    org = FakeOrg({"User": [{"Id": "005A", "Username": "Rep@Acme.example", "IsActive": False}]})
    users = find_users(org, ["Rep@Acme.example", ""])
    assert users["rep@acme.example"].id == "005A"
    assert users["rep@acme.example"].active is False
    assert find_users(org, []) == {}


def test_markers_are_looked_up_on_the_marker_field() -> None:
    org = FakeOrg({"Event": [{"Id": "00UA", "Location": "MiiTel Meetings m-1"}]})
    assert find_markers(org, ActivityKind.MEETING, ["MiiTel Meetings m-1", "x"]) == {
        "MiiTel Meetings m-1": "00UA"
    }
