"""The error log's downloads as the services and pages see them: the columns, how a CSV reads
for one person, and the handle that follows a running export's progress and cancels it.
The storage writes the file (:meth:`~portal.domain.ports.IntegrationErrorRepository.export`)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, tzinfo
from typing import Final, Protocol

#: The export's columns, machine names (Parquet, and a CSV without headers of its own).
EXPORT_COLUMNS: Final = (
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


@dataclass(frozen=True)
class CsvShape:
    """How a CSV reads for one person: ``headers`` (column -> header in their language),
    times in ``zone``, and each source's label (``ErrorSource`` value -> label)."""

    headers: Mapping[str, str] = field(default_factory=dict)
    zone: tzinfo = UTC
    source_labels: Mapping[str, str] = field(default_factory=dict)


class ExportCancelled(Exception):
    """The person cancelled the export; its file is incomplete and is removed."""


class RunningExport(Protocol):
    """The storage's side of one export while it writes: how far it is, and how to stop it."""

    def progress(self) -> float:
        """How far the export is, from 0 to 1."""
        ...

    def interrupt(self) -> None: ...


class ExportControl:
    """Progress and cancel of one running export, from another thread than the one writing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: RunningExport | None = None
        self._cancelled = False

    def attach(self, running: RunningExport) -> None:
        with self._lock:
            self._running = running
            if self._cancelled:
                running.interrupt()

    def detach(self) -> None:
        with self._lock:
            self._running = None

    @property
    def cancelled(self) -> bool:
        return self._cancelled

    def progress(self) -> float:
        """How far the export is, from 0 to 1 (0 before the storage reports)."""
        with self._lock:
            running = self._running
        if running is None:
            return 0.0
        return min(max(running.progress(), 0.0), 1.0)

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            if self._running is not None:
                self._running.interrupt()
