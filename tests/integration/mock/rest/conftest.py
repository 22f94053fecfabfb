"""Shared pieces of the REST API tests: simple-salesforce against the mock over real HTTPS."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from rest_api_support import Api
from simple_salesforce import Salesforce

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

API_VERSION = "59.0"


@pytest.fixture
def sf(
    mock_server: ThreadedMockServer, bare_org: BareOrg, trusted_session: requests.Session
) -> Salesforce:
    """simple-salesforce, unmodified, logged in to the bare org as its admin."""
    return Salesforce(
        instance_url=mock_server.https_url,
        session_id=bare_org.token,
        session=trusted_session,
        version=API_VERSION,
    )


@pytest.fixture
def api(
    mock_server: ThreadedMockServer, bare_org: BareOrg, trusted_session: requests.Session
) -> Api:
    """Raw HTTPS calls to ``/services/data/v59.0/<path>`` with the admin's bearer token."""

    def call(
        method: str,
        path: str,
        *,
        token: str | None = bare_org.token,
        version: str = API_VERSION,
        **kwargs: Any,
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}))
        if token is not None:
            headers.setdefault("Authorization", f"Bearer {token}")
        url = f"{mock_server.https_url}/services/data/v{version}/{path}"
        return trusted_session.request(method, url, headers=headers, **kwargs)

    return call
