"""Fault injection through ``/mock-api/faults``, as simple-salesforce meets it."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from setup_admin import (
    error_of,
    salesforce,
    sobject,
)
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from mock_salesforce import MockBackend, ThreadedMockServer
from mock_salesforce.faults import FaultSettings
from tests.conftest import BareOrg, make_bare_org
from tests.portal_over_mock import control_session

QUERY = "SELECT Id FROM User LIMIT 1"


@pytest.fixture
def control(mock_server: ThreadedMockServer) -> Iterator[requests.Session]:
    session = control_session(mock_server)
    yield session
    session.delete(f"{mock_server.http_url}/mock-api/faults")
    session.close()


@pytest.fixture
def sf(mock_server: ThreadedMockServer, bare_org: BareOrg) -> Salesforce:
    return salesforce(mock_server, bare_org.token)


def _faults(
    server: ThreadedMockServer, control: requests.Session, **settings: object
) -> requests.Response:
    return control.post(f"{server.http_url}/mock-api/faults", json=settings)


def _outcomes(sf: Salesforce, n: int) -> list[int]:
    """HTTP status of ``n`` queries in a row (200 or the injected error)."""
    found = []
    for _ in range(n):
        try:
            sf.query(QUERY)
            found.append(200)
        except SalesforceGeneralError as exc:
            found.append(exc.status)
    return found


def test_error_share_follows_the_seeded_stream(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
) -> None:
    answer = _faults(mock_server, control, error_rate=0.3, error_status=503, seed=11)
    assert answer.status_code == 200
    assert answer.json()["error_rate"] == 0.3

    first = _outcomes(sf, 40)
    _faults(mock_server, control, error_rate=0.3, error_status=503, seed=11)
    second = _outcomes(sf, 40)

    stream = random.Random(11)
    expected = [503 if stream.random() < 0.3 else 200 for _ in range(40)]
    assert first == second == expected
    assert 0 < first.count(503) < 40
    state = control.get(f"{mock_server.http_url}/mock-api/faults").json()
    assert (state["requests_seen"], state["requests_failed"]) == (40, expected.count(503))


def test_injected_errors_have_salesforce_shape(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
) -> None:
    _faults(mock_server, control, error_rate=1.0, error_status=503)
    with pytest.raises(SalesforceGeneralError) as unavailable:
        sf.query(QUERY)
    assert unavailable.value.status == 503
    assert error_of(unavailable.value)["errorCode"] == "SERVER_UNAVAILABLE"

    _faults(mock_server, control, error_rate=1.0, error_status=500)
    with pytest.raises(SalesforceGeneralError) as broken:
        sf.query(QUERY)
    assert broken.value.status == 500
    assert error_of(broken.value)["errorCode"] == "UNKNOWN_EXCEPTION"


def test_faults_spare_the_control_plane_setup_and_unlisted_paths(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
) -> None:
    _faults(mock_server, control, error_rate=1.0, paths=["/services/data/v59.0/query"])

    assert control.get(f"{mock_server.http_url}/mock-api/faults").status_code == 200
    assert control.get(f"{mock_server.http_url}/setup/login").status_code == 200
    assert sobject(sf, "User").describe()["name"] == "User"
    with pytest.raises(SalesforceGeneralError):
        sf.query(QUERY)


def test_latency_delays_api_answers(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
) -> None:
    _faults(mock_server, control, latency_ms=400)
    started = time.monotonic()
    sf.query(QUERY)
    # A lower bound only: the injected delay must have happened.
    assert time.monotonic() - started >= 0.4


def test_forced_expiry_ends_current_sessions(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
    bare_org: BareOrg,
) -> None:
    sf.query(QUERY)
    state = _faults(mock_server, control, expire_sessions=True).json()
    assert state["sessions_expired"] >= 1

    with pytest.raises(SalesforceExpiredSession) as expired:
        sf.query(QUERY)
    assert expired.value.status == 401
    assert error_of(expired.value)["errorCode"] == "INVALID_SESSION_ID"
    # A new login works: expiry is of the sessions that existed, not of the org.
    token, _, _ = mock_server.backend.sessions.issue(
        org_id=bare_org.org_id, user_id=bare_org.user_id, app_name=None
    )
    salesforce(mock_server, token).query(QUERY)


def test_exhausted_allowance_refuses_calls_until_cleared(
    mock_server: ThreadedMockServer,
    control: requests.Session,
    sf: Salesforce,
) -> None:
    _faults(mock_server, control, exhaust_api=True)
    with pytest.raises(SalesforceRefusedRequest) as exhausted:
        sf.query(QUERY)
    assert exhausted.value.status == 403
    assert error_of(exhausted.value)["errorCode"] == "REQUEST_LIMIT_EXCEEDED"

    cleared = control.delete(f"{mock_server.http_url}/mock-api/faults").json()

    assert (cleared["exhaust_api"], cleared["error_rate"], cleared["latency_ms"]) == (False, 0.0, 0)
    assert sf.query(QUERY)["totalSize"] == 1
    limits = sf.limits()
    assert limits["DailyApiRequests"]["Remaining"] > 0


def test_bad_settings_are_refused(
    mock_server: ThreadedMockServer,
    control: requests.Session,
) -> None:
    for body in (
        {"error_rate": 2},
        {"error_status": 404},
        {"latency_ms": -1},
        {"paths": "services"},
        {"typo": 1},
    ):
        answer = control.post(f"{mock_server.http_url}/mock-api/faults", json=body)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_faults"
    assert control.get(f"{mock_server.http_url}/mock-api/faults").json()["error_rate"] == 0.0


def test_an_exhausted_allowance_does_not_survive_a_restart(tmp_path: Path) -> None:
    backend = MockBackend(data_dir=tmp_path)
    org = make_bare_org(backend)
    usual = backend.limits.maximum(org_id=org.org_id)
    backend.faults.configure(FaultSettings(exhaust_api=True))
    assert backend.limits.maximum(org_id=org.org_id) == 0
    backend.close()

    restarted = MockBackend(data_dir=tmp_path)
    try:
        assert restarted.faults.state()["exhaust_api"] is False
        assert restarted.limits.maximum(org_id=org.org_id) == usual
    finally:
        restarted.close()
