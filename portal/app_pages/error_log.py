"""Error log (step 10): the third-party integration error log, filtered, counted and paged in
DuckDB by the error-tables service, with CSV and Parquet downloads. Times and days are the
person's (their zone); storage stays UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.integration_errors import ErrorLogFilter, ErrorSource, IntegrationErrorEntry
from portal.domain.local_days import day_range
from portal.services.error_tables import (
    DEFAULT_PAGE_SIZE,
    EXPORT_HEADERS,
    ErrorPage,
    ExportFormat,
)
from portal.ui import error_charts, i18n
from portal.ui.auth import require_actor
from portal.ui.container import portal_or_stop
from portal.ui.error_exports import ErrorLogChoice, csv_layout, file_name
from portal.ui.export_files import JobState, prepared
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.forms import fingerprint
from portal.ui.i18n import _, ngettext, t
from portal.ui.markup import literal
from portal.ui.tables import object_label, shown_time, when_header

DATES: Final = "errors.dates"
CODE: Final = "errors.code"
OBJECT: Final = "errors.object"
SOURCE: Final = "errors.source"
NEW_ONLY: Final = "errors.new_only"
PAGE: Final = "errors.page"
CSV_DOWNLOAD: Final = "errors.download.csv"
PARQUET_DOWNLOAD: Final = "errors.download.parquet"
EXPORT_JOB: Final = "errors.export.job"
EXPORT_CANCEL: Final = "errors.export.cancel"


@guarded
def error_log_page() -> None:
    """Filters, counts by code and by day, one page of errors, downloads."""
    require_actor()
    portal = portal_or_stop()
    st.title(_("Third-party integration error log"))
    st.caption(
        _(
            "Step 10: after calls and meetings, check the errors. If there are errors that did "
            "not occur before, please contact Support."
        )
    )
    show_notices()
    new = attempt(portal.error_tables.new_codes_since_integration, where="new codes", queue=False)
    if new is None:
        return
    if new.since is not None and new.codes:
        st.warning(
            _(
                "Errors that did not occur before appeared since the integration on {when}: "
                "**{codes}**. Please contact Support."
            ).format(when=i18n.when(new.since), codes=literal(", ".join(new.codes))),
            icon=":material/new_releases:",
        )
    elif new.since is not None:
        st.success(
            _(
                "No error has appeared since the integration on {when} that did not occur before."
            ).format(when=i18n.when(new.since)),
            icon=":material/check_circle:",
        )
    codes = attempt(lambda: portal.error_tables.counts_by_code(), where="codes", queue=False) or []
    objects = attempt(portal.error_tables.objects, where="objects", queue=False) or []
    choice = _filters(
        codes=[count.status_code for count in codes],
        objects=objects,
        can_narrow_to_new=new.since is not None,
    )
    filters = _filter_of(choice, new_since=new.since)
    _charts(portal, filters)
    _table(portal, filters, choice)
    token = st.session_state.get(EXPORT_JOB)
    job = prepared().get(token) if isinstance(token, str) else None
    # While an export runs its progress is redrawn every second, alone.
    running = job is not None and job.state is JobState.RUNNING
    st.fragment(_export_status, run_every=1.0 if running else None)()


def _filters(*, codes: list[str], objects: list[str], can_narrow_to_new: bool) -> ErrorLogChoice:
    every = _("All")
    with st.container(border=True):
        first, second, third = st.columns(3)
        picked = first.date_input(
            _("Date range ({zone})").format(zone=i18n.zone_label()),
            value=[],
            key=DATES,
            format="YYYY/MM/DD",
        )
        code = second.selectbox(
            _("Error code"),
            options=[None, *codes],
            format_func=lambda c: every if c is None else c,
            key=CODE,
        )
        sobject = third.selectbox(
            _("Object"),
            options=[None, *objects],
            format_func=lambda o: every if o is None else object_label(o),
            key=OBJECT,
        )
        fourth, fifth = st.columns([1, 2])
        source = fourth.selectbox(
            _("Source"),
            options=[None, *ErrorSource],
            format_func=lambda s: every if s is None else t(s.label),
            key=SOURCE,
        )
        new_only = fifth.checkbox(
            _("Only errors since the re-integration"),
            key=NEW_ONLY,
            disabled=not can_narrow_to_new,
            help=_(
                "Errors since MiiTel was last integrated (the newest “Integrated” line of the "
                "authentication history)."
            ),
        )
    return ErrorLogChoice(
        days=_days(picked),
        status_code=code,
        sobject=sobject,
        source=source,
        new_only=bool(new_only and can_narrow_to_new),
    )


def _days(picked: object) -> tuple[date, date] | None:
    days = [d for d in picked if isinstance(d, date)] if isinstance(picked, tuple) else []
    if isinstance(picked, date):
        days = [picked]
    return (days[0], days[-1]) if days else None


def _filter_of(choice: ErrorLogChoice, *, new_since: datetime | None) -> ErrorLogFilter:
    """The query for ``choice``: picked days are midnights of the person's zone, in UTC."""
    since, until = day_range(*choice.days, i18n.time_zone()) if choice.days else (None, None)
    if choice.new_only and new_since is not None:
        since = max(since, new_since) if since is not None else new_since
    return ErrorLogFilter(
        since=since,
        until=until,
        source=choice.source,
        status_code=choice.status_code,
        sobject=choice.sobject,
    )


