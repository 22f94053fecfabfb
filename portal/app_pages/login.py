"""Log In: the portal's own login (admin and viewer accounts from the configuration)."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME, log_in
from portal.ui.container import portal_or_stop
from portal.ui.feedback import guarded, show_notices
from portal.ui.oauth import has_pending_callback

LOGIN_FORM: Final = "auth.login.form"
LOGIN_SUBMIT: Final = "auth.login.submit"


@guarded
def login_page() -> None:
    """The login form; after Salesforce's redirect it also says why the login is asked again."""
    portal = portal_or_stop()
    _, middle, _ = st.columns([1, 2, 1])
    with middle:
        st.title("MiiTel Admin", anchor=False)
        st.subheader("Salesforce integration portal", anchor=False)
        if has_pending_callback():
            st.info(
                "Salesforce sent you back to the portal. Log in again to finish the sign-in: "
                "the portal does not keep your login while you are at Salesforce.",
                icon=":material/login:",
            )
        show_notices()
        with st.form(LOGIN_FORM):
            st.text_input("Username", key=LOGIN_USERNAME, autocomplete="username")
            st.text_input(
                "Password", key=LOGIN_PASSWORD, type="password", autocomplete="current-password"
            )
            st.form_submit_button(
                "Log In", key=LOGIN_SUBMIT, type="primary", on_click=log_in, args=(portal,)
            )
        mode = "the bundled mock Salesforce org" if portal.demo is not None else "Salesforce"
        st.caption(f"Admins change the integration; viewers can look at everything. Org: {mode}.")


if __name__ == "__main__":
    login_page()
