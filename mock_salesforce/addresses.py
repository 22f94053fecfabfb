"""Where the mock answers, shared by the backend and the areas that write absolute URLs."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class ServerUrls:
    """Where the mock answers; filled in once the server has bound its ports."""

    https_base: str = "https://127.0.0.1:8443"
    http_base: str = "http://127.0.0.1:8080"
