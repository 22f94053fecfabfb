"""Random paths, methods, bodies and query strings: the API answers in Salesforce's shape and
never with a 500."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg

_WORDS = [
    "sobjects",
    "Account",
    "contact",
    "TASK",
    "Event",
    "Organization",
    "MiiTel_Call_Log__c",
    "describe",
    "updated",
    "deleted",
    "query",
    "queryAll",
    "composite",
    "limits",
    "Id",
    "MiiTel_External_Id__c",
    "Name",
    "001000000000001AAA",
    "0015g0000000001AAA",
    "0015g0000000001",
    "0035g0000000001AAA",
    "01g5g00000000000AAA-2000",
    "",
    "..",
    "v59.0",
]
_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=24).map(
    lambda t: quote(t, safe="")
)
_SEGMENT = st.one_of(st.sampled_from(_WORDS), _TEXT)
_PREFIX = st.sampled_from(
    [
        "/services/data/v59.0/",
        "/services/data/v45.0/",
        "/services/data/v20.0/",
        "/services/data/",
        "/services/data/v99.0/",
        "/services/data/v59.0/sobjects/",
        "/services/data/v59.0/composite/sobjects/",
    ]
)
_PATH = st.builds(lambda p, s: p + "/".join(s), _PREFIX, st.lists(_SEGMENT, max_size=4))

_SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
    st.sampled_from(
        [
            "2024-01-31T09:15:00+09:00",
            "2024-02-30",
            "0015g0000000001AAA",
            "Completed",
            "x" * 300,
            "a@b.co",
            "true",
            "9999-12-31T23:00:00-05:00",
            10**400,
            -(10**400),
            "1e400",
        ]
    ),
)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3)
    ),
    max_leaves=12,
)
_RECORD = st.fixed_dictionaries(
    {},
    optional={
        "attributes": st.one_of(
            _JSON,
            st.fixed_dictionaries(
                {
                    "type": st.sampled_from(
                        ["Account", "Contact", "Task", "Event", "Nope", "", "lead"]
                    )
                }
            ),
        ),
        "Name": _JSON,
        "LastName": _JSON,
        "Company": _JSON,
        "AccountId": _JSON,
        "WhoId": _JSON,
        "StartDateTime": _JSON,
        "Status": _JSON,
        "OwnerId": _JSON,
        "id": _JSON,
        "Id": _JSON,
        "NumberOfEmployees": _JSON,
        "Contact__r": _JSON,
        "MiiTel_External_Id__c": _JSON,
    },
)
_BODY = st.one_of(
    st.none(),
    st.binary(max_size=40),
    st.sampled_from(
        [
            b'{"Name": "\\ud800"}',
            b'{"records": [{"Name": "\\udfff"}]}',
            b"[" * 5000,
            b'{"a": ' + b"9" * 5000 + b"}",
        ]
    ),
    _JSON.map(json.dumps),
    _RECORD.map(json.dumps),
    st.builds(
        lambda records, flag: json.dumps({"allOrNone": flag, "records": records}),
        st.lists(_RECORD, max_size=3),
        _SCALAR,
    ),
)
_PARAMS = st.dictionaries(
    st.sampled_from(["q", "fields", "ids", "allOrNone", "start", "end", "updateOnly"]),
    st.one_of(
        st.text(max_size=40),
        st.sampled_from(
            [
                "SELECT Id FROM Account",
                "SELECT Name, (SELECT Id FROM Contacts) FROM Account",
                "Name,Id",
                "0015g0000000001AAA,bad",
                "true",
                "2024-01-01T00:00:00Z",
            ]
        ),
    ),
    max_size=3,
)
_HEADERS = st.fixed_dictionaries(
    {},
    optional={
        "Sforce-Query-Options": st.text(alphabet="0123456789batchSize=,;-x", max_size=20).map(
            "batchSize=".__add__
        ),
        "X-PrettyPrint": st.sampled_from(["1", "0", "yes"]),
        "Content-Type": st.sampled_from(["application/json", "application/xml", "text/plain"]),
    },
)


@pytest.mark.slow
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", "PUT", "HEAD", "OPTIONS"]),
    path=_PATH,
    body=_BODY,
    params=_PARAMS,
    headers=_HEADERS,
    authenticated=st.booleans(),
)
def test_no_request_gets_a_500(
    mock_server: ThreadedMockServer,
    bare_org: BareOrg,
    trusted_session: requests.Session,
    method: str,
    path: str,
    body: str | bytes | None,
    params: dict[str, str],
    headers: dict[str, str],
    authenticated: bool,
) -> None:
    sent: dict[str, Any] = dict(headers)
    if authenticated:
        sent["Authorization"] = f"Bearer {bare_org.token}"
    response = trusted_session.request(
        method, mock_server.https_url + path, params=params, data=body, headers=sent
    )
    assert response.status_code < 500, (response.status_code, response.text)
    if response.status_code >= 400 and method != "HEAD":
        errors = response.json()
        assert isinstance(errors, list) and errors[0]["errorCode"], errors
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
