"""The bundled mock org as the demo drives it: its READY file, its control plane
(``/mock-api/``) and its login and consent pages, over one session that trusts its CA.

Signing in goes through the pages the way a person does: follow the authorize URL, fill in
"Username" and "Password", click "Log In", then "Allow" or "Deny", and stop at the redirect
back to the portal. Only for the bundled mock org: a real org's login pages are for people.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qsl, urljoin, urlsplit

import requests

from portal.domain.mock_org import (
    DEFAULT_SCENARIO,
    Consent,
    MockInfo,
    MockOrgUnavailable,
    MockSignInError,
    MockUser,
)

MAX_HOPS: Final = 12
#: The header the mock's control plane reads its token from (the READY file's control_token).
CONTROL_TOKEN_HEADER: Final = "X-Mock-Token"
# Resetting re-seeds the whole org; it may take a while on a slow machine.
_CONTROL_TIMEOUT: Final = (5, 300)


class MockOrg:
    """The mock org behind ``ready_path`` (its READY file), reached over ``session`` (a
    :class:`~portal.domain.mock_org.MockOrgAccess`)."""

    def __init__(self, *, session: requests.Session, ready_path: Path) -> None:
        self._session = session
        self._ready_path = ready_path

    def info(self) -> MockInfo:
        """The READY file, read afresh (the mock may have restarted)."""
        try:
            ready = json.loads(self._ready_path.read_text(encoding="utf-8"))
            return _mock_info(ready)
        except (OSError, ValueError, KeyError, TypeError):
            raise MockOrgUnavailable(
                "The demo controls work only with the bundled mock org, and its READY file "
                f"{self._ready_path} cannot be read. Start the demo with `make demo` (or "
                "python -m mock_salesforce serve)."
            ) from None

    def state(self) -> dict[str, Any]:
        """The control plane's ``/state``: the scenario, and each org with its connected apps."""
        return self._control("GET", "/state")

    def current_scenario(self) -> str:
        return str(self.state().get("scenario") or DEFAULT_SCENARIO)

    def reset(self, *, scenario: str) -> None:
        """Reset the mock org (same seed) into ``scenario``."""
        self._control("POST", "/reset", {"scenario": scenario})

    def app_usable(self, *, org_id: str, app_name: str) -> bool:
        """Whether the connected app ``app_name`` is installed and not blocked in the org."""
        for org in self.state().get("orgs", []):
            if org.get("org_id") != org_id:
                continue
            for app in org.get("connected_apps", []):
                if str(app.get("name", "")).lower() == app_name.lower():
                    return bool(app.get("installed")) and not app.get("blocked")
        return False

    def sign_in(
        self,
        *,
        authorize_url: str,
        redirect_uri: str,
        username: str,
        password: str,
        consent: Consent = Consent.ALLOW,
    ) -> dict[str, str]:
        """:func:`sign_in` over this mock org's session."""
        return sign_in(
            session=self._session,
            authorize_url=authorize_url,
            redirect_uri=redirect_uri,
            username=username,
            password=password,
            consent=consent,
        )

    def _control(
        self, method: str, path: str, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        info = self.info()
        url = info.control_url.rstrip("/") + path
        headers = {CONTROL_TOKEN_HEADER: info.control_token} if info.control_token else {}
        try:
            response = self._session.request(
                method, url, json=body, headers=headers, timeout=_CONTROL_TIMEOUT
            )
        except requests.RequestException as exc:
            raise MockOrgUnavailable(
                f"The mock org's control plane at {url} does not answer ({type(exc).__name__}). "
                "Start the demo with `make demo`."
            ) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200 or not isinstance(answer, dict):
            message = answer.get("message") if isinstance(answer, dict) else None
            raise MockOrgUnavailable(
                f"The mock org refused {path}: {message or f'HTTP {response.status_code}'}."
            )
        return answer


def _mock_user(u: Any) -> MockUser:
    only_in = u.get("only_in_scenario")
    return MockUser(
        username=str(u["username"]),
        password=str(u["password"]),
        org_id=str(u.get("org_id") or ""),
        org_name=str(u.get("org_name", "")),
        profile=str(u.get("profile", "")),
        role=str(u.get("role", "")),
        only_in_scenario=str(only_in) if only_in else None,
    )


def _mock_info(ready: Any) -> MockInfo:
    users = tuple(_mock_user(u) for u in ready["users"])
    logins = ready.get("logins")
    every = tuple(_mock_user(u) for u in logins) if isinstance(logins, list) else users
    return MockInfo(
        login_url=str(ready["login_url"]),
        http_url=str(ready["http_url"]),
        setup_url=str(ready.get("setup_url", "")),
        control_url=str(ready.get("control_url") or ready["login_url"] + "/mock-api"),
        scenario=str(ready.get("scenario", DEFAULT_SCENARIO)),
        scenarios=tuple(str(s) for s in ready.get("scenarios", [DEFAULT_SCENARIO])),
        users=users,
        logins=every,
        control_token=str(ready["control_token"]) if ready.get("control_token") else None,
    )


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
    try:
        return _follow(session, authorize_url, redirect_uri, username, password, consent)
    except requests.RequestException as exc:
        raise MockSignInError(
            f"The mock org's sign-in pages do not answer ({type(exc).__name__})."
        ) from None


def _follow(
    session: requests.Session,
    authorize_url: str,
    redirect_uri: str,
    username: str,
    password: str,
    consent: Consent,
) -> dict[str, str]:
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
