"""Control plane under /mock-api/ (JSON, the mock's own API, not Salesforce's): reset the world,
switch scenario, dump state, move the clock, and the fault routes of :mod:`faults`.

Every answer is a JSON object; a bad request is ``400 {"error", "message"}``. The plane is
guarded (:class:`ControlPlaneGuard`) so that no web page can drive it: request bodies must be
``application/json`` (which a browser cannot send cross-site without a CORS preflight), the
``Host`` must name the mock itself (no DNS rebinding), an ``Origin``, when sent, must be the
mock's own, and, when the mock was started with one, the control token must come in
``X-Mock-Token`` or ``Authorization: Bearer``.
"""

from __future__ import annotations

import hmac
import json
import math
import secrets
from dataclasses import asdict
from datetime import timedelta
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from mock_salesforce import faults, scenarios
from mock_salesforce.backend import MockBackend
from mock_salesforce.clock import sf_datetime
from mock_salesforce.errors import excerpt
from mock_salesforce.file_modes import write_private
from mock_salesforce.seed import seeded_orgs, world_seed

#: Written next to the DuckDB file: the READY object, for the portal in mock mode.
READY_FILE = "ready.json"
PREFIX = "/mock-api/"
#: The header carrying the control token (``Authorization: Bearer <token>`` works too).
TOKEN_HEADER = "X-Mock-Token"
#: Host names that mean this machine; the mock listens on loopback only.
LOCAL_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_BODY_METHODS = ("POST", "PUT", "PATCH")


def new_control_token() -> str:
    """A fresh random control token (the CLI makes one per start)."""
    return secrets.token_urlsafe(32)


class ControlError(Exception):
    """A control-plane request that cannot be honoured (rendered as 400)."""

    def __init__(self, error: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.error = error
        self.message = message
        self.extra = extra

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": self.error, "message": self.message, **self.extra}, status_code=400
        )


# -- what READY and the control plane report -------------------------------------------------


def scenario_names() -> list[str]:
    return list(scenarios.scenario_names())


def current_scenario(backend: MockBackend) -> str:
    """The scenario the world was last reset to ("default" for a world seeded without one)."""
    return scenarios.current_scenario(backend) or "default"


def ready_users(backend: MockBackend) -> list[dict[str, str]]:
    """Every seeded user of every org with their demo password (the READY line's ``users``)."""
    return [
        {
            "username": u.username,
            "password": u.password,
            "org_id": org.org_id,
            "org_name": org.name,
            "profile": u.profile,
            "role": u.role.value,
        }
        for org in seeded_orgs(backend)
        for u in org.users
    ]


def write_ready_file(path: Path, info: dict[str, Any]) -> None:
    """Write ``info`` as JSON readable by the owner only, replacing the file atomically."""
    write_private(path, (json.dumps(info, indent=2) + "\n").encode("utf-8"))


def refresh_ready_file(backend: MockBackend) -> None:
    """After a reset or a scenario switch, update the users and scenario in ``ready.json``
    (when the CLI wrote one), so a reader never sees passwords of a world that is gone."""
    if backend.data_dir is None:
        return
    path = backend.data_dir / READY_FILE
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return
    info.update(
        users=ready_users(backend),
        logins=scenarios.every_scenario_logins(backend),
        scenario=current_scenario(backend),
        seed=world_seed(backend),
    )
    write_ready_file(path, info)


def record_counts(backend: MockBackend, *, org_id: str) -> dict[str, int]:
    """Live (not deleted) rows per sObject type of the org."""
    objects = list(backend.org_schema(org_id))
    sql = " UNION ALL ".join(
        f'SELECT ? AS name, count(*) FROM {o.table} WHERE _org_id = ? AND NOT "IsDeleted"'
        for o in objects
    )
    params: list[Any] = []
    for o in objects:
        params += [o.name, org_id]
    return {name: int(count) for name, count in backend.store.execute(sql, params)}


