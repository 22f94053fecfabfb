"""Status badges and the words for a step's outcome, in the person's language."""

from __future__ import annotations

from typing import Final, Literal

import streamlit as st

from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import N_
from portal.ui.i18n import _, t

BadgeColor = Literal["green", "orange", "red", "gray"]

_STATUS_WORDS: Final[dict[StepStatus, tuple[str, str, BadgeColor]]] = {
    StepStatus.OK: (N_("Done"), ":material/check_circle:", "green"),
    StepStatus.ACTION_NEEDED: (N_("Action needed"), ":material/pending_actions:", "orange"),
    StepStatus.ERROR: (N_("Error"), ":material/error:", "red"),
}
_NOT_CHECKED: Final[tuple[str, str, BadgeColor]] = (
    N_("Not checked yet"),
    ":material/radio_button_unchecked:",
    "gray",
)
SETUP_PREFIX: Final = "Setup: "


def status_icon(status: StepStatus | None) -> str:
    """The icon of a step's status in the step list."""
    words = _STATUS_WORDS[status] if status is not None else _NOT_CHECKED
    return words[1]


def status_word(status: StepStatus | None) -> str:
    """The status in words ("Done", "Action needed", ...), translated."""
    words = _STATUS_WORDS[status] if status is not None else _NOT_CHECKED
    return _(words[0])


def status_badge(status: StepStatus | None) -> None:
    _label, icon, color = _STATUS_WORDS[status] if status is not None else _NOT_CHECKED
    st.badge(status_word(status), icon=icon, color=color)


def step_result(result: StepResult, *, details: bool = True) -> None:
    """A check's outcome: badge, message and (unless the page shows them its own way) its
    detail lines; a line naming a Setup page becomes a link."""
    status_badge(result.status)
    text = t(result.message)
    if result.status is StepStatus.OK:
        st.success(text, icon=":material/check_circle:")
    elif result.status is StepStatus.ACTION_NEEDED:
        st.warning(text, icon=":material/pending_actions:")
    else:
        st.error(text, icon=":material/error:")
    for line in result.details if details else ():
        if line.startswith(SETUP_PREFIX):
            url = line[len(SETUP_PREFIX) :]
            st.link_button(_("Open the Salesforce Setup page"), url, icon=":material/open_in_new:")
        else:
            shown = t(line)
            if shown not in text:
                st.markdown(f"- {shown}")
