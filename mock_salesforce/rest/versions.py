"""API versions: the unauthenticated versions list, and each version's resource map."""

from __future__ import annotations

import re
from typing import Any

from mock_salesforce.rest.context import ApiCall, ApiResponse, ok

#: The API versions the mock answers: Winter '11 (20.0) through Winter '25 (62.0).
FIRST_VERSION = 20
LAST_VERSION = 62
_SEASONS = ("Winter", "Spring", "Summer")
_VERSION = re.compile(r"^v(\d{2})\.0$")

#: The resources this mock serves under each version.
RESOURCES = (
    "sobjects",
    "query",
    "queryAll",
    "composite",
    "limits",
    "search",
    "parameterizedSearch",
)


def release_label(major: int) -> str:
    """Salesforce's release name of an API version (59 → ``Winter '24``)."""
    index = major - FIRST_VERSION
    return f"{_SEASONS[index % 3]} '{11 + index // 3:02d}"


def api_versions() -> list[dict[str, str]]:
    """The body of ``GET /services/data``."""
    return [
        {
            "label": release_label(major),
            "url": f"/services/data/v{major}.0",
            "version": f"{major}.0",
        }
        for major in range(FIRST_VERSION, LAST_VERSION + 1)
    ]


def parse_version(segment: str) -> str | None:
    """``"59.0"`` from a path segment ``v59.0`` of a version this mock serves, else None."""
    match = _VERSION.match(segment)
    if not match or not FIRST_VERSION <= int(match[1]) <= LAST_VERSION:
        return None
    return f"{int(match[1])}.0"


def resources(call: ApiCall) -> ApiResponse:
    """``GET /services/data/vNN.N``: the resources of this version."""
    body: dict[str, Any] = {name: f"{call.base_path}/{name}" for name in RESOURCES}
    return ok(body)