def state(backend: MockBackend) -> dict[str, Any]:
    """The whole mock at a glance: orgs with record counts, connected app states and API
    usage; the current scenario, seed, faults and clock."""
    orgs = []
    for org in backend.orgs.all():
        usage = backend.limits.usage(org_id=org.org_id)
        apps = [
            {**asdict(app), "state": app.state.value}
            for app in backend.connected_apps.usage(org_id=org.org_id)
        ]
        orgs.append(
            {
                "org_id": org.org_id,
                "name": org.name,
                "schema_profile": org.schema_profile,
                "records": record_counts(backend, org_id=org.org_id),
                "connected_apps": apps,
                "api_usage": {
                    "used": usage.used,
                    "max": usage.maximum,
                    "remaining": usage.remaining,
                },
            }
        )
    return {
        "scenario": current_scenario(backend),
        "scenarios": scenario_names(),
        "seed": world_seed(backend),
        "orgs": orgs,
        "faults": backend.faults.state(),
        "clock": {"now": sf_datetime(backend.clock.now())},
    }


# -- who may call -----------------------------------------------------------------------------


def _authority(url: str) -> tuple[str, str]:
    """(scheme, ``host:port``) of one of the mock's own base URLs."""
    scheme, _, rest = url.partition("://")
    return scheme, rest.split("/", 1)[0].lower()


def _with_port(host: str, scheme: str) -> str:
    """``host`` with its port made explicit (the scheme's default when absent)."""
    if host.startswith("["):
        bracket = host.find("]")
        if bracket == -1 or host[bracket + 1 :].startswith(":"):
            return host
        return f"{host}:{443 if scheme == 'https' else 80}"
    return host if ":" in host else f"{host}:{443 if scheme == 'https' else 80}"


class ControlPlaneGuard:
    """Pure ASGI middleware in front of ``/mock-api/``: refuses foreign ``Host`` and ``Origin``
    headers, bodies that are not ``application/json``, and (when ``token`` is set) requests
    without the control token. Nothing behind it runs for a refused request."""

    def __init__(self, app: ASGIApp, *, backend: MockBackend, token: str | None) -> None:
        self.app = app
        self.backend = backend
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not (
            scope["path"].startswith(PREFIX) or scope["path"] == PREFIX.rstrip("/")
        ):
            await self.app(scope, receive, send)
            return
        refusal = self.refusal(scope)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, error, message = refusal
        response = JSONResponse({"error": error, "message": message}, status_code=status)
        await response(scope, receive, send)

    def _own_authorities(self) -> dict[str, str]:
        """Each ``host:port`` the mock answers on, with its scheme."""
        own: dict[str, str] = {}
        for base in (self.backend.urls.https_base, self.backend.urls.http_base):
            scheme, authority = _authority(base)
            port = authority.rsplit(":", 1)[1] if ":" in authority else ""
            for name in {authority.rsplit(":", 1)[0], *LOCAL_HOSTS}:
                own[f"{name}:{port}" if port else name] = scheme
        return own

    def refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        """(status, error, message) when the request must not reach the control plane."""
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        own = self._own_authorities()
        scheme = scope.get("scheme", "http")
        host = headers.get("host", "").strip().lower()
        if not host or _with_port(host, scheme) not in own:
            return (
                403,
                "foreign_host",
                "The control plane answers only requests addressed to the mock itself "
                "(Host: 127.0.0.1, localhost or [::1] with the mock's port).",
            )
        origin = headers.get("origin")
        if origin is not None:
            origin_scheme, origin_host = _authority(origin.strip())
            if own.get(_with_port(origin_host, origin_scheme)) != origin_scheme:
                return (
                    403,
                    "foreign_origin",
                    "The control plane refuses requests from web pages of other sites.",
                )
        if self.token is not None and not self._has_token(headers):
            return (
                401,
                "control_token_required",
                f"Send the control token from the mock's READY line in {TOKEN_HEADER} "
                "(or Authorization: Bearer).",
            )
        if scope["method"] in _BODY_METHODS or "content-type" in headers:
            media_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
            if media_type != "application/json":
                return (
                    415,
                    "unsupported_media_type",
                    "The control plane takes JSON bodies only (Content-Type: application/json).",
                )
        return None

    def _has_token(self, headers: dict[str, str]) -> bool:
        assert self.token is not None
        given = headers.get(TOKEN_HEADER.lower(), "").strip()
        if not given:
            scheme, _, value = headers.get("authorization", "").strip().partition(" ")
            given = value.strip() if scheme.lower() == "bearer" else ""
        return bool(given) and hmac.compare_digest(given.encode(), self.token.encode())


