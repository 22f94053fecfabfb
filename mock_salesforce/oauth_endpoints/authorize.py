"""The browser side of the web server flow: ``/services/oauth2/authorize``, the login page,
the "Allow access?" page, and logout.

Errors that cannot be trusted to go back to the client (unknown ``client_id``, a
``redirect_uri`` not among the app's callback URLs) are shown as a page and never redirected;
every other outcome goes back to the validated ``redirect_uri`` with ``state`` echoed.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from mock_salesforce.backend import backend_of
from mock_salesforce.connected_apps import ConnectedAppRefusal
from mock_salesforce.oauth.browser import (
    SESSION_COOKIE,
    browser_id_of,
    clear_session_cookie,
    ensure_browser_id,
    safe_start_url,
    set_browser_cookie,
    set_session_cookie,
)
from mock_salesforce.oauth.lockout import LockedOut
from mock_salesforce.oauth.pages import (
    EXPIRED_FORM,
    EXPIRED_REQUEST,
    LOGIN_ERROR,
    approval_error_page,
    consent_page,
    locked_out_message,
    login_page,
    message_page,
    oauth_error_page,
)
from mock_salesforce.oauth.pending import AuthorizeRequest, PendingRequest
from mock_salesforce.oauth.pkce import InvalidChallenge, parse_challenge
from mock_salesforce.oauth.scopes import ScopeNotAllowed, parse_scopes
from mock_salesforce.oauth.server import APPROVAL_ERROR, OAuthServer, refusal_redirect_error

CONSENT_PATH = "/services/oauth2/consent"
LOGIN_PATH = "/login"


def client_redirect_url(redirect_uri: str, params: dict[str, str | None]) -> str:
    """``redirect_uri`` with the result parameters appended (``None`` values left out)."""
    items = [(k, v) for k, v in params.items() if v is not None]
    separator = "&" if urlsplit(redirect_uri).query else "?"
    return redirect_uri + separator + urlencode(items, quote_via=quote)


def _to_client(request: AuthorizeRequest, **params: str) -> RedirectResponse:
    return RedirectResponse(
        client_redirect_url(request.redirect_uri, {**params, "state": request.state}),
        status_code=302,
    )


def _error_to_client(request: AuthorizeRequest, error: str, description: str) -> RedirectResponse:
    return _to_client(request, error=error, error_description=description)


def _login_redirect(request_id: str) -> RedirectResponse:
    return RedirectResponse(f"{LOGIN_PATH}?{urlencode({'request': request_id})}", status_code=302)


def _proceed(oauth: OAuthServer, pending: PendingRequest, *, org_id: str, user_id: str) -> Response:
    """After the user is known: the connected app's rules, then consent or the code."""
    request = pending.request
    try:
        oauth.check_app(org_id=org_id, user_id=user_id, app_name=request.app_name)
    except ConnectedAppRefusal as refusal:
        return _refused(oauth, pending, refusal)
    if oauth.needs_consent(org_id=org_id, user_id=user_id, request=request):
        if request.no_prompt:
            oauth.pending.finish(pending.request_id)
            return _error_to_client(request, "consent_required", "user must approve the app")
        return RedirectResponse(
            f"{CONSENT_PATH}?{urlencode({'request': pending.request_id})}", status_code=302
        )
    if not oauth.pending.finish(pending.request_id):
        return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
    code = oauth.issue_code(org_id=org_id, user_id=user_id, request=request, remember_consent=False)
    return _to_client(request, code=code)


def _refused(oauth: OAuthServer, pending: PendingRequest, refusal: ConnectedAppRefusal) -> Response:
    oauth.pending.finish(pending.request_id)
    error, description = refusal_redirect_error(refusal)
    if refusal.code == APPROVAL_ERROR:
        url = client_redirect_url(
            pending.request.redirect_uri,
            {
                "error": error,
                "error_description": description,
                "state": pending.request.state,
            },
        )
        return approval_error_page(continue_url=url)
    return _error_to_client(pending.request, error, description)


