"""Issue 11.10: bounded requests. A REST body over Salesforce's 50 MB limit is refused with
Salesforce's error before the mock reads it whole; an error repeats at most a short excerpt of
a value; ``NaN``, ``Infinity`` and ``1e999`` are refused like Salesforce's JSON parser does."""

from __future__ import annotations

import http.client
import json
import ssl
from typing import Any

import pytest
import requests
from rest_api_support import Api

from mock_salesforce import ThreadedMockServer
from mock_salesforce.body_limits import REST_MAX_BYTES
from mock_salesforce.control import TOKEN_HEADER
from mock_salesforce.errors import EXCERPT_CHARS
from tests.conftest import BareOrg

TOO_LARGE = {
    "message": "Maximum size of request reached. Maximum size of request is 52428800 bytes.",
    "errorCode": "JSON_PARSER_ERROR",
}


def _connection(server: ThreadedMockServer) -> http.client.HTTPSConnection:
    context = ssl.create_default_context(cafile=str(server.ca_bundle))
    return http.client.HTTPSConnection("127.0.0.1", server.port, context=context, timeout=30)


def _start_post(conn: http.client.HTTPSConnection, path: str, token: str, **headers: str) -> None:
    conn.putrequest("POST", path)
    conn.putheader("Authorization", f"Bearer {token}")
    conn.putheader("Content-Type", "application/json")
    for name, value in headers.items():
        conn.putheader(name.replace("_", "-"), value)
    conn.endheaders()


def _answer(conn: http.client.HTTPSConnection) -> tuple[int, Any]:
    response = conn.getresponse()
    return response.status, json.loads(response.read())


def _accounts(server: ThreadedMockServer) -> int:
    [(count,)] = server.backend.store.execute('SELECT count(*) FROM "sobj_account"')
    return int(count)


def test_a_declared_length_over_50_mb_is_refused_before_any_body_is_sent(
    mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    conn = _connection(mock_server)
    try:
        _start_post(
            conn,
            "/services/data/v59.0/sobjects/Account",
            bare_org.token,
            Content_Length=str(REST_MAX_BYTES + 1),
        )
        # Not one byte of the body went out: the answer comes from the headers alone.
        status, body = _answer(conn)
    finally:
        conn.close()
    assert status == 400
    assert body == [{**TOO_LARGE, "fields": []}]


def test_a_streamed_body_is_cut_off_at_50_mb(
    mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    conn = _connection(mock_server)
    chunk = b"[" + b" " * (1024 * 1024 - 1)
    try:
        _start_post(
            conn,
            "/services/data/v59.0/composite/sobjects",
            bare_org.token,
            Transfer_Encoding="chunked",
        )
        sent = 0
        while sent <= REST_MAX_BYTES:
            conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        # The body never ends (no last chunk): the mock answers without waiting for it.
        status, body = _answer(conn)
    finally:
        conn.close()
    assert status == 400
    assert body == [{**TOO_LARGE, "fields": []}]


def test_a_body_under_the_limit_still_works(api: Api, mock_server: ThreadedMockServer) -> None:
    padding = " " * (2 * 1024 * 1024)
    answer = api(
        "POST",
        "sobjects/Account",
        data=f'{{"Name": "Big but fine"{padding}}}'.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 201


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (
            '{"Name": "Huge", "NumberOfEmployees": 1e999}',
            "Numeric value (1e999) out of range of double at [line:1, column:39]",
        ),
        (
            '{"Name": "NaN Inc", "AnnualRevenue": NaN}',
            "Non-standard token 'NaN': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS to "
            "allow at [line:1, column:38]",
        ),
        (
            '{"Name": "Infinity Inc",\n "AnnualRevenue": -Infinity}',
            "Non-standard token '-Infinity': enable JsonParser.Feature.ALLOW_NON_NUMERIC_NUMBERS "
            "to allow at [line:2, column:19]",
        ),
    ],
)
def test_non_finite_numbers_are_refused_like_salesforce_s_json_parser(
    api: Api, mock_server: ThreadedMockServer, raw: str, message: str
) -> None:
    before = _accounts(mock_server)
    answer = api(
        "POST",
        "sobjects/Account",
        data=raw.encode(),
        headers={"Content-Type": "application/json"},
    )
    assert answer.status_code == 400
    assert answer.json() == [{"message": message, "errorCode": "JSON_PARSER_ERROR", "fields": []}]
    assert _accounts(mock_server) == before


def test_an_unknown_field_s_name_is_echoed_only_as_an_excerpt(api: Api) -> None:
    name = "Evil" + "x" * 100_000 + "__c"
    answer = api("POST", "sobjects/Account", json={"Name": "Acme", name: 1})
    assert answer.status_code == 400
    [error] = answer.json()
    assert error["errorCode"] == "INVALID_FIELD"
    assert name[:EXCERPT_CHARS] in error["message"]
    assert len(error["message"]) < 1000


def test_an_unknown_sobject_type_is_echoed_only_as_an_excerpt(api: Api) -> None:
    name = "Z" * 5000
    answer = api("POST", "composite/sobjects", json={"records": [{"attributes": {"type": name}}]})
    text = json.dumps(answer.json())
    assert "INVALID_TYPE" in text
    assert name[:EXCERPT_CHARS] in text
    assert name[: EXCERPT_CHARS + 1] not in text


def test_a_long_soql_identifier_is_echoed_only_in_part(api: Api) -> None:
    name = "Q" * 20_000
    answer = api("GET", "query", params={"q": f"SELECT {name} FROM Account"})
    assert answer.status_code == 400
    [error] = answer.json()
    assert len(error["message"]) <= 1003


def test_the_control_plane_takes_no_body_over_1_mb(
    mock_server: ThreadedMockServer, trusted_session: requests.Session
) -> None:
    answer = trusted_session.post(
        mock_server.https_url + "/mock-api/faults",
        data=b'{"latency_ms": 0' + b" " * (1024 * 1024) + b"}",
        headers={"Content-Type": "application/json", TOKEN_HEADER: mock_server.control_token or ""},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "body_too_large"


def test_an_oauth_form_over_1_mb_is_refused(
    mock_server: ThreadedMockServer, trusted_session: requests.Session
) -> None:
    answer = trusted_session.post(
        mock_server.https_url + "/services/oauth2/token",
        data={"grant_type": "password", "username": "x" * (1024 * 1024 + 1)},
    )
    assert answer.status_code == 413
    assert answer.json()["error"] == "invalid_request"
