"""The Demo page in Japanese: scenarios, reset, simulation, sync log and Setup links read in
Japanese with no English sentence left; the mock org's logins (Acme Japan and Beta Trading) are
copyable text for admins and hidden from viewers; a scenario that starts not integrated says
so and says to begin at step 3."""

from __future__ import annotations

from japanese_text import everything_shown
from language_check import english_left
from page_helpers import ADMIN, VIEWER, MockWorld, integrate, texts
from streamlit.testing.v1 import AppTest

from mock_salesforce.control import ready_users
from mock_salesforce.scenarios import every_scenario_logins, scenario_names
from portal.bootstrap import Portal
from portal.domain.calls import ActivityKind
from portal.domain.settings import (
    ActivityHistorySettings,
    IntegrationSettings,
    VideoHistorySettings,
)
from portal.ui import i18n
from portal.ui.demo_import import RESULT

PAGE = "demo.py"
JAPANESE = {i18n.LANGUAGE: "ja"}


def _everything(app: AppTest) -> list[str]:
    """Every text of the page, table headers and code blocks included."""
    shown = everything_shown(app)
    shown += [str(column) for frame in app.dataframe for column in frame.value.columns]
    shown += [str(block.value) for block in app.code]
    shown += [str(metric.label) for metric in app.metric]
    shown += [str(button.proto.label) for button in app.get("link_button")]
    shown += [str(caption) for radio in app.radio for caption in radio.proto.captions]
    return shown


def _data(own_world: MockWorld) -> tuple[str, ...]:
    """What the mock org names: scenario names and profiles are data in both languages."""
    users = every_scenario_logins(own_world.server.backend) + ready_users(own_world.server.backend)
    return (*scenario_names(), *{str(u["profile"]) for u in users})


def _english(app: AppTest, own_world: MockWorld, *, data: tuple[str, ...] = ()) -> list[str]:
    known = (*_data(own_world), *data)
    return sorted({w for text in _everything(app) for w in english_left(text, data=known)})


