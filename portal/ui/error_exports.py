"""The error log's downloads as one person gets them: CSV headers in their language and times
in their zone (Parquet keeps the machine column names and UTC), and a file name that says which
errors it holds and when it was taken."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from portal.domain.integration_errors import ErrorSource
from portal.services.error_tables import EXPORT_COLUMNS, EXPORT_HEADERS, CsvShape, ExportFormat
from portal.ui import i18n
from portal.ui.i18n import t
from portal.ui.tables import when_header

PREFIX: Final = "integration-errors"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]+")


@dataclass(frozen=True)
class ErrorLogChoice:
    """What the person picked in the error log's filters (days of their own zone)."""

    days: tuple[date, date] | None = None
    status_code: str | None = None
    sobject: str | None = None
    source: ErrorSource | None = None
    new_only: bool = False


def csv_layout() -> CsvShape:
    """The CSV as this session reads it (built in the page run: the download itself runs
    later, outside the session)."""
    headers = {column: t(EXPORT_HEADERS[column]) for column in EXPORT_COLUMNS}
    headers["occurred_at"] = when_header()
    return CsvShape(
        headers=headers,
        zone=i18n.time_zone(),
        source_labels={source.value: t(source.label) for source in ErrorSource},
    )


def file_name(choice: ErrorLogChoice, *, format: ExportFormat, now: datetime) -> str:
    """``integration-errors_<filters>_<time taken in the person's zone>.<csv|parquet>``, e.g.
    ``integration-errors_2026-03-01_2026-03-09_INVALID_FIELD_20260310-1830JST.csv``."""
    parts: list[str] = []
    if choice.days is not None:
        first, last = choice.days
        parts += [first.isoformat()] if first == last else [first.isoformat(), last.isoformat()]
    if choice.new_only:
        parts.append("since-reintegration")
    parts += [value for value in (choice.status_code, choice.sobject) if value]
    if choice.source is not None:
        parts.append(choice.source.value)
    shown = i18n.local(now if now.tzinfo else now.replace(tzinfo=UTC))
    parts.append(f"{shown:%Y%m%d-%H%M}{shown.tzname() or i18n.zone_label()}")
    safe = [_UNSAFE.sub("-", part).strip("-") for part in parts if part]
    filters = safe[:-1] or ["all"]
    return "_".join([PREFIX, *filters, safe[-1]]) + f".{format.value}"
