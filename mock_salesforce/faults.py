"""Fault injection for demos and resilience tests: latency, a share of 500/503 answers, forced
session expiry, and API allowance exhaustion.

Faults apply only to the Salesforce API (paths under ``/services/``), never to ``/mock-api/``
or the Setup pages. Which requests fail is decided by a ``random.Random(seed)`` stream that
restarts on every ``POST /mock-api/faults``, so the same seed and the same sequence of requests
give the same failures.

``POST /mock-api/faults`` takes ``{latency_ms, error_rate, error_status, error_code,
expire_sessions, exhaust_api, paths, seed}`` (all optional); ``GET`` returns the current faults;
``DELETE`` clears them (and restores the API allowance). ``error_code`` turns the failures into
one of Salesforce's up-front refusals instead of a 5xx: ``UNABLE_TO_LOCK_ROW`` (400, a row
another transaction holds) or ``REQUEST_LIMIT_EXCEEDED`` (403, too many long-running requests
at once: ``ConcurrentPerOrgLongTxn``).
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_salesforce.errors import JSON_CONTENT_TYPE
from mock_salesforce.limits import ApiLimits
from mock_salesforce.orgs import Orgs
from mock_salesforce.sessions import SessionStore
from mock_salesforce.store import Store

API_PREFIX = "/services/"
_SAVED_ALLOWANCES = "faults.saved_allowances"
_ERROR_STATUSES = (500, 502, 503, 504)
#: Salesforce's refusals before doing anything: errorCode -> (status, message).
REFUSALS: dict[str, tuple[int, str]] = {
    "UNABLE_TO_LOCK_ROW": (
        400,
        "unable to obtain exclusive access to this record or 1 records: another transaction "
        "holds it",
    ),
    "REQUEST_LIMIT_EXCEEDED": (403, "ConcurrentPerOrgLongTxn Limit exceeded."),
}


@dataclass(frozen=True)
class FaultSettings:
    """The faults in force. ``paths`` narrows them to API paths with these prefixes."""

    latency_ms: int = 0
    error_rate: float = 0.0
    error_status: int = 503
    expire_sessions: bool = False
    exhaust_api: bool = False
    paths: tuple[str, ...] = ()
    seed: int | None = None
    error_code: str | None = None

    @classmethod
    def from_json(cls, body: Mapping[str, Any]) -> FaultSettings:
        """Validated settings from a request body; ``ValueError`` says what is wrong."""
        known = {f for f in cls.__dataclass_fields__}
        unknown = set(body) - known
        if unknown:
            raise ValueError(f"unknown fault setting(s): {', '.join(sorted(unknown))}")
        latency = body.get("latency_ms", 0)
        rate = body.get("error_rate", 0.0)
        status = body.get("error_status", 503)
        seed = body.get("seed")
        if (
            not isinstance(latency, int | float)
            or isinstance(latency, bool)
            or not (0 <= latency <= 60_000)
        ):
            raise ValueError("latency_ms must be a number of milliseconds from 0 to 60000")
        if not isinstance(rate, int | float) or isinstance(rate, bool) or not 0 <= rate <= 1:
            raise ValueError("error_rate must be a share from 0 to 1")
        if status not in _ERROR_STATUSES or isinstance(status, bool):
            raise ValueError(f"error_status must be one of {', '.join(map(str, _ERROR_STATUSES))}")
        for flag in ("expire_sessions", "exhaust_api"):
            if not isinstance(body.get(flag, False), bool):
                raise ValueError(f"{flag} must be true or false")
        paths = body.get("paths") or ()
        if isinstance(paths, str):
            paths = (paths,)
        if not isinstance(paths, list | tuple) or not all(
            isinstance(p, str) and p.startswith("/") for p in paths
        ):
            raise ValueError("paths must be a list of path prefixes starting with '/'")
        if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
            raise ValueError("seed must be an integer")
        code = body.get("error_code")
        if code is not None and code not in REFUSALS:
            raise ValueError(f"error_code must be one of {', '.join(REFUSALS)}")
        if code is not None:
            status = REFUSALS[code][0]
        return cls(
            int(latency),
            float(rate),
            int(status),
            bool(body.get("expire_sessions")),
            bool(body.get("exhaust_api")),
            tuple(paths),
            seed,
            code,
        )

    def applies_to(self, path: str) -> bool:
        if not path.startswith(API_PREFIX):
            return False
        return not self.paths or any(path.startswith(p) for p in self.paths)

    @property
    def active(self) -> bool:
        return bool(self.latency_ms or self.error_rate or self.exhaust_api)


@dataclass(frozen=True)
class FaultDecision:
    """What happens to one request."""

    delay_seconds: float = 0.0
    error_status: int | None = None
    error_code: str | None = None


@dataclass
class _Counters:
    decided: int = 0
    failed: int = 0
    sessions_expired: int = 0


class Faults:
    """The faults in force on one backend."""

    def __init__(
        self, *, store: Store, orgs: Orgs, sessions: SessionStore, limits: ApiLimits, seed: int
    ) -> None:
        self._store = store
        self._orgs = orgs
        self._sessions = sessions
        self._limits = limits
        self._seed = seed
        self._lock = threading.Lock()
        self._settings = FaultSettings()
        self._rng = random.Random(seed)
        self._counters = _Counters()
        # Faults do not survive a restart: give back an allowance a previous run exhausted.
        self._restore_allowances()

    @property
    def settings(self) -> FaultSettings:
        return self._settings

    def configure(self, settings: FaultSettings) -> dict[str, Any]:
        """Put ``settings`` in force (replacing earlier faults); sessions expire now when
        asked, and the API allowance of every org is spent while ``exhaust_api`` holds."""
        self.clear()
        with self._lock:
            self._settings = settings
            seed = settings.seed if settings.seed is not None else self._seed
            self._rng = random.Random(seed)
            self._counters = _Counters()
            if settings.expire_sessions:
                self._counters.sessions_expired = self._sessions.expire_all()
        if settings.exhaust_api:
            self._exhaust()
        return self.state()

    def clear(self) -> dict[str, Any]:
        """No faults; every org gets its API allowance back."""
        with self._lock:
            self._settings = FaultSettings()
            self._counters = _Counters()
        self._restore_allowances()
        return self.state()

    def _exhaust(self) -> None:
        saved = {org.org_id: self._limits.maximum(org_id=org.org_id) for org in self._orgs.all()}
        # Kept in the store, so a restart can give the allowances back.
        self._store.set_meta(_SAVED_ALLOWANCES, json.dumps(saved))
        for org_id in saved:
            # An allowance of zero: every call is over it, and /limits shows none remaining.
            self._limits.set_daily_max(org_id=org_id, maximum=0)

    def _restore_allowances(self) -> None:
        raw = self._store.get_meta(_SAVED_ALLOWANCES)
        if not raw:
            return
        known = {org.org_id for org in self._orgs.all()}
        for org_id, maximum in json.loads(raw).items():
            if org_id in known:
                self._limits.set_daily_max(org_id=org_id, maximum=int(maximum))
        self._store.set_meta(_SAVED_ALLOWANCES, "")

    def state(self) -> dict[str, Any]:
        """The current faults and what they have done so far (``GET /mock-api/faults``)."""
        with self._lock:
            body = asdict(self._settings)
            body["paths"] = list(self._settings.paths)
            body["requests_seen"] = self._counters.decided
            body["requests_failed"] = self._counters.failed
            body["sessions_expired"] = self._counters.sessions_expired
            return body

    def decide(self, path: str) -> FaultDecision:
        """The fault for one API request (draws from the seeded stream when errors are on)."""
        with self._lock:
            settings = self._settings
            if not settings.applies_to(path) or not settings.active:
                return FaultDecision()
            self._counters.decided += 1
            status = None
            if settings.error_rate and self._rng.random() < settings.error_rate:
                status = settings.error_status
                self._counters.failed += 1
            return FaultDecision(settings.latency_ms / 1000, status, settings.error_code)


def error_body(status: int, path: str, code: str | None = None) -> bytes:
    """A 5xx answer, or the refusal ``code``, in Salesforce's shape (REST list, or OAuth's
    object on OAuth paths)."""
    if code is not None and not path.startswith("/services/oauth2/"):
        refusal = {"message": REFUSALS[code][1], "errorCode": code, "fields": []}
        return json.dumps([refusal]).encode()
    if path.startswith("/services/oauth2/"):
        return json.dumps(
            {"error": "unknown_error", "error_description": "retry your request"}
        ).encode()
    if status == 500:
        error = {
            "message": "An unexpected error occurred. Please include this ErrorId if you "
            "contact support: 1438921044-82931 (-1526813227)",
            "errorCode": "UNKNOWN_EXCEPTION",
            "fields": [],
        }
    else:
        error = {
            "message": "Server is temporarily unavailable. Please try again later.",
            "errorCode": "SERVER_UNAVAILABLE",
            "fields": [],
        }
    return json.dumps([error]).encode()


class FaultMiddleware:
    """Pure ASGI middleware applying :class:`Faults` to ``/services/`` requests."""

    def __init__(self, app: ASGIApp, *, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIX):
            await self.app(scope, receive, send)
            return
        decision = self.faults.decide(scope["path"])
        if decision.delay_seconds:
            await asyncio.sleep(decision.delay_seconds)
        if decision.error_status is None:
            await self.app(scope, receive, send)
            return
        body = error_body(decision.error_status, scope["path"], decision.error_code)
        await send(
            {
                "type": "http.response.start",
                "status": decision.error_status,
                "headers": [
                    (b"content-type", JSON_CONTENT_TYPE.encode()),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# -- control plane ---------------------------------------------------------------------------
def _faults_of(request: Request) -> Faults:
    faults: Faults = request.app.state.backend.faults
    return faults


async def _get(request: Request) -> Response:
    return JSONResponse(_faults_of(request).state())


async def _post(request: Request) -> Response:
    try:
        body = json.loads(await request.body() or b"{}")
        if not isinstance(body, dict):
            raise ValueError("the body must be a JSON object")
        settings = FaultSettings.from_json(body)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        return JSONResponse({"error": "invalid_faults", "message": str(exc)}, status_code=400)
    return JSONResponse(_faults_of(request).configure(settings))


async def _delete(request: Request) -> Response:
    return JSONResponse(_faults_of(request).clear())


ROUTES: list[BaseRoute] = [
    Route("/mock-api/faults", _get, methods=["GET"]),
    Route("/mock-api/faults", _post, methods=["POST"]),
    Route("/mock-api/faults", _delete, methods=["DELETE"]),
]
