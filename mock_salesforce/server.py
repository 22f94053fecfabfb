"""Serving the mock: one app on an HTTPS port (API) and an HTTP port (browser pages).

``ThreadedMockServer`` runs both in a background thread for tests and embedding, moto-style.
"""

from __future__ import annotations

import asyncio
import socket
import tempfile
import threading
from pathlib import Path

import uvicorn

from mock_salesforce.app import create_app
from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.tls import TlsFiles, ensure_tls

HOST = "127.0.0.1"


def bind(port: int) -> socket.socket:
    """A listening socket on loopback; port 0 picks a free one."""
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY on accepted sockets only when the
    # listener's proto says TCP; without it every keep-alive answer waits ~40 ms (Nagle).
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


class ThreadedMockServer:
    """The mock org served from a background thread.

    ``start()`` returns once both ports accept connections; ``stop()`` shuts down and closes
    the database. With ``data_dir=None`` state lives in memory and TLS files in a temp dir.
    With ``control_token`` (see :func:`~mock_salesforce.control.new_control_token`) the control
    plane requires that token; the CLI always gives one.
    """

    def __init__(
        self,
        *,
        port: int = 0,
        http_port: int = 0,
        data_dir: Path | None = None,
        options: MockOptions | None = None,
        backend: MockBackend | None = None,
        control_token: str | None = None,
    ) -> None:
        self._requested = (port, http_port)
        #: What the control plane (``/mock-api/``) requires in ``X-Mock-Token``; None: nothing.
        self.control_token = control_token
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        if data_dir is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="mock-sf-")
            self.tls: TlsFiles = ensure_tls(Path(self._tmp.name) / "tls")
        else:
            self.tls = ensure_tls(data_dir / "tls")
        self.backend = backend or MockBackend(data_dir=data_dir, options=options)
        self._servers: list[uvicorn.Server] = []
        self._thread: threading.Thread | None = None
        self.port = 0
        self.http_port = 0

    @property
    def https_url(self) -> str:
        return f"https://{HOST}:{self.port}"

    @property
    def http_url(self) -> str:
        return f"http://{HOST}:{self.http_port}"

    @property
    def ca_bundle(self) -> Path:
        return self.tls.ca_cert

    @property
    def requests_in_flight(self) -> int:
        """Requests being answered right now (a client that died mid-request leaves its
        request running to the end, as Salesforce does)."""
        return sum(len(server.server_state.tasks) for server in self._servers)

    def start(self) -> ThreadedMockServer:
        https_sock, http_sock = bind(self._requested[0]), bind(self._requested[1])
        self.port, self.http_port = https_sock.getsockname()[1], http_sock.getsockname()[1]
        self.backend.urls.https_base = self.https_url
        self.backend.urls.http_base = self.http_url
        app = create_app(self.backend, control_token=self.control_token)

        def config(**tls: str) -> uvicorn.Config:
            return uvicorn.Config(
                app,
                log_level="warning",
                access_log=False,
                lifespan="off",
                timeout_keep_alive=30,
                # An idle client TLS connection would otherwise hold up stop().
                timeout_graceful_shutdown=2,
                **tls,  # type: ignore[arg-type]
            )

        https = uvicorn.Server(
            config(ssl_certfile=str(self.tls.server_cert), ssl_keyfile=str(self.tls.server_key))
        )
        http = uvicorn.Server(config())
        self._servers = [https, http]

        async def serve_both() -> None:
            await asyncio.gather(https.serve(sockets=[https_sock]), http.serve(sockets=[http_sock]))

        self._thread = threading.Thread(
            target=lambda: asyncio.run(serve_both()), name="mock-salesforce", daemon=True
        )
        self._thread.start()
        while not all(s.started for s in self._servers):
            if not self._thread.is_alive():
                raise RuntimeError("mock Salesforce server failed to start")
            threading.Event().wait(0.01)
        return self

    def stop(self) -> None:
        for server in self._servers:
            server.should_exit = True
            # Idle TLS keep-alive clients never send close_notify; do not wait for them.
            server.force_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        self.backend.close()
        if self._tmp is not None:
            self._tmp.cleanup()

    def __enter__(self) -> ThreadedMockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