# -- requests --------------------------------------------------------------------------------


def _backend(request: Request) -> MockBackend:
    backend: MockBackend = request.app.state.backend
    return backend


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"not a JSON number: {name}")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        raise ControlError("invalid_json", "The body must be a JSON object ({} for the defaults).")
    try:
        body = json.loads(raw, parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise ControlError("invalid_json", "The body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ControlError("invalid_json", "The body must be a JSON object.")
    return body


def _scenario_arg(value: Any) -> str:
    names = scenario_names()
    if not isinstance(value, str) or value not in names:
        raise ControlError(
            "unknown_scenario", f"Unknown scenario {excerpt(repr(value))}.", scenarios=names
        )
    return value


def _seed_arg(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ControlError("invalid_seed", "seed must be an integer.")
    return value


def _current_seed(backend: MockBackend) -> int:
    stored = world_seed(backend)
    return backend.options.seed if stored is None else stored


def _handled(handler: Any) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            result: Response = await handler(request)
        except ControlError as exc:
            return exc.response()
        return result

    return endpoint


async def _reset(request: Request) -> Response:
    """``POST /mock-api/reset {seed?, scenario?}``: wipe and seed again (defaults: the current
    seed and scenario); answers the new world's orgs and users."""
    backend = _backend(request)
    body = await _body(request)
    seed = _seed_arg(body["seed"]) if "seed" in body else _current_seed(backend)
    scenario = _scenario_arg(body.get("scenario", current_scenario(backend)))
    await run_in_threadpool(scenarios.reset_world, backend, seed=seed, scenario=scenario)
    await run_in_threadpool(refresh_ready_file, backend)
    return JSONResponse({"seed": seed, "scenario": scenario, "users": ready_users(backend)})


async def _scenario(request: Request) -> Response:
    """``POST /mock-api/scenario {name}``: the world reset into that scenario (same seed)."""
    backend = _backend(request)
    body = await _body(request)
    scenario = _scenario_arg(body.get("name"))
    seed = _current_seed(backend)
    await run_in_threadpool(scenarios.reset_world, backend, seed=seed, scenario=scenario)
    await run_in_threadpool(refresh_ready_file, backend)
    return JSONResponse({"seed": seed, "scenario": scenario, "users": ready_users(backend)})


async def _state(request: Request) -> Response:
    return JSONResponse(await run_in_threadpool(state, _backend(request)))


async def _clock(request: Request) -> Response:
    """``POST /mock-api/clock {advance_seconds}``: move the mock's time forward (expire codes,
    sessions); answers the new ``now``."""
    backend = _backend(request)
    body = await _body(request)
    seconds = body.get("advance_seconds")
    if (
        isinstance(seconds, bool)
        or not isinstance(seconds, int | float)
        or not math.isfinite(seconds)
        or seconds < 0
    ):
        raise ControlError("invalid_clock", "advance_seconds must be a number of seconds >= 0.")
    backend.clock.advance(timedelta(seconds=seconds))
    return JSONResponse({"now": sf_datetime(backend.clock.now())})


ROUTES: list[BaseRoute] = [
    Route("/mock-api/reset", _handled(_reset), methods=["POST"]),
    Route("/mock-api/scenario", _handled(_scenario), methods=["POST"]),
    Route("/mock-api/state", _handled(_state), methods=["GET"]),
    Route("/mock-api/clock", _handled(_clock), methods=["POST"]),
    *faults.ROUTES,
]
