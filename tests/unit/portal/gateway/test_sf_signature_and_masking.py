"""Salesforce's token signature check, id URL parsing, and secrets that never print."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from datetime import UTC, datetime

import pytest
import requests

from portal.adapters.salesforce import OAuthClient, Timeouts, Trust, build_session
from portal.adapters.salesforce.client import SalesforceConnection
from portal.adapters.salesforce.oauth import (
    ids_from_identity_url,
    salesforce_signature,
    verify_signature,
)
from portal.adapters.salesforce.retries import exponential_backoff, is_transient_response
from portal.domain.gateway_errors import OAuthFailure, SalesforceOAuthError
from portal.domain.oauth import AuthorizationRequest, TokenSet
from portal.domain.secret import SecretStr

SECRET = SecretStr("client-secret-42")
ID_URL = "https://login.salesforce.com/id/00D5g000004ABCDEAZ/0055g00000ABCDEAA2"
ISSUED = "1717171717171"


def signed(**overrides: str) -> dict[str, str]:
    digest = hmac.new(b"client-secret-42", (ID_URL + ISSUED).encode(), hashlib.sha256).digest()
    token = {"id": ID_URL, "issued_at": ISSUED, "signature": base64.b64encode(digest).decode()}
    token.update(overrides)
    return token


def test_signature_is_base64_hmac_sha256_of_id_and_issued_at() -> None:
    expected = signed()["signature"]
    assert (
        salesforce_signature(identity_url=ID_URL, issued_at=ISSUED, client_secret=SECRET)
        == expected
    )
    verify_signature(token=signed(), client_secret=SECRET)  # does not raise


@pytest.mark.parametrize(
    "token",
    [
        signed(signature=base64.b64encode(b"x" * 32).decode()),
        signed(issued_at="1717171717172"),
        signed(id=ID_URL.replace("ABCDEAA2", "ZZZZZAA2")),
        {"id": ID_URL, "issued_at": ISSUED},
    ],
    ids=["forged", "issued_at-changed", "id-changed", "missing"],
)
def test_a_tampered_or_unsigned_answer_is_refused(token: dict[str, str]) -> None:
    with pytest.raises(SalesforceOAuthError) as caught:
        verify_signature(token=token, client_secret=SECRET)
    assert caught.value.reason is OAuthFailure.SIGNATURE_MISMATCH
    assert "client secret" in caught.value.user_message


def test_signed_with_another_secret_is_refused() -> None:
    with pytest.raises(SalesforceOAuthError):
        verify_signature(token=signed(), client_secret=SecretStr("another"))


def test_ids_come_from_the_identity_url() -> None:
    assert ids_from_identity_url(ID_URL) == ("00D5g000004ABCDEAZ", "0055g00000ABCDEAA2")
    with pytest.raises(Exception, match="identity URL"):
        ids_from_identity_url("https://login.salesforce.com/services/oauth2/userinfo")


def test_authorization_request_does_not_show_the_verifier() -> None:
    request = AuthorizationRequest(
        url="https://x/authorize?state=s", state="s", code_verifier=SecretStr("verifier-value-123")
    )
    assert "verifier-value-123" not in repr(request)
    assert "verifier-value-123" not in f"{request}"


def test_oauth_client_and_connection_do_not_show_secrets(caplog: pytest.LogCaptureFixture) -> None:
    session = build_session(trust=Trust.system(), timeout=Timeouts())
    client = OAuthClient(
        login_url="https://login.salesforce.com",
        client_id="3MVGid",
        client_secret=SECRET,
        redirect_uri="http://localhost:8501/",
        session=session,
    )
    assert "client-secret-42" not in repr(client)
    tokens = TokenSet(
        access_token=SecretStr("00D!AQaccess"),
        refresh_token=SecretStr("5Aep"),
        instance_url="https://acme.my.salesforce.com",
        org_id="00D",
        user_id="005",
        issued_at=datetime(2025, 1, 1, tzinfo=UTC),
    )
    with caplog.at_level(logging.DEBUG):
        connection = SalesforceConnection(
            tokens=tokens,
            session=session,
            api_version="59.0",
            on_refresh=lambda t: None,
            oauth=client,
        )
        logging.getLogger("test").info("connection %r tokens %r", connection, tokens)
    text = repr(connection) + repr(tokens) + caplog.text
    for secret in ("00D!AQaccess", "5Aep"):
        assert secret not in text


def test_authorize_url_asks_for_pkce_s256_scopes_and_consent() -> None:
    session = build_session(trust=Trust.system(), timeout=Timeouts())
    client = OAuthClient(
        login_url="https://login.salesforce.com",
        client_id="3MVGid",
        client_secret=SECRET,
        redirect_uri="http://localhost:8501/",
        session=session,
        authorize_base_url="http://127.0.0.1:8080",
    )
    first, second = client.start(), client.start(force_login=True)
    assert first.state != second.state
    assert first.code_verifier != second.code_verifier
    query = dict(p.split("=", 1) for p in first.url.split("?", 1)[1].split("&"))
    assert first.url.startswith("http://127.0.0.1:8080/services/oauth2/authorize?")
    assert query["response_type"] == "code"
    assert query["client_id"] == "3MVGid"
    assert query["code_challenge_method"] == "S256"
    expected = (
        base64.urlsafe_b64encode(
            hashlib.sha256(first.code_verifier.get_secret_value().encode()).digest()
        )
        .rstrip(b"=")
        .decode()
    )
    assert query["code_challenge"] == expected
    assert query["scope"] == "api+refresh_token+id"
    assert query["prompt"] == "consent"
    assert query["state"] == first.state
    assert "prompt=login+consent" in second.url
    assert first.code_verifier.get_secret_value() not in first.url


def _response(status: int, payload: bytes) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response._content = payload
    return response


def test_transient_answers_are_retried_and_a_spent_daily_allowance_is_not() -> None:
    daily = b'[{"errorCode":"REQUEST_LIMIT_EXCEEDED","message":"TotalRequests Limit exceeded."}]'
    busy = (
        b'[{"errorCode":"REQUEST_LIMIT_EXCEEDED",'
        b'"message":"ConcurrentPerOrgLongTxn Limit exceeded."}]'
    )
    locked = b'[{"errorCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access"}]'
    assert is_transient_response(_response(503, b"[]"))
    assert is_transient_response(_response(500, b"oops"))
    assert is_transient_response(_response(403, busy))
    assert is_transient_response(_response(400, locked))
    assert not is_transient_response(_response(403, daily))
    assert not is_transient_response(_response(403, b'[{"errorCode":"INSUFFICIENT_ACCESS"}]'))
    assert not is_transient_response(_response(400, b"[]"))
    assert not is_transient_response(_response(200, b"{}"))


def test_writes_are_retried_only_when_salesforce_did_nothing() -> None:
    locked = b'[{"errorCode":"UNABLE_TO_LOCK_ROW","message":"unable to obtain exclusive access"}]'
    assert is_transient_response(_response(400, locked), method="PATCH")
    assert not is_transient_response(_response(503, b"[]"), method="POST")
    assert not is_transient_response(_response(500, b"oops"), method="PATCH")


def test_backoff_grows_and_is_capped() -> None:
    delay = exponential_backoff(base=0.5, cap=3.0)
    assert [delay(n) for n in (1, 2, 3, 4)] == [0.5, 1.0, 2.0, 3.0]
