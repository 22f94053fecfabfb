"""Logging in to the portal, logging out, and what viewers may not do.

The passwords are checked by the access service (bcrypt hashes from the configuration, with a
limit on failures); the typed password is removed from the session as soon as it was checked.
A login opens the browser's cookie session (:mod:`portal.ui.web_session`); logging out ends it.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.domain.text import N_
from portal.services.actors import Actor
from portal.services.container import Portal
from portal.ui import session, web_session
from portal.ui.feedback import NoticeKind, attempt, notify
from portal.ui.i18n import LANGUAGE, LANGUAGE_CHOSEN, _

LOGIN_USERNAME: Final = "auth.login.username"
LOGIN_PASSWORD: Final = "auth.login.password"
VIEWER_NOTE: Final = N_("Viewers can read everything but change nothing; ask an admin.")
_UNKNOWN_CLIENT: Final = "unknown-client"
#: Kept across logging out: the language the person reads the portal in.
_KEPT_ON_LOGOUT: Final = (LANGUAGE, LANGUAGE_CHOSEN)


def client_key() -> str:
    """What the login limit counts failures per, besides the username: the client address."""
    try:
        address = st.context.ip_address
    except Exception:  # outside a browser session (tests) there is no address
        address = None
    return address if isinstance(address, str) and address else _UNKNOWN_CLIENT


def log_in(portal: Portal) -> None:
    """Callback of "Log In": check the credentials, keep the actor, forget the password, and
    open the browser's login session."""
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
    web_session.start(actor)
    session.changed()


def log_out(portal: Portal) -> None:
    """Callback of "Log out": record it, end the browser's login session (every tab), and
    forget everything of this session but its language."""
    actor = session.current_actor()
    if actor is not None:
        attempt(lambda: portal.access.logout(actor=actor), where="logout")
    web_session.end()
    kept = {name: st.session_state[name] for name in _KEPT_ON_LOGOUT if name in st.session_state}
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    st.session_state.update(kept)
    web_session.forget_cookie()
    notify(NoticeKind.INFO, _("You are logged out."))


def require_actor() -> Actor:
    """The logged-in user; a page reached without logging in says so and stops."""
    actor = session.current_actor()
    if actor is None:
        st.warning(_("Log in to the portal first."), icon=":material/lock:")
        st.stop()
    assert actor is not None
    return actor


def read_only_note(actor: Actor) -> None:
    """Under a viewer's disabled controls: why they are disabled."""
    if not actor.is_admin:
        st.caption(f":material/visibility: {_(VIEWER_NOTE)}")
