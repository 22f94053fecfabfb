"""OAuth 2.0 and SOAP login of the mock org, as Salesforce does them.

Browser pages (authorize, login, "Allow access?", logout), the token and revoke endpoints,
the identity URL and UserInfo, and the SOAP API ``login`` call. The rules live in
:class:`~mock_salesforce.oauth.server.OAuthServer` (``backend.oauth``).
"""

from starlette.routing import BaseRoute

from mock_salesforce import soap
from mock_salesforce.oauth import authorize, identity, token
from mock_salesforce.oauth.browser import BrowserUser, current_browser_user, login_url
from mock_salesforce.oauth.server import OAuthServer

__all__ = ["ROUTES", "BrowserUser", "OAuthServer", "current_browser_user", "login_url"]

ROUTES: list[BaseRoute] = [*authorize.ROUTES, *token.ROUTES, *identity.ROUTES, *soap.ROUTES]
