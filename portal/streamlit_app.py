"""The portal's entrypoint: the router and the frame around every page.

``streamlit run portal/streamlit_app.py``. Logged out, the only page is "Log In"; logged in,
the sections of ``st.navigation``, the page, and the shared sidebar (drawn after the page, so
it shows what the page's actions changed). The login lives in an HttpOnly cookie session
(:mod:`portal.ui.web_session`), so a reload and Salesforce's redirect back from its sign-in
come back logged in; the redirect's ``code`` and ``state`` are handed on only when this browser
session started that sign-in.

Run by ``streamlit run``, this file is also imported as a module: ``app`` (``st.App``) adds the
cookie routes beside Streamlit's own, and runs this file as the app script.
"""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.scriptrunner_utils.exceptions import StopException

from portal.ui import first_page, language, nav, web_session
from portal.ui.container import portal_or_stop
from portal.ui.oauth import (
    CURRENT_PAGE,
    capture_callback,
    complete_pending_callback,
    drop_callback_without_login,
)
from portal.ui.sidebar import render_sidebar


def main() -> None:
    st.set_page_config(
        page_title="MiiTel Admin · Salesforce", page_icon=":material/sync_alt:", layout="wide"
    )
    capture_callback()
    portal = portal_or_stop()
    actor = web_session.restore(portal)
    if actor is not None:
        portal = portal_or_stop()  # the services of the signed-in user's company
    language.settle(portal, actor)
    language.selector(portal, actor)
    web_session.deliver()
    if actor is None:
        drop_callback_without_login()
        st.navigation([nav.page(nav.LOGIN)], position="hidden").run()
        first_page.DRAWN.set()
        return
    procedure = nav.page(nav.PROCEDURE, default=True)
    sections = {
        nav.section(nav.RE_INTEGRATION): [procedure, nav.page(nav.SALESFORCE)],
        nav.section(nav.REVIEW): [
            nav.page(nav.ERROR_LOG),
            nav.page(nav.BACKUPS),
            nav.page(nav.HISTORY),
        ],
    }
    if portal.demo is not None:
        sections[nav.section(nav.MOCK_ORG)] = [nav.page(nav.DEMO)]
    current = st.navigation(sections)
    # Filled after the page: the integration it shows is the one the page's actions left.
    sidebar = st.sidebar.container()
    returned = complete_pending_callback(portal, actor)
    if returned is not None and returned.url_path != current.url_path:
        pages = [page for group in sections.values() for page in group]
        st.switch_page(next((p for p in pages if p.url_path == returned.url_path), procedure))
    st.session_state[CURRENT_PAGE] = current.url_path
    try:
        current.run()
    except StopException:
        render_sidebar(portal, actor, sidebar)
        raise
    render_sidebar(portal, actor, sidebar)
    first_page.DRAWN.set()


if __name__ == "__main__":
    main()
else:
    from portal.ui import export_files
    from portal.ui.session_routes import routes

    app = st.App(__file__, routes=[*routes(), *export_files.routes()])
