"""The Error log page in Japanese (Tokyo time) and in English (UTC): words, times, the date
filter's days, the charts and the downloads."""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
import test_page_error_log as english_page
from page_helpers import texts
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.services.error_tables import EXPORT_COLUMNS
from portal.ui import export_files, web_session
from portal.ui.web_session import COOKIE_NAME

PAGE = "error_log.py"
error = english_page.error
#: The English page's log: 123 errors around a re-integration on 2026-03-10 09:00 UTC.
logged = english_page.logged
JA = {"ui.language": "ja"}
# Words that stay as they are in Japanese: product and format names, the zone's name.
KEPT = {"MiiTel", "Salesforce", "CSV", "Parquet", "JST", "ToDo"}


def english_left(text: str) -> set[str]:
    """English words in ``text``, leaving out kept names and error codes (UPPER_CASE)."""
    words = set(re.findall(r"[A-Za-z][A-Za-z_]*", text))
    return {w for w in words if w not in KEPT and not re.fullmatch(r"[A-Z][A-Z_]+", w)}


def shown_words(app: AppTest) -> str:
    """Everything on the page a person reads except the rows' data."""
    parts = [texts(app)]
    parts += [str(c) for frame in app.dataframe for c in frame.value.columns]
    parts += [w.label for w in (*app.selectbox, *app.date_input, *app.checkbox)]
    parts += [w.help or "" for w in app.checkbox]
    parts += [o for box in app.selectbox for o in box.options]
    parts += [b.label for b in app.button]
    return "\n".join(parts)


def test_the_page_reads_in_japanese_with_times_in_tokyo(page_app, logged: Portal):
    app = page_app(PAGE, logged, state=JA).run()

    assert not app.exception
    assert app.title[0].value == "外部連携エラーログ"
    shown = texts(app)
    assert "**エラー 123件** · 1–50件目を表示" in shown
    assert "**エラーコード別のエラー数**" in shown and "**日別のエラー数（JST）**" in shown
    # The re-integration happened at 09:00 UTC: 18:00 in Tokyo.
    [warning] = app.warning
    assert warning.value.startswith("2026/03/10 18:00:00 JSTの連携以降")
    assert (
        r"**INVALID\_FIELD**" in warning.value
        and "サポートまでお問い合わせください" in warning.value
    )
    table = app.dataframe[0].value
    assert list(table.columns) == [
        "日時（JST）",
        "発生元",
        "オブジェクト",
        "処理",
        "エラーコード",
        "メッセージ",
        "項目",
        "MiiTelのレコード",
    ]
    assert table["日時（JST）"].iloc[0] == "2026/03/10 21:00:00"  # 12:00 UTC
    assert set(table["発生元"]) == {"活動履歴連携", "ビデオ履歴連携"}
    assert set(table["処理"]) == {"作成"}
    assert set(table["オブジェクト"]) == {"ToDo", "行動"}  # Salesforce's Japanese labels
    assert app.selectbox(key="errors.object").options == ["すべて", "行動", "ToDo"]
    assert [
        app.button(key=k).label for k in ("errors.download.csv", "errors.download.parquet")
    ] == [
        "CSVをダウンロード",
        "Parquetをダウンロード",
    ]
    assert app.selectbox(key="errors.source").options == [
        "すべて",
        "活動履歴連携",
        "ビデオ履歴連携",
    ]
    assert app.date_input(key="errors.dates").label == "期間（JST）"
    assert english_left(shown_words(app)) == set()


def test_an_empty_log_says_so_in_japanese(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state=JA).run()

    assert not app.exception
    assert "条件に一致するエラーはありません。" in texts(app)
    assert english_left(shown_words(app)) == set()


@pytest.fixture
def around_midnight_in_tokyo(absent_portal: Portal) -> Portal:
    """One error at 23:30 JST on April 1st (14:30 UTC) and one at 00:30 JST on April 2nd."""
    repos = absent_portal.storage.repositories
    repos.integration_errors.append(
        error(datetime(2026, 4, 1, 14, 30, tzinfo=UTC), "LATE", number=1)
    )
    repos.integration_errors.append(
        error(datetime(2026, 4, 1, 15, 30, tzinfo=UTC), "NEXT", number=2)
    )
    return absent_portal


def test_a_day_picked_in_japanese_is_a_tokyo_day(page_app, around_midnight_in_tokyo: Portal):
    app = page_app(PAGE, around_midnight_in_tokyo, state=JA).run()

    day = date(2026, 4, 1)
    app.date_input(key="errors.dates").set_value((day, day)).run()

    assert not app.exception
    table = app.dataframe[0].value
    assert list(table["エラーコード"]) == ["LATE"]
    assert list(table["日時（JST）"]) == ["2026/04/01 23:30:00"]
    assert "**エラー 1件** · 1–1件目を表示" in texts(app)


def test_the_same_day_in_english_is_a_utc_day(page_app, around_midnight_in_tokyo: Portal):
    app = page_app(PAGE, around_midnight_in_tokyo).run()

    day = date(2026, 4, 1)
    app.date_input(key="errors.dates").set_value((day, day)).run()

    assert not app.exception
    assert app.date_input(key="errors.dates").label == "Date range (UTC)"
    assert sorted(app.dataframe[0].value["Error code"]) == ["LATE", "NEXT"]


def chart_specs(app: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in app.get("vega_lite_chart")]


