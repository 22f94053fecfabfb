"""The portal's entrypoint: the router and the frame around every page.

``streamlit run portal/streamlit_app.py``. Logged out, the only page is "Log In"; logged in,
the sections of ``st.navigation``, the shared sidebar, and the page. Salesforce's redirect back
from its sign-in lands here with ``code`` and ``state``; the frame hands them on after login.
"""

from __future__ import annotations

import streamlit as st

from portal.ui import language, nav
from portal.ui.container import portal_or_stop
from portal.ui.oauth import capture_callback, complete_pending_callback
from portal.ui.session import current_actor
from portal.ui.sidebar import render_sidebar


def main() -> None:
    st.set_page_config(
        page_title="MiiTel Admin · Salesforce", page_icon=":material/sync_alt:", layout="wide"
    )
    capture_callback()
    portal = portal_or_stop()
    actor = current_actor()
    language.settle(portal, actor)
    language.selector(portal, actor)
    if actor is None:
        st.navigation([nav.page(nav.LOGIN)], position="hidden").run()
        return
    procedure = nav.page(nav.PROCEDURE, default=True)
    sections = {
        "Re-integration": [procedure, nav.page(nav.SALESFORCE)],
        "Review": [nav.page(nav.ERROR_LOG), nav.page(nav.BACKUPS), nav.page(nav.HISTORY)],
    }
    if portal.demo is not None:
        sections["Mock org"] = [nav.page(nav.DEMO)]
    current = st.navigation(sections)
    render_sidebar(portal, actor)
    if complete_pending_callback(portal, actor) and current.url_path != procedure.url_path:
        st.switch_page(procedure)
    current.run()


if __name__ == "__main__":
    main()