def _authorize_sync(request: Request) -> Response:
    oauth = backend_of(request).oauth
    query = request.query_params
    app = oauth.app(query.get("client_id"))
    if app is None:
        return oauth_error_page(error="invalid_client_id", description="client identifier invalid")
    redirect_uri = query.get("redirect_uri")
    if not redirect_uri or redirect_uri not in app.callback_urls:
        return oauth_error_page(
            error="redirect_uri_mismatch", description="redirect_uri must match configuration"
        )
    prompts = set((query.get("prompt") or "").split())
    draft = AuthorizeRequest(
        client_id=app.client_id,
        app_name=app.name,
        redirect_uri=redirect_uri,
        scopes=(),
        state=query.get("state"),
        challenge=None,
        challenge_method=None,
        force_login="login" in prompts,
        force_consent="consent" in prompts,
        no_prompt="none" in prompts,
    )
    if query.get("response_type") != "code":
        return _error_to_client(draft, "unsupported_response_type", "response type not supported")
    if draft.no_prompt and len(prompts) > 1:
        return _error_to_client(draft, "invalid_request", "invalid prompt parameter")
    try:
        scopes = parse_scopes(query.get("scope"), allowed=app.scopes)
    except ScopeNotAllowed:
        return _error_to_client(draft, "invalid_scope", "the requested scope is not allowed")
    try:
        pkce = parse_challenge(query.get("code_challenge"), query.get("code_challenge_method"))
    except InvalidChallenge as exc:
        return _error_to_client(draft, "invalid_request", str(exc))
    if pkce is None and oauth.pkce_required(app):
        return _error_to_client(draft, "invalid_request", "missing required code challenge")
    authorize_request = AuthorizeRequest(
        client_id=draft.client_id,
        app_name=draft.app_name,
        redirect_uri=redirect_uri,
        scopes=scopes,
        state=draft.state,
        challenge=pkce[0] if pkce else None,
        challenge_method=pkce[1] if pkce else None,
        force_login=draft.force_login,
        force_consent=draft.force_consent,
        no_prompt=draft.no_prompt,
        login_hint=query.get("login_hint") or None,
    )
    browser_id, new_browser = ensure_browser_id(request)
    request_id = oauth.pending.start(browser_id=browser_id, request=authorize_request)
    user = None
    if not authorize_request.force_login:
        user = oauth.browser.user_of(request.cookies.get(SESSION_COOKIE))
    response: Response
    if user is None:
        if authorize_request.no_prompt:
            oauth.pending.finish(request_id)
            response = _error_to_client(authorize_request, "login_required", "user must log in")
        else:
            response = _login_redirect(request_id)
    else:
        oauth.pending.logged_in(request_id=request_id, org_id=user.org_id, user_id=user.user_id)
        pending = PendingRequest(
            request_id, browser_id, authorize_request, user.org_id, user.user_id
        )
        response = _proceed(oauth, pending, org_id=user.org_id, user_id=user.user_id)
    if new_browser:
        set_browser_cookie(response, request, browser_id)
    return response


async def authorize(request: Request) -> Response:
    return await run_in_threadpool(_authorize_sync, request)


# -- login ------------------------------------------------------------------------------------
def _login_target(values: dict[str, str]) -> tuple[str | None, str | None]:
    """(pending request id, start URL) a login form returns to."""
    return values.get("request") or None, safe_start_url(values.get("startURL"))


def _login_purpose(request_id: str | None, start_url: str | None) -> str:
    return f"login:{request_id or ''}:{start_url or ''}"


def _render_login(
    request: Request,
    *,
    request_id: str | None,
    start_url: str | None,
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> Response:
    oauth = backend_of(request).oauth
    browser_id, new_browser = ensure_browser_id(request)
    csrf = oauth.browser.csrf_token(
        browser_id=browser_id, purpose=_login_purpose(request_id, start_url)
    )
    hidden = {}
    if request_id:
        hidden["request"] = request_id
    if start_url:
        hidden["startURL"] = start_url
    response = login_page(csrf=csrf, hidden=hidden, username=username, error=error, status=status)
    if new_browser:
        set_browser_cookie(response, request, browser_id)
    return response


def _login_page_sync(request: Request) -> Response:
    oauth = backend_of(request).oauth
    request_id, start_url = _login_target(dict(request.query_params))
    hint = ""
    if request_id:
        pending = oauth.pending.get(request_id=request_id, browser_id=browser_id_of(request))
        if pending is None:
            return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
        hint = pending.request.login_hint or ""
    if start_url and oauth.browser.user_of(request.cookies.get(SESSION_COOKIE)) is not None:
        return RedirectResponse(start_url, status_code=302)
    return _render_login(request, request_id=request_id, start_url=start_url, username=hint)


async def login_form(request: Request) -> Response:
    return await run_in_threadpool(_login_page_sync, request)


def _login_submit_sync(request: Request, form: dict[str, str]) -> Response:
    oauth = backend_of(request).oauth
    request_id, start_url = _login_target(form)
    browser_id = browser_id_of(request)
    username = form.get("username", "")
    pending = None
    if request_id:
        pending = oauth.pending.get(request_id=request_id, browser_id=browser_id)
        if pending is None:
            return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
    if not oauth.browser.check_csrf(
        token=form.get("csrf_token"),
        browser_id=browser_id,
        purpose=_login_purpose(request_id, start_url),
    ):
        return _render_login(
            request,
            request_id=request_id,
            start_url=start_url,
            username=username,
            error=EXPIRED_FORM,
            status=403,
        )
    try:
        found = oauth.log_in(username=username, password=form.get("password", ""))
    except LockedOut as locked:
        return _render_login(
            request,
            request_id=request_id,
            start_url=start_url,
            username=username,
            error=locked_out_message(locked),
        )
    if found is None:
        return _render_login(
            request,
            request_id=request_id,
            start_url=start_url,
            username=username,
            error=LOGIN_ERROR,
        )
    org_id, user_id = found
    oauth.browser.log_out(request.cookies.get(SESSION_COOKIE))
    sid = oauth.browser.log_in(org_id=org_id, user_id=user_id)
    response: Response
    if pending is not None:
        oauth.pending.logged_in(request_id=pending.request_id, org_id=org_id, user_id=user_id)
        response = _proceed(oauth, pending, org_id=org_id, user_id=user_id)
    elif start_url:
        response = RedirectResponse(start_url, status_code=302)
    else:
        user = backend_of(request).orgs.user(org_id, user_id) or {}
        response = message_page(
            title="Logged in",
            message=f"You are logged in as {user.get('Username', '')}.",
            link=("/secur/logout.jsp", "Log Out"),
        )
    set_session_cookie(response, request, sid)
    return response


async def login_submit(request: Request) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_login_submit_sync, request, values)


