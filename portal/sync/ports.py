"""What the sync needs from Salesforce: queries, phone searches (SOSL), describe and sObject
Collections writes.

:class:`~portal.adapters.salesforce.gateway.SalesforceGateway` is the real one; the sync asks
for nothing else, so the protocol is checked at run time on whatever gateway the services hand
over (a test double without these calls means "cannot sync").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable

from portal.domain.oauth import TokenSet
from portal.domain.salesforce import ObjectDescription, RecordResult

#: ``progress(fraction from 0 to 1, what is happening)``: how a page shows a long sync (the
#: text is a message, :class:`~portal.domain.text.Text`, the page shows in its language).
Progress = Callable[[float, str], None]


@runtime_checkable
class SyncGateway(Protocol):
    """Typed calls on the integrated org (see ``SalesforceGateway``)."""

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


def no_progress(fraction: float, message: str) -> None:
    """The progress callback when nobody watches."""
