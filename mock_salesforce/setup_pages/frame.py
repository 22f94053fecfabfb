"""What every Setup page shares: the logged-in admin, CSRF-checked forms, notices after
actions, the Quick Find sidebar, and the rendering of a page from its template.

Setup uses the mock org's browser login (the ``sid`` cookie of the OAuth pages), so logging in
to Setup also logs the browser in for "Allow access?", as in Salesforce. Only an org admin
(View Setup and Configuration + Customize Application) gets past the door.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mock_salesforce.backend import MockBackend, backend_of
from mock_salesforce.html import render
from mock_salesforce.oauth.browser import (
    SESSION_COOKIE,
    BrowserUser,
    ensure_browser_id,
    set_browser_cookie,
)

NOTICE_COOKIE = "setup_notice"
CSRF_PURPOSE = "setup"
ADMIN_PERMISSIONS = ("ViewSetup", "CustomizeApplication")
HOME = "/setup"
LOGIN = "/setup/login"


@dataclass(frozen=True)
class Notice:
    text: str
    error: bool = False


@dataclass(frozen=True)
class SetupContext:
    """The admin looking at a Setup page, and the form token of this page render."""

    backend: MockBackend
    org_id: str
    org_name: str
    user_id: str
    user_name: str
    time_zone: str
    csrf: str
    notice: Notice | None

    def when(self, moment: datetime | None) -> str:
        """A timestamp as Setup shows it: the admin's time zone, ``YYYY/MM/DD HH:MM``."""
        if moment is None:
            return ""
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        try:
            zone = ZoneInfo(self.time_zone)
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return moment.astimezone(zone).strftime("%Y/%m/%d %H:%M")


def current_browser_user(request: Request) -> BrowserUser | None:
    """Who is logged in to the mock org in the browser making ``request`` (None: nobody)."""
    return backend_of(request).oauth.browser.user_of(request.cookies.get(SESSION_COOKIE))


# -- notices ---------------------------------------------------------------------------------
def _encode_notice(notice: Notice) -> str:
    raw = json.dumps({"t": notice.text, "e": notice.error}).encode()
    return base64.urlsafe_b64encode(raw).decode()


def _read_notice(request: Request) -> Notice | None:
    value = request.cookies.get(NOTICE_COOKIE)
    if not value or len(value) > 2000:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(value.encode()))
        return Notice(str(data["t"]), bool(data.get("e")))
    except (ValueError, KeyError, TypeError):
        return None


def redirect(request: Request, location: str, notice: Notice | None = None) -> Response:
    """A 303 back to a Setup page, carrying ``notice`` to show there once."""
    response = RedirectResponse(location, status_code=303)
    if notice is not None:
        response.set_cookie(
            NOTICE_COOKIE,
            _encode_notice(notice),
            path="/setup",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
    return response


def done(request: Request, location: str, text: str) -> Response:
    return redirect(request, location, Notice(text))


def refused(request: Request, location: str, text: str) -> Response:
    return redirect(request, location, Notice(text, error=True))


# -- the admin at the door -------------------------------------------------------------------
def is_admin(backend: MockBackend, *, org_id: str, user_id: str) -> bool:
    effective = backend.permissions.effective(org_id=org_id, user_id=user_id)
    return all(effective.has(p) for p in ADMIN_PERMISSIONS)


def login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"{LOGIN}?{urlencode({'next': target})}", status_code=303)


def insufficient_privileges(request: Request, csrf: str) -> Response:
    return render("setup/insufficient.html", status=403, csrf=csrf)


Handler = Callable[[Request, SetupContext], Awaitable[Response]]
FormHandler = Callable[[Request, SetupContext, dict[str, str]], Awaitable[Response]]


