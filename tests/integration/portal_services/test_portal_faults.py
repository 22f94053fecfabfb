"""Salesforce misbehaving, through the mock's fault injection: an expired session is renewed
without anyone noticing, a 503 on a read is retried, a spent API allowance is a clear error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from portal_services_support import acme_settings, browser_sign_in

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.steps import StepStatus
from tests.portal_over_mock import control_session


@pytest.fixture
def faults(mock_server: ThreadedMockServer) -> Callable[..., dict[str, Any]]:
    """POST /mock-api/faults (or GET it with no arguments)."""

    def call(**settings: Any) -> dict[str, Any]:
        session = control_session(mock_server)
        url = f"{mock_server.https_url}/mock-api/faults"
        try:
            response = session.post(url, json=settings) if settings else session.get(url)
        finally:
            session.close()
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return call


@pytest.fixture
def integrated(
    world: Callable[..., list[SeededOrg]], portal: Portal, config: PortalConfig
) -> SeededOrg:
    [org] = world("default")
    portal.storage.repositories.settings.save(acme_settings(org))
    assert browser_sign_in(portal, config, org.integration_user).succeeded
    return org


def test_an_expired_session_is_renewed_transparently(
    integrated: SeededOrg, portal: Portal, faults: Callable[..., dict[str, Any]]
) -> None:
    before = portal.storage.repositories.tokens.load()
    assert before is not None
    assert faults(expire_sessions=True)["sessions_expired"] >= 1

    current = portal.integration.current()

    assert current.result.status is StepStatus.OK and current.status.live is True
    after = portal.storage.repositories.tokens.load()
    assert after is not None
    assert after.access_token != before.access_token
    assert after.refresh_token == before.refresh_token
    assert portal.history.recent()[0].event is AuthEvent.REFRESHED
    # The renewed token is the one kept: the next check needs no second refresh.
    assert portal.validation.validate().ok
    assert [e.event for e in portal.history.recent()].count(AuthEvent.REFRESHED) == 1


def test_a_503_on_a_read_is_retried(
    integrated: SeededOrg,
    portal: Portal,
    faults: Callable[..., dict[str, Any]],
    retry_waits: list[float],
) -> None:
    # With this seed the first API request draws a 503, and never three in a row.
    faults(error_rate=0.5, error_status=503, seed=36, paths=["/services/data/"])

    report = portal.validation.validate()

    assert report.ok, report.result.message
    state = faults()
    assert state["requests_failed"] >= 1
    assert len(retry_waits) == state["requests_failed"]


def test_a_server_that_keeps_failing_is_an_error_not_a_crash(
    integrated: SeededOrg, portal: Portal, faults: Callable[..., dict[str, Any]]
) -> None:
    faults(error_rate=1.0, error_status=503, paths=["/services/data/"])

    report = portal.validation.validate()

    assert report.result.status is StepStatus.ERROR
    assert "not answering properly" in report.result.message


def test_a_spent_api_allowance_is_a_clear_error(
    integrated: SeededOrg, portal: Portal, faults: Callable[..., dict[str, Any]]
) -> None:
    faults(exhaust_api=True)

    current = portal.integration.current()
    report = portal.validation.validate()

    assert current.result.status is StepStatus.ERROR
    assert "daily API allowance" in current.result.message
    assert report.result.status is StepStatus.ERROR
    assert "daily API allowance" in report.result.message
    assert portal.storage.repositories.tokens.load() is not None  # still integrated
