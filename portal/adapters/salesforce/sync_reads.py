"""The sync's gateway (:class:`~portal.domain.sync.ports.SyncGateway`) on Salesforce: its reads
batched, many numbers per SOSL phone search, many values per ``IN (...)`` in each SOQL query.

Who is on the other end of a call is found with Salesforce's phone search (``FIND {a OR b …}
IN PHONE FIELDS RETURNING Contact(…), Account(…), Lead(…)``), which ignores how a number is
written; every record it returns is checked again here in E.164 (search is fuzzy: a search
also finds a number's parts), then MiiTel's rule picks the winner
(:mod:`portal.domain.sync.matching`).
Salesforce drops a search's ``OR`` when the terms pass 4,000 characters and returns at most
2,000 records a search: numbers go in batches under :data:`SEARCH_TERMS_BUDGET`, and a batch
whose answer reaches :data:`SEARCH_RESULTS_LIMIT` is split and searched again.

A REST query or search travels in the URL, and Salesforce refuses a request whose URI and
headers pass 16,384 bytes (431/414). Values are packed into each request up to
:data:`QUERY_URL_BUDGET` bytes of URL-encoded statement, which leaves room for the path and
the headers, so 1,000 calls need a handful of requests where one per call would need thousands.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final, Protocol, runtime_checkable
from urllib.parse import quote_plus, urlencode

from simple_salesforce import format_soql

from portal.adapters.salesforce.gateway import phone_search
from portal.domain.calls import ActivityKind
from portal.domain.gateway_errors import (
    ApiUsage,
    SalesforceGatewayError,
    SalesforcePermissionError,
    SalesforceRequestError,
)
from portal.domain.oauth import TokenSet
from portal.domain.salesforce import ObjectDescription, PhoneMatchObject, RecordResult
from portal.domain.sync.matching import MATCH_ORDER, Counterpart, best_matches, candidates
from portal.domain.sync.phones import phone_key, search_terms
from portal.domain.sync.ports import OnRefused, PhoneDirectory, SalesforceUser

log = logging.getLogger(__name__)

#: Bytes of URL-encoded SOQL or SOSL per request (Salesforce's limit is 16,384 for URI plus
#: headers).
QUERY_URL_BUDGET: Final = 14_000
#: Characters of search terms between SOSL's braces: past 4,000 Salesforce removes the
#: ``OR`` operators (and past 10,000 finds nothing).
SEARCH_TERMS_BUDGET: Final = 3_900
#: Records one SOSL search returns at most.
SEARCH_RESULTS_LIMIT: Final = 2_000

_ORDER: Final = " ORDER BY LastModifiedDate DESC, Id"
_RETURNING: Final[Mapping[PhoneMatchObject, str]] = {
    PhoneMatchObject.CONTACT: (
        f"Contact(Id, Name, Phone, MobilePhone, AccountId, LastModifiedDate{_ORDER})"
    ),
    PhoneMatchObject.ACCOUNT: f"Account(Id, Name, Phone, LastModifiedDate{_ORDER})",
    PhoneMatchObject.LEAD: (
        f"Lead(Id, Name, Phone, MobilePhone, LastModifiedDate WHERE IsConverted = false{_ORDER})"
    ),
}
_USER_QUERY: Final = "SELECT Id, Username, IsActive FROM User WHERE Username IN {n}"
#: Where each kind of record carries MiiTel's id, so a write can be found again: the field,
#: and the query template that reads it (``{n}``: the markers, quoted by format_soql).
MARKER_FIELDS: Final[Mapping[ActivityKind, tuple[str, str]]] = {
    ActivityKind.CALL: ("CallObject", "SELECT Id, CallObject FROM Task WHERE CallObject IN {n}"),
    ActivityKind.MEETING: ("Location", "SELECT Id, Location FROM Event WHERE Location IN {n}"),
}
_SEPARATOR: Final = " OR "
#: Numbers sampled from the org so simulated calls reach known Contacts, Accounts and Leads.
_DIRECTORY_QUERIES: Final = (
    "SELECT Phone, MobilePhone FROM Contact WHERE Phone != null OR MobilePhone != null "
    "ORDER BY LastModifiedDate DESC LIMIT 150",
    "SELECT Phone FROM Account WHERE Phone != null ORDER BY LastModifiedDate DESC LIMIT 50",
    "SELECT Phone, MobilePhone FROM Lead WHERE IsConverted = false "
    "AND (Phone != null OR MobilePhone != null) ORDER BY LastModifiedDate DESC LIMIT 50",
)


@runtime_checkable
class SyncApi(Protocol):
    """The calls of :class:`~portal.adapters.salesforce.gateway.SalesforceGateway` the sync's
    gateway is built on (checked at run time: a test double without them cannot sync)."""

    @property
    def tokens(self) -> TokenSet: ...

    def query_all(self, soql_template: str, **params: Any) -> list[dict[str, Any]]: ...

    def search_phones(
        self, terms: Sequence[str], returning: Sequence[str]
    ) -> list[dict[str, Any]]: ...

    def describe(self, sobject: str) -> ObjectDescription: ...

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]: ...

    def api_usage(self) -> ApiUsage | None: ...


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
    gateway: SyncApi, template: str, values: Iterable[str], *, budget: int = QUERY_URL_BUDGET
) -> list[dict[str, Any]]:
    """Every row of ``template`` run over ``values`` in as few queries as the budget allows."""
    ordered = sorted(set(values))
    rows: list[dict[str, Any]] = []
    for chunk in chunk_values(template, ordered, budget=budget):
        rows.extend(gateway.query_all(template, n=chunk))
    return rows


def _escaped(term: str) -> str:
    # Terms hold digits and "+" only (search_terms); "+" is reserved in SOSL.
    return term.replace("+", "\\+")


def _terms(keys: Sequence[str]) -> list[str]:
    return [t for key in keys for t in search_terms(key)]


def _base_statement(objects: Sequence[PhoneMatchObject]) -> str:
    """The SOSL phone search on ``objects`` without its terms, as the gateway sends it (what
    every search costs of the URL budget)."""
    return phone_search([], [_RETURNING[o] for o in objects])


def key_batches(
    keys: Sequence[str],
    objects: Sequence[PhoneMatchObject] = MATCH_ORDER,
    *,
    terms_budget: int = SEARCH_TERMS_BUDGET,
    url_budget: int = QUERY_URL_BUDGET,
) -> list[list[str]]:
    """``keys`` split so that each search's terms stay within ``terms_budget`` characters and
    its URL-encoded statement within ``url_budget`` bytes."""
    base_url = len(urlencode({"q": _base_statement(objects)}))
    batches: list[list[str]] = []
    current: list[str] = []
    chars, size = 0, base_url
    for key in keys:
        terms = [_escaped(t) for t in search_terms(key)]
        cost = sum(len(t) + len(_SEPARATOR) for t in terms)
        url_cost = sum(len(quote_plus(t + _SEPARATOR)) for t in terms)
        if current and (chars + cost > terms_budget or size + url_cost > url_budget):
            batches.append(current)
            current, chars, size = [], 0, base_url
        current.append(key)
        chars += cost
        size += url_cost
    if current:
        batches.append(current)
    return batches


def _search(
    gateway: SyncApi, keys: Sequence[str], objects: Sequence[PhoneMatchObject]
) -> list[Counterpart]:
    """The candidates one search finds; a batch whose answer reaches Salesforce's cap is
    split in two and each half searched, so no number's records are cut off."""
    records = gateway.search_phones(_terms(keys), [_RETURNING[o] for o in objects])
    if len(records) >= SEARCH_RESULTS_LIMIT and len(keys) > 1:
        half = len(keys) // 2
        return _search(gateway, keys[:half], objects) + _search(gateway, keys[half:], objects)
    found: list[Counterpart] = []
    for sobject in objects:
        rows = [r for r in records if (r.get("attributes") or {}).get("type") == sobject.value]
        found.extend(candidates(sobject, rows))
    return found


