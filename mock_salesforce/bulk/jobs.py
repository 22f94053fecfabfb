"""Bulk API 2.0 jobs of every org: what each job is, its state machine, where its data and
results are kept (temporary files), and the worker thread that processes closed jobs.

Jobs live as long as the server process (and at most 7 days, as Salesforce keeps them); a
``/mock-api/reset`` drops them with the org data.
"""

from __future__ import annotations

import logging
import queue
import shutil
import tempfile
import threading
import weakref
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mock_salesforce.bulk.errors import invalid_job_state
from mock_salesforce.clock import sf_datetime
from mock_salesforce.errors import not_found
from mock_salesforce.schema import OrgSchema
from mock_salesforce.soql.compiler import Plan

if TYPE_CHECKING:
    from mock_salesforce.backend import MockBackend

log = logging.getLogger(__name__)

#: Key prefix of AsyncApiJob ids.
JOB_PREFIX = "750"
#: Jobs processed at once (Salesforce runs jobs in parallel; a long load does not hold a query).
WORKERS = 2
#: A worker with nothing to do for this long ends; the next job starts one again.
_IDLE_SECONDS = 5.0
#: Salesforce deletes Bulk API 2.0 jobs (and their results) 7 days after they were created.
JOB_RETENTION = timedelta(days=7)

DELIMITERS: dict[str, str] = {
    "BACKQUOTE": "`",
    "CARET": "^",
    "COMMA": ",",
    "PIPE": "|",
    "SEMICOLON": ";",
    "TAB": "\t",
}
LINE_ENDINGS: dict[str, str] = {"LF": "\n", "CRLF": "\r\n"}


class JobState(StrEnum):
    OPEN = "Open"
    UPLOAD_COMPLETE = "UploadComplete"
    IN_PROGRESS = "InProgress"
    JOB_COMPLETE = "JobComplete"
    FAILED = "Failed"
    ABORTED = "Aborted"


FINISHED = frozenset({JobState.JOB_COMPLETE, JobState.FAILED, JobState.ABORTED})


class JobKind(StrEnum):
    INGEST = "V2Ingest"
    QUERY = "V2Query"


@dataclass
class Job:
    """One job; mutable fields change only under :attr:`BulkJobs.lock`."""

    id: str
    org_id: str
    kind: JobKind
    operation: str
    object_name: str
    created_by: str
    created: datetime
    api_version: str
    column_delimiter: str
    line_ending: str
    #: The creator's view of the org (objects and fields they may read and write).
    schema: OrgSchema
    external_id_field: str | None = None
    query: str | None = None
    #: The compiled query of a query job.
    plan: Plan | None = None
    state: JobState = JobState.OPEN
    modified: datetime | None = None
    error_message: str | None = None
    processed: int = 0
    failed: int = 0
    processing_ms: int = 0
    #: Data and results by name ("upload", "results", "successful", "failed", "unprocessed").
    files: dict[str, Path] = field(default_factory=dict)
    #: Byte offset of every result row of a query job (the header ends at the first one).
    row_offsets: array[int] = field(default_factory=lambda: array("q"))
    #: Set once the worker is done with the job (its results are written).
    settled: threading.Event = field(default_factory=threading.Event)

    @property
    def delimiter(self) -> str:
        return DELIMITERS[self.column_delimiter]

    @property
    def newline(self) -> str:
        return LINE_ENDINGS[self.line_ending]

    def info(self, *, full: bool) -> dict[str, Any]:
        """The job as Salesforce's JobInfo; ``full`` adds the processing figures of Get Job Info."""
        body: dict[str, Any] = {
            "id": self.id,
            "operation": self.operation,
            "object": self.object_name,
            "createdById": self.created_by,
            "createdDate": sf_datetime(self.created),
            "systemModstamp": sf_datetime(self.modified or self.created),
            "state": str(self.state),
        }
        if self.external_id_field:
            body["externalIdFieldName"] = self.external_id_field
        body |= {
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(self.api_version),
        }
        if self.kind is JobKind.INGEST and self.state is JobState.OPEN and not full:
            body["contentUrl"] = f"services/data/v{self.api_version}/jobs/ingest/{self.id}/batches"
        if full:
            body["jobType"] = str(self.kind)
        body |= {"lineEnding": self.line_ending, "columnDelimiter": self.column_delimiter}
        if full:
            body["numberRecordsProcessed"] = self.processed
            if self.kind is JobKind.INGEST:
                body["numberRecordsFailed"] = self.failed
            body |= {"retries": 0, "totalProcessingTime": self.processing_ms}
            if self.kind is JobKind.INGEST:
                body |= {"apiActiveProcessingTime": self.processing_ms, "apexProcessingTime": 0}
            else:
                body["isPkChunkingSupported"] = True
            if self.error_message:
                body["errorMessage"] = self.error_message
        return body


Processor = Callable[["MockBackend", "BulkJobs", Job], None]


