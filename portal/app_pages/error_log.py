"""Error log (step 10): the third-party integration error log, filtered, counted and paged in
DuckDB by the error-tables service, with CSV and Parquet downloads."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Final

import streamlit as st

from portal.domain.integration_errors import ErrorLogFilter, ErrorSource, IntegrationErrorEntry
from portal.services.container import Portal
from portal.services.error_tables import DEFAULT_PAGE_SIZE, ErrorPage, ExportFormat
from portal.ui.auth import require_actor
from portal.ui.container import portal_or_stop
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.forms import fingerprint
from portal.ui.tables import when

DATES: Final = "errors.dates"
CODE: Final = "errors.code"
OBJECT: Final = "errors.object"
SOURCE: Final = "errors.source"
NEW_ONLY: Final = "errors.new_only"
PAGE: Final = "errors.page"
CSV_DOWNLOAD: Final = "errors.download.csv"
PARQUET_DOWNLOAD: Final = "errors.download.parquet"
ALL: Final = "All"


@guarded
def error_log_page() -> None:
    """Filters, counts by code and by day, one page of errors, downloads."""
    require_actor()
    portal = portal_or_stop()
    st.title("Third-party integration error log")
    st.caption(
        "Step 10: after calls and meetings, check the errors. If there are errors that did not "
        "occur before, please contact Support."
    )
    show_notices()
    new = attempt(portal.error_tables.new_codes_since_integration, where="new codes", queue=False)
    if new is None:
        return
    if new.since is not None and new.codes:
        st.warning(
            f"Errors that did not occur before appeared since the integration on "
            f"{when(new.since)}: **{', '.join(new.codes)}**. Please contact Support.",
            icon=":material/new_releases:",
        )
    elif new.since is not None:
        st.success(
            f"No error has appeared since the integration on {when(new.since)} that did not "
            "occur before.",
            icon=":material/check_circle:",
        )
    codes = attempt(lambda: portal.error_tables.counts_by_code(), where="codes", queue=False) or []
    objects = attempt(portal.error_tables.objects, where="objects", queue=False) or []
    filters = _filters(
        codes=[count.status_code for count in codes],
        objects=objects,
        new_since=new.since if new else None,
    )
    if filters is None:
        return
    _charts(portal, filters)
    _table(portal, filters)


def _filters(
    *, codes: list[str], objects: list[str], new_since: datetime | None
) -> ErrorLogFilter | None:
    with st.container(border=True):
        first, second, third = st.columns(3)
        picked = first.date_input("Date range (UTC)", value=[], key=DATES, format="YYYY-MM-DD")
        code = second.selectbox("Error code", options=[ALL, *codes], key=CODE)
        sobject = third.selectbox("Object", options=[ALL, *objects], key=OBJECT)
        fourth, fifth = st.columns([1, 2])
        source = fourth.selectbox(
            "Source",
            options=[None, *ErrorSource],
            format_func=lambda s: ALL if s is None else s.label,
            key=SOURCE,
        )
        new_only = fifth.checkbox(
            "Only errors since the re-integration",
            key=NEW_ONLY,
            disabled=new_since is None,
            help="Errors since MiiTel was last integrated (the newest “Integrated” line of the "
            "authentication history).",
        )
    since, until = _date_range(picked)
    if new_only and new_since is not None:
        since = max(since, new_since) if since is not None else new_since
    return ErrorLogFilter(
        since=since,
        until=until,
        source=source,
        status_code=None if code == ALL else code,
        sobject=None if sobject == ALL else sobject,
    )


def _date_range(picked: object) -> tuple[datetime | None, datetime | None]:
    days = [d for d in picked if isinstance(d, date)] if isinstance(picked, tuple) else []
    if isinstance(picked, date):
        days = [picked]
    if not days:
        return None, None
    start, end = days[0], days[-1]
    return (
        datetime.combine(start, time.min, tzinfo=UTC),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=UTC),
    )


def _charts(portal: Portal, filters: ErrorLogFilter) -> None:
    by_code = attempt(
        lambda: portal.error_tables.counts_by_code(filters=filters), where="counts", queue=False
    )
    by_day = attempt(
        lambda: portal.error_tables.counts_by_day(filters=filters), where="counts", queue=False
    )
    if not by_code or by_day is None:
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**Errors by code**")
        st.bar_chart(
            {"Error code": [c.status_code for c in by_code], "Errors": [c.count for c in by_code]},
            x="Error code",
            y="Errors",
            horizontal=True,
            height=260,
        )
    with right:
        st.markdown("**Errors by day (UTC)**")
        st.bar_chart(
            {"Day": [d.day.isoformat() for d in by_day], "Errors": [d.count for d in by_day]},
            x="Day",
            y="Errors",
            height=260,
        )


def _table(portal: Portal, filters: ErrorLogFilter) -> None:
    # Other filters, other pages: the pager's key follows the filters, so it starts at page 1.
    pager = f"{PAGE}.{fingerprint(filters)}"
    requested = st.session_state.get(pager, 1)
    page = _page(portal, filters, requested if isinstance(requested, int) else 1)
    if page is None:
        return
    if page.total == 0:
        st.info("No error matches these filters.", icon=":material/inbox:")
        return
    first = (page.page - 1) * page.page_size + 1
    last = first + len(page.entries) - 1
    header = st.container(horizontal=True, vertical_alignment="center")
    header.markdown(f"**{page.total} errors** · showing {first}–{last}")
    header.download_button(
        "Download CSV",
        data=lambda: portal.error_tables.export(filters=filters, format=ExportFormat.CSV),
        file_name=f"integration-errors-{date.today():%Y%m%d}.csv",
        mime=ExportFormat.CSV.mime_type,
        key=CSV_DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
    )
    header.download_button(
        "Download Parquet",
        data=lambda: portal.error_tables.export(filters=filters, format=ExportFormat.PARQUET),
        file_name=f"integration-errors-{date.today():%Y%m%d}.parquet",
        mime=ExportFormat.PARQUET.mime_type,
        key=PARQUET_DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
    )
    st.dataframe(error_rows(page.entries), hide_index=True)
    st.pagination(page.page_count, key=pager)


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
    return [
        {
            "When": when(entry.occurred_at),
            "Source": entry.source.label,
            "Object": entry.sobject,
            "Operation": entry.operation.value.capitalize(),
            "Error code": entry.status_code,
            "Message": entry.message,
            "Fields": ", ".join(entry.fields),
            "MiiTel record": entry.miitel_record_id,
        }
        for entry in entries
    ]


if __name__ == "__main__":
    error_log_page()
