"""The sync worker's settings: from ``PORTAL_WORKER_*`` environment variables (or the command
line), each with a default fit for production."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any, Final

from portal.domain.config import ConfigError, ConfigProblem
from portal.domain.text import msg

#: Records (calls and meetings) one company sends in one turn: one sObject Collections
#: request's worth, so a turn takes seconds and companies alternate quickly.
DEFAULT_BATCH: Final = 200
#: The share of an org's daily API allowance the workers may use; the rest stays for the
#: org's own integrations and people.
DEFAULT_API_SHARE: Final = 0.8


@dataclass(frozen=True)
class WorkerSettings:
    """How a sync worker runs."""

    #: Records a company sends per turn (:mod:`.fairness`).
    batch: int = DEFAULT_BATCH
    #: No sending for an org once it has used this share of its daily allowance.
    api_share: float = DEFAULT_API_SHARE
    #: How long a company over its share waits before its org is asked again.
    api_pause: timedelta = timedelta(minutes=15)
    #: How often the companies with calls or meetings queued are looked for (a divisor of 60
    #: seconds, or whole minutes).
    sweep: timedelta = timedelta(minutes=1)
    #: Jobs run at once by one worker process (one company each).
    concurrency: int = 2
    #: A worker that has not said it is alive for this long is dead: its jobs are run again.
    stalled_after: timedelta = timedelta(seconds=30)

    @property
    def sweep_cron(self) -> str:
        """The sweep's schedule as procrastinate reads it (a 6th field: seconds)."""
        seconds = int(self.sweep.total_seconds())
        if seconds % 60 == 0:
            return f"*/{seconds // 60} * * * *"
        return f"* * * * * */{seconds}"

    @property
    def heartbeat(self) -> timedelta:
        """How often a worker says it is alive (several times within ``stalled_after``)."""
        return self.stalled_after / 3


_ENV: Final = {
    "batch": "PORTAL_WORKER_BATCH",
    "api_share": "PORTAL_WORKER_API_SHARE",
    "api_pause": "PORTAL_WORKER_API_PAUSE_SECONDS",
    "sweep": "PORTAL_WORKER_SWEEP_SECONDS",
    "concurrency": "PORTAL_WORKER_CONCURRENCY",
    "stalled_after": "PORTAL_WORKER_STALLED_SECONDS",
}


def worker_settings(environ: Mapping[str, str]) -> WorkerSettings:
    """The settings ``environ`` gives (defaults for what it leaves unset); a
    :class:`ConfigError` names every value to fix."""
    problems: list[ConfigProblem] = []
    values: dict[str, Any] = {}

    def number(name: str, low: float, high: float, *, whole: bool) -> float | None:
        key = _ENV[name]
        raw = environ.get(key, "").strip()
        if not raw:
            return None
        try:
            value = int(raw) if whole else float(raw)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            problems.append(
                ConfigProblem(
                    key,
                    msg(
                        "Set a number from {low} to {high} (not {value}).",
                        low=low,
                        high=high,
                        value=raw,
                    ),
                )
            )
            return None
        return value

    if (batch := number("batch", 1, 10_000, whole=True)) is not None:
        values["batch"] = int(batch)
    if (share := number("api_share", 0.01, 1, whole=False)) is not None:
        values["api_share"] = share
    if (pause := number("api_pause", 1, 86_400, whole=True)) is not None:
        values["api_pause"] = timedelta(seconds=pause)
    if (concurrency := number("concurrency", 1, 64, whole=True)) is not None:
        values["concurrency"] = int(concurrency)
    if (stalled := number("stalled_after", 3, 3_600, whole=True)) is not None:
        values["stalled_after"] = timedelta(seconds=stalled)
    if (sweep := number("sweep", 1, 3_600, whole=True)) is not None:
        seconds = int(sweep)
        if 60 % seconds and seconds % 60:
            problems.append(
                ConfigProblem(
                    _ENV["sweep"],
                    msg(
                        "Set a number of seconds that divides 60, or whole minutes (not {value}).",
                        value=seconds,
                    ),
                )
            )
        else:
            values["sweep"] = timedelta(seconds=seconds)
    if problems:
        raise ConfigError(tuple(problems))
    return replace(WorkerSettings(), **values)
