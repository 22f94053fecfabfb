"""Step 10: the third-party integration error log, with filters, counts and exports.

Paging, filtering and counting run in SQL (the repository); only the export reads every
matching row, a thousand at a time.
"""

from __future__ import annotations

import math
import tempfile
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, tzinfo
from enum import Enum
from itertools import pairwise
from pathlib import Path
from typing import Final

from portal.domain.exports import EXPORT_COLUMNS as EXPORT_COLUMNS
from portal.domain.exports import CsvShape as CsvShape
from portal.domain.exports import ExportControl
from portal.domain.history import AuthEvent
from portal.domain.integration_errors import (
    BUCKET,
    BucketCount,
    CodeCount,
    DayCount,
    ErrorLogFilter,
    IntegrationErrorEntry,
)
from portal.domain.local_days import every_day, local_day, midnights_within
from portal.domain.ports import check_page_bounds
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import N_, msg
from portal.services.context import ServiceContext
from portal.services.summary_memo import SummaryMemo

DEFAULT_PAGE_SIZE: Final = 50


class ExportFormat(Enum):
    CSV = "csv"
    PARQUET = "parquet"

    @property
    def mime_type(self) -> str:
        return "text/csv" if self is ExportFormat.CSV else "application/vnd.apache.parquet"


@dataclass(frozen=True)
class ErrorPage:
    """One page (1-based) of errors, newest first."""

    entries: tuple[IntegrationErrorEntry, ...]
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        return max(1, math.ceil(self.total / self.page_size))


@dataclass(frozen=True)
class NewErrorCodes:
    """Error codes seen since the last integration that never occurred before it."""

    since: datetime | None
    codes: tuple[str, ...]


