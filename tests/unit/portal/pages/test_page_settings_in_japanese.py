"""The Salesforce integration tabs and the Backups page in Japanese: the glossary's terms,
step 8's errors with the field API name intact, times in Japan time, and no English sentence
left (names, ids and API names aside)."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from japanese_text import english_left, everything_shown
from page_helpers import MockWorld, integrate, texts
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.domain.backup import BackupSnapshot
from portal.domain.settings import (
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    TodoObjectSettings,
)
from portal.ui.i18n import LANGUAGE
from portal.ui.markup import unescaped

PAGE = "salesforce_integration.py"
JAPANESE = {LANGUAGE: "ja"}
ORG = "Acme Japan"
TAKEN = datetime(2026, 4, 1, 8, 30, tzinfo=UTC)


@pytest.fixture
def integrated(mock_portal: Portal, mock_world: MockWorld) -> Portal:
    integrate(mock_portal, mock_world)
    return mock_portal


def field_labels(app: AppTest) -> list[str]:
    """The org's fields offered in the mapping choices ("API name — label"): Salesforce data."""
    return [
        option
        for box in app.selectbox
        if box.key.startswith(("sf.activity.map.", "sf.video.map."))
        for option in box.options[1:]
    ]


def errors_after(app: AppTest, tab: int, key: str) -> list[str]:
    nodes = list(app.tabs[tab])
    index = next(i for i, node in enumerate(nodes) if getattr(node, "key", None) == key)
    shown: list[str] = []
    for node in nodes[index + 1 :]:
        if type(node).__name__ != "Error":
            break
        shown.append(unescaped(str(node.value)))
    return shown


def with_memo_field(portal: Portal, api_name: str) -> IntegrationSettings:
    current = portal.settings.current()
    mappings = {
        **current.activity_history.todo.field_mappings.as_dict(),
        CallDataItem.MEMO: api_name,
    }
    todo = TodoObjectSettings(
        subject=current.activity_history.todo.subject,
        status=current.activity_history.todo.status,
        field_mappings=FieldMappings.of(mappings),
    )
    return replace(current, activity_history=replace(current.activity_history, todo=todo))


# --- Salesforce integration -----------------------------------------------------------------


def test_the_tabs_and_the_forms_speak_the_glossarys_japanese(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state=JAPANESE).run()

    assert not app.exception
    assert [tab.label for tab in app.tabs] == [
        "基本設定",
        "活動履歴連携",
        "ビデオ履歴連携",
        "活動履歴の割り当て先",
    ]
    assert app.title[0].value == "Salesforce連携"
    assert app.radio(key="sf.activity.timing").options == ["通話開始後", "通話終了後"]
    assert app.radio(key="sf.activity.status").options == ["完了", "未完了"]
    assert app.radio(key="sf.activity.status").label == "状況"
    assert app.text_input(key="sf.activity.subject").label == "件名"
    assert app.selectbox(key="sf.activity.map.call_url").label == "通話URLを書き込むToDoの項目"
    assert app.selectbox(key="sf.activity.map.memo").options[0] == "（対応付けなし）"
    assert app.selectbox(key="sf.video.map.recording_url").label == "録画URLを書き込む行動の項目"
    for key in ("sf.activity.save", "sf.video.save", "sf.assignee.save", "sf.contact.save"):
        assert app.button(key=key).label == "保存"
    assert app.button(key="sf.remove").label == "連携を解除"
    assert app.checkbox(key="sf.contact.turn_off").label == "Salesforceの連絡先情報を取得しない"
    assert app.radio(key="sf.assignee.unmapped_rule").options == [
        "連携ユーザー（Salesforce）",
        "デフォルトの割り当て先",
    ]
    shown = texts(app)
    assert "3つのタブの設定は連携先の組織と一致しています" in shown
    assert "JSTに確認" in shown  # the check's time in Japan time
    assert "**Acme Japan**（`" in shown and "で連携しています" in shown


def test_no_english_sentence_is_left_on_the_settings_page(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state=JAPANESE).run()

    assert not app.exception
    shown = everything_shown(app)
    assert english_left(shown, data=[ORG, *field_labels(app)]) == []
    # The Subject's own value is data: it stays as it was typed.
    assert (
        app.text_input(key="sf.activity.subject").value == "[MiiTel] {direction} call {counterpart}"
    )


def test_the_assignee_table_headers_are_japanese(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state=JAPANESE).run()

    assert not app.exception
    [editor] = [node for node in app.tabs[3] if type(node).__name__ == "Dataframe"]
    columns = json.loads(editor.proto.columns)
    assert columns["MiiTel user"]["label"] == "MiiTelユーザー"
    assert columns["Salesforce username"]["label"] == "Salesforceユーザー名"


def test_without_integration_the_typed_mappings_are_explained_in_japanese(
    page_app, absent_portal: Portal
):
    app = page_app(PAGE, absent_portal, state=JAPANESE).run()

    assert not app.exception
    assert app.text_input(key="sf.activity.map.call_url").label == "通話URLを書き込むToDoの項目"
    notes = [str(c.value) for c in app.caption]
    assert any("組織のToDoの項目を一覧表示できません" in note for note in notes)
    assert any("組織の行動の項目を一覧表示できません" in note for note in notes)
    assert english_left(everything_shown(app)) == []


