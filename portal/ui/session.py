"""Session state shared by the pages: who is logged in, and results remembered until something
changes.

Keys are named constants with a prefix per owner (``auth.``, ``ui.``); pages define their own.
Results of checks that reach Salesforce are remembered per *generation*: every action that
changes the portal's state calls :func:`changed`, so every remembered result is read again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import streamlit as st

from portal.services.actors import Actor

T = TypeVar("T")

#: The logged-in portal user (:class:`Actor`).
ACTOR: Final = "auth.actor"
#: Bumped by every change; remembered results of older generations are stale.
GENERATION: Final = "ui.generation"
_REMEMBERED_PREFIX: Final = "ui.remembered."


def current_actor() -> Actor | None:
    """The logged-in portal user of this browser session, if any."""
    actor = st.session_state.get(ACTOR)
    return actor if isinstance(actor, Actor) else None


def generation() -> int:
    value = st.session_state.get(GENERATION, 0)
    return value if isinstance(value, int) else 0


def changed() -> None:
    """Something changed (an action, a reset): read every remembered result again."""
    st.session_state[GENERATION] = generation() + 1


def remembered(name: str, compute: Callable[[], T]) -> T:
    """``compute()``'s value, remembered for this session until :func:`changed` or
    :func:`forget` (checks that call Salesforce run once per visit, not on every rerun)."""
    key = _REMEMBERED_PREFIX + name
    saved = st.session_state.get(key)
    if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == generation():
        value: T = saved[1]
        return value
    value = compute()
    st.session_state[key] = (generation(), value)
    return value


def peek(name: str) -> object | None:
    """The remembered value of ``name`` if it is current, without computing it."""
    saved = st.session_state.get(_REMEMBERED_PREFIX + name)
    if isinstance(saved, tuple) and len(saved) == 2 and saved[0] == generation():
        return saved[1]
    return None


def remember(name: str, value: object) -> None:
    """Remember ``value`` as the current result of ``name``."""
    st.session_state[_REMEMBERED_PREFIX + name] = (generation(), value)


def forget(name: str) -> None:
    """Drop the remembered result of ``name`` (e.g. "Check again")."""
    st.session_state.pop(_REMEMBERED_PREFIX + name, None)
