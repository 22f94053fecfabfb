"""Which language a session speaks, and the sidebar's "Language / 言語" selector.

``?lang=ja|en`` wins and is remembered for the logged-in user; otherwise the choice made in this
session, then the user's stored choice, then the browser's language. The URL always carries the
language shown, so a copied link opens in it.
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.services.actors import Actor
from portal.ui import i18n
from portal.ui.feedback import attempt

SELECTOR: Final = "ui.language.selector"
#: The user whose stored choice this session has already read.
_LOADED_FOR: Final = "ui.language.loaded_for"
#: The ``?lang=`` this session last wrote into the address bar (not a choice of the person's).
_WRITTEN: Final = "ui.language.written"


def settle(portal: Portal | None, actor: Actor | None) -> None:
    """Decide this run's language before anything is drawn."""
    requested = i18n.requested_language()
    if requested is not None and requested != st.session_state.get(_WRITTEN):
        # A ``?lang=`` the person opened or typed (not the one this session wrote).
        i18n.choose(requested)
        _store(portal, actor, requested)
    elif _first_run_for(actor) and not i18n.was_chosen():
        assert actor is not None and portal is not None
        stored = attempt(
            lambda: portal.preferences.language_of(actor=actor), where="language", queue=False
        )
        if stored is not None and stored in i18n.LANGUAGES:
            i18n.choose(stored, chosen=False)
    elif _first_run_for(actor):
        # A choice made before logging in (on the login page) becomes the user's.
        _store(portal, actor, i18n.language())
    if actor is not None:
        st.session_state[_LOADED_FOR] = actor.username
    if requested != i18n.language():
        st.query_params[i18n.QUERY_PARAM] = i18n.language()
    st.session_state[_WRITTEN] = i18n.language()


def _first_run_for(actor: Actor | None) -> bool:
    """Whether this is the session's first run logged in as ``actor``."""
    return actor is not None and st.session_state.get(_LOADED_FOR) != actor.username


def selector(portal: Portal | None, actor: Actor | None) -> None:
    """The sidebar's language selector (its label and options are in both languages)."""
    options = list(i18n.LANGUAGES)
    st.session_state[SELECTOR] = i18n.language()
    st.sidebar.selectbox(
        i18n.SELECTOR_LABEL,
        options,
        key=SELECTOR,
        format_func=lambda code: i18n.LANGUAGES[code],
        on_change=_selected,
        args=(portal, actor),
    )


def _selected(portal: Portal | None, actor: Actor | None) -> None:
    value = st.session_state.get(SELECTOR)
    if isinstance(value, str):
        i18n.choose(value)
        _store(portal, actor, value)


def _store(portal: Portal | None, actor: Actor | None, value: str) -> None:
    if portal is None or actor is None:
        return
    attempt(lambda: portal.preferences.set_language(actor=actor, language=value), where="language")
