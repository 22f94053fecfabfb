"""The OAuth login and "Allow access?" pages in a real browser (Chromium, headless): a person
logs in, allows MiiTel, and lands back on the client's callback with the code and state."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Page, expect

from mock_salesforce import MockOptions
from mock_salesforce.oauth.pkce import s256
from mock_salesforce.rows import insert
from mock_salesforce.schema import USER_PERMISSIONS
from tests.e2e.browser_support import log_in_to_mock
from tests.portal_over_mock import guarded_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


class _Callback(BaseHTTPRequestHandler):
    """The client's redirect URI: remembers what it was called with."""

    received: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).received.append(self.path)
        body = b"<!doctype html><title>Callback</title><h1>Back at the client</h1>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        return


@pytest.fixture
def callback_server() -> Iterator[HTTPServer]:
    _Callback.received = []
    server = HTTPServer(("127.0.0.1", 0), _Callback)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_login_then_allow_lands_on_the_callback_with_code_and_state(
    callback_server: HTTPServer, browser_page: Page
) -> None:
    redirect_uri = f"http://127.0.0.1:{callback_server.server_address[1]}/callback"
    with guarded_server(options=MockOptions(redirect_uris=(redirect_uri,))) as mock:
        backend = mock.backend
        org = backend.orgs.create(name="E2E Org", schema_profile="acme")
        profile_obj, user_obj = org.schema.get("Profile"), org.schema.get("User")
        assert profile_obj and user_obj
        now = backend.clock.now()
        [profile_id] = insert(
            backend.store,
            org_id=org.org_id,
            obj=profile_obj,
            actor_id=None,
            now=now,
            rows=[
                {
                    "Name": "System Administrator",
                    "UserType": "Standard",
                    **{f"Permissions{p}": True for p in USER_PERMISSIONS},
                }
            ],
        )
        [user_id] = insert(
            backend.store,
            org_id=org.org_id,
            obj=user_obj,
            actor_id=None,
            now=now,
            rows=[
                {
                    "Username": "ada@e2e.example",
                    "FirstName": "Ada",
                    "LastName": "Admin",
                    "Alias": "aadmin",
                    "Email": "ada@e2e.example",
                    "IsActive": True,
                    "ProfileId": profile_id,
                    "UserType": "Standard",
                    "TimeZoneSidKey": "Asia/Tokyo",
                    "LocaleSidKey": "ja_JP",
                    "LanguageLocaleKey": "ja",
                    "EmailEncodingKey": "UTF-8",
                }
            ],
        )
        backend.orgs.set_password(
            org_id=org.org_id, user_id=user_id, username="ada@e2e.example", password="pass1234"
        )
        app = backend.connected_apps.definition("MiiTel")
        authorize_url = f"{mock.http_url}/services/oauth2/authorize?" + urlencode(
            {
                "response_type": "code",
                "client_id": app.client_id,
                "redirect_uri": redirect_uri,
                "state": "e2e-state-42",
                "scope": "api refresh_token id",
                "code_challenge": s256("v" * 64),
                "code_challenge_method": "S256",
            }
        )

        page = browser_page
        page.goto(authorize_url)
        expect(page).to_have_title("Login | Salesforce")
        log_in_to_mock(page, "ada@e2e.example", "wrong password")
        expect(page.get_by_role("alert")).to_contain_text(
            "Please check your username and password."
        )
        log_in_to_mock(page, "ada@e2e.example", "pass1234")

        expect(page.get_by_role("heading", name="Allow access?")).to_be_visible()
        expect(page.locator("main")).to_contain_text("MiiTel is asking to:")
        expect(page.locator("main")).to_contain_text("Ada Admin")
        expect(page.locator("main")).to_contain_text("Manage user data via APIs (api)")
        expect(page.get_by_role("button", name="Deny")).to_be_visible()
        page.get_by_role("button", name="Allow").click()

        expect(page.get_by_role("heading", name="Back at the client")).to_be_visible()
        landed = urlsplit(page.url)

    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == redirect_uri
    query = parse_qs(landed.query)
    assert query["state"] == ["e2e-state-42"]
    assert query["code"][0].startswith("aPrx")
    assert [p for p in _Callback.received if p.startswith("/callback")] == [
        f"{landed.path}?{landed.query}"
    ]
