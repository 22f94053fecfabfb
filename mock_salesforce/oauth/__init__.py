"""The mock org's OAuth 2.0 authorization server, as Salesforce runs it: authorization codes,
refresh tokens, consent, browser logins, credentials and lockout. The rules live in
:class:`~mock_salesforce.oauth.server.OAuthServer` (``backend.oauth``); the HTTP endpoints
over them are :mod:`mock_salesforce.oauth_endpoints`."""
