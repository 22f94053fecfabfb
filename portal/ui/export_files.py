"""The error log's downloads as files on disk: an export runs in its own thread (DuckDB
writes the file), the page shows its progress and can cancel it, and the finished file is
served by ``GET /portal-export/<token>`` straight from disk, never read into Python.

A token is 256 random bits, good for one download within :data:`KEEP` of the export's start,
and only with the login cookie of the portal user who started the export (a leaked link is of
no use to anyone else); the file goes once it was served, cancelled, failed or expired.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Final

from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import BaseRoute, Route

from portal.domain.exports import ExportCancelled, ExportControl
from portal.ui import web_session
from portal.ui.web_session import COOKIE_NAME

log = logging.getLogger(__name__)

ROUTE: Final = "/portal-export"
#: How long a prepared file may wait for its download.
KEEP: Final = 15 * 60.0


class JobState(Enum):
    RUNNING = "running"
    READY = "ready"
    CANCELLED = "cancelled"
    FAILED = "failed"


@dataclass
class ExportJob:
    token: str
    path: Path
    file_name: str
    mime: str
    owner: str
    control: ExportControl = field(default_factory=ExportControl)
    state: JobState = JobState.RUNNING
    started: float = field(default_factory=time.monotonic)

    @property
    def url(self) -> str:
        return f"{ROUTE}/{self.token}"

    def progress(self) -> float:
        return 1.0 if self.state is JobState.READY else self.control.progress()


class PreparedExports:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._jobs: dict[str, ExportJob] = {}
        self._lock = threading.Lock()

    def start(
        self,
        make: Callable[[Path, ExportControl], None],
        *,
        file_name: str,
        mime: str,
        owner: str,
    ) -> ExportJob:
        """Run ``make(path, control)`` in a thread for the portal user ``owner``; the job says
        how it goes."""
        self._forget_expired()
        token = secrets.token_urlsafe(32)
        job = ExportJob(
            token=token, path=self._folder / token, file_name=file_name, mime=mime, owner=owner
        )
        with self._lock:
            self._jobs[token] = job
        threading.Thread(target=self._run, args=(job, make), daemon=True).start()
        return job

    def get(self, token: str) -> ExportJob | None:
        with self._lock:
            return self._jobs.get(token)

    def take(self, token: str, *, user: str | None) -> ExportJob | None:
        """The ready job of ``token`` for the logged-in ``user``, once (None when unknown, not
        ready, expired, or someone else's)."""
        with self._lock:
            job = self._jobs.get(token)
            if job is None or job.state is not JobState.READY or _expired(job):
                return None
            if user is None or not secrets.compare_digest(job.owner, user):
                return None
            del self._jobs[token]
            return job

    def _run(self, job: ExportJob, make: Callable[[Path, ExportControl], None]) -> None:
        try:
            make(job.path, job.control)
        except ExportCancelled:
            job.state = JobState.CANCELLED
        except Exception:
            log.exception("error log export failed")
            job.state = JobState.FAILED
        else:
            job.state = JobState.CANCELLED if job.control.cancelled else JobState.READY
        if job.state is not JobState.READY:
            job.path.unlink(missing_ok=True)

    def _forget_expired(self) -> None:
        with self._lock:
            expired = [job for job in self._jobs.values() if _expired(job)]
            for job in expired:
                del self._jobs[job.token]
        for job in expired:
            job.control.cancel()
            job.path.unlink(missing_ok=True)


def _expired(job: ExportJob) -> bool:
    return time.monotonic() - job.started > KEEP


@cache
def prepared() -> PreparedExports:
    """This process's prepared files, in a temporary folder only this user may read (0700)."""
    folder = Path(tempfile.mkdtemp(prefix="portal-exports-"))
    return PreparedExports(folder)


def _login_user(cookie: str | None) -> str | None:
    try:
        login = web_session.route_sessions().resume(cookie)
    except Exception:
        log.exception("The download route cannot open the portal's login sessions")
        return None
    return login.username if login else None


async def download(request: Request) -> Response:
    user = await run_in_threadpool(_login_user, request.cookies.get(COOKIE_NAME))
    job = prepared().take(str(request.path_params["token"]), user=user)
    if job is None:
        return Response(status_code=404, headers={"Cache-Control": "no-store"})
    return FileResponse(
        job.path,
        media_type=job.mime,
        filename=job.file_name,
        headers={"Cache-Control": "no-store"},
        background=BackgroundTask(job.path.unlink, missing_ok=True),
    )


def routes() -> list[BaseRoute]:
    return [Route(ROUTE + "/{token}", download, methods=["GET"])]
