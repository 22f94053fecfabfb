"""An admin at a browser on the mock org's Setup pages (plain requests), what the pages show,
and the same facts read back with SOQL through simple-salesforce."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any, cast
from urllib.parse import urljoin

import requests
from simple_salesforce import Salesforce, SFType
from simple_salesforce.exceptions import SalesforceError

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser


@dataclass
class Form:
    action: str
    method: str
    inputs: dict[str, str] = field(default_factory=dict)
    selects: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    #: (visible text, accessible name) of each submit button.
    buttons: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Table:
    label: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    #: hrefs found in each row, in order.
    row_links: list[list[str]] = field(default_factory=list)

    def as_dicts(self) -> list[dict[str, str]]:
        return [dict(zip(self.headers, row, strict=False)) for row in self.rows]


class SetupPage(HTMLParser):
    """What a person sees on one Setup page."""

    def __init__(self, html: str, status: int, url: str) -> None:
        super().__init__()
        self.status = status
        self.url = url
        self.h1 = ""
        self.notices: list[str] = []
        self.errors: list[str] = []
        self.forms: list[Form] = []
        self.tables: list[Table] = []
        self.links: list[tuple[str, str]] = []
        self.text = ""
        self._tags: list[tuple[str, dict[str, str]]] = []
        self._form: Form | None = None
        self._table: Table | None = None
        self._cell: list[str] | None = None
        self._row: list[str] | None = None
        self._row_links: list[str] | None = None
        self._header = False
        self._select: str | None = None
        self._option: str | None = None
        self._button: dict[str, str] | None = None
        self._buffer: list[str] = []
        self._href: str | None = None
        self._link_text: list[str] = []
        self._collect: str | None = None
        self._collected: list[str] = []
        self._text: list[str] = []
        self.feed(html)
        self.text = " ".join(" ".join(self._text).split())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self._form.inputs[a["name"]] = a.get("value", "")
        elif tag == "select" and self._form is not None:
            self._select = a.get("name", "")
            self._form.selects[self._select] = []
        elif tag == "option" and self._select is not None:
            self._option = a.get("value", "")
            self._buffer = []
        elif tag == "button":
            self._button = a
            self._buffer = []
        elif tag == "table":
            self._table = Table(a.get("aria-label", ""))
            self.tables.append(self._table)
        elif tag == "tr" and self._table is not None:
            self._row, self._row_links = [], []
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
            self._header = tag == "th"
        elif tag == "a":
            self._href = a.get("href", "")
            self._link_text = []
            if self._row_links is not None:
                self._row_links.append(self._href)
        elif tag == "h1" or (tag == "div" and a.get("role") in ("status", "alert")):
            self._collect = "h1" if tag == "h1" else a.get("class", "")
            self._collected = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "option" and self._form is not None and self._select is not None:
            self._form.selects[self._select].append(
                (self._option or "", " ".join("".join(self._buffer).split()))
            )
            self._option = None
        elif tag == "button" and self._button is not None:
            text = " ".join("".join(self._buffer).split())
            if self._form is not None:
                self._form.buttons.append((text, self._button.get("aria-label") or text))
            self._button = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            value = " ".join("".join(self._cell).split())
            if self._header and self._table is not None and not self._table.rows:
                self._table.headers.append(value)
            else:
                self._row.append(value)
            self._cell = None
        elif tag == "tr" and self._row is not None and self._table is not None:
            if self._row:
                self._table.rows.append(self._row)
                self._table.row_links.append(self._row_links or [])
            self._row = self._row_links = None
        elif tag == "table":
            self._table = None
        elif tag == "a" and self._href is not None:
            self.links.append((" ".join("".join(self._link_text).split()), self._href))
            self._href = None
        elif (tag == "h1" and self._collect == "h1") or (tag == "div" and self._collect):
            text = " ".join("".join(self._collected).split())
            if self._collect == "h1":
                self.h1 = text
            elif self._collect == "error":
                self.errors.append(text)
            else:
                self.notices.append(text)
            self._collect = None

    def handle_data(self, data: str) -> None:
        self._text.append(data)
        if self._option is not None or self._button is not None:
            self._buffer.append(data)
        if self._cell is not None:
            self._cell.append(data)
        if self._href is not None:
            self._link_text.append(data)
        if self._collect is not None:
            self._collected.append(data)

    # -- looking things up -------------------------------------------------------------------
    def table(self, label: str) -> Table:
        for t in self.tables:
            if t.label == label:
                return t
        raise AssertionError(
            f"no table {label!r} on {self.url}; tables: {[t.label for t in self.tables]}"
        )

    def button_form(self, name: str) -> Form:
        """The form of the button whose accessible name is ``name`` (e.g. "Install MiiTel")."""
        found = [f for f in self.forms if any(n == name for _, n in f.buttons)]
        assert len(found) == 1, f"{len(found)} buttons named {name!r} on {self.url}: " + str(
            [n for f in self.forms for _, n in f.buttons]
        )
        return found[0]

    def button_names(self) -> list[str]:
        return [n for f in self.forms for _, n in f.buttons]

    def link(self, text: str) -> str:
        for label, href in self.links:
            if label == text:
                return href
        raise AssertionError(f"no link {text!r} on {self.url}")


class SetupBrowser:
    """A browser on the mock's HTTP port, driven like a person would."""

    def __init__(self, server: ThreadedMockServer) -> None:
        self.base = server.http_url
        self.session = requests.Session()
        self.session.trust_env = False

    def _page(self, response: requests.Response) -> SetupPage:
        return SetupPage(response.text, response.status_code, response.url)

    def open(self, path: str) -> SetupPage:
        return self._page(self.session.get(urljoin(self.base, path)))

    def log_in(self, user: SeededUser, *, next_path: str = "/setup") -> SetupPage:
        login = self.open(f"/setup/login?next={next_path}")
        return self.submit(login.forms[0], username=user.username, password=user.password)

    def submit(self, form: Form, **values: str) -> SetupPage:
        data = {**form.inputs, **values}
        url = urljoin(self.base, form.action)
        if form.method == "get":
            return self._page(self.session.get(url, params=data))
        return self._page(self.session.post(url, data=data))

    def click(self, page: SetupPage, button: str, **values: str) -> SetupPage:
        """Press the button with accessible name ``button`` and land where it redirects."""
        return self.submit(page.button_form(button), **values)


