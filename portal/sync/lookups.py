"""The sync's reads from Salesforce, batched: many values per ``IN (...)`` in each SOQL query.

A REST query travels in the URL, and Salesforce refuses a request whose URI and headers pass
16,384 bytes (431/414). Values are packed into each query up to :data:`QUERY_URL_BUDGET`
bytes of URL-encoded SOQL, which leaves room for the path and the headers, so 1,000 calls
need a handful of queries where one per call would need thousands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import quote_plus, urlencode

from simple_salesforce import format_soql

from portal.adapters.salesforce.errors import (
    SalesforceGatewayError,
    SalesforcePermissionError,
    SalesforceRequestError,
)
from portal.adapters.salesforce.results import PhoneMatchObject
from portal.domain.calls import ActivityKind
from portal.sync.matching import MATCH_ORDER, Counterpart, best_matches, candidates
from portal.sync.phones import hyphenated, phone_key, phone_variants
from portal.sync.ports import SyncGateway

#: Bytes of URL-encoded SOQL per query (Salesforce's limit is 16,384 for URI plus headers).
QUERY_URL_BUDGET: Final = 14_000

_PHONE_QUERIES: Final[Mapping[PhoneMatchObject, str]] = {
    PhoneMatchObject.CONTACT: (
        "SELECT Id, Name, Phone, MobilePhone, AccountId, LastModifiedDate FROM Contact "
        "WHERE Phone IN {n} OR MobilePhone IN {n}"
    ),
    PhoneMatchObject.ACCOUNT: (
        "SELECT Id, Name, Phone, LastModifiedDate FROM Account WHERE Phone IN {n}"
    ),
    PhoneMatchObject.LEAD: (
        "SELECT Id, Name, Phone, MobilePhone, LastModifiedDate FROM Lead "
        "WHERE IsConverted = false AND (Phone IN {n} OR MobilePhone IN {n})"
    ),
}
_USER_QUERY: Final = "SELECT Id, Username, IsActive FROM User WHERE Username IN {n}"
#: Where each kind of record carries MiiTel's id, so a write can be found again.
MARKER_FIELDS: Final[Mapping[ActivityKind, tuple[str, str]]] = {
    ActivityKind.CALL: ("Task", "CallObject"),
    ActivityKind.MEETING: ("Event", "Location"),
}


def chunk_values(template: str, values: Sequence[str], *, budget: int) -> list[list[str]]:
    """``values`` split so that ``template`` with each part in its ``{n}`` slot(s) stays within
    ``budget`` bytes once URL-encoded (a value too long on its own still gets a part)."""
    if not values:
        return []
    slots = template.count("{n}")
    base = len(urlencode({"q": format_soql(template, n=[])}))
    chunks: list[list[str]] = []
    current: list[str] = []
    size = base
    for value in values:
        # Each slot gains the quoted value and a separating comma.
        cost = slots * len(quote_plus(format_soql("{}", value) + ","))
        if current and size + cost > budget:
            chunks.append(current)
            current, size = [], base
        current.append(value)
        size += cost
    chunks.append(current)
    return chunks


def query_in_chunks(
    gateway: SyncGateway, template: str, values: Iterable[str], *, budget: int = QUERY_URL_BUDGET
) -> list[dict[str, Any]]:
    """Every row of ``template`` run over ``values`` in as few queries as the budget allows."""
    ordered = sorted(set(values))
    rows: list[dict[str, Any]] = []
    for chunk in chunk_values(template, ordered, budget=budget):
        rows.extend(gateway.query_all(template, n=chunk))
    return rows


def find_counterparts(
    gateway: SyncGateway,
    numbers: Iterable[str],
    *,
    budget: int = QUERY_URL_BUDGET,
    on_refused: Callable[[PhoneMatchObject, SalesforceGatewayError], None] | None = None,
) -> dict[str, Counterpart]:
    """The record each number belongs to, keyed by the number's digits (:func:`phone_key`).

    Contacts are searched for every number, Accounts only for the numbers no Contact holds,
    Leads only for those left: every number is tried in each of its forms. When Salesforce
    refuses the search of one object (no access, a field the user cannot see), ``on_refused``
    hears of it and the other objects are still searched; without it the error is raised.
    Other failures (timeouts, limits) are always raised.
    """
    forms: dict[str, set[str]] = {}
    for number in numbers:
        key = phone_key(number)
        if not key:
            continue
        known = forms.setdefault(key, {key})
        known.update(phone_variants(number))
        usual = hyphenated(key)
        if usual:
            known.add(usual)
    found: dict[str, Counterpart] = {}
    remaining = set(forms)
    for sobject in MATCH_ORDER:
        if not remaining:
            break
        values = [form for key in remaining for form in forms[key]]
        try:
            rows = query_in_chunks(gateway, _PHONE_QUERIES[sobject], values, budget=budget)
        except (SalesforceRequestError, SalesforcePermissionError) as exc:
            if on_refused is None:
                raise
            on_refused(sobject, exc)
            continue
        matched = best_matches(remaining, candidates(sobject, rows))
        found.update(matched)
        remaining -= matched.keys()
    return found


@dataclass(frozen=True)
class SalesforceUser:
    id: str
    username: str
    active: bool


def find_users(
    gateway: SyncGateway, usernames: Iterable[str], *, budget: int = QUERY_URL_BUDGET
) -> dict[str, SalesforceUser]:
    """The org's users among ``usernames``, active or not, keyed by lower-case username."""
    names = {u for u in usernames if u}
    if not names:
        return {}
    # Usernames compare without case in Salesforce; ask for both spellings to be sure.
    asked = names | {u.lower() for u in names}
    rows = query_in_chunks(gateway, _USER_QUERY, asked, budget=budget)
    return {
        str(r["Username"]).lower(): SalesforceUser(
            id=str(r["Id"]), username=str(r["Username"]), active=bool(r.get("IsActive"))
        )
        for r in rows
    }


def find_markers(
    gateway: SyncGateway,
    kind: ActivityKind,
    markers: Iterable[str],
    *,
    budget: int = QUERY_URL_BUDGET,
) -> dict[str, str]:
    """The Salesforce ids of records already carrying these markers (marker → Id)."""
    sobject, field = MARKER_FIELDS[kind]
    template = f"SELECT Id, {field} FROM {sobject} WHERE {field} IN {{n}}"
    rows = query_in_chunks(gateway, template, markers, budget=budget)
    return {str(r[field]): str(r["Id"]) for r in rows if r.get(field)}
