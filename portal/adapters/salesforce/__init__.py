"""The one code path to Salesforce, mock or real: session, OAuth, client factory, gateway.

Mock and real orgs differ only in URLs and in :class:`Trust`; everything else is shared. What
the gateway answers and raises is the domain's (:mod:`portal.domain.salesforce`,
:mod:`portal.domain.gateway_errors`, :mod:`portal.domain.oauth`).
"""

from portal.adapters.salesforce.client import SalesforceConnection, connect
from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.http import Timeouts, Trust, TrustMode, build_session
from portal.adapters.salesforce.oauth import OAuthClient, parse_callback
from portal.adapters.salesforce.retries import RetryPolicy

__all__ = [
    "OAuthClient",
    "RetryPolicy",
    "SalesforceConnection",
    "SalesforceGateway",
    "Timeouts",
    "Trust",
    "TrustMode",
    "build_session",
    "connect",
    "parse_callback",
]