# -- the same facts through SOQL -------------------------------------------------------------
@dataclass(frozen=True)
class AppFacts:
    """One connected app's row on Connected Apps OAuth Usage, or the same read by SOQL."""

    user_count: int
    installed: bool


def soql_apps(sf: Salesforce) -> dict[str, AppFacts]:
    """What OauthToken, ConnectedApplication and AppMenuItem say about each app."""
    tokens = sf.query_all("SELECT AppName, UserId, AppMenuItemId, UseCount FROM OauthToken")
    apps = sf.query_all("SELECT Id, Name FROM ConnectedApplication")["records"]
    items = sf.query_all("SELECT Id, ApplicationId, Name FROM AppMenuItem")["records"]
    menu_of_app = {i["ApplicationId"]: i["Id"] for i in items}
    installed = {a["Name"]: menu_of_app.get(a["Id"]) for a in apps}
    users: dict[str, set[str]] = {}
    for t in tokens["records"]:
        users.setdefault(t["AppName"], set()).add(t["UserId"])
        # An installed app's tokens point at its menu item; an uninstalled app's at nothing.
        assert t["AppMenuItemId"] == installed.get(t["AppName"]), t
    for name, menu in installed.items():
        assert menu is not None, f"installed app {name} has no AppMenuItem"
    return {
        name: AppFacts(len(users.get(name, ())), name in installed) for name in {*users, *installed}
    }


def page_apps(page: SetupPage) -> dict[str, AppFacts]:
    """What the Connected Apps OAuth Usage table shows for each app."""
    return {
        row["Connected App"]: AppFacts(
            int(row["User Count"]), row["Status"].startswith("Installed")
        )
        for row in page.table("Connected Apps OAuth Usage").as_dicts()
    }


def page_statuses(page: SetupPage) -> dict[str, str]:
    return {
        row["Connected App"]: row["Status"]
        for row in page.table("Connected Apps OAuth Usage").as_dicts()
    }


