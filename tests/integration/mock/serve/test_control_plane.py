"""The control plane under /mock-api/ over real HTTPS: reset, scenario, state, clock."""

from __future__ import annotations

import json
import stat
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import (
    READY_FILE,
    TOKEN_HEADER,
    write_ready_file,
)
from mock_salesforce.seed import SMALL_SIZE, seeded_orgs


def _url(server: ThreadedMockServer, path: str) -> str:
    return server.https_url + "/mock-api/" + path


def _state(server: ThreadedMockServer, api: requests.Session) -> dict[str, Any]:
    answer = api.get(_url(server, "state"))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/json")
    return answer.json()


def _app(state: dict[str, Any], name: str = "MiiTel", org: int = 0) -> dict[str, Any] | None:
    return next((a for a in state["orgs"][org]["connected_apps"] if a["name"] == name), None)


def test_state_shows_orgs_records_apps_scenario_and_faults(
    seeded_server: ThreadedMockServer, api: requests.Session
) -> None:
    state = _state(seeded_server, api)
    assert state["scenario"] == "default"
    assert state["seed"] == 42
    assert "second-org" in state["scenarios"]
    [org] = state["orgs"]
    assert org["name"] == "Acme Japan"
    assert org["records"]["Account"] == SMALL_SIZE.accounts
    assert org["records"]["Contact"] == SMALL_SIZE.contacts
    assert org["records"]["Task"] == SMALL_SIZE.tasks
    assert _app(state) is not None and _app(state)["state"] == "installed"  # type: ignore[index]
    assert state["faults"]["error_rate"] == 0
    assert "now" in state["clock"]