def test_an_admin_reads_the_demo_page_in_japanese_with_every_login_as_code(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    app = page_app(PAGE, demo_portal, state=JAPANESE).run()

    assert not app.exception
    assert app.title[0].value == "デモ：Salesforceのモック組織"
    shown = texts(app)
    for heading in ("シナリオ", "通話と会議のシミュレーション", "モック組織の設定ページ"):
        assert heading in shown
    assert app.button(key="demo.switch").label == "このシナリオに切り替え"
    assert app.button(key="demo.reset").label == "デモをリセット"
    assert app.button(key="demo.simulate").label == "通話 200 件と会議 20 件をシミュレーション"
    radio = app.radio(key="demo.scenario")
    captions = dict(zip(radio.options, radio.proto.captions, strict=True))
    assert captions["app-blocked"].startswith("3-2-1：MiiTelがブロックされています")
    assert captions["app-blocked"].endswith("ステップ3から始めてください。")
    links = [b.proto.label for b in app.get("link_button")]
    assert "接続アプリケーションの OAuth 利用状況" in links and "設定へのログイン" in links
    # Every user of Acme Japan and of Beta Trading (second-org) is copyable text with its
    # password, its role in Japanese and its profile.
    blocks = "\n".join(str(block.value) for block in app.code)
    for login in every_scenario_logins(own_world.server.backend):
        line = next(x for x in blocks.splitlines() if x.startswith(str(login["username"])))
        assert str(login["password"]) in line and str(login["profile"]) in line
    assert any(
        "連携ユーザー" in x and "miitel@beta-trading.example" in x for x in blocks.split("\n")
    )
    assert "シナリオ `second-org` のみ" in shown
    assert _english(app, own_world) == []


def test_a_viewer_sees_no_password_in_japanese(page_app, demo_portal: Portal, own_world: MockWorld):
    app = page_app(PAGE, demo_portal, actor=VIEWER, state=JAPANESE).run()

    assert not app.exception
    shown = texts(app) + "\n".join(str(block.value) for block in app.code)
    assert all(
        str(u["password"]) not in shown for u in every_scenario_logins(own_world.server.backend)
    )
    assert all("@" not in str(block.value) for block in app.code)
    assert "ポータルの管理者にのみ表示されます" in shown
    assert app.button(key="demo.switch").disabled
    assert _english(app, own_world) == []


def test_a_scenario_that_starts_not_integrated_says_to_begin_at_step_3(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    assert demo_portal.demo is not None
    state = demo_portal.demo.switch(actor=ADMIN, scenario="app-never-used")
    assert not state.integrated and state.first_step == 3

    app = page_app(PAGE, demo_portal, state=JAPANESE).run()

    assert not app.exception
    [warning] = [w.value for w in app.warning]
    assert "現在MiiTelは連携されていません" in warning and "ステップ3から" in warning
    radio = app.radio(key="demo.scenario")
    caption = dict(zip(radio.options, radio.proto.captions, strict=True))["app-never-used"]
    assert caption.endswith(
        "ステップ4に進みます。未連携の状態で始まります。ステップ3から始めてください。"
    )
    assert _english(app, own_world) == []

    english = page_app(PAGE, demo_portal).run()
    assert "Begin the procedure at step 3" in english.warning[0].value
    demo_portal.demo.switch(actor=ADMIN, scenario="default")


def test_the_simulation_summary_notes_and_sync_log_read_in_japanese(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    integrate(demo_portal, own_world)
    demo_portal.storage.repositories.settings.save(
        IntegrationSettings(
            activity_history=ActivityHistorySettings(enabled=True),
            video_history=VideoHistorySettings(enabled=False),
        )
    )
    app = page_app(PAGE, demo_portal, state=JAPANESE).run()
    app.number_input(key="demo.sim.calls").set_value(12)
    app.number_input(key="demo.sim.meetings").set_value(3).run()
    app.button(key="demo.simulate").click().run()

    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"書き込み済み": "12", "失敗": "0", "待機中": "3"}
    notes = [i.value for i in app.info]
    assert "ビデオ履歴連携が無効です。会議 3 件を保持しており、有効にすると送信します。" in notes
    assert app.button(key="demo.send_queued").label == "待機中の通話と会議を送信（3 件）"
    [log] = [d.value for d in app.dataframe if "Salesforce ID" in d.value.columns]
    assert str(log.columns[0]).startswith("日時")
    assert set(log["結果"]) == {"書き込み済み"} and set(log["オブジェクト"]) == {"ToDo"}
    assert all(
        d.startswith(("紐付けなしのToDo", "取引先責任者", "取引先", "リード")) for d in log["詳細"]
    )
    assert all("JST" not in t for t in log[log.columns[0]])  # the header names the zone
    assert _english(app, own_world) == []


def test_a_csv_import_with_bad_rows_reads_in_japanese(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    header = "call_id,direction,result,started_at,ended_at,miitel_user,counterpart_number\n"
    rows = (
        "c-1,inbound,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,0312345678\n"
        "c-2,sideways,connected,2025-05-01T10:00:00,2025-05-01T10:01:00,sato,03\n"
        "c-3,inbound,connected,yesterday,2025-05-01T10:01:00,sato,03\n"
    )
    result = demo_portal.sync.import_csv(
        actor=ADMIN, kind=ActivityKind.CALL, data=(header + rows).encode(), partial=True
    )
    assert result.imported == 1 and len(result.problems) == 2

    app = page_app(PAGE, demo_portal, state={**JAPANESE, RESULT: result}).run()

    assert not app.exception
    [warning] = [w.value for w in app.warning]
    assert "通話 1 件をインポートし、Salesforceへの送信待ちにしました。" in warning
    assert "問題のある 2 行はインポートしていません。" in warning
    shown = texts(app)
    assert (
        "3 行目、direction 列：'sideways' は inbound, in, outbound, out のいずれでもありません。"
        in shown
    )
    assert (
        "4 行目、started_at 列：'yesterday' は 2025-05-01T10:23:00+09:00 "
        "のような日時ではありません。" in shown
    )
    assert app.button(key="demo.csv.import").label == "インポート"
    assert app.button(key="demo.send_queued").label == "待機中の通話と会議を送信（1 件）"
    # The file's own words (a column, its values, the values allowed there) are data.
    file_words = ("direction", "'sideways'", "'yesterday'", "inbound, in, outbound, out")
    assert _english(app, own_world, data=file_words) == []

    english = page_app(PAGE, demo_portal, state={RESULT: result}).run()
    assert "1 call imported and queued for Salesforce." in english.warning[0].value
    assert "Line 3, column direction: 'sideways' is not one of inbound" in texts(english)
