"""Authentication history: each integration, removal, refresh and failure; and the portal's
audit log (who did what, and how it ended). Times are in the person's zone."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.ui import i18n
from portal.ui.auth import require_actor
from portal.ui.container import portal_or_stop
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.i18n import _
from portal.ui.tables import audit_rows, history_rows

HISTORY_LIMIT: Final = 500
AUDIT_LIMIT: Final = 500


@guarded
def authentication_history_page() -> None:
    """The two logs, newest first."""
    require_actor()
    portal = portal_or_stop()
    st.title(_("Authentication history"))
    show_notices()
    history_tab, audit_tab = st.tabs([_("Authentication history"), _("Portal audit log")])
    zone = _("Times are shown in {zone}.").format(zone=i18n.zone_label())
    with history_tab:
        st.caption(_("Which Salesforce org and user MiiTel was integrated with, and when."))
        st.caption(zone)
        entries = attempt(
            lambda: portal.history.recent(limit=HISTORY_LIMIT), where="history", queue=False
        )
        if entries is not None:
            if entries:
                st.dataframe(history_rows(entries), hide_index=True)
            else:
                st.info(_("No authentication yet."), icon=":material/inbox:")
    with audit_tab:
        st.caption(
            _("Every login, Integrate, Remove integration, Restore and Save, by portal user.")
        )
        st.caption(zone)
        audit = attempt(lambda: portal.audit.recent(limit=AUDIT_LIMIT), where="audit", queue=False)
        if audit is not None:
            if audit:
                st.dataframe(audit_rows(audit), hide_index=True)
            else:
                st.info(_("Nothing recorded yet."), icon=":material/inbox:")


if __name__ == "__main__":
    authentication_history_page()
