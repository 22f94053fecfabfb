"""The portal's screens: file (relative to ``portal/streamlit_app.py``), title and icon, used by
the router and by links between pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import streamlit as st
from streamlit.errors import StreamlitAPIException


@dataclass(frozen=True)
class Screen:
    file: str
    title: str
    icon: str


LOGIN: Final = Screen("app_pages/login.py", "Log In", ":material/lock:")
PROCEDURE: Final = Screen(
    "app_pages/procedure.py", "Re-integration procedure", ":material/checklist:"
)
SALESFORCE: Final = Screen(
    "app_pages/salesforce_integration.py", "Salesforce integration", ":material/sync_alt:"
)
ERROR_LOG: Final = Screen("app_pages/error_log.py", "Error log", ":material/report:")
BACKUPS: Final = Screen("app_pages/backups.py", "Backups", ":material/backup:")
HISTORY: Final = Screen(
    "app_pages/authentication_history.py", "Authentication history", ":material/history:"
)
DEMO: Final = Screen("app_pages/demo.py", "Demo", ":material/science:")


def page(screen: Screen, *, default: bool = False) -> st.Page:
    return st.Page(screen.file, title=screen.title, icon=screen.icon, default=default)


def link(screen: Screen, label: str | None = None) -> None:
    """A link to another screen (plain text when the screen is not in the navigation, as when
    a page runs on its own)."""
    try:
        st.page_link(screen.file, label=label or screen.title, icon=screen.icon)
    except StreamlitAPIException:
        st.markdown(f"{label or screen.title} (page: *{screen.title}*)")
