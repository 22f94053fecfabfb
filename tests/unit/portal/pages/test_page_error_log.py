"""The Error log page: filters, counts, paging (done by the service in DuckDB), downloads, and
the errors that are new since the re-integration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from page_helpers import texts
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.integration_errors import ErrorSource, IntegrationErrorEntry, SyncOperation

PAGE = "error_log.py"
INTEGRATED_AT = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def error(at: datetime, code: str, sobject: str = "Task", number: int = 0) -> IntegrationErrorEntry:
    return IntegrationErrorEntry(
        occurred_at=at,
        source=ErrorSource.ACTIVITY if sobject == "Task" else ErrorSource.VIDEO,
        miitel_record_id=f"call-{number}",
        sobject=sobject,
        operation=SyncOperation.CREATE,
        status_code=code,
        message=f"{code} on record {number}",
    )


@pytest.fixture
def logged(absent_portal: Portal) -> Portal:
    """120 errors before the re-integration (two codes) and 3 after (one code new)."""
    repos = absent_portal.storage.repositories
    repos.authentication_history.append(
        AuthenticationHistoryEntry(
            occurred_at=INTEGRATED_AT,
            event=AuthEvent.INTEGRATED,
            org_id="00D000000000001AAA",
            org_name="Acme Japan",
            username="miitel@acme-japan.example",
            instance_url="https://acme.example",
        )
    )
    for n in range(120):
        code = "ENTITY_IS_DELETED" if n % 3 else "STRING_TOO_LONG"
        repos.integration_errors.append(
            error(INTEGRATED_AT - timedelta(hours=n + 1), code, "Task" if n % 2 else "Event", n)
        )
    for n in range(3):
        repos.integration_errors.append(
            error(INTEGRATED_AT + timedelta(hours=n + 1), "INVALID_FIELD", "Task", 1000 + n)
        )
    return absent_portal


def summary(app: AppTest) -> str:
    return next(str(m.value) for m in app.markdown if " errors** · showing " in str(m.value))


def test_new_error_codes_since_the_reintegration_are_called_out(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    assert not app.exception
    [warning] = app.warning
    assert r"**INVALID\_FIELD**" in warning.value  # the code as written: no emphasis inside
    assert "Please contact Support" in warning.value


def test_the_log_is_paged_fifty_at_a_time(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    assert summary(app) == "**123 errors** · showing 1–50"
    assert len(app.dataframe[0].value) == 50
    [pager] = app.get("pagination")
    pager.set_value(3).run()

    assert not app.exception
    assert summary(app) == "**123 errors** · showing 101–123"
    assert len(app.dataframe[0].value) == 23


def test_filters_narrow_the_log_and_its_counts(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    app.selectbox(key="errors.code").select("STRING_TOO_LONG").run()
    assert summary(app) == "**40 errors** · showing 1–40"

    app.selectbox(key="errors.object").select("Event").run()
    assert summary(app) == "**20 errors** · showing 1–20"
    assert set(app.dataframe[0].value["Object"]) == {"Event"}


def test_the_object_filter_lists_the_objects_in_the_log(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    assert app.selectbox(key="errors.object").options == ["All", "Event", "Task"]


def test_only_errors_since_the_reintegration(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    app.checkbox(key="errors.new_only").check().run()

    assert not app.exception
    assert summary(app) == "**3 errors** · showing 1–3"
    assert set(app.dataframe[0].value["Error code"]) == {"INVALID_FIELD"}


def test_a_date_range_keeps_the_errors_of_those_days(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    day = (INTEGRATED_AT - timedelta(days=1)).date()
    app.date_input(key="errors.dates").set_value((day, day)).run()

    assert not app.exception
    assert summary(app) == "**24 errors** · showing 1–24"
    shown_day = f"{day:%Y/%m/%d}"
    assert all(when.startswith(shown_day) for when in app.dataframe[0].value["When (UTC)"])


def test_counts_by_code_and_by_day_are_charted_and_downloads_offered(page_app, logged: Portal):
    app = page_app(PAGE, logged).run()

    charts = app.get("vega_lite_chart")
    assert len(charts) == 2
    assert "**Errors by code**" in texts(app) and "**Errors by day (UTC)**" in texts(app)
    labels = [app.button(key=k).label for k in ("errors.download.csv", "errors.download.parquet")]
    assert labels == ["Download CSV", "Download Parquet"]


def test_an_empty_log_says_so(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal).run()

    assert not app.exception
    assert "No error matches these filters." in texts(app)
    assert not app.get("vega_lite_chart")
