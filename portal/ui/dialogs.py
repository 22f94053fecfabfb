"""Which confirmation dialog is open, kept in the session.

A dialog opens from a button's callback and stays open across full reruns until it is
confirmed, cancelled or dismissed (``on_dismiss=close_dialog``), so it behaves the same
whether its own buttons rerun only the dialog (in a browser) or the whole page.
"""

from __future__ import annotations

from typing import Final, NoReturn

import streamlit as st

OPEN_DIALOG: Final = "ui.dialog"


def open_dialog(name: str) -> None:
    """Callback: open the dialog ``name``."""
    st.session_state[OPEN_DIALOG] = name


def close_dialog() -> None:
    """Callback (and ``on_dismiss``): close whatever dialog is open."""
    st.session_state.pop(OPEN_DIALOG, None)


def is_open(name: str) -> bool:
    return st.session_state.get(OPEN_DIALOG) == name


def finish() -> NoReturn:
    """Close the dialog and show the page with what the action changed."""
    close_dialog()
    st.rerun()
