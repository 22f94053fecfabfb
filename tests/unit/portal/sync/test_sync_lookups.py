"""Batched reads: as many values per SOQL query as the URL allows, and later objects searched
only for the numbers earlier ones did not hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from simple_salesforce import format_soql

from portal.adapters.salesforce.errors import SalesforcePermissionError, SalesforceUnavailable
from portal.adapters.salesforce.results import ObjectDescription, PhoneMatchObject, RecordResult
from portal.domain.calls import ActivityKind
from portal.domain.oauth import TokenSet
from portal.domain.secret import SecretStr
from portal.sync.lookups import (
    QUERY_URL_BUDGET,
    chunk_values,
    find_counterparts,
    find_markers,
    find_users,
)


class FakeOrg:
    """Answers the sync's queries from rows per object, recording every query."""

    def __init__(self, rows: Mapping[str, list[dict[str, Any]]]) -> None:
        self.rows = rows
        self.queries: list[tuple[str, list[str]]] = []
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


def test_each_number_is_asked_in_its_forms_and_later_objects_only_for_the_rest() -> None:
    org = FakeOrg(
        {
            "Contact": [{"Id": "003A", "Name": "c", "Phone": "03-1111-2222"}],
            "Account": [{"Id": "001A", "Name": "a", "Phone": "0333334444"}],
            "Lead": [{"Id": "00QA", "Name": "l", "MobilePhone": "090-5555-6666"}],
        }
    )
    found = find_counterparts(org, ["0311112222", "03-3333-4444", "09055556666", "0612345678"])
    assert {k: m.record_id for k, m in found.items()} == {
        "0311112222": "003A",
        "0333334444": "001A",
        "09055556666": "00QA",
    }
    asked = {sobject: set(values) for sobject, values in org.queries}
    assert {"0311112222", "03-1111-2222"} <= asked["Contact"]
    assert not asked["Account"] & {"0311112222", "03-1111-2222"}
    assert asked["Lead"] == {"09055556666", "090-5555-6666", "0612345678", "06-1234-5678"}
    assert len(org.queries) == 3


def test_a_refused_object_is_reported_and_the_others_still_searched() -> None:
    org = FakeOrg({"Lead": [{"Id": "00QA", "Name": "l", "Phone": "0311112222"}]})
    org.refuse["Contact"] = SalesforcePermissionError(
        error_code="INSUFFICIENT_ACCESS", user_message="no access"
    )
    refused: list[PhoneMatchObject] = []
    found = find_counterparts(org, ["0311112222"], on_refused=lambda o, _e: refused.append(o))
    assert refused == [PhoneMatchObject.CONTACT]
    assert found["0311112222"].record_id == "00QA"
    with pytest.raises(SalesforcePermissionError):
        find_counterparts(org, ["0311112222"])


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
