"""Salesforce errors in Japanese: the portal's words are translated, while Salesforce's own
codes and messages, API names and product names stay exactly as Salesforce wrote them."""

from __future__ import annotations

import re

import pytest
import requests
from streamlit.testing.v1 import AppTest

from portal.adapters.salesforce.errors import from_error_body, from_transport, oauth_error
from portal.domain.codec import SettingsDecodeError, read_object, read_str
from portal.domain.gateway_errors import OAuthFailure, SalesforceOAuthError, reconnect
from portal.domain.text import Text
from portal.ui import i18n

# Four or more English words in a row: a sentence left untranslated.
_ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+(?: [a-z]+){3,}\b")


@pytest.fixture
def japanese(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(i18n, "language", lambda: "ja")


def test_a_blocked_app_is_explained_in_japanese_with_its_code_intact(japanese):
    error = oauth_error(error="OAUTH_APP_BLOCKED", description="this app is blocked by admin")

    assert isinstance(error, SalesforceOAuthError)
    assert error.reason is OAuthFailure.APP_BLOCKED
    assert error.error_code == "OAUTH_APP_BLOCKED"
    shown = i18n.t(error.user_message)
    assert shown.startswith("この組織ではMiiTelがブロックされています。")
    assert "[接続アプリケーションの OAuth 利用状況]" in shown
    assert "[ブロック解除]" in shown and "[連携する]" in shown
    # English stays the default wording, and the code is part of the error's own text.
    assert error.user_message.startswith("MiiTel is blocked in this org")
    assert str(error).startswith("OAUTH_APP_BLOCKED: ")


def test_an_expired_session_is_explained_in_japanese(japanese):
    error = from_error_body(
        status=401,
        content=[{"errorCode": "INVALID_SESSION_ID", "message": "Session expired or invalid"}],
    )

    assert error.error_code == "INVALID_SESSION_ID"
    assert error.detail == "Session expired or invalid"
    assert i18n.t(error.user_message) == (
        "ポータルからSalesforceへの接続の有効期限が切れたか、接続が取り消されました。"
        "[基本設定] タブの [連携する] をクリックして、再度接続してください。"
    )


def test_salesforces_own_words_are_shown_as_they_are(japanese):
    refused = from_error_body(
        status=403,
        content=[
            {
                "errorCode": "INSUFFICIENT_ACCESS_OR_READONLY",
                "message": "insufficient access rights on object id",
            }
        ],
    )
    bad_field = from_error_body(
        status=400,
        content=[{"errorCode": "INVALID_FIELD", "message": "No such column 'MiiTel_Memo__c'"}],
    )
    other = from_error_body(status=400, content=[{"errorCode": "MALFORMED_QUERY", "message": ""}])

    assert i18n.plain(refused.user_message) == (
        "連携したSalesforceユーザーには、この操作を行う権限がありません"
        "（insufficient access rights on object id）。ユーザーのプロファイルまたは権限セットで"
        "付与するか、権限を持つユーザーで連携してください。"
    )
    assert "No such column 'MiiTel_Memo__c'" in i18n.plain(bad_field.user_message)
    assert i18n.plain(other.user_message) == "Salesforceが要求を拒否しました: MALFORMED_QUERY"


@pytest.mark.parametrize("failure", list(OAuthFailure))
def test_every_oauth_failure_reads_in_japanese(japanese, failure: OAuthFailure):
    error = SalesforceOAuthError(reason=failure, error_code="X")
    shown = i18n.plain(error.user_message)

    assert isinstance(error.user_message, Text)
    assert shown != str(error.user_message)
    assert not _ENGLISH_SENTENCE.search(shown), shown


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (403, "REQUEST_LIMIT_EXCEEDED"),
        (403, "API_DISABLED_FOR_ORG"),
        (503, "SERVER_UNAVAILABLE"),
        (404, "NOT_FOUND"),
    ],
)
def test_rest_failures_read_in_japanese(japanese, status: int, code: str):
    error = from_error_body(status=status, content=[{"errorCode": code, "message": ""}])
    shown = i18n.plain(error.user_message)

    assert error.error_code == code
    assert shown != str(error.user_message)
    assert not _ENGLISH_SENTENCE.search(shown.replace("status.salesforce.com", "")), shown


def test_transport_failures_read_in_japanese(japanese):
    timeout = from_transport(requests.exceptions.ReadTimeout("slow"))
    tls = from_transport(requests.exceptions.SSLError("bad cert"))

    assert i18n.t(timeout.user_message).startswith("Salesforceから時間内に応答がありませんでした。")
    assert "REQUESTS_CA_BUNDLE" in i18n.t(tls.user_message)
    assert tls.error_code == "TLS_ERROR"


def test_reconnect_joins_a_problem_and_the_remedy_as_one_message(japanese):
    message = reconnect(Text("Salesforce returned no Organization record."))

    assert message == (
        "Salesforce returned no Organization record. "
        'Click "Integrate" on the Basic settings tab to connect again.'
    )
    assert i18n.plain(message) == (
        "SalesforceからOrganizationレコードが返されませんでした。"
        "[基本設定] タブの [連携する] をクリックして、再度接続してください。"
    )


def test_a_damaged_settings_value_is_described_in_japanese(japanese):
    with pytest.raises(SettingsDecodeError) as missing:
        read_object({"a": 1}, path="backup.settings", keys={"a", "b"})
    with pytest.raises(SettingsDecodeError) as wrong:
        read_str(12, path="backup.settings.todo.subject")

    assert str(missing.value) == 'at "backup.settings": is missing key "b"'
    assert i18n.plain(missing.value.message) == '「backup.settings」: キー "b"がありません'
    assert i18n.plain(wrong.value.message) == (
        "「backup.settings.todo.subject」: 文字列である必要がありますが、数値 12です"
    )


def _script() -> None:
    import streamlit as st

    from portal.adapters.salesforce.errors import oauth_error
    from portal.ui import i18n

    st.session_state.setdefault(i18n.LANGUAGE, "ja")
    error = oauth_error(error="OAUTH_APP_BLOCKED")
    st.error(i18n.t(error.user_message))
    st.caption(error.error_code)


def test_a_page_shows_the_blocked_app_in_japanese():
    app = AppTest.from_function(_script).run()

    assert not app.exception
    assert app.error[0].value.startswith("この組織ではMiiTelがブロックされています。")
    assert app.caption[0].value == "OAUTH_APP_BLOCKED"
