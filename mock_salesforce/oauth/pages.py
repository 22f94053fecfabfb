"""The browser pages of the OAuth flow: login, "Allow access?", and OAuth error pages."""

from __future__ import annotations

from starlette.responses import HTMLResponse

from mock_salesforce.html import render
from mock_salesforce.oauth.lockout import FOREVER, LockedOut
from mock_salesforce.oauth.scopes import consent_lines

LOGIN_ERROR = (
    "Please check your username and password. If you still can't log in, contact your "
    "Salesforce administrator."
)
#: The login pages' answer to a locked-out user (whatever password was typed).
LOCKED_OUT = (
    "Your login attempt has failed. Your account is locked out because of too many failed "
    "login attempts. Wait until the lockout period ends and try again, or contact your "
    "Salesforce administrator to unlock it."
)
LOCKED_OUT_FOREVER = (
    "Your login attempt has failed. Your account is locked out because of too many failed "
    "login attempts. Contact your Salesforce administrator to unlock it."
)
EXPIRED_FORM = "Your login attempt has timed out. Please try again."
EXPIRED_REQUEST = (
    "This authorization request has expired or was already answered. Go back to the "
    "application and start again."
)


def locked_out_message(locked: LockedOut) -> str:
    """What the login page says to a locked-out user."""
    return LOCKED_OUT_FOREVER if locked.until >= FOREVER else LOCKED_OUT


def login_page(
    *,
    csrf: str,
    hidden: dict[str, str],
    username: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    """Salesforce's login form: "Username", "Password", "Log In"."""
    return render(
        "oauth/login.html",
        status=status,
        csrf=csrf,
        hidden=hidden,
        username=username,
        error=error,
    )


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
    return render(
        "oauth/consent.html",
        status=status,
        csrf=csrf,
        request_id=request_id,
        app_name=app_name,
        username=username,
        user_name=user_name,
        scope_lines=consent_lines(scopes),
        not_you_url=not_you_url,
        error=error,
    )


def oauth_error_page(*, error: str, description: str, status: int = 400) -> HTMLResponse:
    """The page Salesforce shows instead of redirecting (unknown client, bad redirect_uri)."""
    return render("oauth/error.html", status=status, error=error, description=description)


def approval_error_page(*, continue_url: str) -> HTMLResponse:
    """``OAUTH_APPROVAL_ERROR_GENERIC``: the page, then "Continue" back to the client."""
    return render("oauth/error.html", status=200, continue_url=continue_url)


def message_page(
    *, title: str, message: str, status: int = 200, link: tuple[str, str] | None = None
) -> HTMLResponse:
    """A short page with one message (expired request, logged out)."""
    return render("oauth/message.html", status=status, title=title, message=message, link=link)
