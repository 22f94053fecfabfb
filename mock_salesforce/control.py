"""Control plane under /mock-api/."""

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
