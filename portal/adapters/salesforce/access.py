"""Salesforce as the services reach it (mock or real): the MiiTel connected app's OAuth client
and a gateway per token set, all over one HTTP session from
:func:`~portal.adapters.salesforce.http.build_session`."""

from __future__ import annotations

from collections.abc import Callable

import requests

from portal.adapters.salesforce.client import connect
from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.oauth import OAuthClient
from portal.adapters.salesforce.versions import VersionDirectory, VersionPolicy
from portal.domain.oauth import TokenSet


class LiveSalesforce:
    """The real Salesforce (or the mock org): one session, one OAuth client."""

    def __init__(
        self,
        *,
        oauth: OAuthClient,
        session: requests.Session,
        versions: VersionPolicy | None = None,
    ) -> None:
        self._oauth = oauth
        self._session = session
        self._versions = VersionDirectory(session=session, policy=versions or VersionPolicy())

    @property
    def oauth(self) -> OAuthClient:
        return self._oauth

    def connect(
        self, *, tokens: TokenSet, on_refresh: Callable[[TokenSet], None]
    ) -> SalesforceGateway:
        """The gateway for ``tokens``, in the API version chosen for their org; refreshed
        tokens are handed to ``on_refresh``."""
        return connect(
            tokens=tokens,
            session=self._session,
            oauth=self._oauth,
            on_refresh=on_refresh,
            api_version=lambda: self._versions.version_for(
                instance_url=tokens.instance_url, org_id=tokens.org_id
            ),
        )

    def close(self) -> None:
        self._session.close()
