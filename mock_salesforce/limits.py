"""The org's API allowance: every authenticated REST call counts against a daily maximum per
org (UTC day, persisted in the store), reported in ``Sforce-Limit-Info`` and ``/limits``.

Once the day's allowance is spent, calls fail with ``REQUEST_LIMIT_EXCEEDED`` (403) until the
next UTC day, as in a Salesforce org.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from mock_salesforce.clock import Clock
from mock_salesforce.errors import request_limit_exceeded
from mock_salesforce.store import Store

#: A small org's daily allowance of API requests.
DEFAULT_DAILY_MAX = 15_000

#: The other entries ``/limits`` reports; fixed figures of an Enterprise Edition org.
_STATIC_LIMITS: dict[str, int] = {
    "ConcurrentAsyncGetReportInstances": 200,
    "ConcurrentSyncReportRuns": 20,
    "DailyAsyncApexExecutions": 250_000,
    "DailyBulkApiBatches": 15_000,
    "DailyBulkV2QueryFileStorageMB": 976_562,
    "DailyBulkV2QueryJobs": 10_000,
    "DailyDurableStreamingApiEvents": 10_000,
    "DailyStreamingApiEvents": 10_000,
    "DailyWorkflowEmails": 390,
    "FileStorageMB": 20_480,
    "HourlyAsyncReportRuns": 1_200,
    "HourlyODataCallout": 10_000,
    "HourlySyncReportRuns": 500,
    "HourlyTimeBasedWorkflow": 50,
    "MassEmail": 10,
    "SingleEmail": 15,
    "StreamingApiConcurrentClients": 20,
}

#: Data storage of an Enterprise Edition org, and what Salesforce counts per record.
DATA_STORAGE_MB = 10_240
_KB_PER_RECORD = 2


@dataclass(frozen=True)
class ApiUsage:
    """Requests used today and the day's maximum."""

    used: int
    maximum: int

    @property
    def remaining(self) -> int:
        return max(self.maximum - self.used, 0)

    @property
    def header(self) -> str:
        """The value of the ``Sforce-Limit-Info`` response header."""
        return f"api-usage={self.used}/{self.maximum}"


#: Counted requests written to the store at least this often (a crash loses fewer than this).
_FLUSH_EVERY_REQUESTS = 25


class ApiLimits:
    """Daily API request counting per org, persisted in the store.

    Every API request counts, so today's count lives in memory and is written behind, every
    ``_FLUSH_EVERY_REQUESTS`` requests, on every read of the usage, and on :meth:`flush`.
    """

    def __init__(self, store: Store, clock: Clock, *, daily_max: int = DEFAULT_DAILY_MAX) -> None:
        self._store = store
        self._clock = clock
        self.daily_max = daily_max
        store.ensure_table(
            "_api_requests_daily",
            "org_id VARCHAR NOT NULL, day DATE NOT NULL, used BIGINT NOT NULL, "
            "daily_max BIGINT NOT NULL, PRIMARY KEY (org_id, day)",
        )
        store.ensure_table(
            "_api_daily_max", "org_id VARCHAR PRIMARY KEY, daily_max BIGINT NOT NULL"
        )
        # (org_id, day) -> [used, daily_max, requests not yet written]
        self._counts: dict[tuple[str, date], list[int]] = {}
        store.on_wipe(self._counts.clear)

    def _today(self) -> date:
        return self._clock.now().date()

    def maximum(self, *, org_id: str) -> int:
        """The org's daily allowance (its own setting, else the server's default)."""
        rows = self._store.execute(
            "SELECT daily_max FROM _api_daily_max WHERE org_id = ?", [org_id]
        )
        return int(rows[0][0]) if rows else self.daily_max

    def usage(self, *, org_id: str) -> ApiUsage:
        """Today's usage without counting a request."""
        with self._store.lock:
            self.flush()
            rows = self._store.execute(
                "SELECT used, daily_max FROM _api_requests_daily WHERE org_id = ? AND day = ?",
                [org_id, self._today()],
            )
            if rows:
                return ApiUsage(int(rows[0][0]), int(rows[0][1]))
            return ApiUsage(0, self.maximum(org_id=org_id))

    def consume(self, *, org_id: str) -> ApiUsage:
        """Count one request; ``REQUEST_LIMIT_EXCEEDED`` when today's allowance is spent."""
        key = (org_id, self._today())
        with self._store.lock:
            count = self._counts.get(key)
            if count is None:
                stored = self.usage(org_id=org_id)
                count = self._counts[key] = [stored.used, stored.maximum, 0]
            used, maximum, pending = count
            if used >= maximum:
                raise request_limit_exceeded()
            count[0], count[2] = used + 1, pending + 1
            if count[2] >= _FLUSH_EVERY_REQUESTS:
                self._write(key, count)
            return ApiUsage(count[0], maximum)

    def flush(self) -> None:
        """Write every count not yet stored."""
        with self._store.lock:
            for key, count in self._counts.items():
                if count[2]:
                    self._write(key, count)

    def _write(self, key: tuple[str, date], count: list[int]) -> None:
        self._store.execute(
            "INSERT INTO _api_requests_daily VALUES (?, ?, ?, ?) ON CONFLICT (org_id, day) "
            "DO UPDATE SET used = EXCLUDED.used",
            [key[0], key[1], count[0], count[1]],
        )
        count[2] = 0

    def set_daily_max(self, *, org_id: str, maximum: int) -> None:
        """Give one org its own daily allowance (e.g. to exhaust it in a demo)."""
        if maximum < 0:
            raise ValueError("the daily maximum cannot be negative")
        with self._store.transaction():
            self.flush()
            self._counts.pop((org_id, self._today()), None)
            self._store.execute(
                "INSERT INTO _api_daily_max VALUES (?, ?) ON CONFLICT (org_id) "
                "DO UPDATE SET daily_max = EXCLUDED.daily_max",
                [org_id, maximum],
            )
            self._store.execute(
                "UPDATE _api_requests_daily SET daily_max = ? WHERE org_id = ? AND day = ?",
                [maximum, org_id, self._today()],
            )

    def report(self, *, org_id: str, records: int) -> dict[str, Any]:
        """The body of ``GET /limits``: ``{Name: {Max, Remaining}}``, API requests first.

        ``records`` is the org's stored record count (Salesforce counts 2 KB per record).
        """
        usage = self.usage(org_id=org_id)
        used_mb = records * _KB_PER_RECORD // 1024
        body: dict[str, Any] = {
            "DailyApiRequests": {"Max": usage.maximum, "Remaining": usage.remaining},
            "DataStorageMB": {
                "Max": DATA_STORAGE_MB,
                "Remaining": max(DATA_STORAGE_MB - used_mb, 0),
            },
        }
        for name, maximum in _STATIC_LIMITS.items():
            body[name] = {"Max": maximum, "Remaining": maximum}
        return dict(sorted(body.items()))
