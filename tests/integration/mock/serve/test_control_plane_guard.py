"""Issue 11.7: the control plane (``/mock-api/``) is not a cross-site target. Web pages can
send forms and ``text/plain`` bodies to any address without a CORS preflight, and a rebound DNS
name reaches 127.0.0.1 with a foreign ``Host``; none of them may reset or reconfigure the mock.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import READY_FILE, TOKEN_HEADER, write_ready_file
from portal.adapters.mock_org import MockOrg


def _accounts(server: ThreadedMockServer) -> int:
    [(count,)] = server.backend.store.execute('SELECT count(*) FROM "sobj_account"')
    return int(count)


def _reset_url(server: ThreadedMockServer) -> str:
    return server.https_url + "/mock-api/reset"


@pytest.fixture
def emptied(seeded_server: ThreadedMockServer) -> ThreadedMockServer:
    """The seeded world with its Accounts deleted: a reset that ran would bring them back."""
    seeded_server.backend.store.execute('DELETE FROM "sobj_account"')
    return seeded_server


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"", None),  # an empty POST, as <form method=post> with no fields sends
        (b"seed=7", "application/x-www-form-urlencoded"),
        (b'{"seed": 7}', "text/plain"),  # JSON in a "simple" cross-site request
        (b'--b\r\nContent-Disposition: form-data; name="seed"\r\n\r\n7\r\n--b--', None),
    ],
)
def test_a_body_that_is_not_json_is_415_and_resets_nothing(
    emptied: ThreadedMockServer, api: requests.Session, body: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    if body.startswith(b"--b"):
        headers = {"Content-Type": "multipart/form-data; boundary=b"}
    answer = api.post(_reset_url(emptied), data=body, headers=headers)
    assert answer.status_code == 415
    assert answer.json()["error"] == "unsupported_media_type"
    assert _accounts(emptied) == 0


def test_an_empty_json_body_resets_nothing_either(
    emptied: ThreadedMockServer, api: requests.Session
) -> None:
    answer = api.post(_reset_url(emptied), data=b"", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert _accounts(emptied) == 0


def test_a_json_body_resets(emptied: ThreadedMockServer, api: requests.Session) -> None:
    assert api.post(_reset_url(emptied), json={}).status_code == 200
    assert _accounts(emptied) > 0


@pytest.mark.parametrize(
    "host",
    ["evil.example", "evil.example:{port}", "127.0.0.1:1", "rebound.attacker.test:{port}"],
)
def test_a_foreign_host_header_is_refused(
    emptied: ThreadedMockServer, api: requests.Session, host: str
) -> None:
    answer = api.post(
        _reset_url(emptied), json={}, headers={"Host": host.format(port=emptied.port)}
    )
    assert answer.status_code == 403
    assert answer.json()["error"] == "foreign_host"
    assert _accounts(emptied) == 0


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "[::1]"])
def test_the_mock_s_own_names_are_accepted_as_host(
    seeded_server: ThreadedMockServer, api: requests.Session, name: str
) -> None:
    answer = api.get(
        seeded_server.https_url + "/mock-api/state",
        headers={"Host": f"{name}:{seeded_server.port}"},
    )
    assert answer.status_code == 200


@pytest.mark.parametrize("origin", ["https://evil.example", "null", "http://127.0.0.1:1"])
def test_a_foreign_origin_is_refused(
    emptied: ThreadedMockServer, api: requests.Session, origin: str
) -> None:
    answer = api.post(_reset_url(emptied), json={}, headers={"Origin": origin})
    assert answer.status_code == 403
    assert answer.json()["error"] == "foreign_origin"
    assert _accounts(emptied) == 0


def test_the_mock_s_own_origin_is_accepted(
    emptied: ThreadedMockServer, api: requests.Session
) -> None:
    answer = api.post(_reset_url(emptied), json={}, headers={"Origin": emptied.https_url})
    assert answer.status_code == 200


@pytest.mark.parametrize("given", [None, "wrong-token-0123456789", ""])
def test_without_the_token_nothing_is_done(emptied: ThreadedMockServer, given: str | None) -> None:
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(emptied.ca_bundle)
        headers = {} if given is None else {TOKEN_HEADER: given}
        answer = session.post(_reset_url(emptied), json={}, headers=headers)
        assert answer.status_code == 401
        assert answer.json()["error"] == "control_token_required"
        assert session.get(emptied.https_url + "/mock-api/faults").status_code == 401
    assert _accounts(emptied) == 0


def test_the_token_works_as_a_bearer_token_too(emptied: ThreadedMockServer) -> None:
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(emptied.ca_bundle)
        answer = session.post(
            _reset_url(emptied),
            json={},
            headers={"Authorization": f"Bearer {emptied.control_token}"},
        )
    assert answer.status_code == 200
    assert _accounts(emptied) > 0


def test_the_salesforce_api_is_not_behind_the_guard(
    seeded_server: ThreadedMockServer,
) -> None:
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(seeded_server.ca_bundle)
        answer = session.get(
            seeded_server.https_url + "/services/data/", headers={"Origin": "https://x.example"}
        )
    assert answer.status_code == 200


def test_the_portal_resets_the_mock_with_the_token_from_the_ready_file(
    emptied: ThreadedMockServer, tmp_path: Path
) -> None:
    ready = tmp_path / READY_FILE
    write_ready_file(
        ready,
        {
            "login_url": emptied.https_url,
            "http_url": emptied.http_url,
            "control_url": emptied.https_url + "/mock-api",
            "users": [],
            "control_token": emptied.control_token,
        },
    )
    with requests.Session() as session:
        session.trust_env = False
        session.verify = str(emptied.ca_bundle)
        mock_org = MockOrg(session=session, ready_path=ready)
        info = mock_org.info()
        assert emptied.control_token is not None
        assert emptied.control_token not in repr(info)
        mock_org.reset(scenario="default")
        # The token went only with that request, not into the shared session.
        assert TOKEN_HEADER not in session.headers
    assert _accounts(emptied) > 0
