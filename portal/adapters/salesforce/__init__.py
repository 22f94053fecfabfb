"""The one code path to Salesforce, mock or real: session, OAuth, client factory, gateway.

Mock and real orgs differ only in URLs and in :class:`Trust`; everything else is shared.
"""

from portal.adapters.salesforce.client import SalesforceConnection, connect
from portal.adapters.salesforce.errors import (
    OAuthFailure,
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceLimitError,
    SalesforceOAuthError,
    SalesforcePermissionError,
    SalesforceRequestError,
    SalesforceUnavailable,
)
from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.http import Timeouts, Trust, TrustMode, build_session
from portal.adapters.salesforce.oauth import (
    AuthorizationCode,
    AuthorizationRefused,
    AuthorizationRequest,
    CallbackResult,
    Identity,
    OAuthClient,
    RevokeOutcome,
    parse_callback,
)
from portal.adapters.salesforce.results import (
    AppObjectsAvailability,
    ConnectedAppUsage,
    FieldDescription,
    ObjectDescription,
    Organization,
    PermissionCheck,
    PermissionCheckStatus,
    PermissionGrant,
    PermissionSource,
    PhoneMatch,
    PhoneMatchObject,
    RecordError,
    RecordResult,
    SObjectSummary,
)
from portal.adapters.salesforce.retries import RetryPolicy

__all__ = [
    "AppObjectsAvailability",
    "AuthorizationCode",
    "AuthorizationRefused",
    "AuthorizationRequest",
    "CallbackResult",
    "ConnectedAppUsage",
    "FieldDescription",
    "Identity",
    "OAuthClient",
    "OAuthFailure",
    "ObjectDescription",
    "Organization",
    "PermissionCheck",
    "PermissionCheckStatus",
    "PermissionGrant",
    "PermissionSource",
    "PhoneMatch",
    "PhoneMatchObject",
    "RecordError",
    "RecordResult",
    "RetryPolicy",
    "RevokeOutcome",
    "SObjectSummary",
    "SalesforceAuthError",
    "SalesforceConnection",
    "SalesforceGateway",
    "SalesforceGatewayError",
    "SalesforceLimitError",
    "SalesforceOAuthError",
    "SalesforcePermissionError",
    "SalesforceRequestError",
    "SalesforceUnavailable",
    "Timeouts",
    "Trust",
    "TrustMode",
    "build_session",
    "connect",
    "parse_callback",
]
