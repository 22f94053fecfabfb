"""The daily API allowance: ``/limits``, ``Sforce-Limit-Info`` and ``REQUEST_LIMIT_EXCEEDED``."""

from __future__ import annotations

from datetime import timedelta

import pytest
from rest_api_support import Api, SalesforceClient, error_code, first_error
from simple_salesforce.api import Usage
from simple_salesforce.exceptions import SalesforceRefusedRequest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.limits import DEFAULT_DAILY_MAX
from tests.conftest import BareOrg, make_bare_org


def test_limits_report_daily_api_requests_and_more(sf: SalesforceClient) -> None:
    first = sf.limits()
    second = sf.limits()
    assert first["DailyApiRequests"]["Max"] == DEFAULT_DAILY_MAX == 15_000
    assert second["DailyApiRequests"]["Remaining"] == first["DailyApiRequests"]["Remaining"] - 1
    for name in ("DataStorageMB", "FileStorageMB", "DailyBulkApiBatches", "SingleEmail"):
        assert set(first[name]) == {"Max", "Remaining"}


def test_api_usage_counts_every_call(sf: SalesforceClient) -> None:
    sf.describe()
    assert sf.api_usage["api-usage"] == Usage(used=1, total=15_000)
    sf.describe()
    sf.limits()
    assert sf.api_usage["api-usage"] == Usage(used=3, total=15_000)


def test_usage_is_per_org_and_persisted(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg, api: Api
) -> None:
    for _ in range(3):
        sf.describe()
    other = make_bare_org(mock_server.backend, name="Other", username="admin@other.example")
    response = api("GET", "limits", token=other.token)
    assert response.headers["Sforce-Limit-Info"] == "api-usage=1/15000"
    assert mock_server.backend.limits.usage(org_id=bare_org.org_id).used == 3
    stored = mock_server.backend.store.execute(
        "SELECT used FROM _api_requests_daily WHERE org_id = ?", [bare_org.org_id]
    )
    assert stored == [(3,)]


def test_spent_allowance_is_request_limit_exceeded(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg, api: Api
) -> None:
    mock_server.backend.limits.set_daily_max(org_id=bare_org.org_id, maximum=2)
    sf.describe()
    sf.describe()
    with pytest.raises(SalesforceRefusedRequest) as caught:
        sf.describe()
    assert error_code(caught.value) == "REQUEST_LIMIT_EXCEEDED"
    assert first_error(caught.value)["message"] == "TotalRequests Limit exceeded."
    refused = api("GET", "sobjects")
    assert refused.status_code == 403
    assert refused.headers["Sforce-Limit-Info"] == "api-usage=2/2"


def test_allowance_returns_on_the_next_utc_day(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    backend = mock_server.backend
    backend.limits.set_daily_max(org_id=bare_org.org_id, maximum=1)
    sf.describe()
    with pytest.raises(SalesforceRefusedRequest):
        sf.describe()
    backend.clock.advance(timedelta(days=1))
    # A new day, and the session stays alive because it is being used.
    backend.sessions.timeout = timedelta(days=2)
    sf.describe()
    assert sf.api_usage["api-usage"] == Usage(used=1, total=1)


def test_unauthenticated_calls_are_not_counted(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    assert api("GET", "sobjects", token="bogus").status_code == 401
    assert "Sforce-Limit-Info" not in api("GET", "sobjects", token="bogus").headers
    assert mock_server.backend.limits.usage(org_id=bare_org.org_id).used == 0
