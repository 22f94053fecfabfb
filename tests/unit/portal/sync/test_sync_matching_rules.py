"""MiiTel's rule for who is on the line: Contact, then Account, then Lead; the newest
LastModifiedDate among records of one object; numbers compared by their digits."""

from __future__ import annotations

from portal.domain.salesforce import PhoneMatchObject
from portal.domain.sync.matching import best_matches, candidates

CONTACT, ACCOUNT, LEAD = PhoneMatchObject.CONTACT, PhoneMatchObject.ACCOUNT, PhoneMatchObject.LEAD


def _row(record_id: str, modified: str, **phones: str) -> dict[str, str]:
    return {
        "Id": record_id,
        "Name": record_id,
        "LastModifiedDate": f"2025-05-{modified}T00:00:00.000+0000",
        **phones,
    }


def test_a_contact_beats_a_newer_account_and_lead() -> None:
    found = [
        *candidates(LEAD, [_row("lead", "20", Phone="0312345678")]),
        *candidates(ACCOUNT, [_row("account", "19", Phone="03-1234-5678")]),
        *candidates(CONTACT, [_row("contact", "01", MobilePhone="03-1234-5678")]),
    ]
    [(key, match)] = best_matches(["+81312345678"], found).items()
    assert (key, match.record_id, match.field) == ("+81312345678", "contact", "MobilePhone")


def test_the_newest_record_of_the_winning_object_wins() -> None:
    found = candidates(
        ACCOUNT,
        [
            _row("old", "01", Phone="0312345678"),
            _row("new", "09", Phone="03-1234-5678"),
            _row("middle", "05", Phone="0312345678"),
        ],
    )
    assert best_matches(["+81312345678"], found)["+81312345678"].record_id == "new"


def test_ties_go_to_the_smallest_id_and_missing_dates_lose() -> None:
    rows = [
        _row("b", "05", Phone="0312345678"),
        _row("a", "05", Phone="0312345678"),
        {"Id": "0", "Name": "no date", "Phone": "0312345678"},
    ]
    assert (
        best_matches(["+81312345678"], candidates(CONTACT, rows))["+81312345678"].record_id == "a"
    )


def test_a_row_matched_on_its_other_field_does_not_match_this_number() -> None:
    rows = [_row("c", "05", Phone="0311112222", MobilePhone="09012345678")]
    matches = best_matches(["+81311112222", "+81399998888"], candidates(CONTACT, rows))
    assert set(matches) == {"+81311112222"}
    assert matches["+81311112222"].field == "Phone"


def test_a_contact_carries_its_account() -> None:
    row = {**_row("c", "05", Phone="0311112222"), "AccountId": "001A"}
    [candidate] = candidates(CONTACT, [row])
    assert candidate.account_id == "001A"
