"""The trip to Salesforce's sign-in and back ("Integrate" and the check sign-in).

Going: a button's callback asks the integration service for the authorize URL (state and PKCE
verifier stay server-side), binds that sign-in to this browser's portal session, remembers the
page and step the person is on, and the page sends the browser there. Coming back: Salesforce
redirects to the portal's root with ``code`` and ``state`` (or ``error``). The browser's login
cookie logs the new Streamlit session in; the frame moves the parameters out of the address bar
at once and hands them to the service only when this browser session started that sign-in and
has not used it yet. A callback in a browser that is not logged in, started elsewhere, used or
expired changes nothing, and the page claims nothing about what Salesforce said: only the
answer to a ``state`` this portal issued is Salesforce's (RFC 6749 §10.12).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Final, Literal

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.steps import StepStatus
from portal.services.actors import Actor
from portal.services.integration import (
    AuthorizationRedirect,
    CallbackKind,
    CallbackOutcome,
    SignInPurpose,
)
from portal.services.web_sessions import ReturnTo
from portal.ui import session, web_session
from portal.ui.auth import VIEWER_NOTE
from portal.ui.feedback import NoticeKind, attempt, notify
from portal.ui.i18n import _, t

log = logging.getLogger(__name__)

#: The query parameters Salesforce's redirect carried, until the frame has handled them.
CALLBACK_PARAMS: Final = "auth.callback.params"
#: Set when Salesforce's redirect reached a browser that is not logged in (login page says so).
CALLBACK_DROPPED: Final = "auth.callback.dropped"
#: The authorize URL to send the browser to (:class:`AuthorizationRedirect`).
REDIRECT: Final = "auth.redirect"
#: The procedure step to show after coming back (read by the Procedure page).
LANDING_STEP: Final = "ui.procedure.landing"
#: The page the frame is running (its ``url_path``), remembered when a sign-in starts.
CURRENT_PAGE: Final = "ui.page.current"
#: The procedure page's step selector (``portal.app_pages.procedure.VIEWED_STEP``).
PROCEDURE_STEP: Final = "proc.step"
_CALLBACK_NAMES: Final = ("code", "state", "error", "error_description")


@dataclass(frozen=True)
class Landing:
    """Where the frame shows the person after Salesforce's redirect back."""

    url_path: str


def capture_callback() -> None:
    """Move Salesforce's callback parameters from the address bar into the session, so a
    reload cannot replay them and the code is not left in the browser history."""
    params = {name: st.query_params[name] for name in _CALLBACK_NAMES if name in st.query_params}
    if not params:
        return
    st.session_state[CALLBACK_PARAMS] = params
    for name in params:
        del st.query_params[name]


def drop_callback_without_login() -> None:
    """A sign-in callback reached a browser that is not logged in to the portal (another
    browser, an ended login, or a link someone else made): nothing is done with it; the login
    page says so without claiming it came from Salesforce."""
    if st.session_state.pop(CALLBACK_PARAMS, None):
        st.session_state[CALLBACK_DROPPED] = True
        log.warning("A sign-in callback reached a browser that is not logged in; ignored")


def callback_was_dropped() -> bool:
    return bool(st.session_state.get(CALLBACK_DROPPED))


