"""Issue 3, scenarios: each one started by ``POST /mock-api/scenario`` and by
``python -m mock_salesforce serve --scenario NAME`` shows what its own description says a
person sees at steps 3, 4, 5, 6 and 8 — on the Setup pages, through SOQL, and in the OAuth
flow the portal runs.

The expectations are read from the scenario descriptions themselves (``Scenario.steps``), so
a description that stops matching the mock fails here.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceMalformedRequest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import HIDDEN_TASK_FIELDS, SCENARIOS, SECOND_ORG_NAME, Scenario
from mock_salesforce.seed import SeededOrg, SeededUser, UserRole, seeded_orgs
from tests.integration.mock.oauth.oauth_flow import Browser, Page, callback_query, make_pkce
from tests.integration.mock.serve.mock_cli_process import ROOT, start_mock
from tests.integration.mock.setup.setup_admin import (
    SetupBrowser,
    SetupPage,
    World,
    approve_permission_by_soql,
    assert_page_matches_soql,
    assigned_sets_by_soql,
    error_of,
    page_apps,
    page_statuses,
    salesforce,
    sobject,
    users_row,
)
from tests.portal_over_mock import control_session, guarded_server

pytestmark = pytest.mark.slow

USAGE = "/setup/connected-apps-oauth-usage"
APPROVE = "Approve Uninstalled Connected Apps"
BLOCKED = ("OAUTH_APP_BLOCKED", "this app is blocked by admin")
NOT_INSTALLED = ("invalid_client", "app must be installed into org")

#: Step 4 for the integration user: (profile on the Users page, "Approve Uninstalled
#: Connected Apps" column). Each profile name is also checked to appear in the description.
INTEGRATION_USER = {
    "default": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-blocked": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-uninstalled": ("System Administrator", "Yes (Profile: System Administrator)"),
    "app-never-used": ("System Administrator", "Yes (Profile: System Administrator)"),
    "user-without-approve-permission": ("MiiTel Integration User", "No"),
    "custom-profile-admin": ("Custom: System Administrator", f"Yes (Permission set: {APPROVE})"),
    "second-org": ("System Administrator", "Yes (Profile: System Administrator)"),
    "user-cannot-read-task-fields": ("MiiTel Integration User", "No"),
}


# -- what a description claims ----------------------------------------------------------------
@dataclass(frozen=True)
class UsageClaim:
    """Step 3: MiiTel's row on Connected Apps OAuth Usage (``listed`` False: no row)."""

    listed: bool
    users: int = 0
    #: The action Load Action shows first: "Install", "Uninstall" or "Unblock".
    action: str = ""

    @property
    def status(self) -> str:
        installed = "Installed" if self.action == "Uninstall" else "Not installed"
        return f"{installed}, Blocked" if self.action == "Unblock" else installed

    @property
    def app_state(self) -> str | None:
        """MiiTel's state in ``GET /mock-api/state`` (None: not listed)."""
        if not self.listed:
            return None
        states = {"Unblock": "blocked", "Uninstall": "installed", "Install": "uninstalled"}
        return states[self.action]


def usage_claim(scenario: Scenario) -> UsageClaim:
    text = scenario.steps["3"]
    if 'no "MiiTel" row' in text:
        return UsageClaim(listed=False)
    count = re.search(r'"MiiTel" (?:is listed )?with (\d+) users?', text)
    assert count, text
    action = re.search(r'"(Uninstall|Install|Unblock)"', text[count.end() :])
    assert action, text
    return UsageClaim(listed=True, users=int(count.group(1)), action=action.group(1))


def integrate_claim(scenario: Scenario) -> tuple[str, str] | None:
    """Step 5 before any fix: the error the portal gets back, or None when it succeeds."""
    text = scenario.steps["5"]
    if "OAUTH_APP_BLOCKED" in text:
        return BLOCKED
    if "OAUTH_APPROVAL_ERROR_GENERIC" in text:
        assert 'error=invalid_client, "app must be installed into org"' in text
        return NOT_INSTALLED
    assert "succeeds" in text or "the portal shows the org" in text, text
    return None


def step3_org(scenario: Scenario, orgs: list[SeededOrg]) -> SeededOrg:
    """The org steps 3 to 6 talk about (the second org when the description names it)."""
    return orgs[1] if SECOND_ORG_NAME in scenario.steps["3"] else orgs[0]


