"""The portal over the mock org, as every test layer (and the benches) set it up: where a mock
answers, the portal's configuration for it, and the mock's control plane with its token.

Every mock a test starts requires its control token (as ``python -m mock_salesforce serve``
does), so a test reaches ``/mock-api/`` only through :func:`control_session`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import TOKEN_HEADER, new_control_token
from portal.adapters.crypto import generate_key
from portal.domain.config import PortalConfig, PortalMode, PortalUser
from portal.domain.secret import SecretStr


def guarded_server(**options: Any) -> ThreadedMockServer:
    """A mock server (not started) whose control plane requires a new random token."""
    return ThreadedMockServer(control_token=new_control_token(), **options)


@dataclass(frozen=True)
class MockEndpoint:
    """Where a running mock org answers, the MiiTel connected app's credentials there, and the
    control plane's token."""

    https_url: str
    http_url: str
    ca_bundle: Path
    client_id: str
    client_secret: str
    redirect_uri: str
    control_token: str | None = None

    @classmethod
    def of(cls, server: ThreadedMockServer) -> MockEndpoint:
        app = server.backend.connected_apps.definition("MiiTel")
        return cls(
            https_url=server.https_url,
            http_url=server.http_url,
            ca_bundle=server.ca_bundle,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.callback_urls[0],
            control_token=server.control_token,
        )

    @classmethod
    def from_ready(cls, ready: Mapping[str, Any]) -> MockEndpoint:
        """From the ``READY {json}`` line of ``python -m mock_salesforce serve``."""
        return cls(
            https_url=str(ready["instance_url"]),
            http_url=str(ready["http_url"]),
            ca_bundle=Path(ready["ca_bundle"]),
            client_id=str(ready["client_id"]),
            client_secret=str(ready["client_secret"]),
            redirect_uri=str(ready["redirect_uris"][0]),
            control_token=ready.get("control_token"),
        )


def portal_config(
    *,
    mock: ThreadedMockServer | MockEndpoint,
    data_dir: Path,
    key: SecretStr | None = None,
    mode: PortalMode = PortalMode.MOCK,
    users: tuple[PortalUser, ...] = (),
) -> PortalConfig:
    """What ``load_config`` gives for this mock, with the DuckDB file in ``data_dir``; in REAL
    mode the mock stands in for a real org (no CA bundle: the system store and
    REQUESTS_CA_BUNDLE decide)."""
    endpoint = mock if isinstance(mock, MockEndpoint) else MockEndpoint.of(mock)
    in_mock_mode = mode is PortalMode.MOCK
    return PortalConfig(
        mode=mode,
        salesforce_login_url=endpoint.https_url,
        client_id=endpoint.client_id,
        client_secret=SecretStr(endpoint.client_secret),
        redirect_uri=endpoint.redirect_uri,
        ca_bundle=endpoint.ca_bundle if in_mock_mode else None,
        db_path=data_dir / "portal.duckdb",
        encryption_key=key or generate_key(),
        users=users,
        data_dir=data_dir,
        mock_http_url=endpoint.http_url if in_mock_mode else None,
    )


def control_session(mock: ThreadedMockServer | MockEndpoint) -> requests.Session:
    """A session for the mock's control plane (``/mock-api/``): it trusts the mock's CA (not
    REQUESTS_CA_BUNDLE) and sends the control token. The caller closes it."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(mock.ca_bundle)
    if mock.control_token:
        session.headers[TOKEN_HEADER] = mock.control_token
    return session
