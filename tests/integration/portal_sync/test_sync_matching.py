"""Who a call is linked to: Phone or MobilePhone, Contact before Account before Lead, the
newest LastModifiedDate among records of the same object, and both the hyphenated and the
plain form of the number."""

from __future__ import annotations

from collections.abc import Callable

from sync_support import ADMIN, Org, import_and_sync

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal


def test_a_contact_wins_over_account_and_lead_and_the_newest_contact_wins(
    acme: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    create: Callable[..., str],
) -> None:
    create("Lead", LastName="見込", Company="リード商事", Phone="03-8888-0001")
    create("Account", Name="取引先商事", Phone="03-8888-0001")
    account = create("Account", Name="所属先株式会社", Phone="03-7777-0000")
    create("Contact", LastName="古井", Phone="03-8888-0001")
    newer = create("Contact", LastName="新田", MobilePhone="0388880001", AccountId=account)

    import_and_sync(portal, {"m-contact": "0388880001"})

    who, what, subject = Org(mock_server, acme).links()["m-contact"]
    assert (who, what) == (newer, account)
    assert subject == "[MiiTel] Inbound call with 新田 (3:00)"


def test_an_account_wins_over_a_lead_and_the_newest_account_wins(
    acme: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    create: Callable[..., str],
) -> None:
    create("Lead", LastName="見込", Company="リード商事", Phone="045-888-0002")
    create("Account", Name="旧本社", Phone="045-888-0002")
    newest = create("Account", Name="新本社", Phone="0458880002")

    import_and_sync(portal, {"m-account": "045-888-0002"})

    who, what, _ = Org(mock_server, acme).links()["m-account"]
    assert (who, what) == (None, newest)


def test_a_lead_is_found_by_mobile_phone_in_the_other_form_and_converted_leads_never(
    acme: SeededOrg,
    portal: Portal,
    mock_server: ThreadedMockServer,
    create: Callable[..., str],
) -> None:
    lead = create("Lead", LastName="携帯", Company="モバイル商事", MobilePhone="09088880003")
    create("Lead", LastName="変換済", Company="済商事", Phone="06-8888-0004", IsConverted=True)

    import_and_sync(portal, {"m-lead": "090-8888-0003", "m-converted": "06-8888-0004"})

    links = Org(mock_server, acme).links()
    assert links["m-lead"][:2] == (lead, None)
    assert links["m-converted"][:2] == (None, None)


def test_an_unknown_number_writes_a_task_without_a_link(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    import_and_sync(portal, {"m-unknown": "0120-888-005"})

    who, what, subject = Org(mock_server, acme).links()["m-unknown"]
    assert (who, what) == (None, None)
    assert subject == "[MiiTel] Inbound call with 0120-888-005 (3:00)"
    [entry] = portal.sync.recent(limit=1)
    assert "no Contact, Account or Lead has 0120-888-005" in entry.detail


def test_simulated_calls_reach_seeded_records_in_both_forms(
    acme: SeededOrg, portal: Portal, mock_server: ThreadedMockServer
) -> None:
    summary = portal.sync.simulate_and_sync(actor=ADMIN, calls=120, meetings=0, seed=3)

    assert (summary.written, summary.failed) == (120, 0)
    tasks = [t for t in Org(mock_server, acme).tasks() if t["CallObject"]]
    linked = [t for t in tasks if t["WhoId"] or t["WhatId"]]
    unlinked = [t for t in tasks if not (t["WhoId"] or t["WhatId"])]
    assert linked and unlinked
    details = [e.detail for e in portal.sync.recent(limit=120)]
    # Matches were found for numbers the org stores hyphenated and for ones it stores plain.
    stored = [d.rsplit(" ", 1)[-1].rstrip(").") for d in details if "linked to" in d]
    assert any("-" in n for n in stored) and any("-" not in n for n in stored)