class BulkJobs:
    """The jobs of every org of one backend, with one worker thread processing them in order."""

    def __init__(self, backend: MockBackend) -> None:
        self._backend = weakref.ref(backend)
        self.clock = backend.clock
        self.lock = threading.RLock()
        self._jobs: dict[str, Job] = {}
        self._dir = Path(tempfile.mkdtemp(prefix="mock-bulk2-"))
        weakref.finalize(self, shutil.rmtree, self._dir, True)
        self._queue: queue.Queue[tuple[Job, Processor]] = queue.Queue()
        self._workers: list[threading.Thread] = []
        backend.store.on_wipe(self.clear)

    # -- jobs ------------------------------------------------------------------------------
    def new_id(self) -> str:
        backend = self._backend()
        assert backend is not None
        return backend.store.next_ids(JOB_PREFIX)[0]

    def add(self, job: Job) -> Job:
        with self.lock:
            self._purge_expired()
            self._jobs[job.id] = job
        return job

    def get(self, *, org_id: str, job_id: str, kind: JobKind) -> Job:
        """The org's job of this kind, else NOT_FOUND (404) as Salesforce answers."""
        with self.lock:
            self._purge_expired()
            job = self._jobs.get(job_id)
            if job is None and len(job_id) == 15:
                job = next((j for j in self._jobs.values() if j.id[:15] == job_id), None)
        if job is None or job.org_id != org_id or job.kind is not kind:
            raise not_found()
        return job

    def list(self, *, org_id: str, kind: JobKind) -> list[Job]:
        """The org's jobs of this kind, oldest first."""
        with self.lock:
            self._purge_expired()
            return [j for j in self._jobs.values() if j.org_id == org_id and j.kind is kind]

    def delete(self, job: Job) -> None:
        with self.lock:
            self._jobs.pop(job.id, None)
            self._remove_files(job)

    def clear(self) -> None:
        with self.lock:
            for job in self._jobs.values():
                if job.state not in FINISHED:
                    job.state = JobState.ABORTED
                self._remove_files(job)
            self._jobs.clear()

    def _purge_expired(self) -> None:
        cutoff = self.clock.now() - JOB_RETENTION
        for job in [j for j in self._jobs.values() if j.created < cutoff]:
            self._jobs.pop(job.id, None)
            self._remove_files(job)

    @staticmethod
    def _remove_files(job: Job) -> None:
        for path in job.files.values():
            path.unlink(missing_ok=True)
        job.files.clear()
        job.row_offsets = array("q")

    def info(self, job: Job, *, full: bool) -> dict[str, Any]:
        """The job's JobInfo, read while no state change is half made."""
        with self.lock:
            return job.info(full=full)

    # -- state -----------------------------------------------------------------------------
    def move(self, job: Job, to: JobState, *, allowed_from: frozenset[JobState]) -> None:
        """Change the job's state, or INVALIDJOBSTATE (409) from any other state."""
        with self.lock:
            if job.state not in allowed_from:
                raise invalid_job_state(
                    f"Invalid state transition from {job.state} to {to} for job {job.id}"
                )
            self.set_state(job, to)

    def set_state(self, job: Job, to: JobState, *, error: str | None = None) -> None:
        with self.lock:
            job.state = to
            job.modified = self.clock.now()
            if error is not None:
                job.error_message = error

    def is_aborted(self, job: Job) -> bool:
        with self.lock:
            return job.state is JobState.ABORTED or self._jobs.get(job.id) is not job

    # -- files -----------------------------------------------------------------------------
    def path_for(self, job: Job, name: str) -> Path:
        path = self._dir / f"{job.id}.{name}.csv"
        job.files[name] = path
        return path

    # -- processing ------------------------------------------------------------------------
    def submit(self, job: Job, processor: Processor) -> None:
        """Queue a job for a worker (which marks it InProgress, then finished)."""
        with self.lock:
            self._queue.put((job, processor))
            self._workers = [w for w in self._workers if w.is_alive()]
            if len(self._workers) < WORKERS:
                worker = threading.Thread(target=self._work, name="mock-bulk2-worker", daemon=True)
                self._workers.append(worker)
                worker.start()

    def _work(self) -> None:
        while True:
            try:
                job, processor = self._queue.get(timeout=_IDLE_SECONDS)
            except queue.Empty:
                with self.lock:
                    if self._queue.empty():
                        # An idle worker ends (a test server's registry must not keep threads).
                        self._workers = [
                            w for w in self._workers if w is not threading.current_thread()
                        ]
                        return
                continue
            backend = self._backend()
            try:
                if backend is not None:
                    self._process(backend, job, processor)
            finally:
                del backend
                self._queue.task_done()

    def _process(self, backend: MockBackend, job: Job, processor: Processor) -> None:
        with self.lock:
            if job.state is not JobState.UPLOAD_COMPLETE or self._jobs.get(job.id) is not job:
                job.settled.set()
                return
            self.set_state(job, JobState.IN_PROGRESS)
        started = self.clock.now()
        try:
            processor(backend, self, job)
        except Exception:
            log.exception("Bulk API 2.0 job %s failed in the mock", job.id)
            with self.lock:
                if job.state is JobState.IN_PROGRESS:
                    self.set_state(
                        job, JobState.FAILED, error="InternalServerError : the job could not run"
                    )
        finally:
            with self.lock:
                elapsed = self.clock.now() - started
                job.processing_ms = max(1, int(elapsed.total_seconds() * 1000))
                if job.state is JobState.IN_PROGRESS:
                    self.set_state(job, JobState.JOB_COMPLETE)
                job.settled.set()


_REGISTRIES: weakref.WeakKeyDictionary[MockBackend, BulkJobs] = weakref.WeakKeyDictionary()
_REGISTRIES_LOCK = threading.Lock()


def bulk_jobs(backend: MockBackend) -> BulkJobs:
    """The backend's Bulk API 2.0 jobs (created on first use)."""
    with _REGISTRIES_LOCK:
        found = _REGISTRIES.get(backend)
        if found is None:
            found = _REGISTRIES[backend] = BulkJobs(backend)
        return found