def test_state_counts_api_usage(seeded_server: ThreadedMockServer, api: requests.Session) -> None:
    backend = seeded_server.backend
    [org] = seeded_orgs(backend)
    before = _state(seeded_server, api)["orgs"][0]["api_usage"]
    assert before["max"] > 0
    token, _, _ = backend.sessions.issue(
        org_id=org.org_id, user_id=org.integration_user.user_id, app_name="MiiTel"
    )
    answer = api.get(
        seeded_server.https_url + "/services/data/v59.0/sobjects",
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 200
    after = _state(seeded_server, api)["orgs"][0]["api_usage"]
    assert after["used"] == before["used"] + 1
    assert after["remaining"] == after["max"] - after["used"]


def test_reset_with_a_seed_gives_new_passwords_and_updates_ready_json(
    seeded_server: ThreadedMockServer, api: requests.Session, tmp_path: Path
) -> None:
    ready = tmp_path / READY_FILE
    write_ready_file(ready, {"client_id": "kept", "users": [], "scenario": "default"})
    backend = seeded_server.backend
    before = [u.password for o in seeded_orgs(backend) for u in o.users]
    answer = api.post(_url(seeded_server, "reset"), json={"seed": 7})
    assert answer.status_code == 200
    body = answer.json()
    assert body["seed"] == 7 and body["scenario"] == "default"
    after = [u["password"] for u in body["users"]]
    assert after != before
    # The new passwords work; the old ones belonged to a world that is gone.
    admin = next(u for u in body["users"] if u["role"] == "admin")
    assert backend.orgs.authenticate(username=admin["username"], password=admin["password"])
    written = json.loads(ready.read_text())
    assert written["users"] == body["users"]
    assert written["client_id"] == "kept"
    assert stat.S_IMODE(ready.stat().st_mode) == 0o600
    assert _state(seeded_server, api)["seed"] == 7


def test_reset_throws_away_changes(
    seeded_server: ThreadedMockServer, api: requests.Session
) -> None:
    backend = seeded_server.backend
    backend.store.execute('DELETE FROM "sobj_account"')
    assert _state(seeded_server, api)["orgs"][0]["records"]["Account"] == 0
    assert api.post(_url(seeded_server, "reset"), json={}).status_code == 200
    # Without a body the reset keeps the seed and scenario; the default world is full size.
    state = _state(seeded_server, api)
    assert state["orgs"][0]["records"]["Account"] == 500
    assert state["seed"] == 42 and state["scenario"] == "default"


def test_scenario_switches_the_world(
    seeded_server: ThreadedMockServer, api: requests.Session
) -> None:
    answer = api.post(_url(seeded_server, "scenario"), json={"name": "app-blocked"})
    assert answer.status_code == 200
    state = _state(seeded_server, api)
    assert state["scenario"] == "app-blocked"
    assert _app(state)["state"] == "blocked"  # type: ignore[index]
    # READY's users show each user's current profile, as the scenario left it.
    answer = api.post(
        _url(seeded_server, "scenario"), json={"name": "user-without-approve-permission"}
    )
    integration = next(u for u in answer.json()["users"] if u["role"] == "integration")
    assert integration["profile"] == "MiiTel Integration User"
    answer = api.post(_url(seeded_server, "scenario"), json={"name": "second-org"})
    assert answer.status_code == 200
    names = {u["org_name"] for u in answer.json()["users"]}
    assert names == {"Acme Japan", "Beta Trading"}
    assert [o["name"] for o in _state(seeded_server, api)["orgs"]] == ["Acme Japan", "Beta Trading"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("scenario", {"name": "no-such-scenario"}),
        ("scenario", {}),
        ("reset", {"scenario": "no-such-scenario"}),
    ],
)
def test_an_unknown_scenario_is_400_with_the_known_names(
    seeded_server: ThreadedMockServer, api: requests.Session, path: str, body: dict[str, Any]
) -> None:
    answer = api.post(_url(seeded_server, path), json=body)
    assert answer.status_code == 400
    assert answer.json()["error"] == "unknown_scenario"
    assert "app-blocked" in answer.json()["scenarios"]
    assert _state(seeded_server, api)["scenario"] == "default"


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'{"seed": "seven"}', b'{"seed": true}'])
def test_a_malformed_reset_is_400(
    seeded_server: ThreadedMockServer, api: requests.Session, raw: bytes
) -> None:
    answer = api.post(
        _url(seeded_server, "reset"), data=raw, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 400
    assert answer.json()["error"] in {"invalid_json", "invalid_seed"}


def test_clock_moves_forward(seeded_server: ThreadedMockServer, api: requests.Session) -> None:
    before = seeded_server.backend.clock.now()
    answer = api.post(_url(seeded_server, "clock"), json={"advance_seconds": 3 * 3600})
    assert answer.status_code == 200
    now = datetime.strptime(answer.json()["now"], "%Y-%m-%dT%H:%M:%S.%f%z")
    assert (now - before).total_seconds() >= 3 * 3600


@pytest.mark.parametrize("value", [-5, "soon", None, True])
def test_clock_refuses_what_is_not_a_forward_move(
    seeded_server: ThreadedMockServer, api: requests.Session, value: object
) -> None:
    answer = api.post(_url(seeded_server, "clock"), json={"advance_seconds": value})
    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_clock"


def test_fault_routes_are_part_of_the_control_plane(
    seeded_server: ThreadedMockServer, api: requests.Session
) -> None:
    answer = api.post(_url(seeded_server, "faults"), json={"error_rate": 0.5, "seed": 1})
    assert answer.status_code == 200
    assert _state(seeded_server, api)["faults"]["error_rate"] == 0.5
    assert api.delete(_url(seeded_server, "faults")).status_code == 200
    assert _state(seeded_server, api)["faults"]["error_rate"] == 0


def test_the_control_plane_answers_on_the_http_port_too(
    seeded_server: ThreadedMockServer,
) -> None:
    plain = requests.Session()
    plain.trust_env = False
    assert seeded_server.control_token is not None
    plain.headers[TOKEN_HEADER] = seeded_server.control_token
    answer = plain.get(seeded_server.http_url + "/mock-api/state")
    assert answer.status_code == 200
    assert answer.json()["orgs"][0]["name"] == "Acme Japan"
