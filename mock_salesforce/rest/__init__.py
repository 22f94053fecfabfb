"""The Salesforce REST API (``/services/data``): versions, sObjects, describe, SOQL queries,
sObject Collections and limits. One endpoint takes every path there; :mod:`.routing` matches
the resource, so unknown versions and resources get Salesforce's 404, never the app's."""

from starlette.routing import BaseRoute, Route

from mock_salesforce.rest.context import API_METHODS
from mock_salesforce.rest.routing import serve

ROUTES: list[BaseRoute] = [
    Route("/services/data", serve, methods=list(API_METHODS)),
    Route("/services/data/{path:path}", serve, methods=list(API_METHODS)),
]
