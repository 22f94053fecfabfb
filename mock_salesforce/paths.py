"""Request paths as Salesforce's front end reads them: repeated slashes are one slash, and a
trailing slash is ignored, on the API (``/services/…``) and the identity URL (``/id/…``).

Salesforce answers ``//services/data/v60.0/query`` like ``/services/data/v60.0/query`` (the
Salesforce CLI stores the instance URL with a trailing slash and sends exactly that), and
``/services/oauth2/userinfo/`` like ``/services/oauth2/userinfo``. Browser pages, Setup and the
mock's own control plane keep their paths as they are.
"""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Receive, Scope, Send

#: Where Salesforce tolerates ``//`` and a trailing slash.
_TOLERANT = ("/services/", "/id/")
_SLASHES = re.compile(r"/{2,}")
_SLASHES_RAW = re.compile(rb"/{2,}")


def normalize_path(path: str) -> str:
    """``path`` with runs of slashes collapsed and a trailing slash dropped, when it is an
    API or identity path; any other path unchanged."""
    collapsed = _SLASHES.sub("/", path)
    if not collapsed.startswith(_TOLERANT):
        return path
    return collapsed.rstrip("/")


def _normalize_raw(raw: bytes) -> bytes:
    return _SLASHES_RAW.sub(b"/", raw).rstrip(b"/")


class PathNormalizer:
    """Pure ASGI middleware rewriting ``path`` and ``raw_path`` by :func:`normalize_path`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path = scope["path"]
            normalized = normalize_path(path)
            if normalized != path:
                scope = dict(scope)
                scope["path"] = normalized
                raw = scope.get("raw_path")
                if isinstance(raw, bytes):
                    scope["raw_path"] = _normalize_raw(raw)
        await self.app(scope, receive, send)
