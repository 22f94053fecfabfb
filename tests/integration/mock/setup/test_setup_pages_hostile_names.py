"""An org whose admins chose hostile names: every Setup page and OAuth page shows them as
text. No element, attribute or script comes out of an org name, a user's name, a profile, a
permission set, a connected app or a login hint."""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable
from html.parser import HTMLParser
from urllib.parse import quote

import requests
from setup_admin import SetupBrowser, World

from mock_salesforce import ThreadedMockServer

#: Markup in every context a value can land in: text, a '…' and a "…" attribute, an entity.
HOSTILE = "<script>alert(1)</script>\" onmouseover=\"alert(2)' onfocus='alert(3)&amp;<b>x</b>"
#: An app name is a path segment of its Setup pages, so it cannot hold a "/".
HOSTILE_APP = HOSTILE.replace("/", "")


class Dom(HTMLParser):
    """The elements and attributes a browser would build, and the text it would show."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.text = "".join(self.chunks)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += [(k, v or "") for k, v in attrs]

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)


def assert_inert(html: str, url: str) -> Dom:
    dom = Dom(html)
    assert "script" not in dom.tags, url
    assert "b" not in dom.tags, url
    handlers = [k for k, _ in dom.attributes if k.startswith("on")]
    assert handlers == [], (url, handlers)
    return dom


def _make_hostile(world: World) -> None:
    """Every name an org admin controls, set to :data:`HOSTILE` (with a suffix where names
    must differ)."""
    store, org = world.server.backend.store, world.org
    rep = next(u for u in org.users if u is not org.admin)
    store.execute("UPDATE _orgs SET name = ? WHERE org_id = ?", [HOSTILE, org.org_id])
    store.execute('UPDATE "sobj_organization" SET "Name" = ? WHERE "Id" = ?', [HOSTILE, org.org_id])
    for user, suffix in ((org.admin, " admin"), (rep, " rep")):
        store.execute(
            'UPDATE "sobj_user" SET "Name" = ?, "Email" = ? WHERE "Id" = ?',
            [HOSTILE + suffix, HOSTILE + "@example.com", user.user_id],
        )
    store.execute(
        'UPDATE "sobj_profile" SET "Name" = ? || "Name" WHERE _org_id = ?', [HOSTILE, org.org_id]
    )
    store.execute(
        'UPDATE "sobj_permissionset" SET "Label" = ? || "Label", "Description" = ? '
        "WHERE _org_id = ?",
        [HOSTILE, HOSTILE, org.org_id],
    )
    store.execute(
        'UPDATE "sobj_oauthtoken" SET "AppName" = ? WHERE _org_id = ? AND "AppName" <> ?',
        [HOSTILE_APP, org.org_id, "MiiTel"],
    )


def test_every_setup_page_shows_hostile_names_as_text(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    _make_hostile(world)
    browser = SetupBrowser(world.server)
    home = browser.log_in(world.org.admin)
    assert home.h1 == "Setup Home"
    users = browser.open("/setup/users")
    user_links = [h for _, h in users.links if h.startswith("/setup/users/")]
    profiles = browser.open("/setup/profiles")
    sets = browser.open("/setup/permission-sets")
    usage = browser.open("/setup/connected-apps-oauth-usage?load=all")
    app_links = [
        h
        for _, h in usage.links
        if h.startswith("/setup/connected-apps-oauth-usage/") and "?" not in h
    ]
    assert any(quote(HOSTILE_APP, safe="") in h for h in app_links), app_links
    paths = [
        f"/setup?q={quote(HOSTILE)}",
        "/setup/users",
        *user_links,
        "/setup/profiles",
        *[h for _, h in profiles.links if h.startswith("/setup/profiles/")],
        "/setup/permission-sets",
        *[h for _, h in sets.links if h.startswith("/setup/permission-sets/")],
        "/setup/connected-apps-oauth-usage?load=all",
        *app_links,
        f"/setup/users/{quote(HOSTILE_APP, safe='')}",
    ]
    shown = 0
    for path in paths:
        response = browser.session.get(world.server.http_url + path)
        assert response.status_code in (200, 404), (path, response.status_code)
        dom = assert_inert(response.text, path)
        assert HOSTILE in dom.text, path  # the admin's name and org name in the header
        shown += dom.text.count(HOSTILE)
    assert shown > 3 * len(paths)
    # The hostile permission set label in a button's accessible name stays one attribute.
    detail = browser.open(user_links[0])
    assert all(not n.startswith("on") for n in detail.button_names())


def test_the_oauth_pages_show_hostile_names_as_text(
    start_world: Callable[[str], World], mock_server: ThreadedMockServer
) -> None:
    world = start_world("default")
    _make_hostile(world)
    app = mock_server.backend.connected_apps.definition("MiiTel")
    http = requests.Session()
    http.trust_env = False
    verifier = secrets.token_urlsafe(48)
    challenge = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    login = http.get(
        f"{mock_server.http_url}/services/oauth2/authorize",
        params={
            "response_type": "code",
            "client_id": app.client_id,
            "redirect_uri": app.callback_urls[0],
            "state": "s",
            "scope": "api refresh_token",
            "login_hint": HOSTILE,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            "prompt": "login consent",
        },
    )
    dom = assert_inert(login.text, login.url)
    assert ("value", HOSTILE) in dom.attributes
    consent = http.post(
        f"{mock_server.http_url}/login",
        data={
            **_hidden_inputs(login.text),
            "username": world.org.admin.username,
            "password": world.org.admin.password,
        },
    )
    assert consent.status_code == 200, consent.text[:300]
    dom = assert_inert(consent.text, consent.url)
    assert "Allow access?" in dom.text
    assert f"{HOSTILE} admin" in dom.text
    wrong = http.post(
        f"{mock_server.http_url}/setup/login",
        data={"username": HOSTILE, "password": "x", "next": HOSTILE},
    )
    assert_inert(wrong.text, wrong.url)


class _Inputs(HTMLParser):
    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.values: dict[str, str] = {}
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "input" and a.get("type") == "hidden":
            self.values[a["name"]] = a.get("value", "")


def _hidden_inputs(html: str) -> dict[str, str]:
    return _Inputs(html).values
