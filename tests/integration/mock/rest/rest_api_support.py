"""Helpers shared by the REST API tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import requests
from simple_salesforce.exceptions import SalesforceError

#: simple-salesforce's client: ``sf.Account`` comes from ``__getattr__``, typed as a union of
#: handlers that mypy cannot call, so tests hold the client untyped, as its users do.
SalesforceClient = Any

#: ``api(method, path, *, token=..., version=..., **requests_kwargs)`` from the ``api`` fixture.
Api = Callable[..., requests.Response]


def first_error(exc: BaseException) -> dict[str, Any]:
    """The first ``{message, errorCode, fields}`` simple-salesforce carried in ``.content``."""
    assert isinstance(exc, SalesforceError), exc
    content: Any = exc.content
    assert isinstance(content, list) and content, content
    return dict(content[0])


def error_code(exc: BaseException) -> str:
    """The ``errorCode`` of the first error in a simple-salesforce exception."""
    return str(first_error(exc)["errorCode"])