def complete_pending_callback(portal: Portal, actor: Actor) -> Landing | None:
    """Finish the sign-in Salesforce sent the browser back from, when this browser session
    started it; where to show the person (None when there is nothing to finish). The outcome
    is queued as a notice; a callback this session did not start is refused in place."""
    params = st.session_state.pop(CALLBACK_PARAMS, None)
    st.session_state.pop(CALLBACK_DROPPED, None)
    if not params:
        return None
    returned = web_session.claim(params.get("state"))
    if returned is None:
        log.warning("A Salesforce callback not started by this browser session was ignored")
        # Not known to be from Salesforce at all (RFC 6749 §10.12): say nothing it "said".
        st.warning(
            _(
                "This sign-in link is not from this portal, or it has expired: it does not "
                "belong to a sign-in started in this browser, or it was already used, so "
                "nothing changed. To sign in to Salesforce, start again with the button on the "
                "step."
            ),
            icon=":material/gpp_maybe:",
        )
        return None
    slot = st.empty()
    with slot.status(_("Finishing the sign-in with Salesforce…"), expanded=False):
        outcome = attempt(
            lambda: portal.integration.complete(actor=actor, query_params=dict(params)),
            where="OAuth callback",
        )
    # The outcome is told by the notice; the progress box has done its job.
    slot.empty()
    session.changed()
    if outcome is not None:
        _announce(outcome)
        st.session_state[LANDING_STEP] = returned.step or outcome.result.step
    return Landing(url_path=returned.page if returned.page is not None else _current_page())


def _current_page() -> str:
    page = st.session_state.get(CURRENT_PAGE)
    return page if isinstance(page, str) else ""


def _announce(outcome: CallbackOutcome) -> None:
    result = outcome.result
    message = t(result.message)
    if outcome.kind in (CallbackKind.INTEGRATED, CallbackKind.CHECK_SIGNED_IN):
        notify(NoticeKind.SUCCESS, message)
    elif (
        outcome.kind is CallbackKind.CONFIRM_OTHER_ORG or result.status is StepStatus.ACTION_NEEDED
    ):
        notify(NoticeKind.WARNING, message)
    else:
        notify(NoticeKind.ERROR, message)


def start_sign_in(portal: Portal, actor: Actor, purpose: SignInPurpose) -> None:
    """Callback of "Integrate" / "Sign in to check": get the authorize URL to go to, bound to
    this browser's portal session and to the page and step to come back to."""
    redirect = attempt(
        lambda: portal.integration.start(actor=actor, purpose=purpose), where="start sign-in"
    )
    if redirect is None:
        return
    step = st.session_state.get(PROCEDURE_STEP)
    return_to = ReturnTo(page=_current_page(), step=step if isinstance(step, int) else None)
    if not web_session.bind(
        state=redirect.state, expires_at=redirect.expires_at, return_to=return_to
    ):
        notify(
            NoticeKind.ERROR,
            _(
                "Your portal login in this browser has ended, so the sign-in with Salesforce "
                "cannot come back to it. Reload the page, log in, and try again."
            ),
        )
        return
    st.session_state[REDIRECT] = redirect


def sign_in_button(
    portal: Portal,
    actor: Actor,
    *,
    purpose: SignInPurpose,
    label: str,
    key: str,
    help: str | None = None,
    type: Literal["primary", "secondary"] = "primary",
) -> None:
    """The button that starts a sign-in, and the way to Salesforce once it was clicked
    (``type``: secondary when signing in is no longer the step's main action)."""
    st.button(
        label,
        key=key,
        type=type,
        icon=":material/login:",
        disabled=not actor.is_admin,
        help=_(VIEWER_NOTE) if not actor.is_admin else help,
        on_click=start_sign_in,
        args=(portal, actor, purpose),
    )
    redirect = st.session_state.get(REDIRECT)
    if isinstance(redirect, AuthorizationRedirect) and redirect.purpose is purpose:
        _go_to(redirect)


def _go_to(redirect: AuthorizationRedirect) -> None:
    if redirect.expires_at <= datetime.now(UTC):
        st.session_state.pop(REDIRECT, None)
        return
    st.info(
        _("Opening Salesforce's sign-in… If nothing happens, use the link below."),
        icon=":material/open_in_new:",
    )
    st.link_button(_("Continue to Salesforce"), redirect.url, icon=":material/arrow_forward:")
    # Same tab: Salesforce sends the browser back to this portal's address.
    st.html(
        f"<script>window.location.assign({json.dumps(redirect.url)});</script>",
        unsafe_allow_javascript=True,
    )
    st.session_state.pop(REDIRECT, None)
