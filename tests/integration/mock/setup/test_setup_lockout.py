"""Login lockout like Salesforce's password policies: 10 failed logins in a row (from the
login page, the token endpoint's password grant and SOAP login alike) lock the user out for
15 minutes; the login pages say so, the API answers as for a wrong password, Setup shows the
user as locked and an admin can Unlock."""

from __future__ import annotations

import base64
import hashlib
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import timedelta
from urllib.parse import urlencode
from xml.sax.saxutils import escape

import requests
from setup_admin import SetupBrowser, SetupPage, World, users_row

from mock_salesforce import ThreadedMockServer
from mock_salesforce.oauth.lockout import LockoutPolicy
from mock_salesforce.seed import SeededUser, UserRole

LOCKED_OUT = (
    "Your login attempt has failed. Your account is locked out because of too many failed "
    "login attempts. Wait until the lockout period ends and try again, or contact your "
    "Salesforce administrator to unlock it."
)
WRONG = (
    "Please check your username and password. If you still can't log in, contact your "
    "Salesforce administrator."
)
AUTHENTICATION_FAILURE = {"error": "invalid_grant", "error_description": "authentication failure"}
INVALID_LOGIN = (
    "sf:INVALID_LOGIN",
    "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
)
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
PARTNER = "urn:partner.soap.sforce.com"


def _https(server: ThreadedMockServer) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return session


def token_login(server: ThreadedMockServer, username: str, password: str) -> requests.Response:
    """The OAuth username-password flow through the MiiTel connected app."""
    app = server.backend.connected_apps.definition("MiiTel")
    with _https(server) as session:
        return session.post(
            f"{server.https_url}/services/oauth2/token",
            data={
                "grant_type": "password",
                "client_id": app.client_id,
                "client_secret": app.client_secret,
                "username": username,
                "password": password,
            },
        )


def soap_login(server: ThreadedMockServer, username: str, password: str) -> tuple[str, str]:
    """SOAP ``login``: ("", session id) on success, else (faultcode, faultstring)."""
    body = (
        f'<?xml version="1.0" encoding="utf-8"?><env:Envelope xmlns:env="{SOAP_ENV}" '
        f'xmlns:urn="{PARTNER}"><env:Body><urn:login><urn:username>{escape(username)}'
        f"</urn:username><urn:password>{escape(password)}</urn:password></urn:login>"
        "</env:Body></env:Envelope>"
    )
    with _https(server) as session:
        response = session.post(
            f"{server.https_url}/services/Soap/u/59.0",
            data=body.encode(),
            headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
        )
    root = ET.fromstring(response.content)
    fault = root.find(f".//{{{SOAP_ENV}}}Fault")
    if fault is None:
        return "", root.findtext(f".//{{{PARTNER}}}sessionId") or ""
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


def https_browser(server: ThreadedMockServer) -> SetupBrowser:
    """A fresh browser on the mock's HTTPS port (trusting its CA)."""
    browser = SetupBrowser(server)
    browser.base = server.https_url
    browser.session.verify = str(server.ca_bundle)
    return browser


def page_login(server: ThreadedMockServer, username: str, password: str) -> SetupPage:
    """Salesforce's login page (``/login``) over HTTPS in a fresh browser."""
    browser = https_browser(server)
    form = browser.open("/login").forms[0]
    page = browser.submit(form, username=username, password=password)
    assert page.url.startswith(server.https_url)
    return page


def _rep(world: World) -> SeededUser:
    return next(u for u in world.org.users if u.role is UserRole.REP)


