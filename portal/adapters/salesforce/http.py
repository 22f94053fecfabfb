"""The one place that builds the HTTP session every Salesforce call goes through.

Mock and real orgs differ only in whom the session trusts: the mock's local CA (and nothing
from the environment), or the system store plus ``REQUESTS_CA_BUNDLE`` (corporate proxies rely
on it). Every request gets default timeouts and the retries of :mod:`.retries` (transient
failures only, writes only when Salesforce certainly did nothing), and every answer's
``Sforce-Limit-Info`` is noted in the session's :class:`AllowanceMeter`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import requests
from requests.adapters import HTTPAdapter

from portal.adapters.salesforce.allowance import AllowanceMeter
from portal.adapters.salesforce.retries import RetryPolicy, send_with_retries


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


class SalesforceAdapter(HTTPAdapter):
    """An adapter that applies default timeouts, retries transient failures and notes the
    API allowance each answer reports."""

    def __init__(
        self, *, timeouts: Timeouts, retry: RetryPolicy, allowance: AllowanceMeter
    ) -> None:
        super().__init__()
        self.timeouts = timeouts
        self.retry = retry
        self.allowance = allowance

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

        def once() -> requests.Response:
            response = super(SalesforceAdapter, self).send(
                request, stream=stream, timeout=timeout, verify=verify, cert=cert, proxies=proxies
            )
            self.allowance.record(response)
            return response

        return send_with_retries(
            once,
            policy=self.retry,
            method=request.method or "GET",
            url=request.url,
            stream=stream,
        )

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
    ``timeout`` to every request, retries transient failures per ``retry``."""
    session = requests.Session()
    if trust.mode is TrustMode.MOCK_CA:
        # With trust_env on, REQUESTS_CA_BUNDLE would override ``verify`` on every request.
        session.trust_env = False
        session.verify = str(trust.ca_bundle)
    else:
        session.trust_env = True
        session.verify = True
    adapter = SalesforceAdapter(
        timeouts=timeout, retry=retry or RetryPolicy(), allowance=AllowanceMeter()
    )
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


def allowance_of(session: requests.Session) -> AllowanceMeter | None:
    """The allowance meter of a session from :func:`build_session` (None for any other)."""
    adapter = session.get_adapter("https://")
    return adapter.allowance if isinstance(adapter, SalesforceAdapter) else None
