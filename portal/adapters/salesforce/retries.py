"""Which Salesforce failures are worth another try, and the retry loop (tenacity) around one
HTTP request.

Salesforce's transient failures heal by waiting: a 5xx or a timeout on a read, a row another
transaction holds (``UNABLE_TO_LOCK_ROW``), too many long-running requests at once
(``REQUEST_LIMIT_EXCEEDED`` with ``ConcurrentPerOrgLongTxn``/``ConcurrentRequests``). A spent
daily allowance (``REQUEST_LIMIT_EXCEEDED`` with ``TotalRequests Limit exceeded.``) does not:
Salesforce counts a rolling 24 hours, so asking again only wastes the caller's time.

Writes are repeated only when Salesforce certainly did nothing: the connection was never made,
or Salesforce refused the request up front (a locked row, the concurrency limit). A write whose
answer never came (a read timeout, a 5xx) is never sent again blindly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any, Final, TypeVar
from urllib.parse import urlsplit

import requests
import tenacity
from urllib3.exceptions import NewConnectionError

from portal.domain.gateway_errors import DAILY_ALLOWANCE

log = logging.getLogger(__name__)

T = TypeVar("T")

#: Methods that change nothing on the server, so sending them twice is harmless.
READ_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})
#: Codes with which Salesforce refuses a request before doing any of it.
REFUSED_UP_FRONT: Final = frozenset({"UNABLE_TO_LOCK_ROW", "REQUEST_LIMIT_EXCEEDED"})
#: The longest ``Retry-After`` honoured; longer waits are left to the person.
MAX_RETRY_AFTER: Final = 30.0


def exponential_backoff(*, base: float = 0.5, cap: float = 8.0) -> Callable[[int], float]:
    """Seconds to wait before retry ``n`` (1-based): base, 2*base, 4*base, ... at most cap."""

    def delay(retry: int) -> float:
        return float(min(cap, base * (2 ** (retry - 1))))

    return delay


@dataclass(frozen=True)
class RetryPolicy:
    """How transient failures are retried: ``attempts`` in all (first try included), waiting
    ``backoff(retry_number)`` seconds (or Salesforce's ``Retry-After``) through ``sleep``."""

    attempts: int = 3
    backoff: Callable[[int], float] = field(default_factory=exponential_backoff)
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("attempts must be at least 1")


def salesforce_errors(response: requests.Response) -> list[tuple[str, str]]:
    """``(errorCode, message)`` of each entry of Salesforce's error list, if the body is one."""
    try:
        body: Any = response.json()
    except ValueError:
        return []
    entries = body if isinstance(body, list) else [body]
    return [
        (str(entry.get("errorCode") or ""), str(entry.get("message") or ""))
        for entry in entries
        if isinstance(entry, Mapping)
    ]


def _refused_up_front(response: requests.Response) -> bool:
    if response.status_code < 400 or response.status_code >= 500:
        return False
    return any(
        code in REFUSED_UP_FRONT and not message.startswith(DAILY_ALLOWANCE)
        for code, message in salesforce_errors(response)
    )


def is_transient_response(response: requests.Response, *, method: str = "GET") -> bool:
    """Whether asking again may succeed: a server error (reads only), a locked row, the
    concurrent-request limit. Never a spent daily allowance."""
    if response.status_code >= 500:
        return method.upper() in READ_METHODS
    return _refused_up_front(response)


def _never_connected(exc: BaseException) -> bool:
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, NewConnectionError):
            return True
        reason = getattr(cause, "reason", None)
        nested = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = reason if isinstance(reason, BaseException) else nested or cause.__cause__
    return False


def is_transient_error(exc: BaseException, *, method: str = "GET") -> bool:
    """Whether a transport failure is worth another try: any connection failure or timeout
    of a read; for a write only a connection that was never made. A TLS failure never."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    if not isinstance(exc, requests.ConnectionError | requests.Timeout):
        return False
    return method.upper() in READ_METHODS or _never_connected(exc)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def _where(url: str | None) -> str:
    # The query string can hold SOQL with personal data: log only host and path.
    parts = urlsplit(url or "")
    return f"{parts.netloc}{parts.path}"


def _wait(policy: RetryPolicy) -> Callable[[tenacity.RetryCallState], float]:
    def wait(state: tenacity.RetryCallState) -> float:
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = _retry_after(outcome.result())
            if asked is not None:
                return asked
        return policy.backoff(state.attempt_number)

    return wait


def send_with_retries(
    send: Callable[[], requests.Response],
    *,
    policy: RetryPolicy,
    method: str,
    url: str | None,
    stream: bool,
) -> requests.Response:
    """``send()`` once, and again per ``policy`` while the failure is transient. The last
    answer is returned as it came (the caller maps Salesforce's error); the last transport
    failure is raised."""
    method = method.upper()

    def retry_answer(response: requests.Response) -> bool:
        # A streamed body cannot be read to classify it without consuming it.
        return not stream and is_transient_response(response, method=method)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        outcome = state.outcome
        assert outcome is not None
        if outcome.failed:
            why = type(outcome.exception()).__name__
        else:
            answer = outcome.result()
            why = f"HTTP {answer.status_code}"
            answer.close()
        log.warning(
            "Salesforce %s %s failed (%s); retry %d of %d",
            method,
            _where(url),
            why,
            state.attempt_number,
            policy.attempts - 1,
        )

    retrying = tenacity.Retrying(
        stop=tenacity.stop_after_attempt(policy.attempts),
        wait=_wait(policy),
        retry=(
            tenacity.retry_if_exception(lambda exc: is_transient_error(exc, method=method))
            | tenacity.retry_if_result(retry_answer)
        ),
        sleep=policy.sleep,
        before_sleep=before_sleep,
        retry_error_callback=lambda state: state.outcome.result() if state.outcome else None,
        reraise=True,
    )
    response: requests.Response = retrying(send)
    return response
