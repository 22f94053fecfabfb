"""Faults injected into the mock org: reads are retried, writes never, limits explained."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sf_flow import Integration, Sleeps, connect_with

from mock_salesforce import ThreadedMockServer
from portal.adapters.salesforce import OAuthClient, RetryPolicy, Timeouts, Trust, build_session
from portal.adapters.salesforce.versions import NEWEST_SUPPORTED
from portal.domain.gateway_errors import SalesforceLimitError, SalesforceUnavailable
from tests.portal_over_mock import control_session

Integrate = Callable[..., Integration]
QUERY_PATH = f"/services/data/v{NEWEST_SUPPORTED}/query"
COLLECTIONS_PATH = f"/services/data/v{NEWEST_SUPPORTED}/composite/sobjects"


class Faults:
    """The mock's fault control plane (``/mock-api/faults``)."""

    def __init__(self, server: ThreadedMockServer) -> None:
        self.url = server.https_url + "/mock-api/faults"
        self.http = control_session(server)

    def set(self, **settings: Any) -> None:
        response = self.http.post(self.url, json=settings, timeout=10)
        assert response.status_code == 200, response.text

    def clear(self) -> None:
        assert self.http.delete(self.url, timeout=10).status_code == 200

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.http.get(self.url, timeout=10).json()
        return state


@pytest.fixture
def faults(mock_server: ThreadedMockServer) -> Iterator[Faults]:
    control = Faults(mock_server)
    yield control
    control.http.close()


def seed_failing_once(rate: float) -> int:
    """A fault seed whose first draw fails a request and whose second lets it through."""
    for seed in range(10_000):
        draws = random.Random(seed)
        if draws.random() < rate <= draws.random():
            return seed
    raise AssertionError("no such seed")


def test_a_read_answered_503_is_retried_and_succeeds(
    integrated: Integrate, faults: Faults, sleeps: Sleeps
) -> None:
    gateway = integrated("default").gateway
    faults.set(error_rate=0.5, error_status=503, paths=[QUERY_PATH], seed=seed_failing_once(0.5))
    assert gateway.organization().name == "Acme Japan"
    state = faults.state()
    assert (state["requests_seen"], state["requests_failed"]) == (2, 1)
    assert sleeps.seconds == [0.5]


def test_a_read_that_keeps_failing_gives_up_after_three_tries(
    integrated: Integrate, faults: Faults, sleeps: Sleeps
) -> None:
    gateway = integrated("default").gateway
    faults.set(error_rate=1.0, error_status=503, paths=[QUERY_PATH])
    with pytest.raises(SalesforceUnavailable) as caught:
        gateway.organization()
    assert caught.value.error_code == "SERVER_UNAVAILABLE"
    assert caught.value.status == 503
    assert "Try again" in caught.value.user_message
    assert faults.state()["requests_seen"] == 3
    assert sleeps.seconds == [0.5, 1.0]


def test_a_write_is_never_retried(integrated: Integrate, faults: Faults, sleeps: Sleeps) -> None:
    gateway = integrated("default").gateway
    faults.set(error_rate=1.0, error_status=503, paths=[COLLECTIONS_PATH])
    with pytest.raises(SalesforceUnavailable):
        gateway.create_records("Contact", [{"LastName": "Once"}])
    assert faults.state()["requests_seen"] == 1
    assert sleeps.seconds == []
    faults.clear()
    assert gateway.count("SELECT COUNT() FROM Contact WHERE LastName = 'Once'") == 0


