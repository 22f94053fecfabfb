"""The SOAP API login call, as clients that log in with a username and password use it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from xml.sax.saxutils import escape

import pytest
import requests
from oauth_flow import OrgUser, add_user
from simple_salesforce import Salesforce

from mock_salesforce import ThreadedMockServer

PARTNER = "urn:partner.soap.sforce.com"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"


def login_envelope(username: str, password: str, namespace: str = PARTNER) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8" ?>'
        f'<env:Envelope xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        f'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:env="{SOAP_ENV}" '
        f'xmlns:urn="{namespace}"><env:Header><urn:CallOptions><urn:client>RestForce'
        f'</urn:client></urn:CallOptions></env:Header><env:Body><n1:login xmlns:n1="{namespace}">'
        f"<n1:username>{escape(username)}</n1:username>"
        f"<n1:password>{escape(password)}</n1:password></n1:login></env:Body></env:Envelope>"
    )


def soap_post(
    api: requests.Session,
    server: ThreadedMockServer,
    body: str | bytes,
    path: str = "/services/Soap/u/59.0",
) -> requests.Response:
    return api.post(
        f"{server.https_url}{path}",
        data=body,
        headers={"Content-Type": "text/xml; charset=UTF-8", "SOAPAction": "login"},
    )


def text_of(root: ET.Element, name: str, namespace: str = PARTNER) -> str:
    found = root.find(f".//{{{namespace}}}{name}")
    assert found is not None, name
    return found.text or ""


def fault_of(response: requests.Response) -> tuple[str, str]:
    root = ET.fromstring(response.content)
    fault = root.find(f".//{{{SOAP_ENV}}}Fault")
    assert fault is not None
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


def test_login_returns_the_session_and_where_to_use_it(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
) -> None:
    response = soap_post(api, mock_server, login_envelope(bare_org.username, bare_org.password))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/xml")
    # Clients read these elements by their bare names.
    for name in ("serverUrl", "sessionId", "userId", "metadataServerUrl"):
        assert f"<{name}>" in response.text
    root = ET.fromstring(response.content)
    org15 = bare_org.org_id[:15]
    assert text_of(root, "serverUrl") == f"{mock_server.https_url}/services/Soap/u/59.0/{org15}"
    assert text_of(root, "metadataServerUrl") == (
        f"{mock_server.https_url}/services/Soap/m/59.0/{org15}"
    )
    assert text_of(root, "userId") == bare_org.user_id
    assert text_of(root, "organizationId") == bare_org.org_id
    assert text_of(root, "userName") == bare_org.username
    assert text_of(root, "passwordExpired") == "false"
    assert text_of(root, "sandbox") == "false"
    session_id = text_of(root, "sessionId")
    assert session_id.startswith(org15 + "!")

    sf = Salesforce(
        instance_url=mock_server.https_url, session_id=session_id, session=api, version="59.0"
    )
    assert sf.query("SELECT Username FROM User")["totalSize"] >= 1
    me = api.get(
        f"{mock_server.https_url}/id/{bare_org.org_id}/{bare_org.user_id}",
        headers={"Authorization": f"Bearer {session_id}"},
    )
    assert me.json()["username"] == bare_org.username


def test_enterprise_endpoint_answers_in_its_namespace(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
) -> None:
    enterprise = "urn:enterprise.soap.sforce.com"
    response = soap_post(
        api,
        mock_server,
        login_envelope(bare_org.username, bare_org.password, enterprise),
        path="/services/Soap/c/58.0",
    )
    root = ET.fromstring(response.content)
    assert text_of(root, "serverUrl", enterprise).endswith(
        f"/services/Soap/c/58.0/{bare_org.org_id[:15]}"
    )


@pytest.mark.parametrize("password", ["wrong", ""])
def test_wrong_credentials_are_an_invalid_login_fault(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
    password: str,
) -> None:
    response = soap_post(api, mock_server, login_envelope(bare_org.username, password))
    assert response.status_code == 500
    assert fault_of(response) == (
        "sf:INVALID_LOGIN",
        "INVALID_LOGIN: Invalid username, password, security token; or user locked out.",
    )
    root = ET.fromstring(response.content)
    assert root.findtext(".//{urn:fault.partner.soap.sforce.com}exceptionCode") == "INVALID_LOGIN"


def test_password_with_security_token(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
) -> None:
    token = mock_server.backend.oauth.reset_security_token(
        org_id=bare_org.org_id, user_id=bare_org.user_id
    )
    response = soap_post(
        api, mock_server, login_envelope(bare_org.username, bare_org.password + token)
    )
    assert response.status_code == 200


def test_a_user_without_api_access_cannot_log_in(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
) -> None:
    add_user(
        mock_server.backend,
        org_id=bare_org.org_id,
        username="noapi@bare.example",
        permissions=set(),
    )
    response = soap_post(api, mock_server, login_envelope("noapi@bare.example", "pass1234"))
    assert response.status_code == 500
    assert fault_of(response)[0] == "sf:API_CURRENTLY_DISABLED"


def test_doctype_and_entities_are_refused(
    mock_server: ThreadedMockServer,
    bare_org: OrgUser,
    api: requests.Session,
) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        f'<env:Envelope xmlns:env="{SOAP_ENV}"><env:Body><login xmlns="{PARTNER}">'
        f"<username>&lol2;</username><password>x</password></login></env:Body></env:Envelope>"
    )
    response = soap_post(api, mock_server, bomb)
    assert response.status_code == 500
    code, message = fault_of(response)
    assert code == "soapenv:Client"
    assert "DOCTYPE" in message


def test_malformed_xml_is_a_client_fault(
    mock_server: ThreadedMockServer, api: requests.Session
) -> None:
    response = soap_post(api, mock_server, "<env:Envelope><unclosed>")
    assert response.status_code == 500
    assert fault_of(response)[0] == "soapenv:Client"


def test_other_calls_say_only_login_is_implemented(
    mock_server: ThreadedMockServer,
    api: requests.Session,
) -> None:
    body = (
        f'<env:Envelope xmlns:env="{SOAP_ENV}"><env:Body><query xmlns="{PARTNER}">'
        "<queryString>SELECT Id FROM Account</queryString></query></env:Body>"
        "</env:Envelope>"
    )
    response = soap_post(api, mock_server, body)
    assert response.status_code == 500
    code, message = fault_of(response)
    assert code == "sf:INVALID_OPERATION"
    assert "only login" in message


def test_unknown_api_version_is_refused(
    mock_server: ThreadedMockServer, bare_org: OrgUser, api: requests.Session
) -> None:
    response = soap_post(
        api,
        mock_server,
        login_envelope(bare_org.username, bare_org.password),
        path="/services/Soap/u/7.0",
    )
    assert response.status_code == 500
    assert fault_of(response)[0] == "sf:UNSUPPORTED_API_VERSION"
