"""GET-by-Id over HTTPS with keep-alive: the mock's REST API against a bare Starlette handler
served by the same stack (uvicorn, the mock's TLS certificate, same server settings), in the
same run.

Both sides get the same requests (simple-salesforce's headers, one keep-alive connection) and
answer the same bytes: the bare handler returns the record JSON the mock produced, fixed. The
mock side pays for everything a real call does: session lookup, API allowance count, the
caller's schema view, routing, the record read and its JSON.

Both servers run at once and their rounds alternate, each side keeping its best round, so a
burst of load on the machine cannot favour the side that happened to run first.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

import requests
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.common import Measure, markdown_table
from mock_salesforce import ThreadedMockServer
from mock_salesforce.errors import JSON_CONTENT_TYPE
from mock_salesforce.server import bind
from mock_salesforce.tls import TlsFiles
from tests.conftest import make_bare_org

GOAL = 0.5
REQUESTS = 500
WARMUP = 100
ROUNDS = 8


class _BareServer:
    """A Starlette app with one fixed-JSON route, on uvicorn with the mock's TLS files."""

    def __init__(self, tls: TlsFiles, body: bytes) -> None:
        async def record(request: Request) -> Response:
            return Response(
                body,
                media_type=JSON_CONTENT_TYPE,
                headers={"Sforce-Limit-Info": "api-usage=1/15000"},
            )

        app = Starlette(routes=[Route("/services/data/v59.0/sobjects/Account/{id}", record)])
        self._sock = bind(0)
        self.port = self._sock.getsockname()[1]
        self._server = uvicorn.Server(
            uvicorn.Config(
                app,
                ssl_certfile=str(tls.server_cert),
                ssl_keyfile=str(tls.server_key),
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_keep_alive=30,
                timeout_graceful_shutdown=2,
            )
        )
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._server.serve(sockets=[self._sock])), daemon=True
        )

    def __enter__(self) -> _BareServer:
        self._thread.start()
        while not self._server.started:
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._server.force_exit = True
        self._thread.join(timeout=10)


def _session(ca_bundle: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = ca_bundle
    return session


def _warm(get: Callable[[], requests.Response]) -> None:
    for _ in range(WARMUP):
        get().raise_for_status()


def _round(get: Callable[[], requests.Response]) -> float:
    """Requests/s of one round of sequential keep-alive GETs."""
    start = time.perf_counter()
    for _ in range(REQUESTS):
        get()
    return REQUESTS / (time.perf_counter() - start)


def _best_rates(
    mock_get: Callable[[], requests.Response], bare_get: Callable[[], requests.Response]
) -> tuple[float, float]:
    """The best round of each side, rounds alternating."""
    _warm(mock_get)
    _warm(bare_get)
    mock_best = bare_best = 0.0
    for _ in range(ROUNDS):
        mock_best = max(mock_best, _round(mock_get))
        bare_best = max(bare_best, _round(bare_get))
    return mock_best, bare_best


def measures() -> list[Measure]:
    """REST GET-by-Id requests/s, as a ratio to the bare handler (goal >= 0.5x)."""
    with ThreadedMockServer() as server:
        org = make_bare_org(server.backend)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {org.token}",
            "X-PrettyPrint": "1",
        }
        session = _session(str(server.ca_bundle))
        created = session.post(
            f"{server.https_url}/services/data/v59.0/sobjects/Account",
            json={"Name": "Bench Co", "Industry": "Banking", "Phone": "03-1234-5678"},
            headers=headers,
        )
        created.raise_for_status()
        url = f"{server.https_url}/services/data/v59.0/sobjects/Account/{created.json()['id']}"
        body = session.get(url, headers=headers).content
        with _BareServer(server.tls, body) as bare:
            bare_session = _session(str(server.ca_bundle))
            bare_url = url.replace(f":{server.port}/", f":{bare.port}/")
            mock_rate, bare_rate = _best_rates(
                lambda: session.get(url, headers=headers),
                lambda: bare_session.get(bare_url, headers=headers),
            )
            bare_session.close()
        session.close()
    ratio = mock_rate / bare_rate
    return [
        Measure(
            name="REST GET sobjects/Account/{Id} over HTTPS keep-alive",
            figure=mock_rate,
            unit="req/s",
            anchor_name="bare Starlette handler, same uvicorn + TLS",
            anchor=bare_rate,
            goal=f">= {GOAL}x",
            met=ratio >= GOAL,
        )
    ]


if __name__ == "__main__":
    print(markdown_table(measures()))
