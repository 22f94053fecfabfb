"""Versions, resources, authentication, TLS trust and wire format of the REST API."""

from __future__ import annotations

import logging
import socket
import time

import certifi
import pytest
import requests
from rest_api_support import Api, SalesforceClient, error_code, first_error
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceExpiredSession, SalesforceResourceNotFound

from mock_salesforce import ThreadedMockServer
from tests.conftest import BareOrg


def test_versions_list_is_public_and_names_the_releases(
    mock_server: ThreadedMockServer, trusted_session: requests.Session
) -> None:
    for path in ("/services/data", "/services/data/"):
        response = trusted_session.get(mock_server.https_url + path)
        assert response.status_code == 200
        versions = {v["version"]: v for v in response.json()}
        assert {"50.0", "51.0", "59.0", "60.0"} <= set(versions)
        assert versions["59.0"] == {
            "label": "Winter '24",
            "url": "/services/data/v59.0",
            "version": "59.0",
        }
        assert versions["51.0"]["label"] == "Spring '21"


def test_each_version_lists_its_resources(api: Api) -> None:
    body = api("GET", "", version="51.0").json()
    assert body["sobjects"] == "/services/data/v51.0/sobjects"
    assert body["query"] == "/services/data/v51.0/query"
    assert body["limits"] == "/services/data/v51.0/limits"


@pytest.mark.parametrize("version", ["99.0", "59.1", "59", "19.0", "abc"])
def test_unknown_or_malformed_version_is_not_found(api: Api, version: str) -> None:
    response = api("GET", "sobjects", version=version)
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_resource_is_salesforce_not_found(api: Api) -> None:
    response = api("GET", "no/such/resource")
    assert response.status_code == 404
    assert response.json() == [
        {"message": "The requested resource does not exist", "errorCode": "NOT_FOUND", "fields": []}
    ]


def test_wrong_method_is_method_not_allowed(api: Api) -> None:
    response = api("PUT", "sobjects/Account")
    assert response.status_code == 405
    assert response.json()[0]["errorCode"] == "METHOD_NOT_ALLOWED"


def test_bad_token_raises_expired_session(
    mock_server: ThreadedMockServer, trusted_session: requests.Session
) -> None:
    sf: SalesforceClient = Salesforce(
        instance_url=mock_server.https_url,
        session_id="00Dx!not-a-real-token",
        session=trusted_session,
        version="59.0",
    )
    with pytest.raises(SalesforceExpiredSession) as caught:
        sf.describe()
    assert error_code(caught.value) == "INVALID_SESSION_ID"
    assert first_error(caught.value)["message"] == "Session expired or invalid"


def test_missing_authorization_is_401(api: Api) -> None:
    response = api("GET", "sobjects", token=None)
    assert response.status_code == 401
    assert response.json()[0]["errorCode"] == "INVALID_SESSION_ID"


def test_revoked_session_is_401(
    api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    assert api("GET", "sobjects").status_code == 200
    mock_server.backend.sessions.revoke_token(bare_org.token)
    assert api("GET", "sobjects").status_code == 401


def test_oauth_scheme_is_accepted_like_bearer(api: Api, bare_org: BareOrg) -> None:
    response = api(
        "GET", "sobjects", token=None, headers={"Authorization": f"OAuth {bare_org.token}"}
    )
    assert response.status_code == 200


def test_responses_are_salesforce_json(api: Api) -> None:
    ok = api("GET", "sobjects/Account")
    missing = api("GET", "sobjects/NoSuchThing")
    for response in (ok, missing):
        assert response.headers["Content-Type"] == "application/json;charset=UTF-8"
        assert response.headers["Sforce-Limit-Info"].startswith("api-usage=")


def test_pretty_print_header_indents_but_keeps_content(api: Api) -> None:
    plain = api("GET", "sobjects/Account")
    pretty = api("GET", "sobjects/Account", headers={"X-PrettyPrint": "1"})
    assert "\n" in pretty.text and "\n" not in plain.text
    assert pretty.json() == plain.json()


def test_trailing_slash_and_case_of_names_do_not_matter(sf: SalesforceClient, api: Api) -> None:
    record_id = sf.Account.create({"Name": "Slash Co"})["id"]
    with_slash = api("GET", f"sobjects/account/{record_id}/", params={"fields": "name"})
    without = api("GET", f"sobjects/ACCOUNT/{record_id}", params={"fields": "NAME"})
    assert with_slash.status_code == without.status_code == 200
    assert with_slash.json() == without.json()
    assert with_slash.json()["attributes"]["type"] == "Account"
    assert with_slash.json()["Name"] == "Slash Co"


def test_unknown_sobject_is_not_found_on_rest_routes(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.NoSuchObject__c.describe()
    assert error_code(caught.value) == "NOT_FOUND"


def test_plain_session_fails_tls_while_fixture_session_trusts_the_mock(
    mock_server: ThreadedMockServer,
    trusted_session: requests.Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As on this machine: a CA bundle in the environment that lacks the mock's CA.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    plain = requests.Session()
    plain.verify = str(mock_server.ca_bundle)  # overridden by the environment's bundle
    with pytest.raises(requests.exceptions.SSLError):
        plain.get(mock_server.https_url + "/services/data")
    assert trusted_session.get(mock_server.https_url + "/services/data").status_code == 200


def test_a_client_gone_mid_request_is_not_logged_as_a_mock_error(
    mock_server: ThreadedMockServer, caplog: pytest.LogCaptureFixture
) -> None:
    # A process killed while sending a form (as the crash harness does): the body never ends.
    with socket.create_connection(("127.0.0.1", mock_server.http_port)) as raw:
        raw.sendall(
            b"POST /services/oauth2/revoke HTTP/1.1\r\nHost: localhost\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 500\r\n\r\n"
            b"token="
        )
    with caplog.at_level(logging.ERROR):
        # The mock keeps answering, and said nothing about the client that went away.
        response = requests.get(mock_server.http_url + "/services/data", timeout=10)
        time.sleep(0.2)
    assert response.status_code == 200
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
