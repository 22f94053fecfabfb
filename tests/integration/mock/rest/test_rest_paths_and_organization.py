"""Paths as Salesforce reads them (``//`` and a trailing slash tolerated on the API and the
identity URL, as the Salesforce CLI sends them), and the standard Organization fields that
org-bound tools read."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg

#: ``get(path, **query_params)`` with the seeded admin's bearer token.
Get = Callable[..., requests.Response]


@pytest.fixture
def seeded(mock_server: ThreadedMockServer) -> SeededOrg:
    [org] = reset_world(mock_server.backend, seed=42, scenario="default", size=SMALL_SIZE)
    return org


@pytest.fixture
def token(mock_server: ThreadedMockServer, seeded: SeededOrg) -> str:
    token, _, _ = mock_server.backend.sessions.issue(
        org_id=seeded.org_id,
        user_id=seeded.admin.user_id,
        app_name="MiiTel",
        scopes=("api", "id", "refresh_token"),
    )
    return token


@pytest.fixture
def get(mock_server: ThreadedMockServer, trusted_session: requests.Session, token: str) -> Get:
    def call(path: str, **params: str) -> requests.Response:
        return trusted_session.get(
            mock_server.https_url + path,
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )

    return call


def test_a_doubled_leading_slash_reaches_the_api_as_the_cli_sends_it(get: Get) -> None:
    versions = get("//services/data")
    assert versions.status_code == 200
    assert {"version", "url", "label"} <= set(versions.json()[-1])

    page = get("//services/data/v62.0/query", q="SELECT Id, Name FROM Account LIMIT 2")
    assert page.status_code == 200, page.text
    assert page.json()["totalSize"] == 2

    described = get("/services/data/v62.0//sobjects//Account/describe/")
    assert described.status_code == 200
    assert described.json()["name"] == "Account"


def test_identity_and_userinfo_tolerate_slashes(get: Get, seeded: SeededOrg) -> None:
    userinfo = get("//services/oauth2/userinfo/")
    assert userinfo.status_code == 200
    assert userinfo.json()["preferred_username"] == seeded.admin.username

    identity = get(f"//id/{seeded.org_id}/{seeded.admin.user_id}/")
    assert identity.status_code == 200
    assert identity.json()["username"] == seeded.admin.username


def test_unknown_resources_stay_salesforce_404s(get: Get) -> None:
    for path in ("//services/data/v62.0/nothing", "//services/data/v62.0//sobjects/Nope/"):
        response = get(path)
        assert response.status_code == 404
        assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_organization_has_the_standard_fields_org_bound_tools_read(get: Get) -> None:
    fields = {
        f["name"]: f
        for f in get("/services/data/v62.0/sobjects/Organization/describe").json()["fields"]
    }
    assert {
        "TrialExpirationDate",
        "NamespacePrefix",
        "OrganizationType",
        "InstanceName",
        "IsSandbox",
        "PrimaryContact",
        "FiscalYearStartMonth",
        "DefaultAccountAccess",
        "SignupCountryIsoCode",
        "IsReadOnly",
        "Street",
        "City",
        "PostalCode",
    } <= set(fields)
    # What Salesforce decides cannot be changed through the API.
    for name in ("TrialExpirationDate", "NamespacePrefix", "OrganizationType", "IsSandbox"):
        assert fields[name]["updateable"] is False, name
    assert fields["Name"]["updateable"] is True
    assert not any(f["createable"] for f in fields.values())

    # The query `sf org login access-token` runs right after logging in.
    page = get(
        "//services/data/v62.0/query",
        q="SELECT Name, InstanceName, IsSandbox, TrialExpirationDate, NamespacePrefix, "
        "OrganizationType FROM Organization",
    )
    assert page.status_code == 200, page.text
    [org] = page.json()["records"]
    assert {k: v for k, v in org.items() if k != "attributes"} == {
        "Name": "Acme Japan",
        "InstanceName": "MOCK1",
        "IsSandbox": False,
        "TrialExpirationDate": None,
        "NamespacePrefix": None,
        "OrganizationType": "Enterprise Edition",
    }


def test_the_seeded_organization_has_an_address_a_contact_and_sharing_defaults(get: Get) -> None:
    [org] = get(
        "/services/data/v62.0/query",
        q="SELECT PrimaryContact, City, State, Country, FiscalYearStartMonth, "
        "DefaultAccountAccess, DefaultLeadAccess, SignupCountryIsoCode, IsReadOnly "
        "FROM Organization",
    ).json()["records"]
    assert org["PrimaryContact"]
    assert (org["City"], org["State"], org["Country"]) == ("千代田区", "東京都", "Japan")
    assert org["FiscalYearStartMonth"] == 4
    assert (org["DefaultAccountAccess"], org["DefaultLeadAccess"]) == ("Edit", "ReadEditTransfer")
    assert org["SignupCountryIsoCode"] == "JP"
    assert org["IsReadOnly"] is False
