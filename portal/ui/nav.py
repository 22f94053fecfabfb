"""The portal's screens: file (relative to ``portal/streamlit_app.py``), title and icon, used by
the router and by links between pages. Titles and section names are English ids (``N_``),
translated where the page or section is built, in the session's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import streamlit as st
from streamlit.errors import StreamlitAPIException

from portal.domain.text import N_
from portal.ui.i18n import _
from portal.ui.markup import literal


@dataclass(frozen=True)
class Screen:
    file: str
    title: str
    icon: str


LOGIN: Final = Screen("app_pages/login.py", N_("Log In"), ":material/lock:")
PROCEDURE: Final = Screen(
    "app_pages/procedure.py", N_("Re-integration procedure"), ":material/checklist:"
)
SALESFORCE: Final = Screen(
    "app_pages/salesforce_integration.py", N_("Salesforce integration"), ":material/sync_alt:"
)
ERROR_LOG: Final = Screen("app_pages/error_log.py", N_("Error log"), ":material/report:")
BACKUPS: Final = Screen("app_pages/backups.py", N_("Backups"), ":material/backup:")
HISTORY: Final = Screen(
    "app_pages/authentication_history.py", N_("Authentication history"), ":material/history:"
)
DEMO: Final = Screen("app_pages/demo.py", N_("Demo"), ":material/science:")

#: The sections of ``st.navigation`` (English ids; :func:`section` gives the shown name).
RE_INTEGRATION: Final = N_("Re-integration")
REVIEW: Final = N_("Review")
MOCK_ORG: Final = N_("Mock org")


def section(name: str) -> str:
    """A navigation section's name in the session's language (``section(nav.REVIEW)``)."""
    return _(name)


def title(screen: Screen) -> str:
    """The screen's title in the session's language."""
    return _(screen.title)


def page(screen: Screen, *, default: bool = False) -> st.Page:
    # The URL comes from the file name, so it is the same in every language.
    return st.Page(screen.file, title=title(screen), icon=screen.icon, default=default)


def link(screen: Screen, label: str | None = None) -> None:
    """A link to another screen (plain text when the screen is not in the navigation, as when
    a page runs on its own). ``label`` is shown as given (already in the session's language)."""
    shown = label or title(screen)
    try:
        st.page_link(screen.file, label=shown, icon=screen.icon)
    except StreamlitAPIException:
        st.markdown(
            _("{label} (page: *{title}*)").format(label=literal(shown), title=title(screen))
        )
