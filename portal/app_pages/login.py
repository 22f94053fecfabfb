"""Log In: the portal's own login (admin and viewer accounts from the configuration)."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME, log_in
from portal.ui.container import portal_or_stop
from portal.ui.feedback import guarded, show_notices
from portal.ui.i18n import _
from portal.ui.oauth import callback_was_dropped

LOGIN_FORM: Final = "auth.login.form"
LOGIN_SUBMIT: Final = "auth.login.submit"


@guarded
def login_page() -> None:
    """The login form; after a sign-in callback reached this browser while it is not logged
    in, it also says that nothing was done with it (without claiming Salesforce sent it)."""
    portal = portal_or_stop()
    _left, middle, _right = st.columns([1, 2, 1])
    with middle:
        st.title("MiiTel Admin", anchor=False)
        st.subheader(_("Salesforce integration portal"), anchor=False)
        if callback_was_dropped():
            st.info(
                _(
                    "This browser opened a sign-in link, but it is not logged in to the portal "
                    "here, so the link was not used and nothing changed. A sign-in link counts "
                    "only in the browser that started it, until it expires. Log in, then start "
                    "the sign-in again from its step."
                ),
                icon=":material/login:",
            )
        show_notices()
        with st.form(LOGIN_FORM):
            st.text_input(_("Username"), key=LOGIN_USERNAME, autocomplete="username")
            st.text_input(
                _("Password"), key=LOGIN_PASSWORD, type="password", autocomplete="current-password"
            )
            st.form_submit_button(
                _("Log In"), key=LOGIN_SUBMIT, type="primary", on_click=log_in, args=(portal,)
            )
        if portal.demo is not None:
            note = _(
                "Admins change the integration; viewers can look at everything. Org: the "
                "bundled mock Salesforce org."
            )
        else:
            note = _(
                "Admins change the integration; viewers can look at everything. Org: Salesforce."
            )
        st.caption(note)


if __name__ == "__main__":
    login_page()