def assert_page_matches_soql(page: SetupPage, sf: Salesforce) -> dict[str, AppFacts]:
    """Every app SOQL knows is on the page with the same user count and installed state;
    apps only the page lists have no rows (blocked, or revoked and not installed)."""
    shown, queried = page_apps(page), soql_apps(sf)
    for name, facts in queried.items():
        assert shown.get(name) == facts, (name, shown.get(name), facts)
    for name in set(shown) - set(queried):
        assert shown[name] == AppFacts(0, False), (name, shown[name])
    return shown


def token_rows(sf: Salesforce, app: str) -> dict[str, int]:
    """UserId → UseCount of the app's OauthTokens."""
    result = sf.query_all(f"SELECT UserId, UseCount FROM OauthToken WHERE AppName = '{app}'")
    return {r["UserId"]: r["UseCount"] for r in result["records"]}


def page_token_rows(page: SetupPage, app: str) -> dict[str, int]:
    """User id (from the user link) → Use Count, from the app's usage page."""
    table = page.table(f"{app} users")
    found = {}
    for row, links in zip(table.as_dicts(), table.row_links, strict=True):
        user_link = next(h for h in links if h.startswith("/setup/users/"))
        found[user_link.rsplit("/", 1)[1]] = int(row["Use Count"])
    return found


def approve_permission_by_soql(sf: Salesforce, user_id: str) -> bool:
    """Whether the user holds "Approve Uninstalled Connected Apps", the way a client checks
    it: one query over the user's permission set assignments (profile's own set included)."""
    rows = sf.query_all(
        "SELECT PermissionSet.PermissionsCanApproveUninstalledApps FROM "
        f"PermissionSetAssignment WHERE AssigneeId = '{user_id}'"
    )["records"]
    return any(r["PermissionSet"]["PermissionsCanApproveUninstalledApps"] for r in rows)


def assigned_sets_by_soql(sf: Salesforce, user_id: str) -> set[str]:
    rows = sf.query_all(
        "SELECT PermissionSet.Label FROM PermissionSetAssignment WHERE AssigneeId = "
        f"'{user_id}' AND PermissionSet.IsOwnedByProfile = false"
    )["records"]
    return {r["PermissionSet"]["Label"] for r in rows}


def users_row(page: SetupPage, username: str) -> dict[str, str]:
    for row in page.table("All Users").as_dicts():
        if row["Username"] == username:
            return row
    raise AssertionError(f"{username} is not on the Users page")


@dataclass
class World:
    """A mock org server reset to one scenario."""

    server: ThreadedMockServer
    orgs: list[SeededOrg]

    @property
    def org(self) -> SeededOrg:
        return self.orgs[0]

    def api(self, user: SeededUser | None = None, *, org: SeededOrg | None = None) -> Salesforce:
        """simple-salesforce over HTTPS as ``user`` (default: the org's admin), with a
        session that comes through no connected app (so no OauthToken changes)."""
        org = org or self.org
        user = user or org.admin
        token, _, _ = self.server.backend.sessions.issue(
            org_id=org.org_id, user_id=user.user_id, app_name=None
        )
        return salesforce(self.server, token)

    def browser(self, user: SeededUser | None = None) -> tuple[SetupBrowser, SetupPage]:
        browser = SetupBrowser(self.server)
        landed = browser.log_in(user or self.org.admin)
        return browser, landed


def salesforce(server: ThreadedMockServer, token: str) -> Salesforce:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return Salesforce(
        instance_url=server.https_url, session_id=token, session=session, version="59.0"
    )


def password_grant(server: ThreadedMockServer, user: SeededUser) -> requests.Response:
    """The username-password OAuth flow through MiiTel (authorizes the app as ``user``)."""
    app = server.backend.connected_apps.definition("MiiTel")
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return session.post(
        f"{server.https_url}/services/oauth2/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.username,
            "password": user.password,
        },
    )


def sobject(sf: Salesforce, name: str) -> SFType:
    """``sf.<name>`` typed (simple-salesforce resolves sObjects by attribute at run time)."""
    return cast(SFType, getattr(sf, name))


def error_of(exc: SalesforceError) -> dict[str, Any]:
    """The one error of a Salesforce error response ``[{message, errorCode, fields}]``."""
    content: Any = exc.content
    assert isinstance(content, list) and len(content) == 1, content
    error: dict[str, Any] = content[0]
    return error
