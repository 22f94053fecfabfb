"""Who is on the other end of a call: the rule MiiTel applies to the records found by phone.

A number matches a record when it is the same number, in E.164, as the record's Phone or
MobilePhone (so ``03-1234-5678``, ``0312345678`` and ``+81 3 1234 5678`` are one number; see
:mod:`portal.domain.sync.phones`). Contacts come
first, then Accounts, then unconverted Leads; among records of the same object the one with
the newest LastModifiedDate wins (then the smallest Id, so the choice never flickers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from portal.domain.salesforce import PhoneMatchObject
from portal.domain.sync.phones import stored_keys
from portal.domain.timestamps import parse_datetime

#: The order in which objects are searched; the first that matches wins.
MATCH_ORDER: Final = (PhoneMatchObject.CONTACT, PhoneMatchObject.ACCOUNT, PhoneMatchObject.LEAD)
#: The phone fields searched on each object (Accounts have no MobilePhone).
PHONE_FIELDS: Final[Mapping[PhoneMatchObject, tuple[str, ...]]] = {
    PhoneMatchObject.CONTACT: ("Phone", "MobilePhone"),
    PhoneMatchObject.ACCOUNT: ("Phone",),
    PhoneMatchObject.LEAD: ("Phone", "MobilePhone"),
}


@dataclass(frozen=True)
class Counterpart:
    """The record a call is linked to, and which of its fields held the number."""

    sobject: PhoneMatchObject
    record_id: str
    name: str
    field: str
    stored_number: str
    last_modified: datetime | None
    account_id: str | None = None


def candidates(sobject: PhoneMatchObject, rows: Iterable[Mapping[str, Any]]) -> list[Counterpart]:
    """One candidate per phone field of each row that holds a number."""
    found: list[Counterpart] = []
    for row in rows:
        for field in PHONE_FIELDS[sobject]:
            value = row.get(field)
            if not value:
                continue
            account = row.get("AccountId")
            found.append(
                Counterpart(
                    sobject=sobject,
                    record_id=str(row["Id"]),
                    name=str(row.get("Name") or ""),
                    field=field,
                    stored_number=str(value),
                    last_modified=parse_datetime(row.get("LastModifiedDate")),
                    account_id=str(account) if account else None,
                )
            )
    return found


def _rank(candidate: Counterpart) -> tuple[int, float, str]:
    modified = candidate.last_modified.timestamp() if candidate.last_modified else float("-inf")
    return (MATCH_ORDER.index(candidate.sobject), -modified, candidate.record_id)


def best_matches(keys: Iterable[str], found: Sequence[Counterpart]) -> dict[str, Counterpart]:
    """For each phone key (E.164) the winning candidate by MiiTel's rule; keys nobody holds
    are absent. A candidate counts for a key only when its stored number is that number."""
    wanted = set(keys)
    best: dict[str, Counterpart] = {}
    for candidate in found:
        for key in stored_keys(candidate.stored_number) & wanted:
            current = best.get(key)
            if current is None or _rank(candidate) < _rank(current):
                best[key] = candidate
    return best
