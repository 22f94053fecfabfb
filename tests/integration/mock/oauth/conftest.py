"""Fixtures of the OAuth tests: the MiiTel connected app, a browser (``visitor``), an API client."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
from oauth_flow import Browser, trusting_session

from mock_salesforce import ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition


@pytest.fixture
def app(mock_server: ThreadedMockServer) -> ConnectedAppDefinition:
    return mock_server.backend.connected_apps.definition("MiiTel")


@pytest.fixture
def visitor(mock_server: ThreadedMockServer, app: ConnectedAppDefinition) -> Iterator[Browser]:
    person = Browser(mock_server, app)
    yield person
    person.http.close()  # open keep-alive connections would hold up the server's shutdown


@pytest.fixture
def api(mock_server: ThreadedMockServer) -> Iterator[requests.Session]:
    """An API client on the HTTPS port (no cookies shared with the browser)."""
    session = trusting_session(mock_server)
    yield session
    session.close()


@pytest.fixture
def token_request(
    mock_server: ThreadedMockServer, api: requests.Session
) -> Callable[..., requests.Response]:
    """POST the token endpoint with form fields (``None`` values left out)."""

    def post(auth: Any = None, **fields: str | None) -> requests.Response:
        data = {k: v for k, v in fields.items() if v is not None}
        return api.post(f"{mock_server.https_url}/services/oauth2/token", data=data, auth=auth)

    return post
