"""Logging in to Setup ("Username", "Password", "Log In") and logging out."""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mock_salesforce.backend import backend_of
from mock_salesforce.html import render
from mock_salesforce.oauth.browser import (
    SESSION_COOKIE,
    clear_session_cookie,
    ensure_browser_id,
    safe_start_url,
    set_browser_cookie,
    set_session_cookie,
)
from mock_salesforce.oauth.lockout import LockedOut
from mock_salesforce.oauth.pages import locked_out_message
from mock_salesforce.setup_pages.frame import (
    CSRF_PURPOSE,
    HOME,
    LOGIN,
    current_browser_user,
    done,
)

LOGIN_PURPOSE = "setup-login"
WRONG_LOGIN = (
    "Please check your username and password. If you still can't log in, contact "
    "your Salesforce administrator."
)


def _next_of(value: str | None) -> str:
    target = safe_start_url(value)
    return target if target and target.startswith("/setup") and target != LOGIN else HOME


def _login_page(
    request: Request, *, next_url: str, username: str = "", error: str = "", status: int = 200
) -> Response:
    backend = backend_of(request)
    browser_id, new = ensure_browser_id(request)
    csrf = backend.oauth.browser.csrf_token(browser_id=browser_id, purpose=LOGIN_PURPOSE)
    response = render(
        "setup/login.html",
        status=status,
        csrf=csrf,
        next_url=next_url,
        username=username,
        error=error,
        logged_out=bool(request.query_params.get("loggedout")),
    )
    if new:
        set_browser_cookie(response, request, browser_id)
    return response


async def login_form(request: Request) -> Response:
    next_url = _next_of(request.query_params.get("next"))
    if current_browser_user(request) is not None:
        return RedirectResponse(next_url, status_code=303)
    return _login_page(request, next_url=next_url)


async def login_submit(request: Request) -> Response:
    backend = backend_of(request)
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    next_url = _next_of(fields.get("next"))
    username = (fields.get("username") or "").strip()
    browser_id, _ = ensure_browser_id(request)
    if not backend.oauth.browser.check_csrf(
        token=fields.get("csrf"), browser_id=browser_id, purpose=LOGIN_PURPOSE
    ):
        return _login_page(
            request,
            next_url=next_url,
            username=username,
            error="Your login page had expired. Please log in again.",
            status=400,
        )
    try:
        found = backend.oauth.log_in(username=username, password=fields.get("password") or "")
    except LockedOut as locked:
        return _login_page(
            request, next_url=next_url, username=username, error=locked_out_message(locked)
        )
    if found is None:
        return _login_page(request, next_url=next_url, username=username, error=WRONG_LOGIN)
    org_id, user_id = found
    # A new login replaces whoever was logged in to this browser before.
    backend.oauth.browser.log_out(request.cookies.get(SESSION_COOKIE))
    sid = backend.oauth.browser.log_in(org_id=org_id, user_id=user_id)
    response = RedirectResponse(next_url, status_code=303)
    set_session_cookie(response, request, sid)
    return response


async def logout(request: Request) -> Response:
    backend = backend_of(request)
    form = await request.form()
    token = form.get("csrf")
    browser_id, _ = ensure_browser_id(request)
    if not backend.oauth.browser.check_csrf(
        token=token if isinstance(token, str) else None, browser_id=browser_id, purpose=CSRF_PURPOSE
    ):
        return done(request, HOME, "This page had expired, so you are still logged in.")
    backend.oauth.browser.log_out(request.cookies.get(SESSION_COOKIE))
    response = RedirectResponse(f"{LOGIN}?{urlencode({'loggedout': '1'})}", status_code=303)
    clear_session_cookie(response)
    return response