def test_every_description_makes_the_claims_this_audit_reads() -> None:
    assert set(SCENARIOS) == set(INTEGRATION_USER)
    for name, scenario in SCENARIOS.items():
        usage_claim(scenario)
        integrate_claim(scenario)
        assert INTEGRATION_USER[name][0] in scenario.description, name


# -- a person going through the procedure -----------------------------------------------------
@dataclass(frozen=True)
class Integration:
    """The outcome of "Integrate" (the web server flow with PKCE, as the portal runs it)."""

    error: tuple[str, str] | None
    tokens: dict[str, Any]
    #: Salesforce showed the OAUTH_APPROVAL_ERROR_GENERIC page before going back.
    approval_page: bool = False


def _query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def integrate(server: ThreadedMockServer, user: SeededUser) -> Integration:
    """Authorize MiiTel in a fresh browser as ``user``: log in, Allow, exchange the code."""
    app = server.backend.connected_apps.definition("MiiTel")
    visitor = Browser(server, app)
    try:
        pkce = make_pkce("S256")
        login = visitor.authorize(
            state="portal-state", code_challenge=pkce.challenge, code_challenge_method="S256"
        )
        answer = visitor.log_in(login, username=user.username, password=user.password)
        if "consent_form" in Page(answer.text).forms:
            answer = visitor.answer(answer, "allow")
        approval_page = not answer.is_redirect
        if approval_page:
            page = Page(answer.text)
            assert "OAUTH_APPROVAL_ERROR_GENERIC" in page.text, page.text
            query = _query_of(page.links["continue"])
        else:
            assert answer.headers["Location"].startswith(app.callback_urls[0] + "?")
            query = callback_query(answer)
        assert query["state"] == "portal-state"
        if "error" in query:
            return Integration((query["error"], query["error_description"]), {}, approval_page)
        token = visitor.http.post(
            f"{server.https_url}/services/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"],
                "client_id": app.client_id,
                "redirect_uri": app.callback_urls[0],
                "code_verifier": pkce.verifier,
            },
        )
        assert token.status_code == 200, token.text
        return Integration(None, token.json())
    finally:
        visitor.http.close()


def open_usage(browser: SetupBrowser) -> SetupPage:
    """Step 3 as written: Quick Find "OAuth Usage", then the Connected Apps OAuth Usage link."""
    found = browser.open("/setup?q=OAuth Usage")
    page = browser.open(found.link("Connected Apps OAuth Usage"))
    assert page.h1 == "Connected Apps OAuth Usage"
    return page


def check_usage(browser: SetupBrowser, sf: Salesforce, claim: UsageClaim) -> SetupPage:
    """MiiTel's row, its actions after Load Action, and SOQL all say what ``claim`` says."""
    page = open_usage(browser)
    assert_page_matches_soql(page, sf)
    if not claim.listed:
        assert "MiiTel" not in page_statuses(page)
        return page
    assert page_statuses(page)["MiiTel"] == claim.status
    assert page_apps(page)["MiiTel"].user_count == claim.users
    loaded = browser.click(page, "Load Action MiiTel")
    assert f"{claim.action} MiiTel" in loaded.button_names()
    return loaded


def assign_approve_set(browser: SetupBrowser, user: SeededUser) -> None:
    """Step 4's fix: open the user, add the permission set "Approve Uninstalled ..."."""
    user_page = browser.open(f"/setup/users/{user.user_id}")
    form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
    option = next(v for v, label in form.selects["permission_set_id"] if label == APPROVE)
    assigned = browser.submit(form, permission_set_id=option)
    assert assigned.notices[0].startswith(f'Permission set "{APPROVE}" was assigned to ')


