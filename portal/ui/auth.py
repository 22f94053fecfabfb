"""Logging in to the portal, logging out, and what viewers may not do.

The passwords are checked by the access service (bcrypt hashes from the configuration, with a
limit on failures); the typed password is removed from the session as soon as it was checked.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.services.actors import Actor
from portal.services.container import Portal
from portal.ui import session
from portal.ui.feedback import NoticeKind, attempt, notify

LOGIN_USERNAME: Final = "auth.login.username"
LOGIN_PASSWORD: Final = "auth.login.password"
VIEWER_NOTE: Final = "Viewers can read everything but change nothing; ask an admin."
_UNKNOWN_CLIENT: Final = "unknown-client"


def client_key() -> str:
    """What the login limit counts failures per, besides the username: the client address."""
    try:
        address = st.context.ip_address
    except Exception:  # outside a browser session (tests) there is no address
        address = None
    return address if isinstance(address, str) and address else _UNKNOWN_CLIENT


def log_in(portal: Portal) -> None:
    """Callback of "Log In": check the credentials, keep the actor, forget the password."""
    username = str(st.session_state.get(LOGIN_USERNAME, ""))
    password = str(st.session_state.get(LOGIN_PASSWORD, ""))
    st.session_state[LOGIN_PASSWORD] = ""
    actor = attempt(
        lambda: portal.access.login(username=username, password=password, client_key=client_key()),
        where="login",
    )
    if actor is None:
        return
    st.session_state[session.ACTOR] = actor
    session.changed()


def log_out(portal: Portal) -> None:
    """Callback of "Log out": record it and forget everything of this session."""
    actor = session.current_actor()
    if actor is not None:
        attempt(lambda: portal.access.logout(actor=actor), where="logout")
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    notify(NoticeKind.INFO, "You are logged out.")


def require_actor() -> Actor:
    """The logged-in user; a page reached without logging in says so and stops."""
    actor = session.current_actor()
    if actor is None:
        st.warning("Log in to the portal first.", icon=":material/lock:")
        st.stop()
    assert actor is not None
    return actor


def read_only_note(actor: Actor) -> None:
    """Under a viewer's disabled controls: why they are disabled."""
    if not actor.is_admin:
        st.caption(f":material/visibility: {VIEWER_NOTE}")
