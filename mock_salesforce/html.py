"""The one layout of the mock's browser pages (login, consent, Setup): plain, fast HTML.

Pages are Jinja2 templates under ``mock_salesforce/templates`` rendered with autoescaping on
and undefined names refused, so every value from the org (names, labels, messages) is text,
never markup. Pages never echo secrets.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

TEMPLATES = Path(__file__).parent / "templates"

#: The same headers on every page: never cached, never framed, no script at all.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self' http: https:; frame-ancestors 'none'",
}

ENVIRONMENT = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def path_part(value: object) -> str:
    """One URL path segment (every ``/``, ``?``, ``#`` encoded)."""
    return quote(str(value), safe="")


ENVIRONMENT.filters["path_part"] = path_part


def render_html(template: str, **context: Any) -> str:
    """``template`` rendered with ``context`` (every value escaped)."""
    return ENVIRONMENT.get_template(template).render(**context)


def render(template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A complete page from ``template`` with the page headers."""
    return HTMLResponse(
        render_html(template, **context), status_code=status, headers=dict(PAGE_HEADERS)
    )