def _context(request: Request, *, mint_csrf: bool = True) -> SetupContext | Response:
    backend = backend_of(request)
    user = current_browser_user(request)
    if user is None:
        return login_redirect(request)
    browser_id, _ = ensure_browser_id(request)
    csrf = ""
    if mint_csrf:
        csrf = backend.oauth.browser.csrf_token(browser_id=browser_id, purpose=CSRF_PURPOSE)
    if not is_admin(backend, org_id=user.org_id, user_id=user.user_id):
        return insufficient_privileges(request, csrf)
    record = backend.orgs.user(user.org_id, user.user_id) or {}
    org = backend.orgs.get(user.org_id)
    return SetupContext(
        backend=backend,
        org_id=user.org_id,
        org_name=org.name if org else "",
        user_id=user.user_id,
        user_name=record.get("Name") or record.get("Username") or "",
        time_zone=record.get("TimeZoneSidKey") or "UTC",
        csrf=csrf,
        notice=_read_notice(request),
    )


def _finish(request: Request, response: Response) -> Response:
    if NOTICE_COOKIE in request.cookies:
        response.delete_cookie(NOTICE_COOKIE, path="/setup")
    browser_id, new = ensure_browser_id(request)
    if new:
        set_browser_cookie(response, request, browser_id)
    return response


def admin_page(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
    """A GET Setup page: logged-in admins only (others: login page or Insufficient
    Privileges)."""

    async def endpoint(request: Request) -> Response:
        ctx = _context(request)
        if isinstance(ctx, Response):
            return _finish(request, ctx)
        return _finish(request, await handler(request, ctx))

    return endpoint


def admin_action(handler: FormHandler) -> Callable[[Request], Awaitable[Response]]:
    """A POST Setup action: logged-in admin and a valid form token; the handler gets the
    form fields and answers with a redirect carrying a notice."""

    async def endpoint(request: Request) -> Response:
        backend = backend_of(request)
        user = current_browser_user(request)
        if user is None:
            return RedirectResponse(LOGIN, status_code=303)
        form = await request.form()
        fields = {k: v for k, v in form.items() if isinstance(v, str)}
        browser_id, _ = ensure_browser_id(request)
        if not backend.oauth.browser.check_csrf(
            token=fields.get("csrf"), browser_id=browser_id, purpose=CSRF_PURPOSE
        ):
            referer = _same_site_path(request.headers.get("referer"), request) or HOME
            return refused(
                request, referer, "This page had expired, so nothing was changed. Try again."
            )
        ctx = _context(request, mint_csrf=False)
        if isinstance(ctx, Response):
            return ctx
        return await handler(request, ctx, fields)

    return endpoint


def _same_site_path(url: str | None, request: Request) -> str | None:
    if not url:
        return None
    base = f"{request.url.scheme}://{request.url.netloc}"
    if not url.startswith(base + "/setup"):
        return None
    return url[len(base) :]


# -- layout ----------------------------------------------------------------------------------
#: Quick Find entries: (title, path, other words people search with).
QUICK_FIND = (
    (
        "Connected Apps OAuth Usage",
        "/setup/connected-apps-oauth-usage",
        "OAuth Usage for Connected Apps apps connected oauth usage",
    ),
    ("Users", "/setup/users", "users people manage users"),
    ("Profiles", "/setup/profiles", "profiles system permissions"),
    (
        "Permission Sets",
        "/setup/permission-sets",
        "permission sets approve uninstalled connected apps",
    ),
)


def quick_find(query: str) -> list[tuple[str, str]]:
    """The Setup pages whose names match every word of ``query`` (all when empty)."""
    words = query.lower().split()
    return [
        (title, path)
        for title, path, extra in QUICK_FIND
        if all(w in f"{title} {extra}".lower() for w in words)
    ]


def setup_page(
    ctx: SetupContext,
    template: str,
    title: str,
    *,
    query: str = "",
    status: int = 200,
    **context: Any,
) -> Response:
    """A Setup page from ``templates/setup/<template>``: header with the admin and Log Out,
    Quick Find on the left, notice on top, then the page's own body."""
    return render(
        f"setup/{template}",
        status=status,
        ctx=ctx,
        title=title,
        query=query,
        quick_links=quick_find(query),
        **context,
    )


def not_found_page(ctx: SetupContext, what: str) -> Response:
    return setup_page(ctx, "not_found.html", "Data Not Available", status=404, what=what)


def form_value(fields: dict[str, str], name: str) -> str:
    return (fields.get(name) or "").strip()
