"""The browser pages of the OAuth flow: login, "Allow access?", and OAuth error pages."""

from __future__ import annotations

from starlette.responses import HTMLResponse

from mock_salesforce.html import esc, page
from mock_salesforce.oauth.scopes import consent_lines

LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, contact your "
    "Salesforce administrator."
)
EXPIRED_FORM = "Your login attempt has timed out. Please try again."
EXPIRED_REQUEST = (
    "This authorization request has expired or was already answered. Go back to the "
    "application and start again."
)


def login_page(
    *,
    csrf: str,
    hidden: dict[str, str],
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Salesforce's login form: "Username", "Password", "Log In"."""
    fields = "".join(
        f"<input type='hidden' name='{esc(k)}' value='{esc(v)}'>" for k, v in hidden.items()
    )
    body = (
        "<h1>Log In</h1>"
        + (f"<div class='error' id='error' role='alert'>{esc(error)}</div>" if error else "")
        + "<form method='post' action='/login' id='login_form'>"
        f"<input type='hidden' name='csrf_token' value='{esc(csrf)}'>{fields}"
        "<label for='username'>Username</label>"
        f"<input type='text' id='username' name='username' value='{esc(username)}' "
        "autocomplete='username' autofocus required>"
        "<label for='password'>Password</label>"
        "<input type='password' id='password' name='password' autocomplete='current-password' "
        "required>"
        "<p><button type='submit' id='Login' name='Login'>Log In</button></p>"
        "</form>"
    )
    return page("Login | Salesforce", body, status=status, narrow=True)


def consent_page(
    *,
    csrf: str,
    request_id: str,
    app_name: str,
    username: str,
    user_name: str,
    scopes: tuple[str, ...],
    not_you_url: str,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """The "Allow access?" page naming the app, the user and the requested scopes."""
    items = "".join(f"<li>{esc(line)}</li>" for line in consent_lines(scopes))
    body = (
        "<h1>Allow access?</h1>"
        + (f"<div class='error' role='alert'>{esc(error)}</div>" if error else "")
        + f"<p><strong>{esc(app_name)}</strong> is asking to:</p><ul id='scopes'>{items}</ul>"
        f"<p>Do you want to allow access for <strong id='user'>{esc(user_name)}</strong> "
        f"(<span id='username'>{esc(username)}</span>)? "
        f"<a id='not_you' href='{esc(not_you_url)}'>Not you?</a></p>"
        "<form method='post' action='/services/oauth2/consent' id='consent_form'>"
        f"<input type='hidden' name='csrf_token' value='{esc(csrf)}'>"
        f"<input type='hidden' name='request' value='{esc(request_id)}'>"
        "<button type='submit' class='secondary' name='action' value='deny' id='deny'>Deny"
        "</button>"
        "<button type='submit' name='action' value='allow' id='allow'>Allow</button>"
        "</form>"
    )
    return page("Allow access?", body, status=status, narrow=True)


def oauth_error_page(*, error: str, description: str, status: int = 400) -> HTMLResponse:
    """The page Salesforce shows instead of redirecting (unknown client, bad redirect_uri)."""
    body = (
        "<h1>OAuth Error</h1>"
        "<p>We can't authorize you because of an OAuth error. For more information, contact "
        "your Salesforce administrator.</p>"
        f"<div class='error' role='alert'>error=<span id='error'>{esc(error)}</span><br>"
        f"error_description=<span id='error_description'>{esc(description)}</span></div>"
    )
    return page("OAuth Error", body, status=status, narrow=True)


def approval_error_page(*, continue_url: str) -> HTMLResponse:
    """``OAUTH_APPROVAL_ERROR_GENERIC``: the page, then "Continue" back to the client."""
    body = (
        "<h1>OAuth Error</h1>"
        "<p>We can't authorize you because of an OAuth error. For more information, contact "
        "your Salesforce administrator.</p>"
        "<div class='error' role='alert'><span id='error'>OAUTH_APPROVAL_ERROR_GENERIC</span> : "
        "An unexpected error has occurred during authentication. Please try again.</div>"
        f"<p><a class='button' id='continue' href='{esc(continue_url)}'>Continue</a></p>"
    )
    return page("OAuth Error", body, status=200, narrow=True)


def message_page(
    *, title: str, message: str, status: int = 200, link: tuple[str, str] | None = None
) -> HTMLResponse:
    """A short page with one message (expired request, logged out)."""
    extra = f"<p><a href='{esc(link[0])}'>{esc(link[1])}</a></p>" if link else ""
    body = f"<h1>{esc(title)}</h1><p class='notice'>{esc(message)}</p>{extra}"
    return page(title, body, status=status, narrow=True)