# -- consent ----------------------------------------------------------------------------------
def _consent_context(request: Request, request_id: str) -> PendingRequest | Response:
    """The pending request when this browser's logged-in user is the one who logged in for
    it; otherwise the page to show instead."""
    oauth = backend_of(request).oauth
    pending = oauth.pending.get(request_id=request_id, browser_id=browser_id_of(request))
    if pending is None:
        return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
    user = oauth.browser.user_of(request.cookies.get(SESSION_COOKIE))
    if user is None or (user.org_id, user.user_id) != (pending.org_id, pending.user_id):
        return _login_redirect(request_id)
    return pending


def _render_consent(
    request: Request, pending: PendingRequest, *, error: str | None = None, status: int = 200
) -> Response:
    backend = backend_of(request)
    browser_id = browser_id_of(request)
    assert browser_id is not None and pending.org_id and pending.user_id
    user = backend.orgs.user(pending.org_id, pending.user_id) or {}
    csrf = backend.oauth.browser.csrf_token(
        browser_id=browser_id, purpose=f"consent:{pending.request_id}"
    )
    not_you = "/secur/logout.jsp?" + urlencode(
        {"retURL": f"{LOGIN_PATH}?{urlencode({'request': pending.request_id})}"}
    )
    return consent_page(
        csrf=csrf,
        request_id=pending.request_id,
        app_name=pending.request.app_name,
        username=str(user.get("Username", "")),
        user_name=str(user.get("Name", "")),
        scopes=pending.request.scopes,
        not_you_url=not_you,
        error=error,
        status=status,
    )


def _consent_page_sync(request: Request) -> Response:
    context = _consent_context(request, request.query_params.get("request", ""))
    if isinstance(context, Response):
        return context
    return _render_consent(request, context)


async def consent_form(request: Request) -> Response:
    return await run_in_threadpool(_consent_page_sync, request)


def _consent_submit_sync(request: Request, form: dict[str, str]) -> Response:
    oauth = backend_of(request).oauth
    context = _consent_context(request, form.get("request", ""))
    if isinstance(context, Response):
        return context
    pending = context
    if not oauth.browser.check_csrf(
        token=form.get("csrf_token"),
        browser_id=browser_id_of(request),
        purpose=f"consent:{pending.request_id}",
    ):
        return _render_consent(request, pending, error=EXPIRED_FORM, status=403)
    action = form.get("action")
    if action not in ("allow", "deny"):
        return _render_consent(request, pending, error="Choose Allow or Deny.", status=400)
    assert pending.org_id is not None and pending.user_id is not None
    if action == "deny":
        if not oauth.pending.finish(pending.request_id):
            return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
        return _error_to_client(pending.request, "access_denied", "end-user denied authorization")
    try:
        oauth.check_app(
            org_id=pending.org_id, user_id=pending.user_id, app_name=pending.request.app_name
        )
    except ConnectedAppRefusal as refusal:
        return _refused(oauth, pending, refusal)
    if not oauth.pending.finish(pending.request_id):
        return message_page(title="OAuth Error", message=EXPIRED_REQUEST, status=400)
    code = oauth.issue_code(
        org_id=pending.org_id,
        user_id=pending.user_id,
        request=pending.request,
        remember_consent=True,
    )
    return _to_client(pending.request, code=code)


async def consent_submit(request: Request) -> Response:
    form = await request.form()
    values = {k: v for k, v in form.items() if isinstance(v, str)}
    return await run_in_threadpool(_consent_submit_sync, request, values)


# -- logout -----------------------------------------------------------------------------------
def _logout_sync(request: Request) -> Response:
    oauth = backend_of(request).oauth
    oauth.browser.log_out(request.cookies.get(SESSION_COOKIE))
    target = safe_start_url(request.query_params.get("retURL"))
    response: Response
    if target:
        response = RedirectResponse(target, status_code=302)
    else:
        response = message_page(
            title="Logged out", message="You have logged out.", link=(LOGIN_PATH, "Log In")
        )
    clear_session_cookie(response)
    return response


async def logout(request: Request) -> Response:
    return await run_in_threadpool(_logout_sync, request)


ROUTES = [
    Route("/services/oauth2/authorize", authorize, methods=["GET"]),
    Route(LOGIN_PATH, login_form, methods=["GET"]),
    Route(LOGIN_PATH, login_submit, methods=["POST"]),
    Route(CONSENT_PATH, consent_form, methods=["GET"]),
    Route(CONSENT_PATH, consent_submit, methods=["POST"]),
    Route("/secur/logout.jsp", logout, methods=["GET", "POST"]),
]
