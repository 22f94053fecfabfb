"""``sf org login access-token``, ``org display``, ``org list``, ``limits api display`` and
``api request rest`` against the mock org."""

from __future__ import annotations

import json
from typing import Any

import requests
from sf_cli_support import ALIAS, SalesforceCli

from tests.integration.mock.serve.mock_cli_process import MockProcess


def _newest_version(api: requests.Session, mock_org: MockProcess) -> str:
    versions = api.get(mock_org.ready["instance_url"] + "/services/data").json()
    return str(versions[-1]["version"])


def _body(sf: SalesforceCli, *args: str) -> Any:
    done = sf.execute(*args)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_login_with_an_access_token_reads_the_org(sf: SalesforceCli, mock_org: MockProcess) -> None:
    admin = next(u for u in mock_org.ready["users"] if u["role"] == "admin")
    login = sf.login
    assert login["username"] == admin["username"]
    assert login["orgId"] == admin["org_id"]
    # The CLI keeps the instance URL with a trailing slash and sends `//services/...`.
    assert login["instanceUrl"] == mock_org.ready["instance_url"] + "/"
    assert login["name"] == "Acme Japan"


def test_org_display_is_connected_at_the_newest_api_version(
    sf: SalesforceCli, mock_org: MockProcess, api: requests.Session
) -> None:
    shown = sf.run("org", "display", "--target-org", ALIAS)

    assert shown["connectedStatus"] == "Connected"
    assert shown["id"] == sf.login["orgId"]
    assert shown["username"] == sf.login["username"]
    assert shown["alias"] == ALIAS
    assert shown["apiVersion"] == _newest_version(api, mock_org)


def test_org_list_shows_the_org_as_a_connected_production_org(sf: SalesforceCli) -> None:
    listed = sf.run("org", "list")

    [org] = listed["nonScratchOrgs"]
    assert org["alias"] == ALIAS
    assert org["connectedStatus"] == "Connected"
    assert org["isDefaultUsername"] is True
    # From the Organization fields the CLI reads at login.
    assert org["instanceName"] == "MOCK1"
    assert org["orgEdition"] == "Enterprise Edition"
    assert org["isSandbox"] is False
    assert org["namespacePrefix"] is None
    assert org["trailExpirationDate"] is None
    assert listed["scratchOrgs"] == [] and listed["sandboxes"] == []


def test_limits_api_display_reports_the_daily_allowance_as_limits_does(
    sf: SalesforceCli, mock_org: MockProcess, api: requests.Session
) -> None:
    shown = {row["name"]: row for row in sf.run("limits", "api", "display")}
    version = _newest_version(api, mock_org)
    limits = api.get(f"{mock_org.ready['instance_url']}/services/data/v{version}/limits").json()

    daily = shown["DailyApiRequests"]
    assert daily["max"] == limits["DailyApiRequests"]["Max"]
    # Each request in between (this one's /limits included) spends one more.
    assert limits["DailyApiRequests"]["Remaining"] < daily["remaining"] < daily["max"]
    assert set(shown) == set(limits)


def test_api_request_rest_gets_and_posts_with_the_stored_login(
    sf: SalesforceCli, mock_org: MockProcess, api: requests.Session
) -> None:
    version = _newest_version(api, mock_org)
    # `api request rest` prints the response body itself (it has no --json).
    created = _body(
        sf,
        "api",
        "request",
        "rest",
        f"/services/data/v{version}/sobjects/Account",
        "--method",
        "POST",
        "--body",
        json.dumps({"Name": "CLI REST 株式会社", "Phone": "03-5555-0199"}),
    )
    assert created["success"] is True

    fetched = _body(
        sf, "api", "request", "rest", f"services/data/v{version}/sobjects/Account/{created['id']}"
    )
    assert (fetched["Name"], fetched["Phone"]) == ("CLI REST 株式会社", "03-5555-0199")
    assert fetched["attributes"]["type"] == "Account"
