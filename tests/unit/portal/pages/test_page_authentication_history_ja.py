"""The Authentication history page in Japanese: tabs, headers, events, actions, outcomes and the
detail lines the portal wrote, with times in Tokyo time."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from page_helpers import ADMIN, PASSWORDS, texts
from test_page_error_log_ja import english_left

from portal.bootstrap import Portal
from portal.domain.audit import AuditAction, AuditEntry, AuditOutcome
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.services.logs import NOBODY

PAGE = "authentication_history.py"
JA = {"ui.language": "ja"}
AT = datetime(2026, 4, 1, 15, 30, tzinfo=UTC)  # 2026/04/02 00:30 in Tokyo


def history(event: AuthEvent, detail: str) -> AuthenticationHistoryEntry:
    return AuthenticationHistoryEntry(
        occurred_at=AT,
        event=event,
        org_id="00D000000000001AAA",
        org_name="Acme Japan",
        username="miitel@acme-japan.example",
        instance_url="https://acme.example",
        detail=detail,
    )


@pytest.fixture
def recorded(absent_portal: Portal) -> Portal:
    repos = absent_portal.storage.repositories
    repos.authentication_history.append(history(AuthEvent.INTEGRATED, "Integrated by admin."))
    repos.authentication_history.append(
        history(AuthEvent.FAILED, "Integrate failed (INVALID_SESSION_ID).")
    )
    repos.audit.append(
        AuditEntry(
            occurred_at=AT,
            actor=NOBODY,
            action=AuditAction.SIGN_IN,
            outcome=AuditOutcome.FAILED,
            detail="wrong username or password",
        )
    )
    repos.audit.append(
        AuditEntry(
            occurred_at=AT,
            actor="admin",
            action=AuditAction.SAVE_SETTINGS,
            outcome=AuditOutcome.SUCCEEDED,
            detail='"Activity history integration" saved',
        )
    )
    absent_portal.audit.record_unexpected(
        actor=None, where="history", error=KeyError("x"), reference="ab12cd34"
    )
    absent_portal.access.login(username="admin", password=PASSWORDS["admin"], client_key="t")
    return absent_portal


def test_the_logs_read_in_japanese_in_tokyo_time(page_app, recorded: Portal):
    app = page_app(PAGE, recorded, actor=ADMIN, state=JA).run()

    assert not app.exception
    assert app.title[0].value == "認証履歴"
    assert [t.label for t in app.tabs] == ["認証履歴", "ポータルの監査ログ"]
    assert "時刻はJSTで表示しています。" in texts(app)
    entries, audit = (frame.value for frame in app.dataframe)
    assert list(entries.columns) == [
        "日時（JST）",
        "イベント",
        "組織",
        "組織ID",
        "ユーザー",
        "詳細",
    ]
    assert set(entries["日時（JST）"]) == {"2026/04/02 00:30:00"}
    assert set(entries["イベント"]) == {"連携", "失敗"}
    assert set(entries["詳細"]) == {
        "adminが連携しました。",
        "連携に失敗しました（INVALID_SESSION_ID）。",
    }
    assert list(audit.columns) == ["日時（JST）", "ポータルユーザー", "操作", "結果", "詳細"]
    rows = {(r["ポータルユーザー"], r["操作"], r["結果"], r["詳細"]) for _, r in audit.iterrows()}
    assert (
        "（未ログイン）",
        "ログイン",
        "失敗",
        "ユーザー名またはパスワードが正しくありません",
    ) in rows
    assert ("admin", "保存", "成功", "「活動履歴連携」を保存しました") in rows
    assert (
        "（未ログイン）",
        "予期しないエラー",
        "失敗",
        "KeyErrorが発生しました（場所: history、参照番号 ab12cd34）",
    ) in rows
    words = [texts(app), *(t.label for t in app.tabs)]
    words += [str(c) for frame in app.dataframe for c in frame.value.columns]
    words += [*entries["イベント"], *audit["操作"], *audit["結果"]]
    assert english_left("\n".join(words)) == set()


def test_empty_logs_say_so_in_japanese(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, actor=ADMIN, state=JA).run()

    assert not app.exception
    assert "認証履歴はまだありません。" in texts(app)
    assert english_left(texts(app)) == set()


def test_english_stays_english_with_the_zone_named(page_app, recorded: Portal):
    app = page_app(PAGE, recorded, actor=ADMIN).run()

    assert not app.exception
    entries, audit = (frame.value for frame in app.dataframe)
    assert entries.columns[0] == "When (UTC)"
    assert set(entries["When (UTC)"]) == {"2026/04/01 15:30:00"}
    assert "Integrated by admin." in set(entries["Detail"])
    assert "(not logged in)" in set(audit["Portal user"])
    assert "Times are shown in UTC." in texts(app)