class ErrorTablesService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context
        self._memo = SummaryMemo(lambda: context.repositories.integration_errors.high_water_mark())

    def page(
        self,
        *,
        filters: ErrorLogFilter | None = None,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> ErrorPage:
        """Page ``page`` (from 1) of the errors matching ``filters``, ``page_size`` (1 to 1000)
        per page. A page past the end is empty, never an error.

        Every page costs the same: the filter's counts per time bucket (cached until the log
        grows) say which few buckets hold the page's rows, and only those are read and sorted
        (a seek on the time, ties broken by id), never every row before them."""
        if page < 1:
            raise ValueError("page numbers start at 1")
        check_page_bounds(limit=page_size, offset=0)
        buckets = self._buckets(filters)
        total = sum(bucket.count for bucket in buckets)
        offset = (page - 1) * page_size
        entries: tuple[IntegrationErrorEntry, ...] = ()
        if offset < total:
            window, skip = _window(buckets, offset=offset, size=page_size)
            narrowed = _narrowed(filters, *window)
            if narrowed is not None:
                entries = self._context.repositories.integration_errors.entries(
                    filter=narrowed, limit=page_size, offset=skip
                )
        return ErrorPage(entries=entries, total=total, page=page, page_size=page_size)

    def counts_by_code(self, *, filters: ErrorLogFilter | None = None) -> list[CodeCount]:
        """Errors per Salesforce error code, most frequent first."""
        repository = self._context.repositories.integration_errors
        return self._memo.get(("codes", filters), lambda: repository.counts_by_code(filter=filters))

    def counts_by_day(
        self, *, filters: ErrorLogFilter | None = None, zone: tzinfo = UTC
    ) -> list[DayCount]:
        """Errors per day of ``zone``, oldest first, every day of the span included (a day
        without errors counts 0). The span is the filter's dates, or else the first to the
        last day with errors; no errors at all gives an empty list."""
        counts: Counter[date] = Counter()
        for bucket in self._buckets(filters):
            end = bucket.start + BUCKET
            # A bucket holding a midnight of the zone (none in today's zones) is split exactly.
            edges = [bucket.start, *midnights_within(bucket.start, end, zone)]
            left = bucket.count
            for since, until in pairwise(edges):
                part = self._count_between(filters, since, until)
                counts[local_day(since, zone)] += part
                left -= part
            counts[local_day(edges[-1], zone)] += left
        days = sorted(day for day, n in counts.items() if n)
        if not days:
            return []
        picked_since = filters.since if filters else None
        picked_until = filters.until if filters else None
        first = local_day(picked_since, zone) if picked_since else days[0]
        last = (
            local_day(picked_until - timedelta(microseconds=1), zone) if picked_until else days[-1]
        )
        return every_day(counts, first=min(first, days[0]), last=max(last, days[-1]))

    def _buckets(self, filters: ErrorLogFilter | None) -> list[BucketCount]:
        repository = self._context.repositories.integration_errors
        return self._memo.get(
            ("buckets", filters), lambda: repository.counts_by_bucket(filter=filters)
        )

    def _count_between(
        self, filters: ErrorLogFilter | None, since: datetime, until: datetime
    ) -> int:
        narrowed = _narrowed(filters, since, until)
        if narrowed is None:
            return 0
        buckets = self._context.repositories.integration_errors.counts_by_bucket(filter=narrowed)
        return sum(bucket.count for bucket in buckets)

    def objects(self, *, filters: ErrorLogFilter | None = None) -> list[str]:
        """The Salesforce objects named by the errors matching ``filters``, sorted (what the
        "Object" filter offers)."""
        repository = self._context.repositories.integration_errors
        return self._memo.get(
            ("objects", filters), lambda: repository.distinct_objects(filter=filters)
        )

    def new_codes_since_integration(self) -> NewErrorCodes:
        """The error codes that appeared since the newest "integrated" history line and never
        before it: the ones to report to Support."""
        entry = self._context.repositories.authentication_history.latest(event=AuthEvent.INTEGRATED)
        if entry is None:
            return NewErrorCodes(since=None, codes=())
        repository = self._context.repositories.integration_errors
        codes = self._memo.get(
            ("new codes", entry.occurred_at),
            lambda: repository.new_codes_since(entry.occurred_at),
        )
        return NewErrorCodes(since=entry.occurred_at, codes=tuple(codes))

    def status(self) -> StepResult:
        """Step 10's check: errors that did not occur before the re-integration."""
        new = self.new_codes_since_integration()
        if new.since is None:
            result = StepResult.of(
                step=10,
                status=StepStatus.OK,
                message=msg(
                    "MiiTel has not been integrated yet, so there are no errors to compare."
                ),
            )
        elif new.codes:
            result = StepResult.of(
                step=10,
                status=StepStatus.ACTION_NEEDED,
                message=msg(
                    "Errors that did not occur before appeared since the integration on "
                    "{since}: {codes}. Please contact Support.",
                    since=new.since,
                    codes=", ".join(new.codes),
                ),
                details=new.codes,
            )
        else:
            result = StepResult.of(
                step=10,
                status=StepStatus.OK,
                message=msg(
                    "No error has occurred since the integration on {since} that did not occur "
                    "before. Check again after calls and meetings.",
                    since=new.since,
                ),
            )
        self._context.record_progress(result)
        return result

    def export_to(
        self,
        target: Path,
        *,
        filters: ErrorLogFilter | None = None,
        format: ExportFormat = ExportFormat.CSV,
        layout: CsvShape | None = None,
        control: ExportControl | None = None,
    ) -> None:
        """Write every error matching ``filters``, newest first, to the file ``target``: CSV
        (UTF-8 with BOM, so spreadsheet programs read Japanese text; a cell that would start
        a formula gets a leading ') or Parquet. DuckDB writes the file itself, so memory stays
        flat whatever the row count. Parquet always has the machine column names
        (:data:`EXPORT_COLUMNS`) and UTC times; a CSV follows ``layout`` when given (headers
        in the person's language, times in their zone)."""
        self._context.repositories.integration_errors.export(
            target,
            filter=filters,
            parquet=format is ExportFormat.PARQUET,
            shape=layout,
            control=control,
        )

    def export(
        self,
        *,
        filters: ErrorLogFilter | None = None,
        format: ExportFormat = ExportFormat.CSV,
        layout: CsvShape | None = None,
    ) -> bytes:
        """:meth:`export_to` as bytes, for callers that need the file's content itself."""
        with tempfile.TemporaryDirectory(prefix="portal-export-") as folder:
            target = Path(folder) / f"errors.{format.value}"
            self.export_to(target, filters=filters, format=format, layout=layout)
            return target.read_bytes()


def _window(
    buckets: list[BucketCount], *, offset: int, size: int
) -> tuple[tuple[datetime, datetime], int]:
    """The time span ``[since, until)`` of the buckets holding rows ``offset`` to
    ``offset + size`` (newest first), and how many of its rows come before the first one."""
    seen = 0
    until: datetime | None = None
    skip = 0
    for bucket in reversed(buckets):
        if until is None and seen + bucket.count > offset:
            until = bucket.start + BUCKET
            skip = offset - seen
        seen += bucket.count
        if until is not None and seen >= offset + size:
            return (bucket.start, until), skip
    if until is None:
        raise ValueError("offset past the last row")
    return (buckets[0].start, until), skip


def _narrowed(
    filters: ErrorLogFilter | None, since: datetime, until: datetime
) -> ErrorLogFilter | None:
    """``filters`` further limited to ``[since, until)``; None when nothing is left."""
    base = filters or ErrorLogFilter()
    since = max(since, base.since) if base.since else since
    until = min(until, base.until) if base.until else until
    return replace(base, since=since, until=until) if since < until else None


#: Each export column's header for people (English; the UI translates them for a CSV).
EXPORT_HEADERS: Final[Mapping[str, str]] = {
    "occurred_at": N_("When"),
    "source": N_("Source"),
    "miitel_record_id": N_("MiiTel record"),
    "sobject": N_("Object"),
    "operation": N_("Operation"),
    "status_code": N_("Error code"),
    "message": N_("Message"),
    "fields": N_("Fields"),
    "org_id": N_("Org ID"),
}
