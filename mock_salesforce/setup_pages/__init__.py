"""Routes of this area (filled in by its module)."""

from starlette.routing import BaseRoute

ROUTES: list[BaseRoute] = []
