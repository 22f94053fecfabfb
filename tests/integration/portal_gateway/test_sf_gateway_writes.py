"""Writes through sObject Collections against the mock org."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests
from sf_flow import Integration

from portal.domain.gateway_errors import SalesforceRequestError

Integrate = Callable[..., Integration]


@pytest.fixture
def collection_posts(sf_session: requests.Session) -> list[int]:
    """How many records each sObject Collections request carried."""
    sizes: list[int] = []

    def count(response: requests.Response, *args: object, **kwargs: object) -> None:
        request = response.request
        if request.method == "POST" and (request.path_url or "").rstrip("/").endswith(
            "composite/sobjects"
        ):
            sizes.append(len(json.loads(request.body or b"{}")["records"]))

    sf_session.hooks["response"].append(count)
    return sizes


@pytest.mark.slow
def test_create_records_in_chunks_of_200(
    integrated: Integrate, collection_posts: list[int]
) -> None:
    gateway = integrated("default").gateway
    records = [
        {"Subject": f"MiiTel call {i}", "Status": "Completed", "ActivityDate": "2025-05-01"}
        for i in range(450)
    ]
    results = gateway.create_records("Task", records)
    assert collection_posts == [200, 200, 50]
    assert [r.index for r in results] == list(range(450))
    assert all(r.success and r.id and r.id.startswith("00T") for r in results)
    assert len({r.id for r in results}) == 450
    created = gateway.count("SELECT COUNT() FROM Task WHERE Subject LIKE 'MiiTel call %'")
    assert created == 450


def test_one_bad_record_fails_alone_unless_all_or_none(integrated: Integrate) -> None:
    gateway = integrated("default").gateway
    batch = [{"LastName": "Sato"}, {"FirstName": "No last name"}, {"LastName": "Ito"}]
    results = gateway.create_records("Contact", batch)
    assert [r.success for r in results] == [True, False, True]
    [error] = results[1].errors
    assert error.status_code == "REQUIRED_FIELD_MISSING"
    assert "LastName" in error.fields

    strict = gateway.create_records(
        "Contact", [{"LastName": "Kato"}, {"FirstName": "x"}], all_or_none=True
    )
    assert not any(r.success for r in strict)
    assert gateway.count("SELECT COUNT() FROM Contact WHERE LastName = {n}", n="Kato") == 0


def test_create_refuses_a_bad_object_name_before_sending(integrated: Integrate) -> None:
    gateway = integrated("default").gateway
    with pytest.raises(SalesforceRequestError) as caught:
        gateway.create_records("Task?x=1", [{"Subject": "x"}])
    assert caught.value.error_code == "INVALID_NAME"
    assert gateway.create_records("Task", []) == []