def walk_through(server: ThreadedMockServer, name: str, users: list[dict[str, str]]) -> None:
    """Steps 3 to 8 of the procedure in scenario ``name``, as its description tells them."""
    scenario = SCENARIOS[name]
    orgs = seeded_orgs(server.backend)
    org = step3_org(scenario, orgs)
    listed = {(u["username"], u["password"]) for u in users}
    assert {(org.admin.username, org.admin.password)} <= listed
    assert {(org.integration_user.username, org.integration_user.password)} <= listed
    world = World(server, orgs)
    sf = world.api(org=org)
    browser, landed = world.browser(org.admin)
    assert landed.h1 == "Setup Home"
    integration = org.integration_user
    claim = usage_claim(scenario)

    # Step 3: Connected Apps OAuth Usage.
    check_usage(browser, sf, claim)

    # Step 4: the integration user's profile and "Approve Uninstalled Connected Apps".
    profile, approve = INTEGRATION_USER[name]
    row = users_row(browser.open("/setup/users"), integration.username)
    assert (row["Profile"], row[APPROVE]) == (profile, approve)
    assert approve_permission_by_soql(sf, integration.user_id) is approve.startswith("Yes")
    shown_sets = set(row["Permission Sets"].split(", ")) - {"None"}
    assert shown_sets == assigned_sets_by_soql(sf, integration.user_id)

    # Step 5: Integrate; when the description names a refusal, apply its fix and retry.
    outcome = integrate(server, integration)
    expected = integrate_claim(scenario)
    assert outcome.error == expected
    assert outcome.approval_page is (expected == NOT_INSTALLED)
    if expected == BLOCKED:
        # Step 3-2-1: Unblock, after which Install and Block are offered.
        loaded = browser.open(f"{USAGE}?load=MiiTel")
        unblocked = browser.click(loaded, "Unblock MiiTel")
        assert unblocked.notices == ["MiiTel was unblocked. Users can authorize it again."]
        assert {"Install MiiTel", "Block MiiTel"} <= set(unblocked.button_names())
        assert_page_matches_soql(unblocked, sf)
        outcome = integrate(server, integration)
    elif expected == NOT_INSTALLED:
        assign_approve_set(browser, integration)
        row = users_row(browser.open("/setup/users"), integration.username)
        assert row[APPROVE] == f"Yes (Permission set: {APPROVE})"
        assert approve_permission_by_soql(sf, integration.user_id)
        outcome = integrate(server, integration)
    assert outcome.error is None
    tokens = outcome.tokens
    assert tokens["id"].endswith(f"/id/{org.org_id}/{integration.user_id}")
    portal = salesforce(server, tokens["access_token"])
    [organization] = portal.query("SELECT Id, Name FROM Organization")["records"]
    assert organization["Name"] == org.name  # "the portal shows the org"
    # Authorizing never installs the app: still listed as it was, now with this user.
    after = open_usage(browser)
    assert_page_matches_soql(after, sf)
    installed_before = claim.action == "Uninstall"
    assert page_statuses(after)["MiiTel"] == ("Installed" if installed_before else "Not installed")
    assert page_apps(after)["MiiTel"].user_count >= 1

    # Step 6: Install, when the description says to click it.
    step6 = scenario.steps.get("6", "")
    if 'Click "Install"' in step6 or "click it" in step6:
        loaded = browser.open(f"{USAGE}?load=MiiTel")
        installed = browser.click(loaded, "Install MiiTel")
        assert installed.notices == ["MiiTel was installed. Its action is now Uninstall."]
        assert "Uninstall MiiTel" in installed.button_names()
        assert page_statuses(installed)["MiiTel"] == "Installed"
        assert_page_matches_soql(installed, sf)
        found = sf.query("SELECT Id FROM ConnectedApplication WHERE Name = 'MiiTel'")
        assert found["totalSize"] == 1

    # Step 8: mappings onto fields the integration user cannot see fail.
    step8 = scenario.steps.get("8", "")
    hidden: tuple[str, ...]
    if "cannot read" in step8:
        hidden = HIDDEN_TASK_FIELDS
    elif "do not exist" in step8:
        hidden = ("MiiTel_Call_URL__c", "MiiTel_Direction__c")
    else:
        return
    described = {f["name"] for f in sobject(portal, "Task").describe()["fields"]}
    assert described.isdisjoint(hidden)
    for field in hidden:
        with pytest.raises(SalesforceMalformedRequest) as refused:
            portal.query(f"SELECT Id, {field} FROM Task LIMIT 1")
        assert error_of(refused.value)["errorCode"] == "INVALID_FIELD", field


@pytest.fixture(scope="module")
def served() -> Iterator[ThreadedMockServer]:
    """One mock org server (in memory, default-size world) switched between scenarios."""
    with guarded_server() as server:
        yield server


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_started_by_the_control_plane_is_what_its_description_says(
    served: ThreadedMockServer, name: str
) -> None:
    with control_session(served) as control:
        answer = control.post(f"{served.https_url}/mock-api/scenario", json={"name": name})
        assert answer.status_code == 200, answer.text
        body = answer.json()
        state = control.get(f"{served.https_url}/mock-api/state").json()
    assert body["scenario"] == state["scenario"] == name
    expected_orgs = ["Acme Japan", SECOND_ORG_NAME] if name == "second-org" else ["Acme Japan"]
    assert [o["name"] for o in state["orgs"]] == expected_orgs
    assert sorted({u["org_name"] for u in body["users"]}) == sorted(expected_orgs)
    walk_through(served, name, body["users"])


