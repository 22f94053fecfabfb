"""The start-up pages in Japanese: a portal that is not configured says which values to fix in
Japanese (keys and commands as they are), and the navigation's titles and sections follow the
session's language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from page_helpers import APP, sources, texts
from streamlit.testing.v1 import AppTest

from portal.ui import i18n, nav
from portal.ui.language import SELECTOR

_CONFIG_KEYS = (
    "PORTAL_MODE",
    "PORTAL_USERS",
    "PORTAL_DB_PATH",
    "PORTAL_ENCRYPTION_KEY",
    "SALESFORCE_LOGIN_URL",
    "SALESFORCE_CLIENT_ID",
    "SALESFORCE_CLIENT_SECRET",
    "SALESFORCE_REDIRECT_URI",
    "SALESFORCE_CA_BUNDLE",
)
# A whole English sentence: four or more words in a row (keys, paths and commands are not).
_ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+(?: [a-z]+){3,}\b")


@pytest.fixture
def unconfigured(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> AppTest:
    for name in _CONFIG_KEYS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    app = AppTest.from_file(str(APP), default_timeout=30)
    app.secrets["portal"] = {"mode": "real"}
    app.secrets["salesforce"] = {"login_url": "http://login.example.com"}
    return app


def _without_data(shown: str) -> str:
    """The page's words without what stays as it is: code spans, paths, URLs and commands."""
    shown = re.sub(r"`[^`]*`", "", shown)
    shown = re.sub(r'python -c "[^"]*"', "", shown)
    shown = re.sub(r"\[\[portal\.users\]\]|\[[a-z]+\] [a-z_]+", "", shown)
    return re.sub(r"\S*[/.]\S*", "", shown)


def test_the_configuration_page_speaks_japanese(unconfigured: AppTest):
    unconfigured.session_state[i18n.LANGUAGE] = "ja"
    app = unconfigured.run()

    assert not app.exception
    shown = texts(app)
    assert "ポータルの構成がまだ完了していません。" in shown
    assert "または環境変数で設定してから、このページを再読み込みしてください。" in shown
    # Keys, files and URLs stay as they are; what to do is in Japanese.
    assert "`PORTAL_USERS`: ポータルユーザーが設定されていません。" in shown
    assert (
        "`SALESFORCE_CLIENT_ID`: 設定されていません。SALESFORCE_CLIENT_ID、または "
        ".streamlit/secrets.toml の [salesforce] client_id に接続アプリケーションの"
        "コンシューマー鍵を設定してください。"
    ) in shown
    assert "「http://login.example.com」は https のURLではありません。" in shown
    assert "The portal is not configured yet." not in shown
    assert not _ENGLISH_SENTENCE.search(_without_data(shown)), _without_data(shown)


def test_lang_in_the_url_is_honoured_before_the_portal_can_start(unconfigured: AppTest):
    unconfigured.query_params["lang"] = "ja"
    app = unconfigured.run()

    assert not app.exception
    assert "ポータルの構成がまだ完了していません。" in texts(app)
    # The selector is there, so a person can switch while fixing the configuration.
    assert app.sidebar.selectbox(key=SELECTOR).value == "ja"


def test_the_configuration_page_stays_english_for_an_english_browser(unconfigured: AppTest):
    unconfigured.context = {"locale": "en-US"}
    app = unconfigured.run()

    shown = texts(app)
    assert "The portal is not configured yet." in shown
    assert "PORTAL_USERS" in shown
    assert "no portal users are configured" in shown


def test_a_bcrypt_example_is_not_taken_for_math(unconfigured: AppTest, monkeypatch):
    monkeypatch.setenv("PORTAL_USERS", "not json")
    app = unconfigured.run()

    # "$2b$12$..." would be LaTeX in Streamlit's markdown; it is shown as written.
    assert r"\$2b\$12\$" in sources(app)
    assert "$2b$12$..." in texts(app)


def _navigation_script() -> None:
    import streamlit as st

    from portal.ui import i18n, nav

    st.session_state.setdefault(i18n.LANGUAGE, "ja")
    st.markdown(nav.section(nav.RE_INTEGRATION))
    st.markdown(nav.section(nav.REVIEW))
    st.markdown(nav.section(nav.MOCK_ORG))
    for screen in (nav.PROCEDURE, nav.SALESFORCE, nav.ERROR_LOG, nav.BACKUPS, nav.DEMO):
        st.markdown(nav.title(screen))
    nav.link(nav.HISTORY)  # no navigation here: shown as text


def test_navigation_titles_and_sections_in_japanese():
    app = AppTest.from_function(_navigation_script).run()

    assert not app.exception
    assert [m.value for m in app.markdown] == [
        "再連携",
        "ログと履歴",
        "モック組織",
        "再連携の手順",
        "Salesforce連携",
        "エラーログ",
        "バックアップ",
        "デモ",
        "認証履歴（ページ: *認証履歴*）",
    ]


def test_navigation_titles_stay_english_by_default():
    assert nav.title(nav.PROCEDURE) == "Re-integration procedure"
    assert nav.section(nav.REVIEW) == "Review"
    assert nav.PROCEDURE.title == "Re-integration procedure"
