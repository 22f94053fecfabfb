"""The SOAP API's ``login`` call (partner ``/services/Soap/u/{version}`` and enterprise
``/services/Soap/c/{version}``), because real clients log in that way.

Requests are parsed without any DTD: a DOCTYPE (hence any entity declaration) is refused.
Only ``login`` is implemented; every other call answers a SOAP fault saying so.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from mock_salesforce.backend import MockBackend, backend_of
from mock_salesforce.oauth.lockout import LockedOut

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
XML_CONTENT_TYPE = "text/xml;charset=UTF-8"
MAX_BODY_BYTES = 1_000_000
#: The SOAP API's first version with this login shape, and the newest the mock answers.
MIN_VERSION, MAX_VERSION = 20, 66
#: Sessions from a SOAP login are full UI+API sessions, not tied to a connected app.
SOAP_SESSION_SCOPES = ("api", "web", "full")

INVALID_LOGIN_MESSAGE = "Invalid username, password, security token; or user locked out."
API_DISABLED_MESSAGE = "API is disabled for this User"


@dataclass(frozen=True)
class Flavour:
    """Partner (``u``) or enterprise (``c``) WSDL: their namespaces and URL letter."""

    letter: str
    namespace: str
    fault_namespace: str


FLAVOURS = {
    "u": Flavour("u", "urn:partner.soap.sforce.com", "urn:fault.partner.soap.sforce.com"),
    "c": Flavour("c", "urn:enterprise.soap.sforce.com", "urn:fault.enterprise.soap.sforce.com"),
}


class SoapFault(Exception):
    """A SOAP fault: ``sf:`` API faults carry an exception code; ``soapenv:Client`` faults
    (a malformed request) carry only a message."""

    def __init__(self, code: str, message: str, *, api_fault: str | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.api_fault = api_fault  # "LoginFault", "UnexpectedErrorFault", ... or None

    def render(self, flavour: Flavour) -> Response:
        if self.api_fault is None:
            fault = (
                f"<faultcode>soapenv:Client</faultcode>"
                f"<faultstring>{escape(self.message)}</faultstring>"
            )
        else:
            fault = (
                f"<faultcode>sf:{self.code}</faultcode>"
                f"<faultstring>{escape(self.code)}: {escape(self.message)}</faultstring>"
                f'<detail><sf:{self.api_fault} xsi:type="sf:{self.api_fault}">'
                f"<sf:exceptionCode>{escape(self.code)}</sf:exceptionCode>"
                f"<sf:exceptionMessage>{escape(self.message)}</sf:exceptionMessage>"
                f"</sf:{self.api_fault}></detail>"
            )
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns:sf="{flavour.fault_namespace}" '
            f'xmlns:xsi="{XSI}"><soapenv:Body><soapenv:Fault>{fault}</soapenv:Fault>'
            "</soapenv:Body></soapenv:Envelope>"
        )
        return Response(body, status_code=500, media_type=XML_CONTENT_TYPE)


class _NoDoctype(ET.TreeBuilder):
    def doctype(self, _name: str, _pubid: str, _system: str) -> None:
        raise SoapFault("Client", "DOCTYPE is not allowed in SOAP requests")


def parse_envelope(body: bytes) -> ET.Element:
    """The root of a SOAP request; refuses DOCTYPEs (no entities, no external references)."""
    if len(body) > MAX_BODY_BYTES:
        raise SoapFault("Client", "The request is too large")
    parser = ET.XMLParser(target=_NoDoctype())
    try:
        parser.feed(body)
        return parser.close()
    except ET.ParseError as exc:
        raise SoapFault("Client", f"Unable to parse the request: {exc}") from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _operation(root: ET.Element) -> ET.Element:
    if root.tag != f"{{{SOAP_ENV}}}Envelope":
        raise SoapFault("Client", "The request is not a SOAP 1.1 envelope")
    body = root.find(f"{{{SOAP_ENV}}}Body")
    if body is None or len(body) == 0:
        raise SoapFault("Client", "The SOAP envelope has no Body")
    return body[0]


def _child_text(element: ET.Element, name: str) -> str:
    for child in element:
        if _local(child.tag) == name:
            return child.text or ""
    return ""


def _currency(locale: str | None) -> tuple[str, str]:
    return ("USD", "$") if locale == "en_US" else ("JPY", "¥")


def _element(name: str, value: Any) -> str:
    if value is None:
        return f'<{name} xsi:nil="true"/>'
    if isinstance(value, bool):
        value = "true" if value else "false"
    return f"<{name}>{escape(str(value))}</{name}>"


def login_response(
    backend: MockBackend,
    *,
    flavour: Flavour,
    version: str,
    org_id: str,
    user_id: str,
    session_id: str,
) -> str:
    """The ``loginResponse`` envelope (elements unprefixed, in the WSDL's namespace)."""
    base = backend.urls.https_base
    org_obj = backend.org_schema(org_id).get("Organization")
    user_obj = backend.org_schema(org_id).get("User")
    assert org_obj is not None and user_obj is not None
    org_name, sandbox, org_locale = backend.store.execute(
        f'SELECT "Name", "IsSandbox", "DefaultLocaleSidKey" FROM {org_obj.table} WHERE "Id" = ?',
        [org_id],
    )[0]
    user = backend.store.execute(
        'SELECT "Username", "Name", "Email", "ProfileId", "LanguageLocaleKey", "LocaleSidKey", '
        f'"TimeZoneSidKey", "UserType" FROM {user_obj.table} WHERE _org_id = ? AND "Id" = ?',
        [org_id, user_id],
    )[0]
    username, full_name, email, profile_id, language, locale, zone, user_type = user
    currency, symbol = _currency(org_locale)
    info = "".join(
        _element(k, v)
        for k, v in (
            ("accessibilityMode", False),
            ("chatterExternal", False),
            ("currencySymbol", symbol),
            ("orgAttachmentFileSizeLimit", 5242880),
            ("orgDefaultCurrencyIsoCode", currency),
            ("orgDefaultCurrencyLocale", org_locale),
            ("orgDisallowHtmlAttachments", False),
            ("orgHasPersonAccounts", False),
            ("organizationId", org_id),
            ("organizationMultiCurrency", False),
            ("organizationName", org_name),
            ("profileId", profile_id),
            ("roleId", None),
            ("sessionSecondsValid", int(backend.sessions.timeout.total_seconds())),
            ("userDefaultCurrencyIsoCode", None),
            ("userEmail", email),
            ("userFullName", full_name),
            ("userId", user_id),
            ("userLanguage", language),
            ("userLocale", locale),
            ("userName", username),
            ("userTimeZone", zone),
            ("userType", user_type or "Standard"),
            ("userUiSkin", "Theme3"),
        )
    )
    result = "".join(
        _element(k, v)
        for k, v in (
            ("metadataServerUrl", f"{base}/services/Soap/m/{version}/{org_id[:15]}"),
            ("passwordExpired", False),
            ("sandbox", bool(sandbox)),
            ("serverUrl", f"{base}/services/Soap/{flavour.letter}/{version}/{org_id[:15]}"),
            ("sessionId", session_id),
            ("userId", user_id),
        )
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<soapenv:Envelope xmlns:soapenv="{SOAP_ENV}" xmlns="{flavour.namespace}" '
        f'xmlns:xsi="{XSI}"><soapenv:Body><loginResponse><result>{result}'
        f"<userInfo>{info}</userInfo></result></loginResponse></soapenv:Body>"
        "</soapenv:Envelope>"
    )


def soap_login(backend: MockBackend, *, flavour: Flavour, version: str, body: bytes) -> str:
    """Run a SOAP request that must be ``login``; returns the response envelope or raises
    :class:`SoapFault`."""
    major, _, minor = version.partition(".")
    if not (major.isdigit() and minor == "0" and MIN_VERSION <= int(major) <= MAX_VERSION):
        raise SoapFault(
            "UNSUPPORTED_API_VERSION",
            "Invalid Api version specified on URL",
            api_fault="UnexpectedErrorFault",
        )
    operation = _operation(parse_envelope(body))
    name = _local(operation.tag)
    if name != "login":
        raise SoapFault(
            "INVALID_OPERATION",
            f"The mock org's SOAP API implements only login, not {name}; use the REST API.",
            api_fault="UnexpectedErrorFault",
        )
    try:
        found = backend.oauth.log_in(
            username=_child_text(operation, "username"),
            password=_child_text(operation, "password"),
        )
    except LockedOut:
        # Salesforce's one answer for a wrong password and a locked-out user alike.
        found = None
    if found is None:
        raise SoapFault("INVALID_LOGIN", INVALID_LOGIN_MESSAGE, api_fault="LoginFault")
    org_id, user_id = found
    if not backend.permissions.has_permission(
        org_id=org_id, user_id=user_id, permission="ApiEnabled"
    ):
        raise SoapFault("API_CURRENTLY_DISABLED", API_DISABLED_MESSAGE, api_fault="LoginFault")
    session_id, _, _ = backend.sessions.issue(
        org_id=org_id, user_id=user_id, app_name=None, scopes=SOAP_SESSION_SCOPES
    )
    return login_response(
        backend,
        flavour=flavour,
        version=version,
        org_id=org_id,
        user_id=user_id,
        session_id=session_id,
    )


_VERSION = re.compile(r"^[0-9]{1,3}\.[0-9]{1,2}$")


def _endpoint(flavour: Flavour) -> Callable[[Request], Awaitable[Response]]:
    async def soap_endpoint(request: Request) -> Response:
        version = request.path_params["version"]
        body = await request.body()
        backend = backend_of(request)
        try:
            if not _VERSION.match(version):
                raise SoapFault(
                    "UNSUPPORTED_API_VERSION",
                    "Invalid Api version specified on URL",
                    api_fault="UnexpectedErrorFault",
                )
            envelope = await run_in_threadpool(
                soap_login, backend, flavour=flavour, version=version, body=body
            )
        except SoapFault as fault:
            return fault.render(flavour)
        return Response(envelope, media_type=XML_CONTENT_TYPE)

    return soap_endpoint


ROUTES = [
    Route(f"/services/Soap/{letter}/{{version}}", _endpoint(flavour), methods=["POST"])
    for letter, flavour in FLAVOURS.items()
]