def test_ten_failures_through_any_door_lock_the_user_out_of_every_door(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    server, rep = world.server, _rep(world)
    # Nine failures, then the right password: the count starts again.
    for _ in range(9):
        assert token_login(server, rep.username, "wrong").json() == AUTHENTICATION_FAILURE
    assert token_login(server, rep.username, rep.password).status_code == 200
    # Ten failures in a row, mixing the login page, the token endpoint and SOAP login.
    for _ in range(3):
        assert page_login(server, rep.username, "wrong").errors == [WRONG]
        response = token_login(server, rep.username, "wrong")
        assert (response.status_code, response.json()) == (400, AUTHENTICATION_FAILURE)
        assert soap_login(server, rep.username, "wrong") == INVALID_LOGIN
    # The tenth tells the person at the login page at once.
    assert page_login(server, rep.username, "wrong").errors == [LOCKED_OUT]

    # Now even the right password is refused, each door in its own words.
    locked = page_login(server, rep.username, rep.password)
    assert locked.errors == [LOCKED_OUT]
    assert locked.forms[0].inputs["username"] == rep.username
    response = token_login(server, rep.username, rep.password)
    assert (response.status_code, response.json()) == (400, AUTHENTICATION_FAILURE)
    assert soap_login(server, rep.username, rep.password) == INVALID_LOGIN
    assert https_browser(server).log_in(rep).errors == [LOCKED_OUT]
    # Other users are untouched, and unknown usernames lock nobody.
    for _ in range(12):
        assert token_login(server, "nobody@example.com", "wrong").json() == AUTHENTICATION_FAILURE
    assert token_login(server, world.org.admin.username, world.org.admin.password).ok
    assert soap_login(server, world.org.admin.username, world.org.admin.password)[0] == ""


def test_the_lockout_ends_after_fifteen_minutes(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    server, rep = world.server, _rep(world)
    for _ in range(10):
        token_login(server, rep.username, "wrong")

    server.backend.clock.advance(timedelta(minutes=14, seconds=59))
    assert token_login(server, rep.username, rep.password).json() == AUTHENTICATION_FAILURE
    server.backend.clock.advance(timedelta(seconds=2))
    assert token_login(server, rep.username, rep.password).status_code == 200
    # The count started again: one more failure does not lock.
    assert page_login(server, rep.username, "wrong").errors == [WRONG]
    assert soap_login(server, rep.username, rep.password)[0] == ""


def test_an_admin_sees_the_lockout_in_setup_and_unlocks_the_user(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    server, rep = world.server, _rep(world)
    browser = SetupBrowser(server)
    browser.log_in(world.org.admin)
    before = browser.open(f"/setup/users/{rep.user_id}")
    assert before.table("User Detail").as_dicts()[-1] == {"Field": "Locked Out", "Value": "No"}
    assert not any(n.startswith("Unlock") for n in before.button_names())
    for _ in range(10):
        soap_login(server, rep.username, "wrong")

    users = browser.open("/setup/users")
    assert users_row(users, rep.username)["Locked Out"] == "Locked"
    assert users_row(users, world.org.admin.username)["Locked Out"] == ""
    detail = browser.open(f"/setup/users/{rep.user_id}")
    locked_row = detail.table("User Detail").as_dicts()[-1]
    assert locked_row["Field"] == "Locked Out"
    assert locked_row["Value"].startswith("Yes, until ")
    name = server.backend.orgs.user(world.org.org_id, rep.user_id)["Name"]  # type: ignore[index]

    unlocked = browser.click(detail, f"Unlock {name}")

    assert unlocked.notices == [f"{name} was unlocked and can log in again."]
    assert unlocked.table("User Detail").as_dicts()[-1]["Value"] == "No"
    assert users_row(browser.open("/setup/users"), rep.username)["Locked Out"] == ""
    assert token_login(server, rep.username, rep.password).status_code == 200


def test_an_org_can_lock_after_three_failures_until_an_admin_unlocks(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    server, rep = world.server, _rep(world)
    lockouts = server.backend.oauth.credentials.lockouts
    lockouts.set_policy(world.org.org_id, LockoutPolicy(max_attempts=3, period=None))
    for _ in range(2):
        assert page_login(server, rep.username, "wrong").errors == [WRONG]
    forever = page_login(server, rep.username, "wrong").errors
    assert forever == [
        "Your login attempt has failed. Your account is locked out because of too many failed "
        "login attempts. Contact your Salesforce administrator to unlock it."
    ]
    server.backend.clock.advance(timedelta(days=30))
    assert token_login(server, rep.username, rep.password).json() == AUTHENTICATION_FAILURE

    browser = SetupBrowser(server)
    browser.log_in(world.org.admin)
    detail = browser.open(f"/setup/users/{rep.user_id}")
    assert detail.table("User Detail").as_dicts()[-1]["Value"] == (
        "Yes, until an administrator unlocks it"
    )
    name = server.backend.orgs.user(world.org.org_id, rep.user_id)["Name"]  # type: ignore[index]
    browser.click(detail, f"Unlock {name}")
    assert token_login(server, rep.username, rep.password).status_code == 200


def test_the_portal_sign_in_shows_the_lockout_on_salesforce_login_page(
    start_world: Callable[[str], World],
) -> None:
    """The portal sends the admin's browser to ``/services/oauth2/authorize``; a locked-out
    admin sees the lockout on Salesforce's login page and the sign-in can go on once unlocked."""
    world = start_world("default")
    server, admin = world.server, world.org.admin
    app = server.backend.connected_apps.definition("MiiTel")
    for _ in range(10):
        token_login(server, admin.username, "wrong")
    browser = SetupBrowser(server)
    verifier = "v" * 64
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    login = browser.open(
        "/services/oauth2/authorize?"
        + urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": app.callback_urls[0],
                "state": "portal-state",
                "code_challenge": challenge.rstrip(b"=").decode(),
                "code_challenge_method": "S256",
            }
        )
    )
    locked = browser.submit(login.forms[0], username=admin.username, password=admin.password)
    assert locked.errors == [LOCKED_OUT]
    assert locked.forms[0].inputs["request"] == login.forms[0].inputs["request"]

    server.backend.oauth.credentials.lockouts.unlock(org_id=world.org.org_id, user_id=admin.user_id)
    response = browser.session.post(
        f"{server.http_url}/login",
        data={**locked.forms[0].inputs, "username": admin.username, "password": admin.password},
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert "/services/oauth2/consent" in response.headers["Location"] or (
        response.headers["Location"].startswith(app.callback_urls[0])
    )
