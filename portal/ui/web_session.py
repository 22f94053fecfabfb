"""The browser's portal login in the pages: logging in opens a :class:`WebSession` and hands
its cookie to the browser; a new Streamlit session (a reload, Salesforce's redirect back) picks
the login up from the cookie; logging out ends it everywhere.

The cookie itself is set and cleared by :mod:`portal.ui.session_routes` (an HttpOnly cookie
needs an HTTP answer); the page only asks for it with a one-time ticket.

The sessions are the hosting's (:attr:`portal.bootstrap.Hosting.web_sessions`), kept in the
portal's database: a restarted portal, or another replica on the same PostgreSQL, resumes the
login from the cookie.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.services.actors import Actor
from portal.services.web_sessions import ReturnTo, WebSessions
from portal.ui import container, session

#: The browser's cookie (HttpOnly, SameSite=Lax).
COOKIE_NAME: Final = "miitel_portal_session"
#: Where the page hands the ticket over, and where logging out clears the cookie.
COOKIE_ROUTE: Final = "/portal-session"
END_ROUTE: Final = "/portal-session/end"
#: Header the cookie routes require: a cross-site form cannot send it without CORS.
REQUEST_HEADER: Final = "X-Portal-Request"

#: The server-side key of this Streamlit session's login.
SESSION_KEY: Final = "auth.web_session"
#: The ticket the next run hands to the browser for its cookie.
TICKET: Final = "auth.web_session.ticket"
#: Set by logging out: the next run asks the browser to drop its cookie.
CLEAR_COOKIE: Final = "auth.web_session.clear"


def sessions() -> WebSessions:
    """The browsers' login sessions, in a page run (the portal's, which are its hosting's)."""
    return container.portal().web_sessions


def route_sessions() -> WebSessions:
    """The browsers' login sessions outside a page run (the cookie and download routes): the
    hosting's, built once per process and configuration like the pages'."""
    return container.hosting().web_sessions


def start(actor: Actor) -> None:
    """After a successful login: open the browser's session; the next run sets its cookie."""
    opened, ticket = sessions().open(username=actor.username)
    st.session_state[SESSION_KEY] = opened.key
    st.session_state[TICKET] = ticket
    st.session_state.pop(CLEAR_COOKIE, None)


def end() -> None:
    """Logging out: end the session server-side (every tab of this browser is logged out)."""
    key = st.session_state.get(SESSION_KEY)
    if isinstance(key, str):
        sessions().end(key)


def forget_cookie() -> None:
    """After the session state was cleared: the next run drops the browser's cookie."""
    st.session_state[CLEAR_COOKIE] = True


def restore(portal: Portal) -> Actor | None:
    """Who is logged in: this Streamlit session's login while its browser session lives, else
    the browser's cookie session; either way the user as the directory has them now (a user
    disabled meanwhile is logged out)."""
    actor = session.current_actor()
    key = st.session_state.get(SESSION_KEY)
    if actor is not None:
        if not isinstance(key, str):
            start(actor)  # logged in by the server alone (a test's preset): give it its session
        elif not sessions().is_live(key):
            _log_out_here()  # logged out in another tab, or expired
            return None
        current = portal.access.actor_for(actor.username)
        if current is None:  # disabled or removed meanwhile: this page run is the last
            end()
            _log_out_here()
            return None
        st.session_state[session.ACTOR] = current  # today's role and company
        return current
    resumed = sessions().resume(_cookie())
    if resumed is None:
        return None
    actor = portal.access.actor_for(resumed.username)
    if actor is None:  # the user was removed from the configuration meanwhile
        sessions().end(resumed.key)
        return None
    st.session_state[session.ACTOR] = actor
    st.session_state[SESSION_KEY] = resumed.key
    return actor


def _log_out_here() -> None:
    for name in (session.ACTOR, SESSION_KEY, TICKET):
        st.session_state.pop(name, None)


def _cookie() -> str | None:
    try:
        value = st.context.cookies.get(COOKIE_NAME)
    except Exception:  # outside a browser session (tests) there are no cookies
        return None
    return value if isinstance(value, str) else None


def deliver() -> None:
    """Hand the browser its cookie after a login, or ask it to drop the cookie after logging
    out (a small request to :data:`COOKIE_ROUTE` from the page; once)."""
    ticket = st.session_state.pop(TICKET, None)
    if isinstance(ticket, str):
        _request(COOKIE_ROUTE, body=ticket)
    elif st.session_state.pop(CLEAR_COOKIE, None):
        _request(END_ROUTE, body="")


def _request(path: str, *, body: str) -> None:
    # One token without spaces: the page's text carries no words, only this call.
    call = json.dumps([path, {"method": "POST", "headers": {REQUEST_HEADER: "1"}, "body": body}])
    st.html(
        f"<script>fetch(...{call.replace(' ', '')});</script>",
        unsafe_allow_javascript=True,
    )


def bind(*, state: str, expires_at: datetime, return_to: ReturnTo) -> bool:
    """Bind a started Salesforce sign-in to this browser's session; False without one."""
    key = st.session_state.get(SESSION_KEY)
    actor = session.current_actor()
    if not isinstance(key, str) and actor is not None:
        start(actor)  # logged in by the server alone (a page run on its own in a test)
        key = st.session_state[SESSION_KEY]
    if not isinstance(key, str) or not sessions().is_live(key):
        return False
    sessions().bind(key, state=state, expires_at=expires_at, return_to=return_to)
    return True


def claim(state: str | None) -> ReturnTo | None:
    """Where to go back to when Salesforce's ``state`` is a sign-in this browser session
    started and has not used yet; None otherwise (nothing is to be done with the callback)."""
    key = st.session_state.get(SESSION_KEY)
    return sessions().claim(key if isinstance(key, str) else None, state=state)
