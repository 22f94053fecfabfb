"""The trip to Salesforce's sign-in and back ("Integrate" and the check sign-in).

Going: a button's callback asks the integration service for the authorize URL (state and PKCE
verifier stay server-side) and the page sends the browser there. Coming back: Salesforce
redirects to the portal's root with ``code`` and ``state`` (or ``error``). That is a new browser
session, so the frame moves the parameters out of the address bar into the session at once,
asks the person to log in to the portal again, and then hands them to the service, which tells
which step to land on.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Final

import streamlit as st

from portal.domain.steps import StepStatus
from portal.services.actors import Actor
from portal.services.container import Portal
from portal.services.integration import (
    AuthorizationRedirect,
    CallbackKind,
    CallbackOutcome,
    SignInPurpose,
)
from portal.ui import session
from portal.ui.auth import VIEWER_NOTE
from portal.ui.feedback import NoticeKind, attempt, notify

#: The query parameters Salesforce's redirect carried, until the person has logged in.
CALLBACK_PARAMS: Final = "auth.callback.params"
#: The authorize URL to send the browser to (:class:`AuthorizationRedirect`).
REDIRECT: Final = "auth.redirect"
#: The procedure step to show after coming back (read by the Procedure page).
LANDING_STEP: Final = "ui.procedure.landing"
_CALLBACK_NAMES: Final = ("code", "state", "error", "error_description")


def capture_callback() -> None:
    """Move Salesforce's callback parameters from the address bar into the session, so a
    reload cannot replay them and the code is not left in the browser history."""
    params = {name: st.query_params[name] for name in _CALLBACK_NAMES if name in st.query_params}
    if not params:
        return
    st.session_state[CALLBACK_PARAMS] = params
    st.query_params.clear()


def has_pending_callback() -> bool:
    return bool(st.session_state.get(CALLBACK_PARAMS))


def complete_pending_callback(portal: Portal, actor: Actor) -> bool:
    """Finish the sign-in Salesforce sent the browser back from (once the person has logged
    in); True when there was one. The outcome is queued as a notice."""
    params = st.session_state.pop(CALLBACK_PARAMS, None)
    if not params:
        return False
    slot = st.empty()
    with slot.status("Finishing the sign-in with Salesforce…", expanded=False):
        outcome = attempt(
            lambda: portal.integration.complete(actor=actor, query_params=dict(params)),
            where="OAuth callback",
        )
    # The outcome is told by the notice; the progress box has done its job.
    slot.empty()
    session.changed()
    if outcome is not None:
        _announce(outcome)
    return True


def _announce(outcome: CallbackOutcome) -> None:
    result = outcome.result
    st.session_state[LANDING_STEP] = result.step
    if outcome.kind in (CallbackKind.INTEGRATED, CallbackKind.CHECK_SIGNED_IN):
        notify(NoticeKind.SUCCESS, result.message)
    elif (
        outcome.kind is CallbackKind.CONFIRM_OTHER_ORG or result.status is StepStatus.ACTION_NEEDED
    ):
        notify(NoticeKind.WARNING, result.message)
    else:
        notify(NoticeKind.ERROR, result.message)


def start_sign_in(portal: Portal, actor: Actor, purpose: SignInPurpose) -> None:
    """Callback of "Integrate" / "Sign in to check": get the authorize URL to go to."""
    redirect = attempt(
        lambda: portal.integration.start(actor=actor, purpose=purpose), where="start sign-in"
    )
    if redirect is not None:
        st.session_state[REDIRECT] = redirect


def sign_in_button(
    portal: Portal,
    actor: Actor,
    *,
    purpose: SignInPurpose,
    label: str,
    key: str,
    help: str | None = None,
) -> None:
    """The button that starts a sign-in, and the way to Salesforce once it was clicked."""
    st.button(
        label,
        key=key,
        type="primary",
        icon=":material/login:",
        disabled=not actor.is_admin,
        help=VIEWER_NOTE if not actor.is_admin else help,
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
        "Opening Salesforce's sign-in… If nothing happens, use the link below.",
        icon=":material/open_in_new:",
    )
    st.link_button("Continue to Salesforce", redirect.url, icon=":material/arrow_forward:")
    # Same tab: Salesforce sends the browser back to this portal's address.
    st.html(
        f"<script>window.location.assign({json.dumps(redirect.url)});</script>",
        unsafe_allow_javascript=True,
    )
    st.session_state.pop(REDIRECT, None)
