"""Which REST API version to speak with an org: the newest it offers (``GET /services/data``,
which needs no session) up to the newest the portal is built for, or the version set in the
configuration. Found once per org and remembered for the process's life: Salesforce upgrades an
org three times a year, and a restarted portal asks again."""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import requests

from portal.adapters.salesforce.errors import from_error_body, from_transport
from portal.domain.gateway_errors import SalesforceGatewayError, SalesforceRequestError
from portal.domain.text import msg

#: The newest API version the portal is built and tested for (Winter '25).
NEWEST_SUPPORTED: Final = "62.0"
#: The oldest version with everything the portal uses (sObject Collections came in 42.0).
OLDEST_SUPPORTED: Final = "42.0"
_VERSION: Final = re.compile(r"^\d{2,3}\.\d$")


def version_key(version: str) -> tuple[int, int]:
    major, _, minor = version.partition(".")
    return int(major), int(minor or 0)


def is_version(value: str) -> bool:
    """Whether ``value`` is written like an API version (``62.0``)."""
    return bool(_VERSION.match(value))


@dataclass(frozen=True)
class VersionPolicy:
    """``pinned`` forces a version (it must be one the org offers); otherwise the newest the
    org offers that is at most ``ceiling``."""

    pinned: str | None = None
    ceiling: str = NEWEST_SUPPORTED

    def __post_init__(self) -> None:
        for value in (self.pinned, self.ceiling):
            if value is not None and not is_version(value):
                raise ValueError(f"not an API version: {value!r}")

    def choose(self, offered: Sequence[str]) -> str:
        """The version to use among ``offered``; :class:`SalesforceRequestError` when none
        fits, saying what the org offers."""
        ordered = sorted(set(offered), key=version_key)
        if not ordered:
            raise _unsupported(
                msg("Salesforce listed no REST API versions for this org."), offered=()
            )
        if self.pinned is not None:
            if self.pinned in ordered:
                return self.pinned
            raise _unsupported(
                msg(
                    "The configured API version {version} (salesforce.api_version) is not one "
                    "this org offers ({oldest} to {newest}). Change or remove it.",
                    version=self.pinned,
                    oldest=ordered[0],
                    newest=ordered[-1],
                ),
                offered=ordered,
            )
        usable = [
            v
            for v in ordered
            if version_key(OLDEST_SUPPORTED) <= version_key(v) <= version_key(self.ceiling)
        ]
        if not usable:
            raise _unsupported(
                msg(
                    "This org offers REST API versions {oldest} to {newest}, and the portal "
                    "needs one from {floor} to {ceiling}.",
                    oldest=ordered[0],
                    newest=ordered[-1],
                    floor=OLDEST_SUPPORTED,
                    ceiling=self.ceiling,
                ),
                offered=ordered,
            )
        return usable[-1]


def _unsupported(message: str, *, offered: Sequence[str]) -> SalesforceRequestError:
    return SalesforceRequestError(
        error_code="API_VERSION_UNSUPPORTED",
        user_message=message,
        detail=", ".join(offered),
    )


def offered_versions(body: Any) -> list[str]:
    """The ``version`` of each entry of ``GET /services/data``'s list."""
    if not isinstance(body, list):
        return []
    return [
        str(entry["version"])
        for entry in body
        if isinstance(entry, dict) and is_version(str(entry.get("version", "")))
    ]


class VersionDirectory:
    """The API version for each org, found on first use over ``session`` and remembered."""

    def __init__(self, *, session: requests.Session, policy: VersionPolicy) -> None:
        self._session = session
        self.policy = policy
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], str] = {}

    def version_for(self, *, instance_url: str, org_id: str) -> str:
        """The version to use with the org ``org_id`` at ``instance_url``. Raises only
        :class:`SalesforceGatewayError` subclasses."""
        key = (instance_url.rstrip("/").lower(), org_id)
        with self._lock:
            known = self._known.get(key)
        if known is not None:
            return known
        chosen = self.policy.choose(self._offered(instance_url))
        with self._lock:
            self._known.setdefault(key, chosen)
            return self._known[key]

    def _offered(self, instance_url: str) -> list[str]:
        try:
            response = self._session.get(f"{instance_url.rstrip('/')}/services/data")
        except requests.RequestException as exc:
            raise from_transport(exc) from None
        try:
            body: Any = response.json()
        except ValueError:
            body = response.text
        if response.status_code >= 300:
            error: SalesforceGatewayError = from_error_body(
                status=response.status_code, content=body
            )
            raise error
        return offered_versions(body)