def chart_rows(app: AppTest, index: int) -> list[dict[str, Any]]:
    """The rows a chart draws (Streamlit sends them beside the spec, as Arrow)."""
    chart = app.get("vega_lite_chart")[index]
    table = pa.ipc.open_stream(chart.proto.data.data).read_all()
    return table.to_pandas().to_dict("records")


def test_the_charts_show_whole_codes_and_every_day(page_app, around_midnight_in_tokyo: Portal):
    repos = around_midnight_in_tokyo.storage.repositories
    long_code = "INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY"
    repos.integration_errors.append(
        error(datetime(2026, 4, 5, 1, 0, tzinfo=UTC), long_code, number=3)
    )
    app = page_app(PAGE, around_midnight_in_tokyo, state=JA).run()

    assert not app.exception
    by_code, by_day = chart_specs(app)
    assert by_code["encoding"]["y"]["axis"]["labelLimit"] == 0  # no code is cut short
    assert by_code["encoding"]["y"]["title"] == "エラーコード"
    assert {c["code"] for c in chart_rows(app, 0)} == {"LATE", "NEXT", long_code}
    assert by_day["encoding"]["x"]["type"] == "temporal"
    assert by_day["encoding"]["x"]["title"] == "日付（JST）"
    assert by_day["encoding"]["y"]["title"] == "エラー数"
    days = {row["day"]: row["errors"] for row in chart_rows(app, 1)}
    # Tokyo days: April 1st (23:30), 2nd (00:30), nothing on the 3rd and 4th, the 5th (10:00).
    assert days == {
        "2026-04-01": 1,
        "2026-04-02": 1,
        "2026-04-03": 0,
        "2026-04-04": 0,
        "2026-04-05": 1,
    }


def _login_cookie(username: str) -> str:
    """The cookie a browser holds after ``username`` logged in to the portal."""
    # The download route's sessions: the page's portal's (see the page_app fixture).
    _session, ticket = web_session.route_sessions().open(username=username)
    handed = web_session.route_sessions().redeem(ticket)
    assert handed is not None
    return handed.cookie_value


def downloaded(app: AppTest, key: str) -> tuple[str, Callable[[], bytes]]:
    """Click the download button ``key``, wait for the file, and fetch it from the link the
    page then shows, as the browser would: its file name and a function giving its bytes."""
    app.button(key=key).click().run()
    assert not app.exception
    token = app.session_state["errors.export.job"]
    job = export_files.prepared().get(token)
    assert job is not None
    deadline = time.monotonic() + 30
    while job.state is export_files.JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state is export_files.JobState.READY
    app.run()
    [link] = app.get("link_button")
    assert link.proto.url == job.url
    client = TestClient(Starlette(routes=export_files.routes()))
    assert client.get(link.proto.url).status_code == 404  # not without the login cookie
    stranger = _login_cookie("someone-else")
    assert client.get(link.proto.url, cookies={COOKIE_NAME: stranger}).status_code == 404
    client.cookies.set(COOKIE_NAME, _login_cookie(app.session_state["auth.actor"].username))
    response = client.get(link.proto.url)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert client.get(link.proto.url).status_code == 404  # once only
    name = re.search(r'filename="([^"]+)"', response.headers["content-disposition"])
    assert name is not None
    return name.group(1), lambda: response.content


def csv_of(make: Callable[[], bytes]) -> pd.DataFrame:
    data = make()
    assert data.startswith(b"\xef\xbb\xbf")
    return pd.read_csv(io.BytesIO(data), encoding="utf-8-sig")


def test_the_csv_speaks_the_persons_language_and_parquet_the_machines(
    page_app, around_midnight_in_tokyo: Portal
):
    app = page_app(PAGE, around_midnight_in_tokyo, state=JA).run()
    app.selectbox(key="errors.code").select("LATE").run()
    assert not app.exception

    name, make = downloaded(app, "errors.download.csv")
    japanese = csv_of(make)
    assert list(japanese.columns) == [
        "日時（JST）",
        "発生元",
        "MiiTelのレコード",
        "オブジェクト",
        "処理",
        "エラーコード",
        "メッセージ",
        "項目",
        "組織ID",
    ]
    assert list(japanese["日時（JST）"]) == ["2026-04-01 23:30:00+09:00"]
    assert list(japanese["発生元"]) == ["活動履歴連携"]
    assert re.fullmatch(r"integration-errors_LATE_\d{8}-\d{4}JST\.csv", name), name

    parquet_name, make_parquet = downloaded(app, "errors.download.parquet")
    machine = pd.read_parquet(io.BytesIO(make_parquet()))
    assert list(machine.columns) == list(EXPORT_COLUMNS)
    assert machine["occurred_at"].iloc[0] == pd.Timestamp("2026-04-01 14:30", tz="UTC")
    assert parquet_name.endswith("JST.parquet") and "_LATE_" in parquet_name

    english = page_app(PAGE, around_midnight_in_tokyo).run()
    english.date_input(key="errors.dates").set_value((date(2026, 4, 1), date(2026, 4, 2))).run()
    name, make = downloaded(english, "errors.download.csv")
    frame = csv_of(make)
    assert list(frame.columns) == [
        "When (UTC)",
        "Source",
        "MiiTel record",
        "Object",
        "Operation",
        "Error code",
        "Message",
        "Fields",
        "Org ID",
    ]
    assert list(frame["When (UTC)"]) == ["2026-04-01 15:30:00+00:00", "2026-04-01 14:30:00+00:00"]
    assert re.fullmatch(r"integration-errors_2026-04-01_2026-04-02_\d{8}-\d{4}UTC\.csv", name)
