"""Step 10: the third-party integration error log, with filters, counts and exports.

Paging, filtering and counting run in SQL (the repository); only the export reads every
matching row, a thousand at a time.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Final

import pandas as pd

from portal.adapters.ports import MAX_PAGE_SIZE
from portal.domain.history import AuthEvent
from portal.domain.integration_errors import (
    CodeCount,
    DayCount,
    ErrorLogFilter,
    IntegrationErrorEntry,
)
from portal.domain.steps import StepResult, StepStatus
from portal.services.context import ServiceContext

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

    @property
    def has_next(self) -> bool:
        return self.page < self.page_count


@dataclass(frozen=True)
class NewErrorCodes:
    """Error codes seen since the last integration that never occurred before it."""

    since: datetime | None
    codes: tuple[str, ...]


class ErrorTablesService:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    def page(
        self,
        *,
        filters: ErrorLogFilter | None = None,
        page: int = 1,
        page_size: int = DEFAULT_PAGE_SIZE,
    ) -> ErrorPage:
        """Page ``page`` (from 1) of the errors matching ``filters``, ``page_size`` (1 to 1000)
        per page. A page past the end is empty, never an error."""
        if page < 1:
            raise ValueError("page numbers start at 1")
        found = self._context.repositories.integration_errors.page(
            filter=filters, limit=page_size, offset=(page - 1) * page_size
        )
        return ErrorPage(entries=found.entries, total=found.total, page=page, page_size=page_size)

    def counts_by_code(self, *, filters: ErrorLogFilter | None = None) -> list[CodeCount]:
        """Errors per Salesforce error code, most frequent first."""
        return self._context.repositories.integration_errors.counts_by_code(filter=filters)

    def counts_by_day(self, *, filters: ErrorLogFilter | None = None) -> list[DayCount]:
        """Errors per UTC day, oldest first (days without errors are absent)."""
        return self._context.repositories.integration_errors.counts_by_day(filter=filters)

    def objects(self, *, filters: ErrorLogFilter | None = None) -> list[str]:
        """The Salesforce objects named by the errors matching ``filters``, sorted (what the
        "Object" filter offers)."""
        return self._context.repositories.integration_errors.distinct_objects(filter=filters)

    def new_codes_since_integration(self) -> NewErrorCodes:
        """The error codes that appeared since the newest "integrated" history line and never
        before it: the ones to report to Support."""
        entry = self._context.repositories.authentication_history.latest(event=AuthEvent.INTEGRATED)
        if entry is None:
            return NewErrorCodes(since=None, codes=())
        codes = self._context.repositories.integration_errors.new_codes_since(entry.occurred_at)
        return NewErrorCodes(since=entry.occurred_at, codes=tuple(codes))

    def status(self) -> StepResult:
        """Step 10's check: errors that did not occur before the re-integration."""
        new = self.new_codes_since_integration()
        if new.since is None:
            result = StepResult.of(
                step=10,
                status=StepStatus.OK,
                message="MiiTel has not been integrated yet, so there are no errors to compare.",
            )
        elif new.codes:
            result = StepResult.of(
                step=10,
                status=StepStatus.ACTION_NEEDED,
                message="Errors that did not occur before appeared since the integration on "
                f"{new.since:%Y-%m-%d %H:%M} UTC: {', '.join(new.codes)}. Please contact Support.",
                details=new.codes,
            )
        else:
            result = StepResult.of(
                step=10,
                status=StepStatus.OK,
                message="No error has occurred since the integration on "
                f"{new.since:%Y-%m-%d %H:%M} UTC that did not occur before. Check again after "
                "calls and meetings.",
            )
        self._context.record_progress(result)
        return result

    def export(
        self, *, filters: ErrorLogFilter | None = None, format: ExportFormat = ExportFormat.CSV
    ) -> bytes:
        """Every error matching ``filters``, newest first, as CSV (UTF-8 with BOM, so
        spreadsheet programs read Japanese text) or Parquet."""
        rows: list[dict[str, object]] = []
        offset = 0
        repository = self._context.repositories.integration_errors
        while True:
            found = repository.page(filter=filters, limit=MAX_PAGE_SIZE, offset=offset)
            rows += [_row(entry) for entry in found.entries]
            offset += len(found.entries)
            if not found.entries or offset >= found.total:
                break
        frame = pd.DataFrame(rows, columns=list(_COLUMNS))
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
        if format is ExportFormat.PARQUET:
            buffer = io.BytesIO()
            frame.to_parquet(buffer, index=False)
            return buffer.getvalue()
        return frame.to_csv(index=False).encode("utf-8-sig")


_COLUMNS: Final = (
    "occurred_at",
    "source",
    "miitel_record_id",
    "sobject",
    "operation",
    "status_code",
    "message",
    "fields",
    "org_id",
)


def _row(entry: IntegrationErrorEntry) -> dict[str, object]:
    return {
        "occurred_at": entry.occurred_at,
        "source": entry.source.label,
        "miitel_record_id": entry.miitel_record_id,
        "sobject": entry.sobject,
        "operation": entry.operation.value,
        "status_code": entry.status_code,
        "message": entry.message,
        "fields": ";".join(entry.fields),
        "org_id": entry.org_id or "",
    }