def test_a_step_8_error_is_in_japanese_with_the_field_api_name_intact(page_app, integrated: Portal):
    integrated.storage.repositories.settings.save(with_memo_field(integrated, "Nope_Field__c"))

    app = page_app(PAGE, integrated, state=JAPANESE).run()

    assert not app.exception
    [message] = errors_after(app, 1, "sf.activity.map.memo")
    assert message.startswith("メモのToDoの項目「Nope_Field__c」が連携先の組織に存在しないか")
    assert "別の項目を対応付けてください。" in message
    assert "1件の設定にエラーがあります" in texts(app)
    assert english_left([message]) == []


def test_a_refused_save_says_so_in_japanese(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state=JAPANESE).run()

    app.text_input(key="sf.activity.map.summary").input("call summary")
    app.button(key="sf.activity.save").click().run()

    assert not app.exception
    [message] = errors_after(app, 1, "sf.activity.map.summary")
    assert message.startswith("要約のToDoの項目「call summary」は項目のAPI参照名ではありません")
    assert "保存されていません。「活動履歴連携」でエラーが表示された1件の項目を修正し" in texts(app)
    assert english_left(everything_shown(app), data=["call summary"]) == []


def test_a_save_is_confirmed_in_japanese(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state=JAPANESE).run()

    app.toggle(key="sf.video.enabled").set_value(True)
    app.button(key="sf.video.save").click().run()

    assert not app.exception
    assert integrated.settings.current().video_history.enabled
    assert "「ビデオ履歴連携」を保存しました。" in texts(app)


# --- Backups --------------------------------------------------------------------------------


def backup(portal: Portal, settings: IntegrationSettings, *, taken: datetime) -> int:
    return portal.storage.repositories.backups.save_latest(
        BackupSnapshot.capture(
            settings=settings,
            taken_at=taken,
            org_id="00D000000000001AAA",
            org_name=ORG,
            username="miitel@acme-japan.example",
            instance_url="https://acme.example",
        )
    ).id


@pytest.fixture
def two_backups(absent_portal: Portal) -> tuple[Portal, int, int]:
    first = IntegrationSettings.default()
    second = replace(
        first,
        activity_history=replace(first.activity_history, enabled=True),
        video_history=replace(first.video_history, subject="[MiiTel Meetings] {title}"),
    )
    older = backup(absent_portal, first, taken=TAKEN)
    newer = backup(absent_portal, second, taken=TAKEN + timedelta(days=30))
    return absent_portal, older, newer


def test_backups_in_japanese_with_japan_time(page_app, two_backups):
    portal, _older, newer = two_backups
    app = page_app("backups.py", portal, state=JAPANESE).run()

    assert not app.exception
    assert app.title[0].value == "バックアップ"
    assert [s.value for s in app.subheader] == [
        "最新のバックアップ",
        "バックアップ履歴",
        "バックアップの比較",
        "ダウンロード",
    ]
    shown = texts(app)
    # 08:30 UTC is 17:30 in Tokyo.
    assert f"**バックアップ #{newer}**：2026/05/01 17:30 JSTに組織 **Acme Japan**" in shown
    assert "- **活動履歴連携**: 有効" in shown
    assert "- **ビデオ履歴連携**: 無効" in shown
    assert "- **活動履歴の割り当て先**: 0件のユーザー割り当て" in shown
    history = app.dataframe[0].value
    assert list(history.columns) == [
        "バックアップ",
        "取得日時",
        "組織",
        "組織ID",
        "ユーザー",
        "活動履歴連携",
        "ビデオ履歴連携",
        "割り当て先の対応付け数",
    ]
    assert list(history["取得日時"]) == ["2026/05/01 17:30 JST", "2026/04/01 17:30 JST"]
    assert list(history["活動履歴連携"]) == ["有効", "無効"]


def test_the_comparison_translates_words_and_keeps_data(page_app, two_backups):
    portal, older, newer = two_backups
    app = page_app("backups.py", portal, state=JAPANESE).run()

    table = app.dataframe[1].value
    assert list(table.columns) == [
        "タブ",
        "設定項目",
        f"バックアップ #{older}",
        f"バックアップ #{newer}",
    ]
    rows = {(r["タブ"], r["設定項目"], r[f"バックアップ #{newer}"]) for _, r in table.iterrows()}
    assert ("活動履歴連携", "連携状態", "有効") in rows
    assert ("ビデオ履歴連携", "件名", "[MiiTel Meetings] {title}") in rows
    assert app.selectbox(key="backups.older").label == "古い方"
    [button] = app.get("download_button")
    assert button.proto.label == f"バックアップ #{newer} をダウンロード（JSON）"
    assert json.loads(portal.backups.as_json(backup_id=older))["org_name"] == ORG


def test_no_english_sentence_is_left_on_the_backups_page(page_app, two_backups):
    portal, _older, _newer = two_backups
    app = page_app("backups.py", portal, state=JAPANESE).run()

    assert not app.exception
    tables = [frame.value for frame in app.dataframe]
    cells = [str(v) for table in tables for v in (*table.columns, *table.to_numpy().ravel())]
    assert english_left([*everything_shown(app), *cells], data=[ORG, "MiiTel Meetings"]) == []


def test_no_backup_yet_in_japanese(page_app, absent_portal: Portal):
    app = page_app("backups.py", absent_portal, state=JAPANESE).run()

    assert not app.exception
    assert "バックアップはまだありません。「連携を解除」を行うと" in texts(app)
    assert english_left(everything_shown(app)) == []