def _search_each(
    gateway: SyncApi,
    keys: Sequence[str],
    objects: list[PhoneMatchObject],
    on_refused: OnRefused,
) -> list[Counterpart]:
    """A refused search asked again object by object: the refused ones are reported (and
    left out of later searches), the others still searched."""
    found: list[Counterpart] = []
    for sobject in list(objects):
        try:
            found.extend(_search(gateway, keys, [sobject]))
        except (SalesforceRequestError, SalesforcePermissionError) as exc:
            on_refused(sobject, exc)
            objects.remove(sobject)
    return found


def find_counterparts(
    gateway: SyncApi,
    numbers: Iterable[str],
    *,
    budget: int = QUERY_URL_BUDGET,
    on_refused: OnRefused | None = None,
) -> dict[str, Counterpart]:
    """The record each number belongs to, keyed by the number's :func:`phone_key` (E.164).

    Contacts, Accounts and unconverted Leads are searched together, many numbers a search.
    When Salesforce refuses a search (an object the user may not read, a field they cannot
    see), it is asked again one object at a time: ``on_refused`` hears of each object refused
    and the others are still searched; without ``on_refused`` the error is raised. Other
    failures (timeouts, limits) are always raised.
    """
    keys = sorted({key for key in map(phone_key, numbers) if key})
    objects = list(MATCH_ORDER)
    found: list[Counterpart] = []
    for batch in key_batches(keys, objects, url_budget=budget):
        if not objects:
            break
        try:
            found.extend(_search(gateway, batch, objects))
        except (SalesforceRequestError, SalesforcePermissionError):
            if on_refused is None:
                raise
            found.extend(_search_each(gateway, batch, objects, on_refused))
    return best_matches(keys, found)


