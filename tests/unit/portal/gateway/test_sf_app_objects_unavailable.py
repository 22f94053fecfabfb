"""Orgs that do not expose the connected-app objects: reported in the result, never raised.

The mock org always exposes them, so these branches run on a fake connection (below the
service layer) that answers the way Salesforce does for an unknown or forbidden object.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import pytest

from portal.adapters.salesforce import (
    OAuthClient,
    SalesforceGateway,
    Timeouts,
    Trust,
    build_session,
)
from portal.adapters.salesforce.errors import from_error_body
from portal.domain.gateway_errors import SalesforcePermissionError, SalesforceRequestError
from portal.domain.oauth import TokenSet
from portal.domain.salesforce import AppObjectsAvailability
from portal.domain.secret import SecretStr

T = TypeVar("T")


class FakeSalesforce:
    """Answers SOQL by the object it names: rows, or Salesforce's error for that object."""

    def __init__(self, answers: dict[str, list[dict[str, Any]] | Exception]) -> None:
        self.answers = answers
        self.queries: list[str] = []

    def query_all(self, soql: str) -> dict[str, Any]:
        self.queries.append(soql)
        sobject = soql.split(" FROM ", 1)[1].split()[0]
        answer = self.answers[sobject]
        if isinstance(answer, Exception):
            raise answer
        return {"records": answer, "totalSize": len(answer), "done": True}


class FakeConnection:
    def __init__(self, sf: FakeSalesforce) -> None:
        self.sf = sf

    @property
    def tokens(self) -> TokenSet:
        return TokenSet(
            access_token=SecretStr("a"),
            refresh_token=None,
            instance_url="https://x.my.salesforce.com",
            org_id="00D",
            user_id="005",
            issued_at=datetime(2025, 1, 1, tzinfo=UTC),
        )

    @property
    def api_version(self) -> str:
        return "59.0"

    def call(self, operation: Callable[[Any], T]) -> T:
        return operation(self.sf)


def gateway(answers: dict[str, list[dict[str, Any]] | Exception]) -> SalesforceGateway:
    oauth = OAuthClient(
        login_url="https://login.salesforce.com",
        client_id="id",
        client_secret=SecretStr("s"),
        redirect_uri="http://localhost:8501/",
        session=build_session(trust=Trust.system(), timeout=Timeouts()),
    )
    return SalesforceGateway(connection=FakeConnection(FakeSalesforce(answers)), oauth=oauth)


def not_supported(sobject: str) -> SalesforceRequestError:
    error = from_error_body(
        status=400,
        content=[
            {
                "errorCode": "INVALID_TYPE",
                "message": f"sObject type '{sobject}' is not supported.",
                "fields": [],
            }
        ],
    )
    assert isinstance(error, SalesforceRequestError)
    return error


def test_objects_the_org_does_not_expose_are_named_not_raised() -> None:
    usage = gateway(
        {
            "OauthToken": [
                {
                    "Id": "0CQ1",
                    "AppName": "MiiTel",
                    "AppMenuItemId": None,
                    "UserId": "0051",
                    "UseCount": 3,
                    "LastUsedDate": "2025-05-01T09:30:00.000+0000",
                }
            ],
            "ConnectedApplication": not_supported("ConnectedApplication"),
            "AppMenuItem": not_supported("AppMenuItem"),
        }
    ).connected_app_usage()
    assert usage.availability is AppObjectsAvailability.NOT_EXPOSED
    assert usage.unavailable_objects == ("ConnectedApplication", "AppMenuItem")
    assert usage.user_count == 1 and usage.tokens[0].use_count == 3
    assert usage.tokens[0].last_used == datetime(2025, 5, 1, 9, 30, tzinfo=UTC)
    assert usage.connected_app is None and not usage.is_installed


def test_objects_the_user_may_not_read_are_not_permitted() -> None:
    forbidden = from_error_body(
        status=403,
        content=[{"errorCode": "INSUFFICIENT_ACCESS", "message": "no access", "fields": []}],
    )
    assert isinstance(forbidden, SalesforcePermissionError)
    usage = gateway(
        {"OauthToken": forbidden, "ConnectedApplication": [], "AppMenuItem": []}
    ).connected_app_usage()
    assert usage.availability is AppObjectsAvailability.NOT_PERMITTED
    assert usage.unavailable_objects == ("OauthToken",)


def test_other_errors_still_raise() -> None:
    broken = from_error_body(
        status=400,
        content=[{"errorCode": "MALFORMED_QUERY", "message": "unexpected token", "fields": []}],
    )
    with pytest.raises(SalesforceRequestError):
        gateway(
            {"OauthToken": broken, "ConnectedApplication": [], "AppMenuItem": []}
        ).connected_app_usage()


def test_app_names_are_quoted_into_soql() -> None:
    fake = FakeSalesforce({"OauthToken": [], "ConnectedApplication": [], "AppMenuItem": []})
    oauth = OAuthClient(
        login_url="https://login.salesforce.com",
        client_id="id",
        client_secret=SecretStr("s"),
        redirect_uri="http://localhost:8501/",
        session=build_session(trust=Trust.system(), timeout=Timeouts()),
    )
    SalesforceGateway(connection=FakeConnection(fake), oauth=oauth).connected_app_usage(
        "Mii' OR Name != '"
    )
    assert all("'Mii\\' OR Name != \\''" in q for q in fake.queries)
