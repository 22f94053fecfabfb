"""OAuth 2.0 endpoints of the mock org, as Salesforce serves them: browser pages (authorize,
login, "Allow access?", logout), the token and revoke endpoints, the identity URL and UserInfo.
Handlers stay thin; the rules live in :class:`~mock_salesforce.oauth.server.OAuthServer`."""

from starlette.routing import BaseRoute

from mock_salesforce.oauth_endpoints import authorize, identity, token

ROUTES: list[BaseRoute] = [*authorize.ROUTES, *token.ROUTES, *identity.ROUTES]
