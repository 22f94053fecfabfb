"""The one factory for the simple-salesforce client, and the refresh-once rule around it.

:func:`connect` builds ``simple_salesforce.Salesforce`` from the stored tokens and the portal's
session. When Salesforce answers ``INVALID_SESSION_ID``, the connection refreshes the access
token once through :class:`OAuthClient`, hands the new tokens to ``on_refresh`` (the caller
persists them, encrypted) and repeats the call once. Every other failure becomes one of the
portal's errors from :mod:`portal.adapters.salesforce.errors`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceError as SimpleSalesforceError
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceRefusedRequest

from portal.adapters.salesforce.errors import from_simple_salesforce, from_transport
from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.http import allowance_of
from portal.adapters.salesforce.oauth import OAuthClient
from portal.domain.gateway_errors import (
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceLimitError,
    allowance_spent,
)
from portal.domain.oauth import TokenSet
from portal.domain.text import msg

log = logging.getLogger(__name__)

T = TypeVar("T")


class _SessionExpired(Exception):
    def __init__(self, mapped: SalesforceGatewayError) -> None:
        super().__init__(mapped.error_code)
        self.mapped = mapped


def _is_invalid_session(exc: SimpleSalesforceError) -> bool:
    if isinstance(exc, SalesforceExpiredSession):
        return True
    # userinfo answers a dead token with 403 "Bad_OAuth_Token" rather than 401.
    return isinstance(exc, SalesforceRefusedRequest) and "Bad_OAuth_Token" in str(exc.content)


class SalesforceConnection:
    """A live simple-salesforce client for one token set; thread-safe, refreshes once."""

    def __init__(
        self,
        *,
        tokens: TokenSet,
        session: requests.Session,
        api_version: str | Callable[[], str],
        on_refresh: Callable[[TokenSet], None],
        oauth: OAuthClient,
    ) -> None:
        self._session = session
        self._version = api_version
        self._on_refresh = on_refresh
        self._oauth = oauth
        self._lock = threading.Lock()
        self._tokens = tokens
        self._client: Salesforce | None = None

    def __repr__(self) -> str:
        return f"SalesforceConnection(instance_url={self._tokens.instance_url!r})"

    def _build(self, tokens: TokenSet) -> Salesforce:
        return Salesforce(
            instance_url=tokens.instance_url,
            session_id=tokens.access_token.get_secret_value(),
            session=self._session,
            version=self.api_version,
        )

    @property
    def tokens(self) -> TokenSet:
        """The tokens in use now (after any refresh)."""
        with self._lock:
            return self._tokens

    @property
    def api_version(self) -> str:
        """The REST API version in use; chosen on first use when it is to be discovered
        (raises :class:`SalesforceGatewayError` when that fails)."""
        if callable(self._version):
            self._version = self._version()
        return self._version

    def _current(self) -> tuple[Salesforce, TokenSet]:
        with self._lock:
            if self._client is None:
                self._client = self._build(self._tokens)
            return self._client, self._tokens

    def _run(self, operation: Callable[[Salesforce], T], client: Salesforce) -> T:
        try:
            return operation(client)
        except SimpleSalesforceError as exc:
            mapped = from_simple_salesforce(exc)
            if _is_invalid_session(exc):
                raise _SessionExpired(mapped) from None
            if isinstance(mapped, SalesforceLimitError) and mapped.daily:
                meter = allowance_of(self._session)
                mapped = allowance_spent(
                    mapped, meter.latest(client.base_url) if meter is not None else None
                )
            log.info("Salesforce refused a call: %s (HTTP %s)", mapped.error_code, mapped.status)
            raise mapped from None
        except requests.RequestException as exc:
            mapped_transport = from_transport(exc)
            log.warning("Salesforce unreachable: %s", mapped_transport.error_code)
            raise mapped_transport from None

    def _refresh(self, *, stale: TokenSet) -> Salesforce:
        with self._lock:
            if self._tokens is not stale and self._client is not None:
                return self._client  # another thread refreshed meanwhile
            if stale.refresh_token is None:
                raise SalesforceAuthError(
                    error_code="INVALID_SESSION_ID",
                    user_message=msg(
                        "The Salesforce session expired and the portal holds no refresh token. "
                        'Click "Integrate" on the Basic settings tab to connect again.'
                    ),
                )
            fresh = self._oauth.refresh(stale.refresh_token)
            if (fresh.org_id, fresh.user_id) != (stale.org_id, stale.user_id):
                raise SalesforceAuthError(
                    error_code="IDENTITY_CHANGED",
                    user_message=msg(
                        "Refreshing the connection returned a different org or user. Click "
                        '"Integrate" on the Basic settings tab to connect again.'
                    ),
                )
            self._on_refresh(fresh)
            self._tokens = fresh
            self._client = self._build(fresh)
            log.info("Salesforce access token refreshed for org %s", fresh.org_id)
            return self._client

    def call(self, operation: Callable[[Salesforce], T]) -> T:
        """Run ``operation`` on the client. On ``INVALID_SESSION_ID`` refresh once and run it
        once more (safe for writes too: Salesforce rejected the request before doing anything).
        Raises only :class:`SalesforceGatewayError` subclasses."""
        client, tokens = self._current()
        try:
            return self._run(operation, client)
        except _SessionExpired:
            pass
        client = self._refresh(stale=tokens)
        try:
            return self._run(operation, client)
        except _SessionExpired as again:
            raise again.mapped from None


def connect(
    *,
    tokens: TokenSet,
    session: requests.Session,
    oauth: OAuthClient,
    on_refresh: Callable[[TokenSet], None],
    api_version: str | Callable[[], str],
) -> SalesforceGateway:
    """The gateway to the org ``tokens`` belong to, speaking REST API ``api_version`` (or the
    version that callable chooses on first use, see :mod:`.versions`), over ``session`` (from
    :func:`~portal.adapters.salesforce.http.build_session`). Refreshed tokens are handed to
    ``on_refresh`` before the retried call runs."""
    connection = SalesforceConnection(
        tokens=tokens,
        session=session,
        api_version=api_version,
        on_refresh=on_refresh,
        oauth=oauth,
    )
    return SalesforceGateway(connection=connection, oauth=oauth)
