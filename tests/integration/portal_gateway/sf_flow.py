"""Helpers for driving the mock org like a person and the portal would: the portal's OAuth
client, a scripted browser that logs in and answers "Allow access?", and "Integrate"."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qs, urljoin, urlsplit

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser
from portal.adapters.salesforce import OAuthClient, SalesforceGateway, connect, parse_callback
from portal.adapters.salesforce.versions import NEWEST_SUPPORTED
from portal.domain.oauth import AuthorizationCode, TokenSet
from portal.domain.secret import SecretStr


@dataclass
class Sleeps:
    """Backoff waits the retry policy asked for (recorded, not slept)."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, delay: float) -> None:
        self.seconds.append(delay)


def make_oauth_client(
    server: ThreadedMockServer, session: requests.Session, **overrides: object
) -> OAuthClient:
    app = server.backend.connected_apps.definition("MiiTel")
    settings: dict[str, object] = {
        "login_url": server.https_url,
        "authorize_base_url": server.http_url,
        "client_id": app.client_id,
        "client_secret": SecretStr(app.client_secret),
        "redirect_uri": app.callback_urls[0],
        "session": session,
    }
    settings.update(overrides)
    return OAuthClient(**settings)  # type: ignore[arg-type]


class _Forms(HTMLParser):
    """The forms of a page: action, method and their inputs' default values."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, object]] = []
        self.links: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"id": a.get("id", ""), "action": a.get("action", ""), "inputs": {}})
        elif tag == "input" and self.forms and a.get("name"):
            inputs = self.forms[-1]["inputs"]
            assert isinstance(inputs, dict)
            inputs[a["name"]] = a.get("value", "")
        elif tag == "a" and a.get("id"):
            self.links[a["id"]] = a.get("href", "")


@dataclass(frozen=True)
class BrowserOutcome:
    """Where the browser ended: redirected to the portal (with its query), or on a page."""

    callback: dict[str, list[str]] | None
    page: str = ""
    pages_seen: tuple[str, ...] = ()


class MockBrowser:
    """A person at a browser on the mock's HTTP pages, driven with plain requests."""

    def __init__(self, *, redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri
        self.http = requests.Session()
        self.http.trust_env = False

    def authorize(
        self,
        url: str,
        *,
        user: SeededUser | None,
        action: str = "allow",
        password: str | None = None,
    ) -> BrowserOutcome:
        seen: list[str] = []
        response = self.http.get(url, allow_redirects=False)
        for _ in range(12):
            if response.is_redirect:
                target = urljoin(response.url, response.headers["Location"])
                if target.startswith(self.redirect_uri):
                    return BrowserOutcome(
                        parse_qs(urlsplit(target).query, keep_blank_values=True), "", tuple(seen)
                    )
                response = self.http.get(target, allow_redirects=False)
                continue
            parser = _Forms()
            parser.feed(response.text)
            forms = {str(f["id"]): f for f in parser.forms}
            if "login_form" in forms and user is not None and "login" not in seen:
                seen.append("login")
                form = forms["login_form"]
                data = dict(form["inputs"])  # type: ignore[call-overload]
                data.update(username=user.username, password=password or user.password)
                response = self.http.post(
                    urljoin(response.url, str(form["action"])), data=data, allow_redirects=False
                )
            elif "consent_form" in forms and "consent" not in seen:
                seen.append("consent")
                form = forms["consent_form"]
                data = dict(form["inputs"])  # type: ignore[call-overload]
                data["action"] = action
                response = self.http.post(
                    urljoin(response.url, str(form["action"])), data=data, allow_redirects=False
                )
            elif "continue" in parser.links and "continue" not in seen:
                seen.append("continue")
                target = urljoin(response.url, parser.links["continue"])
                if target.startswith(self.redirect_uri):
                    return BrowserOutcome(
                        parse_qs(urlsplit(target).query, keep_blank_values=True), "", tuple(seen)
                    )
                response = self.http.get(target, allow_redirects=False)
            else:
                return BrowserOutcome(None, response.text, tuple(seen))
        raise AssertionError(f"the browser went round in circles: {seen}")


@dataclass
class Integration:
    """The result of clicking "Integrate" and allowing access: tokens and a live gateway."""

    tokens: TokenSet
    gateway: SalesforceGateway
    refreshed: list[TokenSet]
    orgs: list[SeededOrg] = field(default_factory=list)


def integrate(*, oauth: OAuthClient, session: requests.Session, user: SeededUser) -> Integration:
    request = oauth.start(force_login=True)
    driver = MockBrowser(redirect_uri=oauth.redirect_uri)
    try:
        outcome = driver.authorize(request.url, user=user)
    finally:
        driver.http.close()
    assert outcome.callback is not None, outcome.page[:500]
    result = parse_callback(outcome.callback)
    assert isinstance(result, AuthorizationCode), result
    assert result.state == request.state
    tokens = oauth.exchange(code=result.code, code_verifier=request.code_verifier)
    return connect_with(tokens=tokens, oauth=oauth, session=session)


def connect_with(*, tokens: TokenSet, oauth: OAuthClient, session: requests.Session) -> Integration:
    """A gateway on ``tokens`` that records the tokens it refreshes."""
    refreshed: list[TokenSet] = []
    gateway = connect(
        tokens=tokens,
        session=session,
        oauth=oauth,
        on_refresh=refreshed.append,
        api_version=NEWEST_SUPPORTED,
    )
    return Integration(tokens, gateway, refreshed)