def _charts(portal: Portal, filters: ErrorLogFilter) -> None:
    by_code = attempt(
        lambda: portal.error_tables.counts_by_code(filters=filters), where="counts", queue=False
    )
    zone = i18n.time_zone()
    by_day = attempt(
        lambda: portal.error_tables.counts_by_day(filters=filters, zone=zone),
        where="counts",
        queue=False,
    )
    if not by_code or by_day is None:
        return
    code_title = _("Errors by code")
    day_title = _("Errors by day ({zone})").format(zone=i18n.zone_label())
    left, right = st.columns(2)
    with left:
        st.markdown(f"**{code_title}**")
        st.altair_chart(error_charts.by_code(by_code), width="stretch")
    with right:
        st.markdown(f"**{day_title}**")
        st.altair_chart(error_charts.by_day(by_day), width="stretch")


@st.fragment
def _table(portal: Portal, filters: ErrorLogFilter, choice: ErrorLogChoice) -> None:
    # A fragment: turning a page reruns only the table, not the filters' lists and charts.
    # Other filters, other pages: the pager's key follows the filters, so it starts at page 1.
    pager = f"{PAGE}.{fingerprint(filters)}"
    requested = st.session_state.get(pager, 1)
    page = _page(portal, filters, requested if isinstance(requested, int) else 1)
    if page is None:
        return
    if page.total == 0:
        st.info(_("No error matches these filters."), icon=":material/inbox:")
        return
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.entries) - 1
    header = st.container(horizontal=True, vertical_alignment="center")
    header.markdown(
        ngettext(
            "**{count} error** · showing {first}–{last}",
            "**{count} errors** · showing {first}–{last}",
            page.total,
            first=i18n.number(first),
            last=i18n.number(last),
        )
    )
    _downloads(header, portal, filters, choice)
    st.dataframe(error_rows(page.entries), hide_index=True)
    st.pagination(page.page_count, key=pager)


def _downloads(
    header: st.delta_generator.DeltaGenerator,
    portal: Portal,
    filters: ErrorLogFilter,
    choice: ErrorLogChoice,
) -> None:
    if header.button(_("Download CSV"), key=CSV_DOWNLOAD, icon=":material/download:"):
        _start_export(portal, filters, choice, ExportFormat.CSV)
    if header.button(_("Download Parquet"), key=PARQUET_DOWNLOAD, icon=":material/download:"):
        _start_export(portal, filters, choice, ExportFormat.PARQUET)


def _start_export(
    portal: Portal, filters: ErrorLogFilter, choice: ErrorLogChoice, format: ExportFormat
) -> None:
    # The file is written in its own thread: everything from the session is read now.
    layout = csv_layout() if format is ExportFormat.CSV else None
    job = prepared().start(
        lambda path, control: portal.error_tables.export_to(
            path, filters=filters, format=format, layout=layout, control=control
        ),
        file_name=file_name(choice, format=format, now=datetime.now(UTC)),
        mime=format.mime_type,
        owner=require_actor().username,  # only this user's login cookie fetches the file
    )
    st.session_state[EXPORT_JOB] = job.token
    st.rerun(scope="app")


def _export_status() -> None:
    """The running or finished export: progress and Cancel, then the file to save."""
    token = st.session_state.get(EXPORT_JOB)
    job = prepared().get(token) if isinstance(token, str) else None
    if job is None:
        return
    if job.state is JobState.RUNNING:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.progress(
            job.progress(), text=_("Preparing {file}…").format(file=literal(job.file_name))
        )
        if row.button(_("Cancel"), key=EXPORT_CANCEL, icon=":material/cancel:"):
            job.control.cancel()
    elif job.state is JobState.READY:
        st.link_button(
            _("Save {file}").format(file=literal(job.file_name)),
            job.url,
            icon=":material/download:",
        )
    elif job.state is JobState.CANCELLED:
        st.info(_("The download was cancelled."), icon=":material/cancel:")
    else:
        st.error(
            _("The download could not be prepared. Please try again."), icon=":material/error:"
        )


def _page(portal: Portal, filters: ErrorLogFilter, number: int) -> ErrorPage | None:
    page = attempt(
        lambda: portal.error_tables.page(
            filters=filters, page=max(number, 1), page_size=DEFAULT_PAGE_SIZE
        ),
        where="error page",
        queue=False,
    )
    if page is not None and page.total and page.page > page.page_count:
        # The filters shrank the result below the page the person was on: show the last page.
        return _page(portal, filters, page.page_count)
    return page


def error_rows(entries: tuple[IntegrationErrorEntry, ...]) -> list[dict[str, str]]:
    """The table's rows: headers in the session's language, times in the person's zone."""
    headers = {column: t(label) for column, label in EXPORT_HEADERS.items()}
    return [
        {
            when_header(): shown_time(entry.occurred_at),
            headers["source"]: t(entry.source.label),
            headers["sobject"]: object_label(entry.sobject),
            headers["operation"]: t(entry.operation.label),
            headers["status_code"]: entry.status_code,
            headers["message"]: entry.message,
            headers["fields"]: ", ".join(entry.fields),
            headers["miitel_record_id"]: entry.miitel_record_id,
        }
        for entry in entries
    ]


if __name__ == "__main__":
    error_log_page()
