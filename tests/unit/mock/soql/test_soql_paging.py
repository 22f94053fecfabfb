"""Paging: batch sizes, query locators (shape, owner org, expiry), LIMIT across pages, and
queryAll cursors."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from mock_salesforce.errors import SalesforceError
from mock_salesforce.soql import QueryPage, clamp_batch_size
from tests.conftest import make_bare_org
from tests.unit.mock.soql.soql_world import World

BULK = "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Bulk%'"


def follow(world: World, first: QueryPage, *, org_id: str | None = None) -> list[QueryPage]:
    pages = [first]
    while not pages[-1].done:
        locator = pages[-1].next_locator
        assert locator is not None
        pages.append(world.backend.queries.more(org_id=org_id or world.org.org_id, locator=locator))
    return pages


@pytest.fixture
def bulk(fresh: World) -> World:
    fresh.bulk_tasks(4500)
    return fresh


def test_default_pages_of_2000_with_locators_until_done(bulk: World) -> None:
    first = bulk.run(BULK)
    assert (first.total_size, first.done, len(first.records)) == (4500, False, 2000)
    assert first.next_locator is not None
    assert re.fullmatch(r"01g[0-9A-Za-z]{15}-2000", first.next_locator)
    body = first.as_json(api_version="59.0")
    assert body["nextRecordsUrl"] == f"/services/data/v59.0/query/{first.next_locator}"
    pages = follow(bulk, first)
    assert [len(p.records) for p in pages] == [2000, 2000, 500]
    assert [p.total_size for p in pages] == [4500] * 3
    assert pages[1].next_locator and pages[1].next_locator.endswith("-4000")
    assert pages[-1].next_locator is None
    assert "nextRecordsUrl" not in pages[-1].as_json(api_version="59.0")
    ids = [r["Id"] for p in pages for r in p.records]
    assert len(set(ids)) == 4500 and ids == sorted(ids)


@pytest.mark.parametrize(
    ("requested", "page_size"), [(500, 500), (50, 200), (5000, 2000), (200, 200), (1999, 1999)]
)
def test_batch_size_is_honoured_within_salesforces_range(
    bulk: World, requested: int, page_size: int
) -> None:
    assert clamp_batch_size(requested) == page_size
    pages = follow(bulk, bulk.run(BULK, batch_size=requested))
    sizes = [len(p.records) for p in pages]
    assert sizes[:-1] == [page_size] * (len(sizes) - 1)
    assert sum(sizes) == 4500 and 0 < sizes[-1] <= page_size


def test_limit_and_order_hold_across_pages(bulk: World) -> None:
    first = bulk.run(f"{BULK} ORDER BY Subject DESC LIMIT 2500 OFFSET 10", batch_size=1000)
    pages = follow(bulk, first)
    assert [len(p.records) for p in pages] == [1000, 1000, 500]
    assert first.total_size == 2500
    subjects = [r["Subject"] for p in pages for r in p.records]
    assert subjects == [f"Bulk {i:05d}" for i in range(4489, 1989, -1)]


def test_limit_equal_to_a_page_needs_no_cursor(bulk: World) -> None:
    page = bulk.run(f"{BULK} LIMIT 200", batch_size=200)
    assert (page.total_size, page.done, page.next_locator) == (200, True, None)


def test_query_all_cursor_keeps_deleted_rows(bulk: World) -> None:
    ids = bulk.values(f"{BULK} ORDER BY Subject LIMIT 3", "Id")
    for record_id in ids:
        bulk.delete("Task", record_id)
    assert bulk.run(BULK).total_size == 4497
    pages = follow(bulk, bulk.run(BULK, include_deleted=True, batch_size=2000))
    assert sum(len(p.records) for p in pages) == 4500


def test_unknown_or_malformed_locators(bulk: World) -> None:
    first = bulk.run(BULK)
    assert first.next_locator is not None
    cursor_id = first.next_locator.split("-")[0]
    for bad in (
        "nonsense",
        "01g000000000000AAA-2000",
        f"{cursor_id}-999999",
        f"{cursor_id}-0",
        f"{cursor_id}",
        "",
    ):
        with pytest.raises(SalesforceError) as caught:
            bulk.backend.queries.more(org_id=bulk.org.org_id, locator=bad)
        assert (caught.value.error_code, caught.value.status) == ("INVALID_QUERY_LOCATOR", 400)
        assert caught.value.message == "invalid query locator"


def test_locator_belongs_to_the_org_that_opened_it(bulk: World) -> None:
    other = make_bare_org(bulk.backend, name="Other", username="admin@other.example")
    first = bulk.run(BULK)
    assert first.next_locator is not None
    with pytest.raises(SalesforceError) as caught:
        bulk.backend.queries.more(org_id=other.org_id, locator=first.next_locator)
    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"
    assert len(follow(bulk, first)) == 3


def test_locator_expires_after_15_minutes_unused(bulk: World) -> None:
    first = bulk.run(BULK, batch_size=1000)
    assert first.next_locator is not None
    bulk.backend.clock.advance(timedelta(minutes=14))
    second = bulk.backend.queries.more(org_id=bulk.org.org_id, locator=first.next_locator)
    bulk.backend.clock.advance(timedelta(minutes=14))
    assert second.next_locator is not None
    third = bulk.backend.queries.more(org_id=bulk.org.org_id, locator=second.next_locator)
    assert third.next_locator is not None
    bulk.backend.clock.advance(timedelta(minutes=16))
    with pytest.raises(SalesforceError) as caught:
        bulk.backend.queries.more(org_id=bulk.org.org_id, locator=third.next_locator)
    assert caught.value.error_code == "INVALID_QUERY_LOCATOR"


def test_child_records_on_every_page(fresh: World) -> None:
    accounts = fresh.insert("Account", [{"Name": f"Paged {i:03d}"} for i in range(450)])
    fresh.insert(
        "Contact",
        [
            {"LastName": f"Person {i:03d}", "AccountId": account_id}
            for i, account_id in enumerate(accounts)
        ],
    )
    first = fresh.run(
        "SELECT Name, (SELECT LastName FROM Contacts) FROM Account "
        "WHERE Name LIKE 'Paged%' ORDER BY Name",
        batch_size=200,
    )
    pages = follow(fresh, first)
    assert [len(p.records) for p in pages] == [200, 200, 50]
    for page in pages:
        for record in page.records:
            number = record["Name"].split()[1]
            assert [c["LastName"] for c in record["Contacts"]["records"]] == [f"Person {number}"]
