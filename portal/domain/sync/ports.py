"""What the sync needs from Salesforce, in its own words: who a number belongs to, which users
exist, which records already carry a marker, a sample of the org's numbers for the
simulation, describe and sObject Collections writes.

:class:`~portal.adapters.salesforce.sync_reads.SalesforceSyncGateway` is the real one: it
batches the reads (many numbers per SOSL phone search, many values per SOQL ``IN``) over the
Salesforce gateway. Errors are the gateway's typed errors.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from portal.domain.calls import ActivityKind
from portal.domain.gateway_errors import ApiUsage, SalesforceGatewayError
from portal.domain.oauth import TokenSet
from portal.domain.salesforce import ObjectDescription, PhoneMatchObject, RecordResult
from portal.domain.sync.matching import Counterpart

#: ``progress(fraction from 0 to 1, what is happening)``: how a page shows a long sync (the
#: text is a message, :class:`~portal.domain.text.Text`, the page shows in its language).
Progress = Callable[[float, str], None]
#: Hears of each object whose phone search Salesforce refused, and why.
OnRefused = Callable[[PhoneMatchObject, SalesforceGatewayError], None]


@dataclass(frozen=True)
class SalesforceUser:
    id: str
    username: str
    active: bool


@dataclass(frozen=True)
class PhoneDirectory:
    """Phone numbers sampled from the org's records; ``complete`` False when a query failed
    part way (the numbers are those read before it)."""

    numbers: tuple[str, ...]
    complete: bool


class SyncGateway(Protocol):
    """Typed calls on the integrated org, as the sync asks them."""

    @property
    def tokens(self) -> TokenSet: ...

    def find_counterparts(
        self, numbers: Iterable[str], *, on_refused: OnRefused | None = None
    ) -> dict[str, Counterpart]:
        """The record each number belongs to, keyed by the number's phone key (E.164), by
        MiiTel's rule (:mod:`portal.domain.sync.matching`). When Salesforce refuses a search
        (an object the user may not read), ``on_refused`` hears of each object refused and
        the others are still searched; without it the error is raised."""
        ...

    def find_users(self, usernames: Iterable[str]) -> dict[str, SalesforceUser]:
        """The org's users among ``usernames``, active or not, keyed by lower-case username."""
        ...

    def find_markers(self, kind: ActivityKind, markers: Iterable[str]) -> dict[str, str]:
        """The Salesforce ids of records already carrying these markers (marker → Id)."""
        ...

    def phone_directory(self) -> PhoneDirectory:
        """Numbers of the org's Contacts, Accounts and Leads, newest first (a few hundred)."""
        ...

    def describe(self, sobject: str) -> ObjectDescription: ...

    def create_records(
        self, sobject: str, records: Sequence[Mapping[str, Any]], *, all_or_none: bool = False
    ) -> list[RecordResult]: ...

    def api_usage(self) -> ApiUsage | None:
        """The org's API requests used and its daily allowance, as Salesforce reports them now
        (None when it does not say)."""
        ...


class SyncWakeup(Protocol):
    """Tells the sync workers that a company has calls or meetings queued (PostgreSQL mode);
    in DuckDB mode nobody listens and the sync runs in the portal's process."""

    def wake(self) -> None:
        """A worker will send this company's queue soon (a no-op when a wake-up is already
        waiting)."""
        ...


def no_progress(fraction: float, message: str) -> None:
    """The progress callback when nobody watches."""
