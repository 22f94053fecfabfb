"""Form values that follow the stored settings.

Widgets keep what a person typed across reruns (a failed Save must not wipe it), but when the
stored values change (a restore, another admin's save, a demo reset) the form must show them:
:func:`seed` writes the stored values into the widgets' keys whenever their fingerprint
changed, before the widgets are created.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Final

import streamlit as st

_SEEDED_SUFFIX: Final = ".seeded_from"


def fingerprint(value: object) -> str:
    """A short digest of a frozen value's repr (settings dataclasses have stable reprs)."""
    return hashlib.sha256(repr(value).encode("utf-8")).hexdigest()[:16]


def seed(group: str, *, source: object, values: Mapping[str, object]) -> None:
    """Set each widget key in ``values`` when ``source`` differs from what the group's widgets
    were last seeded from (call before creating the widgets)."""
    marker = group + _SEEDED_SUFFIX
    current = fingerprint(source)
    if st.session_state.get(marker) == current and all(k in st.session_state for k in values):
        return
    for key, value in values.items():
        st.session_state[key] = value
    st.session_state[marker] = current