def find_users(
    gateway: SyncApi, usernames: Iterable[str], *, budget: int = QUERY_URL_BUDGET
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
    gateway: SyncApi,
    kind: ActivityKind,
    markers: Iterable[str],
    *,
    budget: int = QUERY_URL_BUDGET,
) -> dict[str, str]:
    """The Salesforce ids of records already carrying these markers (marker → Id)."""
    field, template = MARKER_FIELDS[kind]
    rows = query_in_chunks(gateway, template, markers, budget=budget)
    return {str(r[field]): str(r["Id"]) for r in rows if r.get(field)}


def phone_directory(gateway: SyncApi) -> PhoneDirectory:
    """Numbers of the org's newest Contacts, Accounts and unconverted Leads (in that order,
    each once); incomplete when a query fails part way."""
    numbers: list[str] = []
    try:
        for soql in _DIRECTORY_QUERIES:
            for row in gateway.query_all(soql):
                numbers.extend(str(v) for k, v in row.items() if "Phone" in k and v)
    except SalesforceGatewayError as exc:
        log.info("Sampling the org's phone numbers failed: %s", exc.error_code)
        return PhoneDirectory(tuple(dict.fromkeys(numbers)), complete=False)
    return PhoneDirectory(tuple(dict.fromkeys(numbers)), complete=True)


class SalesforceSyncGateway:
    """:class:`~portal.domain.sync.ports.SyncGateway` over the Salesforce gateway, each read
    packed into requests of at most ``query_budget`` URL-encoded bytes."""

    def __init__(self, api: SyncApi, *, query_budget: int = QUERY_URL_BUDGET) -> None:
        self._api = api
        self._budget = query_budget

    @property
    def tokens(self) -> TokenSet:
        return self._api.tokens

    def find_counterparts(
        self, numbers: Iterable[str], *, on_refused: OnRefused | None = None
    ) -> dict[str, Counterpart]:
        return find_counterparts(self._api, numbers, budget=self._budget, on_refused=on_refused)

    def find_users(self, usernames: Iterable[str]) -> dict[str, SalesforceUser]:
        return find_users(self._api, usernames, budget=self._budget)

    def find_markers(self, kind: ActivityKind, markers: Iterable[str]) -> dict[str, str]:
        return find_markers(self._api, kind, markers, budget=self._budget)

    def phone_directory(self) -> PhoneDirectory:
        return phone_directory(self._api)

    def describe(self, sobject: str) -> ObjectDescription:
        return self._api.describe(sobject)

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]:
        return self._api.create_records(sobject, records, all_or_none=all_or_none)

    def api_usage(self) -> ApiUsage | None:
        return self._api.api_usage()


def sync_gateway(
    api: object | None, *, query_budget: int = QUERY_URL_BUDGET
) -> SalesforceSyncGateway | None:
    """The sync's gateway over ``api`` (the integrated org's gateway), or None when there is
    none or it cannot do what the sync asks."""
    if api is None or not isinstance(api, SyncApi):
        return None
    return SalesforceSyncGateway(api, query_budget=query_budget)
