"""The org's API allowance as Salesforce reports it on every answer (``Sforce-Limit-Info:
api-usage=used/max``), kept per host so a spent allowance can say how far it went and when it
will have recovered."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Final
from urllib.parse import urlsplit

import requests

from portal.domain.gateway_errors import ApiUsage

_API_USAGE: Final = re.compile(r"api-usage=(\d+)/(\d+)")


def parse_usage(header: str | None, *, seen_at: datetime) -> ApiUsage | None:
    """The usage in a ``Sforce-Limit-Info`` header value, or None without one."""
    match = _API_USAGE.match((header or "").strip())
    if match is None:
        return None
    return ApiUsage(used=int(match[1]), maximum=int(match[2]), seen_at=seen_at)


class AllowanceMeter:
    """The latest usage Salesforce reported, per host (thread-safe)."""

    def __init__(self, *, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._now = now
        self._lock = threading.Lock()
        self._latest: dict[str, ApiUsage] = {}

    def record(self, response: requests.Response) -> None:
        usage = parse_usage(response.headers.get("Sforce-Limit-Info"), seen_at=self._now())
        if usage is not None:
            with self._lock:
                self._latest[_host(response.url)] = usage

    def latest(self, url: str) -> ApiUsage | None:
        """The last usage seen from the host of ``url``."""
        with self._lock:
            return self._latest.get(_host(url))


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc.lower()