# -- the same scenarios from the command line -------------------------------------------------
def _soap_login(ready: dict[str, Any], user: dict[str, str], session: requests.Session) -> str:
    session_id, _ = SalesforceLogin(
        username=user["username"],
        password=user["password"],
        security_token="",
        scratch_url=ready["login_url"],
        session=session,
    )
    return session_id


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario_started_from_the_command_line(tmp_path: Path, name: str) -> None:
    """``serve --scenario NAME``: READY names the scenario and lists every org's users with
    passwords that log in; the state and the integration user's first "Integrate" are what
    the description says."""
    scenario = SCENARIOS[name]
    mock = start_mock(tmp_path, "--scenario", name)
    try:
        ready = mock.ready
        session = mock.session()
        assert ready["scenario"] == name
        assert ready["scenarios"] == list(SCENARIOS)
        state = session.get(ready["instance_url"] + "/mock-api/state").json()
        assert state["scenario"] == name
        org_names = [o["name"] for o in state["orgs"]]
        assert {u["org_name"] for u in ready["users"]} == set(org_names)
        assert len(org_names) == (2 if name == "second-org" else 1)

        # Every listed password works (SOAP login, no connected app); the inactive user's not.
        for user in ready["users"]:
            if user["role"] == UserRole.INACTIVE.value:
                with pytest.raises(SalesforceAuthenticationFailed) as refused:
                    _soap_login(ready, user, session)
                assert refused.value.code == "INVALID_LOGIN"
            else:
                assert _soap_login(ready, user, session)

        # Step 3 as the control plane reports it, in the org the description talks about.
        claim = usage_claim(scenario)
        org_state = state["orgs"][1] if SECOND_ORG_NAME in scenario.steps["3"] else state["orgs"][0]
        miitel = next((a for a in org_state["connected_apps"] if a["name"] == "MiiTel"), None)
        if claim.app_state is None:
            assert miitel is None or miitel["state"] == "not used"
        else:
            assert miitel is not None
            assert (miitel["state"], miitel["user_count"]) == (claim.app_state, claim.users)

        # Step 5 for scripts: the username-password flow as that org's integration user.
        integration = next(
            u
            for u in ready["users"]
            if u["role"] == "integration" and u["org_id"] == org_state["org_id"]
        )
        grant = session.post(
            ready["login_url"] + "/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": ready["client_id"],
                "client_secret": ready["client_secret"],
                "username": integration["username"],
                "password": integration["password"],
            },
        )
        expected = integrate_claim(scenario)
        if expected is None:
            assert grant.status_code == 200, grant.text
            assert grant.json()["instance_url"] == ready["instance_url"]
        else:
            assert grant.status_code == 400
            assert (grant.json()["error"], grant.json()["error_description"]) == expected
        session.close()
    finally:
        assert mock.stop() == 0


def test_make_demo_passes_the_scenario_to_the_mock(tmp_path: Path) -> None:
    """``make demo SCENARIO=NAME`` runs the demo script with ``--scenario NAME``, and the
    script starts the mock in it (the DEMO line carries the mock's READY object)."""
    dry = subprocess.run(
        ["make", "-n", "demo", "SCENARIO=app-blocked"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert re.search(r"scripts/demo\.py --scenario app-blocked\b", dry.stdout), dry.stdout

    env = {
        **os.environ,
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "PORTAL_PORT": str(_free_port()),
        "DATA_DIR": str(tmp_path),
    }
    process = subprocess.Popen(
        [sys.executable, "scripts/demo.py", "--scenario", "app-blocked"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("DEMO "), line
        mock = json.loads(line[len("DEMO ") :])["mock"]
        assert mock["scenario"] == "app-blocked"
        with requests.Session() as session:
            session.trust_env = False
            session.verify = mock["ca_bundle"]
            session.headers["X-Mock-Token"] = mock["control_token"]
            state = session.get(mock["instance_url"] + "/mock-api/state").json()
        miitel = next(a for a in state["orgs"][0]["connected_apps"] if a["name"] == "MiiTel")
        assert miitel["state"] == "blocked"
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
