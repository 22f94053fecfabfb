"""Telling people what happened, and never showing them a traceback.

Actions run through :func:`attempt`: a :class:`PortalError` becomes its ``user_message``;
anything else becomes a generic message with a reference, and the detail goes to the server
log under that reference (the audit log gets its type and the reference only). Notices raised
in callbacks are queued (:func:`notify`) and shown once, in one place, on the next run
(:func:`show_notices`): a banner at the top of the page, or a toast for what happened
off-screen. A notice about a procedure step goes to that step's check panel instead when the
Procedure page shows that step (:func:`take_notices`). Messages are translated when shown.
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

from portal.domain.text import msg
from portal.services.errors import PortalError
from portal.ui import container, session
from portal.ui.i18n import t

log = logging.getLogger("portal.ui")
T = TypeVar("T")

NOTICES: Final = "ui.notices"


class NoticeKind(Enum):
    SUCCESS = "success"
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


_ICONS: Final = {
    NoticeKind.SUCCESS: ":material/check_circle:",
    NoticeKind.INFO: ":material/info:",
    NoticeKind.WARNING: ":material/warning:",
    NoticeKind.ERROR: ":material/error:",
}


@dataclass(frozen=True)
class Notice:
    kind: NoticeKind
    text: str
    #: The procedure step whose check panel reports this event.
    step: int | None = None
    #: It happened off-screen (e.g. at Salesforce): a toast rather than a banner.
    toast: bool = False


def notify(kind: NoticeKind, text: str, *, step: int | None = None, toast: bool = False) -> None:
    """Queue a notice (a message, translated when shown) for the next run of the page."""
    queued = list(st.session_state.get(NOTICES, []))
    queued.append(Notice(kind, text, step=step, toast=toast))
    st.session_state[NOTICES] = queued


def take_notices() -> list[Notice]:
    """The queued notices, off the queue: the caller shows each once."""
    queued = st.session_state.pop(NOTICES, [])
    return [notice for notice in queued if isinstance(notice, Notice)]


def show_notices() -> None:
    """Show the queued notices once, each in one place."""
    for notice in take_notices():
        show_notice(notice)


def show_notice(notice: Notice) -> None:
    """A toast for what happened off-screen, a banner in place for the rest."""
    if notice.toast:
        st.toast(t(notice.text), icon=_ICONS[notice.kind])
    else:
        show(notice.kind, notice.text)


def show(kind: NoticeKind, text: str) -> None:
    """One notice in place (a service's message in the person's language)."""
    shown = t(text)
    if kind is NoticeKind.SUCCESS:
        st.success(shown, icon=_ICONS[kind])
    elif kind is NoticeKind.INFO:
        st.info(shown, icon=_ICONS[kind])
    elif kind is NoticeKind.WARNING:
        st.warning(shown, icon=_ICONS[kind])
    else:
        st.error(shown, icon=_ICONS[kind])


def unexpected(where: str) -> str:
    """Log the exception being handled under a new reference and record it in the audit log
    (its type and the reference only); the message to show."""
    reference = uuid.uuid4().hex[:8]
    log.exception("Unexpected failure in %s (reference %s)", where, reference)
    error = sys.exc_info()[1]
    if error is not None:
        _record(where, error, reference)
    return msg(
        "Something went wrong and the portal could not finish. Nothing was shown to anyone else; "
        "try again, and if it happens again give Support the reference {reference}.",
        reference=reference,
    )


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
