"""A person at a browser on the mock org's OAuth pages, driven with plain requests, and the
small helpers the OAuth tests share."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any, Protocol
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.backend import MockBackend
from mock_salesforce.connected_apps import ConnectedAppDefinition
from mock_salesforce.oauth.pkce import s256
from mock_salesforce.rows import insert

LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, contact your "
    "Salesforce administrator."
)


class OrgUser(Protocol):
    """A user of an org and their password (``bare_org`` of the shared fixtures)."""

    @property
    def org_id(self) -> str: ...
    @property
    def user_id(self) -> str: ...
    @property
    def username(self) -> str: ...
    @property
    def password(self) -> str: ...


class Page(HTMLParser):
    """What a person sees on a page: title, headings, text, forms, links and buttons."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.title = ""
        self.text_parts: list[str] = []
        self.forms: dict[str, dict[str, Any]] = {}
        self.links: dict[str, str] = {}
        self.buttons: list[str] = []
        self.labels: list[str] = []
        self._in: list[str] = []
        self._form: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in.append(tag)
        if tag == "form":
            self._form = a.get("id", "")
            self.forms[self._form] = {
                "action": a.get("action", ""),
                "method": a.get("method", "get"),
                "inputs": {},
            }
        elif tag == "input" and self._form is not None and a.get("name"):
            self.forms[self._form]["inputs"][a["name"]] = a.get("value", "")
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        if self._in:
            self._in.pop()

    def handle_data(self, data: str) -> None:
        if not self._in:
            return
        if self._in[-1] == "title":
            self.title += data
        elif self._in[-1] == "style":
            return
        elif self._in[-1] == "button":
            self.buttons.append(data.strip())
        elif self._in[-1] == "label":
            self.labels.append(data.strip())
        self.text_parts.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.text_parts).split())


@dataclass(frozen=True)
class Pkce:
    verifier: str
    challenge: str
    method: str


def make_pkce(method: str = "S256") -> Pkce:
    verifier = secrets.token_urlsafe(48)
    return Pkce(verifier, s256(verifier) if method == "S256" else verifier, method)


def callback_query(response: requests.Response) -> dict[str, str]:
    """The query of a redirect back to the client (single values)."""
    query = parse_qs(urlsplit(response.headers["Location"]).query, keep_blank_values=True)
    return {k: v[0] for k, v in query.items()}


def trusting_session(server: ThreadedMockServer) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return session


class Browser:
    """Cookies and redirects as a browser keeps them; stops at the redirect to the client."""

    def __init__(self, server: ThreadedMockServer, app: ConnectedAppDefinition) -> None:
        self.server = server
        self.app = app
        self.redirect_uri = app.callback_urls[0]
        self.http = trusting_session(server)

    def authorize_params(self, **overrides: str | None) -> dict[str, str]:
        params: dict[str, str | None] = {
            "response_type": "code",
            "client_id": self.app.client_id,
            "redirect_uri": self.redirect_uri,
            "state": "st-" + secrets.token_hex(4),
            "scope": "api refresh_token id",
        }
        params.update(overrides)
        return {k: v for k, v in params.items() if v is not None}

    def go(self, response: requests.Response) -> requests.Response:
        """Follow redirects that stay on the mock org; stop at the client or on a page."""
        for _ in range(10):
            if not response.is_redirect:
                return response
            target = urljoin(response.url, response.headers["Location"])
            if not target.startswith(self.server.http_url):
                return response
            response = self.http.get(target, allow_redirects=False)
        raise AssertionError("too many redirects")

    def authorize(self, **params: str | None) -> requests.Response:
        return self.go(
            self.http.get(
                f"{self.server.http_url}/services/oauth2/authorize",
                params=self.authorize_params(**params),
                allow_redirects=False,
            )
        )

    def submit(self, response: requests.Response, form_id: str, **fields: str) -> requests.Response:
        page = Page(response.text)
        form = page.forms[form_id]
        data = {**form["inputs"], **fields}
        return self.go(
            self.http.post(urljoin(response.url, form["action"]), data=data, allow_redirects=False)
        )

    def log_in(
        self, response: requests.Response, *, username: str, password: str
    ) -> requests.Response:
        return self.submit(response, "login_form", username=username, password=password)

    def answer(self, response: requests.Response, action: str) -> requests.Response:
        return self.submit(response, "consent_form", action=action)

    def code_for(self, *, username: str, password: str, **params: str | None) -> tuple[str, str]:
        """Log in and allow: returns (code, state)."""
        response = self.authorize(**params)
        if "login_form" in Page(response.text).forms:
            response = self.log_in(response, username=username, password=password)
        if "consent_form" in Page(response.text).forms:
            response = self.answer(response, "allow")
        query = callback_query(response)
        return query["code"], query["state"]


def add_user(
    backend: MockBackend,
    *,
    org_id: str,
    username: str,
    permissions: set[str],
    active: bool = True,
    password: str = "pass1234",
) -> str:
    """A user with a new profile granting ``permissions``; returns the user id."""
    profile = backend.permissions.create_profile(
        org_id=org_id, name=f"Profile {username}", permissions=permissions
    )
    user_obj = backend.org_schema(org_id).get("User")
    assert user_obj is not None
    [user_id] = insert(
        backend.store,
        org_id=org_id,
        obj=user_obj,
        actor_id=None,
        now=backend.clock.now(),
        rows=[
            {
                "Username": username,
                "FirstName": "Sam",
                "LastName": "Sales",
                "Alias": "ssales",
                "Email": username,
                "IsActive": active,
                "ProfileId": profile.profile_id,
                "UserType": "Standard",
                "TimeZoneSidKey": "Asia/Tokyo",
                "LocaleSidKey": "ja_JP",
                "LanguageLocaleKey": "ja",
                "EmailEncodingKey": "UTF-8",
            }
        ],
    )
    backend.orgs.set_password(org_id=org_id, user_id=user_id, username=username, password=password)
    return user_id
