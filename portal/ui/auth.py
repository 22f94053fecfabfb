"""Logging in to the portal, logging out, and what viewers may not do.

The passwords are checked by the access service (bcrypt hashes from the configuration, with
growing delays after failures, per username and client and per client); the typed password is
removed from the session as soon as it was checked. The client is the browser's address: the
socket peer, or what a proxy listed in ``trusted_proxies`` forwards.
A login opens the browser's cookie session (:mod:`portal.ui.web_session`); logging out ends it.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.client_address import ProxyHeader, client_address, socket_peer
from portal.domain.config import PortalConfig
from portal.domain.text import N_
from portal.services.actors import Actor
from portal.ui import container, session, web_session
from portal.ui.feedback import NoticeKind, attempt, notify
from portal.ui.i18n import LANGUAGE, LANGUAGE_CHOSEN, _

LOGIN_USERNAME: Final = "auth.login.username"
LOGIN_PASSWORD: Final = "auth.login.password"
VIEWER_NOTE: Final = N_("Viewers can read everything but change nothing; ask an admin.")
#: Kept across logging out: the language the person reads the portal in.
_KEPT_ON_LOGOUT: Final = (LANGUAGE, LANGUAGE_CHOSEN)


def client_key(config: PortalConfig | None = None) -> str:
    """What the login limit counts failures per: the client's address. The forwarding header
    is read only when the socket peer is one of the configured ``trusted_proxies``."""
    if config is None:
        try:
            config = container.portal_config()
        except Exception:  # no usable configuration (the page says so): no proxy is trusted
            config = None
    try:
        reported = st.context.ip_address  # None for a loopback peer
        forwarded_for = st.context.headers.get_all("x-forwarded-for")
        values = st.context.headers.get_all(config.proxy_header.value) if config else []
    except Exception:  # outside a browser session (tests) there is no address
        reported, forwarded_for, values = None, [], []
    peer = socket_peer(
        reported=reported if isinstance(reported, str) else None,
        x_forwarded_for=[v for v in forwarded_for if isinstance(v, str)],
    )
    return client_address(
        peer=peer,
        header_values=[v for v in values if isinstance(v, str)],
        trusted_proxies=config.trusted_proxies if config else (),
        header=config.proxy_header if config else ProxyHeader.X_FORWARDED_FOR,
    )


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
