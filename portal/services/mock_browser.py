"""Signing in on the mock org's pages the way a person does, for the demo's reset (and tests):
follow the authorize URL, fill in "Username" and "Password", click "Log In", then "Allow" or
"Deny", and stop at the redirect back to the portal.

Only for the bundled mock org: a real org's login pages are for people.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from html.parser import HTMLParser
from typing import Final
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

MAX_HOPS: Final = 12


class Consent(Enum):
    ALLOW = "allow"
    DENY = "deny"


class MockSignInError(Exception):
    """The mock's pages did not lead back to the portal (wrong password, an OAuth error page)."""


@dataclass
class _Form:
    form_id: str
    action: str
    method: str
    inputs: dict[str, str] = field(default_factory=dict)


class _PageParser(HTMLParser):
    """The forms (with their inputs), the links by id, and the alert text of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[_Form] = []
        self.links: dict[str, str] = {}
        self.alerts: list[str] = []
        self._alert_tag: str | None = None
        self._alert_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(
                _Form(values.get("id", ""), values.get("action", ""), values.get("method", "get"))
            )
        elif tag == "input" and self.forms and values.get("name"):
            if values.get("type") == "hidden":
                self.forms[-1].inputs[values["name"]] = values.get("value", "")
        elif tag == "a" and values.get("id") and values.get("href"):
            self.links[values["id"]] = values["href"]
        if self._alert_tag is not None:
            if tag == self._alert_tag:
                self._alert_depth += 1
        elif values.get("role") == "alert":
            self._alert_tag, self._alert_depth = tag, 1

    def handle_endtag(self, tag: str) -> None:
        if self._alert_tag is not None and tag == self._alert_tag:
            self._alert_depth -= 1
            if self._alert_depth == 0:
                self._alert_tag = None

    def handle_data(self, data: str) -> None:
        if self._alert_tag is not None and data.strip():
            self.alerts.append(data.strip())


def _parse(html: str) -> _PageParser:
    parser = _PageParser()
    parser.feed(html)
    return parser


def is_redirect_to(url: str, redirect_uri: str) -> bool:
    """Whether ``url`` is the portal's redirect URI (with any query)."""
    target, wanted = urlsplit(url), urlsplit(redirect_uri)
    return (target.scheme, target.netloc, target.path or "/") == (
        wanted.scheme,
        wanted.netloc,
        wanted.path or "/",
    )


def callback_params(url: str) -> dict[str, str]:
    """The query parameters of the redirect back to the portal."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


def sign_in(
    *,
    session: requests.Session,
    authorize_url: str,
    redirect_uri: str,
    username: str,
    password: str,
    consent: Consent = Consent.ALLOW,
) -> dict[str, str]:
    """Go through the mock's login and consent pages from ``authorize_url`` and return the query
    parameters of the redirect back to ``redirect_uri`` (``code`` and ``state``, or ``error``).
    ``session`` must trust the mock's CA; it keeps the mock's cookies between pages."""
    url = authorize_url
    response = session.get(url, allow_redirects=False)
    for _hop in range(MAX_HOPS):
        if response.is_redirect:
            url = urljoin(url, response.headers["Location"])
            if is_redirect_to(url, redirect_uri):
                return callback_params(url)
            response = session.get(url, allow_redirects=False)
            continue
        page = _parse(response.text)
        forms = {form.form_id: form for form in page.forms}
        if "login_form" in forms:
            if page.alerts:
                raise MockSignInError(f"The mock org refused the login: {' '.join(page.alerts)}")
            form = forms["login_form"]
            data = {**form.inputs, "username": username, "password": password}
            url = urljoin(url, form.action)
            response = session.post(url, data=data, allow_redirects=False)
            continue
        if "consent_form" in forms:
            form = forms["consent_form"]
            data = {**form.inputs, "action": consent.value}
            url = urljoin(url, form.action)
            response = session.post(url, data=data, allow_redirects=False)
            continue
        if "continue" in page.links:
            url = urljoin(url, page.links["continue"])
            if is_redirect_to(url, redirect_uri):
                return callback_params(url)
            response = session.get(url, allow_redirects=False)
            continue
        said = " ".join(page.alerts) or f"HTTP {response.status_code}"
        raise MockSignInError(f"The mock org showed a page the sign-in cannot go on from: {said}")
    raise MockSignInError("The mock org's pages did not lead back to the portal.")


def form_fields(html: str) -> Mapping[str, Mapping[str, str]]:
    """Hidden inputs of each form on a page, by form id (for tests of the pages)."""
    return {form.form_id: dict(form.inputs) for form in _parse(html).forms}