def test_a_spent_daily_allowance_is_not_retried_and_says_when_it_is_back(
    integrated: Integrate, faults: Faults, sleeps: Sleeps
) -> None:
    gateway = integrated("default").gateway
    faults.set(exhaust_api=True)
    before = datetime.now(UTC)
    with pytest.raises(SalesforceLimitError) as read:
        gateway.organization()
    assert read.value.error_code == "REQUEST_LIMIT_EXCEEDED"
    assert read.value.daily
    assert "daily API allowance" in read.value.user_message
    assert read.value.recovered_by is not None
    assert timedelta(hours=23) < read.value.recovered_by - before <= timedelta(hours=24, minutes=1)
    assert sleeps.seconds == []  # asking again would only waste the person's time
    assert faults.state()["requests_seen"] == 1

    with pytest.raises(SalesforceLimitError):
        gateway.create_records("Contact", [{"LastName": "Limited"}])
    assert sleeps.seconds == []

    faults.clear()
    assert gateway.organization().name == "Acme Japan"
    assert gateway.count("SELECT COUNT() FROM Contact WHERE LastName = 'Limited'") == 0


def test_the_concurrent_request_limit_is_waited_out(
    integrated: Integrate, faults: Faults, sleeps: Sleeps
) -> None:
    gateway = integrated("default").gateway
    faults.set(
        error_rate=0.5,
        error_code="REQUEST_LIMIT_EXCEEDED",
        paths=[QUERY_PATH],
        seed=seed_failing_once(0.5),
    )
    assert gateway.organization().name == "Acme Japan"
    assert faults.state()["requests_failed"] == 1
    assert sleeps.seconds == [0.5]


def test_a_write_refused_for_a_locked_row_is_sent_again_and_saved_once(
    integrated: Integrate, faults: Faults, sleeps: Sleeps
) -> None:
    gateway = integrated("default").gateway
    faults.set(
        error_rate=0.5,
        error_code="UNABLE_TO_LOCK_ROW",
        paths=[COLLECTIONS_PATH],
        seed=seed_failing_once(0.5),
    )
    [result] = gateway.create_records("Contact", [{"LastName": "Locked Once"}])
    assert result.success
    assert faults.state()["requests_failed"] == 1
    assert sleeps.seconds == [0.5]
    faults.clear()
    assert gateway.count("SELECT COUNT() FROM Contact WHERE LastName = 'Locked Once'") == 1


def test_forced_session_expiry_is_refreshed_transparently(
    integrated: Integrate, faults: Faults
) -> None:
    integration = integrated("default")
    faults.set(expire_sessions=True)
    assert faults.state()["sessions_expired"] >= 1
    assert integration.gateway.describe("Account").name == "Account"
    assert len(integration.refreshed) == 1


def test_a_slow_org_times_out_per_read_and_reads_are_retried(
    integrated: Integrate,
    faults: Faults,
    mock_server: ThreadedMockServer,
    oauth_client: OAuthClient,
) -> None:
    integration = integrated("default")
    waits = Sleeps()
    impatient = build_session(
        trust=Trust.mock_ca(mock_server.ca_bundle),
        timeout=Timeouts(connect=2, read=0.2),
        retry=RetryPolicy(attempts=3, sleep=waits),
    )
    try:
        gateway = connect_with(
            tokens=integration.tokens, oauth=oauth_client, session=impatient
        ).gateway
        faults.set(latency_ms=1000, paths=[QUERY_PATH])
        with pytest.raises(SalesforceUnavailable) as caught:
            gateway.organization()
        assert caught.value.error_code == "TIMEOUT"
        assert faults.state()["requests_seen"] == 3
        assert len(waits.seconds) == 2
    finally:
        impatient.close()


def test_a_failing_token_endpoint_is_an_outage_not_a_lost_connection(
    integrated: Integrate, faults: Faults
) -> None:
    integration = integrated("default")
    faults.set(
        error_rate=1.0, error_status=503, paths=["/services/oauth2/token"], expire_sessions=True
    )
    with pytest.raises(SalesforceUnavailable) as caught:
        integration.gateway.organization()
    assert "Integrate" not in caught.value.user_message
    assert integration.refreshed == []
    assert integration.gateway.tokens == integration.tokens

    faults.clear()
    assert integration.gateway.organization().name == "Acme Japan"
    assert len(integration.refreshed) == 1
