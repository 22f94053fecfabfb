"""Telling people what happened, and never showing them a traceback.

Actions run through :func:`attempt`: a :class:`PortalError` becomes its ``user_message``;
anything else becomes a generic message with a reference, and the detail goes to the server
log under that reference (the audit log gets its type and the reference only). Notices raised
in callbacks are queued (:func:`notify`) and shown at the top of the next run
(:func:`show_notices`); successes also pop up as a toast.
"""

from __future__ import annotations

import functools
import logging
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Final, TypeVar

import streamlit as st

from portal.services.errors import PortalError
from portal.ui import container, session

log = logging.getLogger("portal.ui")
T = TypeVar("T")

NOTICES: Final = "ui.notices"
GENERIC_FAILURE: Final = (
    "Something went wrong and the portal could not finish. Nothing was shown to anyone else; "
    "try again, and if it happens again give Support the reference {reference}."
)


class NoticeKind(Enum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    text: str


def notify(kind: NoticeKind, text: str) -> None:
    """Queue a notice for the top of the next run of the page."""
    queued = list(st.session_state.get(NOTICES, []))
    queued.append(Notice(kind, text))
    st.session_state[NOTICES] = queued


def show_notices() -> None:
    """Show the queued notices once (a success also as a toast)."""
    queued = st.session_state.pop(NOTICES, [])
    for notice in queued:
        if not isinstance(notice, Notice):
            continue
        show(notice.kind, notice.text)
        if notice.kind is NoticeKind.SUCCESS:
            st.toast(notice.text, icon=":material/check_circle:")


def show(kind: NoticeKind, text: str) -> None:
    """One notice in place."""
    if kind is NoticeKind.SUCCESS:
        st.success(text, icon=":material/check_circle:")
    elif kind is NoticeKind.INFO:
        st.info(text, icon=":material/info:")
    elif kind is NoticeKind.WARNING:
        st.warning(text, icon=":material/warning:")
    else:
        st.error(text, icon=":material/error:")


def unexpected(where: str) -> str:
    """Log the exception being handled under a new reference and record it in the audit log
    (its type and the reference only); the message to show."""
    reference = uuid.uuid4().hex[:8]
    log.exception("Unexpected failure in %s (reference %s)", where, reference)
    error = sys.exc_info()[1]
    if error is not None:
        _record(where, error, reference)
    return GENERIC_FAILURE.format(reference=reference)


def _record(where: str, error: BaseException, reference: str) -> None:
    try:
        container.portal().audit.record_unexpected(
            actor=session.current_actor(), where=where, error=error, reference=reference
        )
    except Exception:
        # The failure may be the storage itself: the server log above still has the detail.
        log.warning("Could not record the unexpected failure %s in the audit log", reference)


def attempt(action: Callable[[], T], *, where: str, queue: bool = True) -> T | None:
    """``action()``'s result, or None after telling the person why it failed.

    ``queue`` (in callbacks) shows the message on the next run; otherwise it shows in place.
    """
    try:
        return action()
    except PortalError as exc:
        message = exc.user_message
    except Exception:
        message = unexpected(where)
    if queue:
        notify(NoticeKind.ERROR, message)
    else:
        show(NoticeKind.ERROR, message)
    return None


def guarded(page: Callable[[], None]) -> Callable[[], None]:
    """A page body that ends with a message instead of an exception: the last line of
    defence behind :func:`attempt` (Streamlit's own stop and rerun signals pass through)."""

    @functools.wraps(page)
    def run() -> None:
        try:
            page()
        except PortalError as exc:
            show(NoticeKind.ERROR, exc.user_message)
        except Exception:
            show(NoticeKind.ERROR, unexpected(page.__name__))

    return run
