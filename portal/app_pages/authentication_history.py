"""Authentication history: each integration, removal, refresh and failure; and the portal's
audit log (who did what, and how it ended)."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.ui.auth import require_actor
from portal.ui.container import portal_or_stop
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.tables import audit_rows, history_rows

HISTORY_LIMIT: Final = 500
AUDIT_LIMIT: Final = 500


@guarded
def authentication_history_page() -> None:
    """The two logs, newest first."""
    require_actor()
    portal = portal_or_stop()
    st.title("Authentication history")
    show_notices()
    history_tab, audit_tab = st.tabs(["Authentication history", "Portal audit log"])
    with history_tab:
        st.caption("Which Salesforce org and user MiiTel was integrated with, and when.")
        entries = attempt(
            lambda: portal.history.recent(limit=HISTORY_LIMIT), where="history", queue=False
        )
        if entries is not None:
            if entries:
                st.dataframe(history_rows(entries), hide_index=True)
            else:
                st.info("No authentication yet.", icon=":material/inbox:")
    with audit_tab:
        st.caption("Every login, Integrate, Remove integration, Restore and Save, by portal user.")
        audit = attempt(lambda: portal.audit.recent(limit=AUDIT_LIMIT), where="audit", queue=False)
        if audit is not None:
            if audit:
                st.dataframe(audit_rows(audit), hide_index=True)
            else:
                st.info("Nothing recorded yet.", icon=":material/inbox:")


if __name__ == "__main__":
    authentication_history_page()
