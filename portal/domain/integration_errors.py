"""The third-party integration error log: a Salesforce write or read that failed for a record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import Enum
from typing import Final

from portal.domain.text import N_
from portal.domain.timestamps import require_aware


class ErrorSource(Enum):
    """Which integration produced the error."""

    ACTIVITY = "activity"
    VIDEO = "video"

    @property
    def label(self) -> str:
        """The integration's name on screen (English; the UI translates it)."""
        return _SOURCE_LABELS[self]


_SOURCE_LABELS = {
    ErrorSource.ACTIVITY: N_("Activity history integration"),
    ErrorSource.VIDEO: N_("Video history integration"),
}


class SyncOperation(Enum):
    """What the integration was doing in Salesforce."""

    CREATE = "create"
    UPDATE = "update"
    QUERY = "query"
    DESCRIBE = "describe"

    @property
    def label(self) -> str:
        """The operation's name on screen (English; the UI translates it)."""
        return _OPERATION_LABELS[self]


_OPERATION_LABELS = {
    SyncOperation.CREATE: N_("Create"),
    SyncOperation.UPDATE: N_("Update"),
    SyncOperation.QUERY: N_("Query"),
    SyncOperation.DESCRIBE: N_("Describe"),
}


@dataclass(frozen=True)
class IntegrationErrorEntry:
    """One error: the MiiTel record, the Salesforce object and operation, and Salesforce's
    error code (``status_code``), message and fields. ``id`` is assigned by storage."""

    occurred_at: datetime
    source: ErrorSource
    miitel_record_id: str
    sobject: str
    operation: SyncOperation
    status_code: str
    message: str
    fields: tuple[str, ...] = ()
    org_id: str | None = None
    id: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "occurred_at", require_aware(self.occurred_at, name="occurred_at"))
        object.__setattr__(self, "fields", tuple(self.fields))


@dataclass(frozen=True)
class ErrorLogFilter:
    """Which errors to show; every criterion left ``None`` matches everything.

    ``since`` is inclusive and ``until`` exclusive; ``text`` matches the message, ignoring case.
    """

    since: datetime | None = None
    until: datetime | None = None
    source: ErrorSource | None = None
    status_code: str | None = None
    sobject: str | None = None
    org_id: str | None = None
    text: str | None = None

    def __post_init__(self) -> None:
        if self.since is not None:
            object.__setattr__(self, "since", require_aware(self.since, name="since"))
        if self.until is not None:
            object.__setattr__(self, "until", require_aware(self.until, name="until"))

    def matches(self, entry: IntegrationErrorEntry) -> bool:
        """Whether ``entry`` passes the filter (storage does the same in SQL)."""
        return (
            (self.since is None or entry.occurred_at >= self.since)
            and (self.until is None or entry.occurred_at < self.until)
            and (self.source is None or entry.source is self.source)
            and (self.status_code is None or entry.status_code == self.status_code)
            and (self.sobject is None or entry.sobject == self.sobject)
            and (self.org_id is None or entry.org_id == self.org_id)
            and (self.text is None or self.text.lower() in entry.message.lower())
        )


@dataclass(frozen=True)
class ErrorLogPage:
    """One page of errors, newest first, and how many match the filter in all."""

    entries: tuple[IntegrationErrorEntry, ...]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class CodeCount:
    status_code: str
    count: int


#: The width of the error log's time buckets: every zone's midnight in use today falls on a
#: multiple of it, so buckets add up to days of any zone, and they locate any page.
BUCKET: Final = timedelta(minutes=15)


@dataclass(frozen=True)
class BucketCount:
    """Errors whose time falls in ``[start, start + BUCKET)`` (``start`` in UTC)."""

    start: datetime
    count: int


@dataclass(frozen=True)
class HighWaterMark:
    """How far the log has grown: rows and the newest id. Any append or wipe changes it."""

    rows: int
    last_id: int


@dataclass(frozen=True)
class DayCount:
    """Errors on one day (a UTC day from storage; a day of the person's zone from the
    error-tables service)."""

    day: date
    count: int
