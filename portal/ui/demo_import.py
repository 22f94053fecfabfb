"""The Demo page's CSV import: calls or meetings from a file (the columns of
``portal/domain/calls.py``), queued for Salesforce; what was imported and each bad row, in the
session's language."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.calls import ActivityKind, csv_columns
from portal.domain.sync.csv_import import kind_of
from portal.services.actors import Actor
from portal.services.sync.service import CsvImportResult
from portal.ui import session
from portal.ui.auth import VIEWER_NOTE
from portal.ui.feedback import attempt
from portal.ui.i18n import _, ngettext, t
from portal.ui.markup import literal, literal_code
from portal.ui.uploads import file_uploader

FILE: Final = "demo.csv.file"
PARTIAL: Final = "demo.csv.partial"
IMPORT: Final = "demo.csv.import"
RESULT: Final = "demo.csv.result"
#: Bad rows listed on the page (the rest are counted).
SHOWN_PROBLEMS: Final = 20


def csv_import_section(portal: Portal, actor: Actor) -> None:
    """A file of calls or meetings (told apart by its header line), imported by an admin."""
    st.subheader(_("Import calls or meetings from CSV"), anchor=False)
    st.caption(
        _(
            "The first line names the columns (any order), as below for calls or for "
            "meetings; UTF-8 or Shift_JIS. A time without an offset is Japan time. Imported "
            'records wait until "Send queued calls and meetings".'
        )
    )
    for kind, label in ((ActivityKind.CALL, _("Calls")), (ActivityKind.MEETING, _("Meetings"))):
        required = ",".join(c.name for c in csv_columns(kind) if c.required)
        optional = ",".join(c.name for c in csv_columns(kind) if not c.required)
        st.markdown(f"**{label}**")
        st.code(required, language=None)
        st.caption(_("Optional columns: {columns}").format(columns=literal(optional)))
    upload = file_uploader(_("CSV file"), types=["csv"], key=FILE, disabled=not actor.is_admin)
    partial = st.checkbox(
        _("Import only the valid rows when some rows have problems"),
        key=PARTIAL,
        disabled=not actor.is_admin,
    )
    clicked = st.button(
        _("Import"),
        key=IMPORT,
        icon=":material/upload_file:",
        disabled=not actor.is_admin or upload is None,
        help=None if actor.is_admin else _(VIEWER_NOTE),
    )
    if clicked and upload is not None:
        data = upload.getvalue()
        holds = kind_of(data)
        if holds is None:
            st.error(
                _(
                    "The file's first line names neither call_id (calls) nor meeting_id "
                    "(meetings); start it with one of the lines above."
                ),
                icon=":material/error:",
            )
            return
        result = attempt(
            lambda: portal.sync.import_csv(actor=actor, kind=holds, data=data, partial=partial),
            where="csv import",
            queue=False,
        )
        if result is not None:
            st.session_state[RESULT] = result
            session.changed()
            st.rerun()  # the queued count on "Send queued calls and meetings" changed
    result = st.session_state.get(RESULT)
    if isinstance(result, CsvImportResult):
        import_result(result)


def import_result(result: CsvImportResult) -> None:
    """What the import did, sentence by sentence, then the bad rows."""
    text = "\n\n".join(t(part) for part in result.messages)
    if result.problems:
        st.warning(text, icon=":material/warning:")
    else:
        st.success(text, icon=":material/check_circle:")
    if result.ignored_columns:
        st.caption(
            _("Columns not used: {columns}").format(
                columns=", ".join(literal_code(c) for c in result.ignored_columns)
            )
        )
    if result.problems:
        st.markdown("\n".join(f"- {t(p.text)}" for p in result.problems[:SHOWN_PROBLEMS]))
        more = len(result.problems) - SHOWN_PROBLEMS
        if more > 0:
            st.caption(ngettext("…and {count} more row.", "…and {count} more rows.", more))
