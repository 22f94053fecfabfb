"""The one place that builds the HTTP session every Salesforce call goes through.

Mock and real orgs differ only in whom the session trusts: the mock's local CA (and nothing
from the environment), or the system store plus ``REQUESTS_CA_BUNDLE`` (corporate proxies rely
on it). Every request gets default timeouts; reads are retried with backoff on connection errors,
5xx and ``REQUEST_LIMIT_EXCEEDED``; writes are sent exactly once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

log = logging.getLogger(__name__)

#: Methods that change nothing on the server, so sending them twice is harmless.
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TrustMode(Enum):
    """Which certificate authorities the portal trusts when it talks to Salesforce."""

    MOCK_CA = "mock_ca"
    SYSTEM = "system"


@dataclass(frozen=True)
class Trust:
    """Whom TLS connections trust: the mock's local CA only, or the system/environment store."""

    mode: TrustMode
    ca_bundle: Path | None = None

    def __post_init__(self) -> None:
        if self.mode is TrustMode.MOCK_CA and self.ca_bundle is None:
            raise ValueError("mock trust needs the mock's CA bundle path")
        if self.mode is TrustMode.SYSTEM and self.ca_bundle is not None:
            raise ValueError("system trust takes no CA bundle (set REQUESTS_CA_BUNDLE instead)")

    @classmethod
    def mock_ca(cls, ca_bundle: Path) -> Trust:
        """Trust exactly the mock org's local CA."""
        return cls(TrustMode.MOCK_CA, Path(ca_bundle))

    @classmethod
    def system(cls) -> Trust:
        """Trust the system store, or ``REQUESTS_CA_BUNDLE`` when the environment sets it."""
        return cls(TrustMode.SYSTEM)


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for each read of a response."""

    connect: float = 5.0
    read: float = 60.0

    def __post_init__(self) -> None:
        if self.connect <= 0 or self.read <= 0:
            raise ValueError("timeouts must be positive")

    def as_tuple(self) -> tuple[float, float]:
        return (self.connect, self.read)


def exponential_backoff(*, base: float = 0.5, cap: float = 8.0) -> Callable[[int], float]:
    """Seconds to wait before retry ``n`` (1-based): base, 2*base, 4*base, ... at most cap."""

    def delay(retry: int) -> float:
        return float(min(cap, base * (2 ** (retry - 1))))

    return delay


@dataclass(frozen=True)
class RetryPolicy:
    """How reads are retried: ``attempts`` in all (first try included), waiting
    ``backoff(retry_number)`` seconds through ``sleep`` between them."""

    attempts: int = 3
    backoff: Callable[[int], float] = field(default_factory=exponential_backoff)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


def _is_request_limit(response: requests.Response) -> bool:
    if response.status_code != 403:
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    entries = body if isinstance(body, list) else [body]
    return any(
        isinstance(entry, Mapping) and entry.get("errorCode") == "REQUEST_LIMIT_EXCEEDED"
        for entry in entries
    )


def is_retryable_response(response: requests.Response) -> bool:
    """Whether a read's answer is worth another try: a server error or a spent API limit."""
    return response.status_code >= 500 or _is_request_limit(response)


def _where(url: str | None) -> str:
    # The query string can hold SOQL with personal data: log only host and path.
    parts = urlsplit(url or "")
    return f"{parts.netloc}{parts.path}"


class SalesforceAdapter(HTTPAdapter):
    """An adapter that applies default timeouts and retries reads (never writes)."""

    def __init__(self, *, timeouts: Timeouts, retry: RetryPolicy) -> None:
        super().__init__()
        self.timeouts = timeouts
        self.retry = retry

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if timeout is None:
            timeout = self.timeouts.as_tuple()
        method = (request.method or "GET").upper()
        attempts = self.retry.attempts if method in READ_METHODS else 1
        for attempt in range(1, attempts + 1):
            last = attempt == attempts
            try:
                response = super().send(
                    request,
                    stream=stream,
                    timeout=timeout,
                    verify=verify,
                    cert=cert,
                    proxies=proxies,
                )
            except requests.exceptions.SSLError:
                raise  # a trust problem does not heal by asking again
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last:
                    raise
                log.warning(
                    "Salesforce %s %s failed (%s); retry %d of %d",
                    method,
                    _where(request.url),
                    type(exc).__name__,
                    attempt,
                    attempts - 1,
                )
            else:
                if last or stream or not is_retryable_response(response):
                    return response
                log.warning(
                    "Salesforce %s %s answered %d; retry %d of %d",
                    method,
                    _where(request.url),
                    response.status_code,
                    attempt,
                    attempts - 1,
                )
                response.close()
            self.retry.sleep(self.retry.backoff(attempt))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def close(self) -> None:
        # urllib3 2 only forgets its pools here; a kept response (an error's traceback holds
        # one) would keep their sockets open. Close the idle connections for real.
        pools = self.poolmanager.pools
        for key in list(pools.keys()):
            pool = pools.get(key)
            if pool is not None:
                pool.close()
        super().close()


def build_session(
    *, trust: Trust, timeout: Timeouts, retry: RetryPolicy | None = None
) -> requests.Session:
    """A session for Salesforce (API, OAuth, identity): trusts what ``trust`` says, applies
    ``timeout`` to every request, retries reads per ``retry`` and never retries writes."""
    session = requests.Session()
    if trust.mode is TrustMode.MOCK_CA:
        # With trust_env on, REQUESTS_CA_BUNDLE would override ``verify`` on every request.
        session.trust_env = False
        session.verify = str(trust.ca_bundle)
    else:
        session.trust_env = True
        session.verify = True
    adapter = SalesforceAdapter(timeouts=timeout, retry=retry or RetryPolicy())
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session
