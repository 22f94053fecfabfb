"""The REST API version: the newest the org offers (from ``/services/data``) up to the ceiling,
or the one the configuration pins; never a version written into the request path."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests
from sf_flow import Integration

from mock_salesforce import ThreadedMockServer
from mock_salesforce.rest.versions import LAST_VERSION
from portal.adapters.salesforce import OAuthClient
from portal.adapters.salesforce.access import LiveSalesforce
from portal.adapters.salesforce.versions import VersionPolicy
from portal.domain.gateway_errors import SalesforceRequestError, SalesforceUnavailable

Integrate = Callable[..., Integration]


def _paths_seen(session: requests.Session) -> list[str]:
    seen: list[str] = []
    session.hooks["response"].append(lambda r, *_a, **_k: seen.append(r.request.path_url))
    return seen


def test_the_newest_version_the_org_offers_is_found_and_used(
    integrated: Integrate, oauth_client: OAuthClient, sf_session: requests.Session
) -> None:
    tokens = integrated("default").tokens
    seen = _paths_seen(sf_session)
    gateway = LiveSalesforce(oauth=oauth_client, session=sf_session).connect(
        tokens=tokens, on_refresh=lambda _t: None
    )

    assert gateway.organization().name == "Acme Japan"
    assert gateway.api_version == f"{LAST_VERSION}.0"
    assert seen[0] == "/services/data"
    assert seen[1].startswith(f"/services/data/v{LAST_VERSION}.0/query")

    gateway.describe("Account")  # remembered: the versions list is not asked again
    assert seen.count("/services/data") == 1


def test_a_ceiling_keeps_the_portal_on_a_version_it_knows(
    integrated: Integrate, oauth_client: OAuthClient, sf_session: requests.Session
) -> None:
    tokens = integrated("default").tokens
    seen = _paths_seen(sf_session)
    salesforce = LiveSalesforce(
        oauth=oauth_client, session=sf_session, versions=VersionPolicy(ceiling="58.0")
    )
    gateway = salesforce.connect(tokens=tokens, on_refresh=lambda _t: None)

    assert gateway.organization().name == "Acme Japan"
    assert gateway.api_version == "58.0"
    assert seen[-1].startswith("/services/data/v58.0/query")


def test_a_pinned_version_is_used_when_the_org_offers_it_and_named_when_not(
    integrated: Integrate, oauth_client: OAuthClient, sf_session: requests.Session
) -> None:
    tokens = integrated("default").tokens
    pinned = LiveSalesforce(
        oauth=oauth_client, session=sf_session, versions=VersionPolicy(pinned="55.0")
    ).connect(tokens=tokens, on_refresh=lambda _t: None)
    assert pinned.organization().name == "Acme Japan"
    assert pinned.api_version == "55.0"

    beyond = LiveSalesforce(
        oauth=oauth_client, session=sf_session, versions=VersionPolicy(pinned="99.0")
    ).connect(tokens=tokens, on_refresh=lambda _t: None)
    with pytest.raises(SalesforceRequestError) as caught:
        beyond.organization()
    assert caught.value.error_code == "API_VERSION_UNSUPPORTED"
    assert "99.0" in caught.value.user_message
    assert f"{LAST_VERSION}.0" in caught.value.user_message


def test_an_unreachable_versions_list_is_a_gateway_error_not_a_crash(
    integrated: Integrate,
    oauth_client: OAuthClient,
    sf_session: requests.Session,
    mock_server: ThreadedMockServer,
) -> None:
    tokens = integrated("default").tokens
    gone = type(tokens)(**{**tokens.__dict__, "instance_url": "https://127.0.0.1:9"})
    gateway = LiveSalesforce(oauth=oauth_client, session=sf_session).connect(
        tokens=gone, on_refresh=lambda _t: None
    )
    with pytest.raises(SalesforceUnavailable):
        gateway.organization()
