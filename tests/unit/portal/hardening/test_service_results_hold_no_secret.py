"""Issue 4: tokens are "never returned to a page". Every public method of every service the
pages reach through :class:`Portal` returns values whose types, followed through every field,
hold no token, secret, PKCE verifier, OAuth client or Salesforce session."""

from __future__ import annotations

import dataclasses
import inspect
import types
import typing
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from portal.adapters.salesforce.gateway import SalesforceGateway
from portal.adapters.salesforce.oauth import OAuthClient
from portal.bootstrap import Portal
from portal.domain.oauth import (
    AuthorizationCode,
    AuthorizationRequest,
    PendingAuthorization,
    TokenSet,
)
from portal.domain.secret import SecretStr

FORBIDDEN: tuple[type, ...] = (
    TokenSet,
    SecretStr,
    PendingAuthorization,
    AuthorizationRequest,
    AuthorizationCode,
    OAuthClient,
    SalesforceGateway,
    requests.Session,
)
# What the pages are given besides the services: storage is for tests and the demo only,
# the company and what closing releases are not methods.
NOT_SERVICES = frozenset({"storage", "company_id", "closer", "demo"})


def _services() -> Iterator[tuple[str, type]]:
    hints = typing.get_type_hints(Portal)
    for field in dataclasses.fields(Portal):
        if field.name in NOT_SERVICES:
            continue
        yield field.name, hints[field.name]
    from portal.services.demo import DemoService

    yield "demo", DemoService


def _reachable(hint: Any, seen: set[Any]) -> Iterator[type]:
    """Every class a value of type ``hint`` may contain."""
    if isinstance(hint, list):  # the parameter list of a Callable
        for argument in hint:
            yield from _reachable(argument, seen)
        return
    if hint in seen:
        return
    seen.add(hint)
    origin = typing.get_origin(hint)
    if origin is not None:
        if origin is not typing.Literal:
            for argument in typing.get_args(hint):
                yield from _reachable(argument, seen)
        if isinstance(origin, type) and origin is not types.UnionType:
            yield origin
        return
    if not isinstance(hint, type):
        return
    yield hint
    if dataclasses.is_dataclass(hint):
        field_hints = typing.get_type_hints(hint)
        for field in dataclasses.fields(hint):
            yield from _reachable(field_hints[field.name], seen)


def _public_methods(service: type) -> Iterator[tuple[str, Any]]:
    for name, member in inspect.getmembers(service):
        if name.startswith("_"):
            continue
        if isinstance(member, property):
            yield name, typing.get_type_hints(member.fget).get("return")
        elif inspect.isfunction(member):
            yield name, typing.get_type_hints(member).get("return")


@pytest.mark.parametrize(("name", "service"), list(_services()), ids=lambda v: str(v))
def test_no_service_result_can_hold_a_secret(name: str, service: type) -> None:
    methods = list(_public_methods(service))
    assert methods, f"{name} has no public methods"
    for method, returned in methods:
        assert returned is not None or method in {"logout", "cancel_other_org"}, (
            f"{name}.{method} has no return annotation"
        )
        for reachable in _reachable(returned, set()):
            assert not issubclass(reachable, FORBIDDEN), (
                f"{name}.{method}() can return a {reachable.__name__}"
            )


def test_the_rule_sees_a_token_when_one_is_there() -> None:
    @dataclasses.dataclass(frozen=True)
    class Leaky:
        nested: tuple[TokenSet, ...]

    found = list(_reachable(Leaky | None, set()))
    assert TokenSet in found and SecretStr in found
