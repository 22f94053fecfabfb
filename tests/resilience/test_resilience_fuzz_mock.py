"""Bad input to the mock org: generated SOQL through the REST query resources, OAuth parameters
(authorize, login and consent forms, token, revoke, userinfo) and REST parameters. The mock
answers every one in Salesforce's own shape and never with a 500; and no parameter turns it
into an open redirect (only registered callback URLs, only paths on the mock itself).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from tests.portal_over_mock import MockEndpoint, guarded_server
from tests.resilience.harness.figures import FigureBook, sized
from tests.resilience.harness.world import (
    SEED,
    browser,
)

API: Final = "/services/data/v59.0"

# --- SOQL ---------------------------------------------------------------------------------

_OBJECTS = st.sampled_from(
    ["Account", "Contact", "Lead", "Task", "Event", "User", "Profile", "PermissionSet",
     "Organization", "MiiTel_Call_Log__c", "Nope", "account", "Task__r", "", "Account Account"]
)  # fmt: skip
_FIELDS = st.sampled_from(
    ["Id", "Name", "Phone", "MobilePhone", "Account.Name", "Owner.Username", "CallObject",
     "COUNT()", "COUNT(Id)", "MAX(CreatedDate)", "toLabel(Status)", "FORMAT(CreatedDate)",
     "(SELECT Id FROM Contacts)", "(SELECT Id FROM Tasks LIMIT 2)", "Who.Name", "What.Type",
     "Bogus__c", "Name Name", "LastModifiedDate", "Account.Owner.Profile.Name", "*", "Id,",
     "CALENDAR_YEAR(CreatedDate)", "convertCurrency(AnnualRevenue)"]
)  # fmt: skip
_LITERALS = st.one_of(
    st.sampled_from(
        ["'x'", "'%a%'", "null", "true", "TODAY", "LAST_N_DAYS:3", "NEXT_N_WEEKS:-1", "2024-01-01",
         "2024-01-01T00:00:00Z", "2024-02-30T25:61:00Z", "1e400", "-0", "001000000000001AAA",
         "('a','b')", "(SELECT AccountId FROM Contact)", "'\\''", "'\\'", "'unterminated",
         "'\\u0000'", "''", "'\u3042'", "THIS_QUARTER", "LAST_N_DAYS:99999999999"]
    ),
    st.text(max_size=12).map(lambda t: "'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'"),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
)  # fmt: skip
_OPERATORS = st.sampled_from(
    ["=", "!=", "<", "<=", ">", ">=", "LIKE", "IN", "NOT IN", "INCLUDES", "EXCLUDES", "<>", "=="]
)
_CONDITION = st.builds(lambda f, o, v: f"{f} {o} {v}", _FIELDS, _OPERATORS, _LITERALS)
_WHERE = st.recursive(
    _CONDITION,
    lambda inner: st.one_of(
        st.builds(lambda a, b, j: f"{a} {j} {b}", inner, inner, st.sampled_from(["AND", "OR"])),
        inner.map(lambda c: f"({c})"),
        inner.map(lambda c: f"NOT {c}"),
    ),
    max_leaves=4,
)
_TAIL = st.lists(
    st.sampled_from(
        ["ORDER BY Name", "ORDER BY CreatedDate DESC NULLS LAST", "LIMIT 5", "LIMIT -1",
         "LIMIT 99999999999", "OFFSET 2", "OFFSET 2001", "GROUP BY Name", "HAVING COUNT(Id) > 1",
         "FOR UPDATE", "ALL ROWS", "WITH SECURITY_ENFORCED", "USING SCOPE mine", "LIMIT"]
    ),
    max_size=3,
)  # fmt: skip


def _soql(fields: list[str], obj: str, where: str | None, tail: list[str]) -> str:
    text = f"SELECT {', '.join(fields)} FROM {obj}"
    if where is not None:
        text += f" WHERE {where}"
    return " ".join([text, *tail])


def _mutate(text: str, position: int, junk: str) -> str:
    cut = position % (len(text) + 1)
    return text[:cut] + junk + text[cut:]


#: Fields each object really has (text fields first), for queries the org can answer.
_VALID_FIELDS: Final = {
    "Account": ("Name", "Phone", "Industry", "Id", "CreatedDate", "Owner.Username"),
    "Contact": ("Name", "Phone", "MobilePhone", "Email", "Id", "Account.Name"),
    "Lead": ("Company", "Phone", "Status", "Id", "IsConverted", "LastModifiedDate"),
    "Task": ("Subject", "CallObject", "Status", "Id", "ActivityDate", "Who.Name"),
    "User": ("Username", "Email", "Id", "IsActive", "Profile.Name"),
}
_ESCAPED_TEXT = st.text(max_size=12).map(lambda t: t.replace("\\", "\\\\").replace("'", "\\'"))


@st.composite
def _answerable(draw: st.DrawFn) -> str:
    """A query the org can run: real fields, conditions of the right types, escaped text."""
    obj = draw(st.sampled_from(sorted(_VALID_FIELDS)))
    fields = _VALID_FIELDS[obj]
    chosen = draw(st.lists(st.sampled_from(fields), min_size=1, max_size=4, unique=True))
    text_field = fields[0]
    condition = draw(
        st.sampled_from(
            [
                f"{text_field} = '{draw(_ESCAPED_TEXT)}'",
                f"{text_field} LIKE '%{draw(_ESCAPED_TEXT)}%'",
                f"{text_field} != null",
                "CreatedDate = LAST_N_DAYS:30",
                "CreatedDate < 2030-01-01T00:00:00Z",
                f"{text_field} IN ('{draw(_ESCAPED_TEXT)}', 'x')",
                f"NOT ({text_field} = null) AND Id != null",
            ]
        )
    )
    tail = draw(st.sampled_from(["", f"ORDER BY {text_field} DESC NULLS LAST", "LIMIT 3"]))
    return f"SELECT {', '.join(chosen)} FROM {obj} WHERE {condition} {tail}".strip()


_STRUCTURED = st.builds(
    _soql, st.lists(_FIELDS, min_size=1, max_size=4), _OBJECTS, st.none() | _WHERE, _TAIL
)
SOQL = st.one_of(
    _answerable(),
    _STRUCTURED,
    st.builds(
        _mutate,
        _STRUCTURED,
        st.integers(min_value=0, max_value=400),
        st.sampled_from(["'", "(", ")", ",", " FROM ", "\\", "\x00", "%", "SELECT", "\n", "--"]),
    ),
    st.text(max_size=60),
)

# --- OAuth --------------------------------------------------------------------------------

_ANY_TEXT = st.text(max_size=40)
_REDIRECT_TRICKS: Final = (
    "https://evil.example/callback",
    "javascript:alert(1)",
    "//evil.example/",
    "http://localhost:8501@evil.example/",
    "http://localhost:8501.evil.example/",
    "http://localhost:8501/../evil",
    "http://localhost:8501/%2e%2e/evil",
    "HTTP://LOCALHOST:8501/",
    "http://localhost:8501/#@evil.example",
    "http://localhost:8501/?next=https://evil.example",
    "http://127.0.0.1:8501/callback",
    "http://localhost:8502/",
    "data:text/html,<script>alert(1)</script>",
    "http://localhost:8501\\@evil.example/",
    " http://localhost:8501/",
)
_RETURN_TRICKS: Final = (
    "https://evil.example/",
    "//evil.example/",
    "/\\evil.example/",
    "\\\\evil.example",
    "/%2F%2Fevil.example",
    "javascript:alert(1)",
    "http:evil.example",
    "https:/evil.example",
    "/\t/evil.example",
    " //evil.example",
    "/setup/../..//evil.example",
    "/\u2215\u2215evil.example",
    "/setup",
    "/",
)


@dataclass(frozen=True)
class FuzzTarget:
    """The mock's addresses, the MiiTel app's credentials, and a live API session."""

    endpoint: MockEndpoint
    registered: tuple[str, ...]
    token: str


@pytest.fixture(scope="module")
def target() -> Iterator[FuzzTarget]:
    with guarded_server() as server:
        [org] = reset_world(server.backend, seed=SEED, scenario="default", size=SMALL_SIZE)
        app = server.backend.connected_apps.definition("MiiTel")
        user = org.integration_user
        token, _, _ = server.backend.sessions.issue(
            org_id=org.org_id, user_id=user.user_id, app_name="MiiTel"
        )
        yield FuzzTarget(
            endpoint=MockEndpoint.of(server), registered=tuple(app.callback_urls), token=token
        )


def _salesforce_shaped(response: requests.Response) -> bool:
    """A REST error is a JSON list of {message, errorCode} (or an OAuth error object)."""
    if response.status_code < 400:
        return True
    try:
        body = response.json()
    except ValueError:
        return False
    if isinstance(body, dict):
        return "error" in body
    return isinstance(body, list) and all(
        isinstance(e, dict) and "errorCode" in e and "message" in e for e in body
    )


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@pytest.mark.slow
def test_generated_soql_is_answered_never_with_a_500(
    target: FuzzTarget, figures: FigureBook
) -> None:
    statuses: list[int] = []
    with browser(target.endpoint.ca_bundle) as session:
        session.headers["Authorization"] = f"Bearer {target.token}"

        @_fuzz_settings(sized(150, 3000))
        @given(soql=SOQL, resource=st.sampled_from(["query", "queryAll"]))
        def check(soql: str, resource: str) -> None:
            response = session.get(
                f"{target.endpoint.https_url}{API}/{resource}/", params={"q": soql}
            )
            statuses.append(response.status_code)
            assert response.status_code < 500, (soql, response.text[:300])
            assert _salesforce_shaped(response), (soql, response.text[:300])
            if response.status_code == 200:
                body = response.json()
                assert body["totalSize"] >= len(body["records"])

        check()
    answered = sum(1 for s in statuses if s == 200)
    figures.add(
        area="fuzz",
        name="mock org: generated SOQL via /query and /queryAll",
        count=len(statuses),
        unit="queries",
        observed=f"0 server errors ({answered} answered, {len(statuses) - answered} refused "
        "with Salesforce error codes)",
    )


@pytest.mark.slow
def test_oauth_parameters_are_answered_never_with_a_500(
    target: FuzzTarget, figures: FigureBook
) -> None:
    seen: list[int] = []
    endpoint = target.endpoint
    client_ids = st.sampled_from([endpoint.client_id, "", "3MVG9bogus", endpoint.client_id + "x"])
    redirects = st.sampled_from([*target.registered, *_REDIRECT_TRICKS]) | _ANY_TEXT
    authorize_params = st.fixed_dictionaries(
        {},
        optional={
            "response_type": st.sampled_from(["code", "token", "code id_token", "", "x"]),
            "client_id": client_ids,
            "redirect_uri": redirects,
            "state": _ANY_TEXT,
            "scope": st.sampled_from(["api refresh_token", "full", "", "openid id", "x" * 300]),
            "code_challenge": _ANY_TEXT,
            "code_challenge_method": st.sampled_from(["S256", "plain", "", "x"]),
            "prompt": st.sampled_from(["login", "consent", "login consent", "none", "x"]),
            "display": st.sampled_from(["page", "popup", "x"]),
            "login_hint": _ANY_TEXT,
        },
    )
    token_form = st.fixed_dictionaries(
        {
            "grant_type": st.sampled_from(
                ["authorization_code", "refresh_token", "password", "client_credentials", "", "x"]
            )
        },
        optional={
            "code": _ANY_TEXT,
            "client_id": client_ids,
            "client_secret": st.sampled_from([endpoint.client_secret, "", "wrong"]) | _ANY_TEXT,
            "redirect_uri": redirects,
            "code_verifier": _ANY_TEXT,
            "refresh_token": _ANY_TEXT,
            "username": st.sampled_from(["admin@acme-japan.example", "' OR 1=1 --"]) | _ANY_TEXT,
            "password": _ANY_TEXT,
            "format": st.sampled_from(["json", "xml", "urlencoded", "x"]),
        },
    )
    form_fields = st.dictionaries(
        st.sampled_from(["username", "password", "request", "csrf", "action", "startURL", "x"]),
        _ANY_TEXT | st.sampled_from(list(_RETURN_TRICKS)),
        max_size=5,
    )
    calls = st.one_of(
        st.tuples(st.just("GET"), st.just("/services/oauth2/authorize"), authorize_params),
        st.tuples(st.just("POST"), st.just("/services/oauth2/token"), token_form),
        st.tuples(
            st.sampled_from(["GET", "POST"]),
            st.just("/services/oauth2/revoke"),
            st.fixed_dictionaries({}, optional={"token": _ANY_TEXT}),
        ),
        st.tuples(
            st.just("POST"),
            st.sampled_from(["/services/oauth2/login", "/services/oauth2/consent", "/setup/login"]),
            form_fields,
        ),
        st.tuples(
            st.just("GET"),
            st.sampled_from(["/services/oauth2/login", "/services/oauth2/consent"]),
            form_fields,
        ),
    )
    headers = st.sampled_from(
        [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Basic x"},
         {"Authorization": ""}, {"Authorization": f"Bearer {target.token}"}]
    )  # fmt: skip

    with browser(endpoint.ca_bundle) as session:

        @_fuzz_settings(sized(150, 3000))
        @given(call=calls, header=headers, via_http=st.booleans())
        def check(
            call: tuple[str, str, dict[str, str]], header: dict[str, str], via_http: bool
        ) -> None:
            method, path, params = call
            base = endpoint.http_url if via_http else endpoint.https_url
            session.cookies.clear()
            if method == "GET":
                response = session.get(
                    base + path, params=params, headers=header, allow_redirects=False
                )
            else:
                response = session.post(
                    base + path, data=params, headers=header, allow_redirects=False
                )
            seen.append(response.status_code)
            assert response.status_code < 500, (method, path, params, response.text[:300])
            location = response.headers.get("location")
            if location is not None:
                assert _stays_safe(location, base=base, registered=target.registered), (
                    method,
                    path,
                    params,
                    location,
                )

        check()
        for path in ("/services/oauth2/userinfo", "/id/00D000000000000AAA/005000000000000AAA"):
            response = session.get(endpoint.https_url + path, headers={"Authorization": "x"})
            seen.append(response.status_code)
            assert response.status_code < 500
    figures.add(
        area="fuzz",
        name="mock org: OAuth authorize/login/consent/token/revoke parameters",
        count=len(seen),
        unit="requests",
        observed="0 server errors, every redirect to a registered callback or a mock path",
    )


def _stays_safe(location: str, *, base: str, registered: tuple[str, ...]) -> bool:
    """A redirect goes to one of the app's registered callback URLs (exactly: scheme, host,
    port and path) or to a path on the mock itself; never elsewhere or to ``javascript:``."""
    resolved = urljoin(base + "/", location)
    parts = urlsplit(resolved)
    if parts.scheme not in ("http", "https"):
        return False
    if (parts.scheme, parts.netloc) == tuple(urlsplit(base)[:2]):
        return True
    return any(
        (parts.scheme, parts.netloc, parts.path) == tuple(urlsplit(uri)[:3]) for uri in registered
    )


@pytest.mark.slow
def test_rest_parameters_are_answered_never_with_a_500(
    target: FuzzTarget, figures: FigureBook
) -> None:
    seen: list[int] = []
    segment = st.sampled_from(
        ["Account", "Contact", "Task", "task", "Nope", "001000000000001AAA", "001", "describe",
         "Id", "..", "%2e%2e", "updated", "deleted", "MiiTel_Call_Log__c", "' OR 1=1", ""]
    ) | st.text(max_size=16).map(lambda t: quote(t, safe=""))  # fmt: skip
    prefix = st.sampled_from(
        [f"{API}/sobjects/", f"{API}/", f"{API}/composite/sobjects/", f"{API}/query/",
         "/services/data/v20.0/", "/services/data/vX/", "/services/data/"]
    )  # fmt: skip
    params = st.dictionaries(
        st.sampled_from(["fields", "ids", "q", "allOrNone", "start", "end", "limit"]),
        st.text(max_size=30) | st.sampled_from(["Id,Name", "Id,,", "001000000000001AAA,x"]),
        max_size=3,
    )
    bodies = st.one_of(
        st.none(),
        st.binary(max_size=30),
        st.dictionaries(st.text(max_size=10), st.text(max_size=10), max_size=3).map(json.dumps),
        st.just('{"records": [{"attributes": {"type": "Task"}, "Subject": "x"}]}'),
    )
    with browser(target.endpoint.ca_bundle) as session:
        session.headers["Authorization"] = f"Bearer {target.token}"

        @_fuzz_settings(sized(150, 3000))
        @given(
            method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", "HEAD", "PUT"]),
            path=st.builds(lambda p, s: p + "/".join(s), prefix, st.lists(segment, max_size=3)),
            query=params,
            body=bodies,
        )
        def check(method: str, path: str, query: dict[str, str], body: str | bytes | None) -> None:
            response = session.request(
                method,
                target.endpoint.https_url + path,
                params=query,
                data=body,
                headers={"Content-Type": "application/json"},
            )
            seen.append(response.status_code)
            assert response.status_code < 500, (method, path, query, body, response.text[:300])
            if method != "HEAD":
                assert _salesforce_shaped(response), (method, path, response.text[:300])

        check()
    figures.add(
        area="fuzz",
        name="mock org: REST paths, parameters and bodies",
        count=len(seen),
        unit="requests",
        observed="0 server errors, every error in Salesforce's JSON shape",
    )


@pytest.mark.parametrize("trick", _REDIRECT_TRICKS)
def test_authorize_never_redirects_to_an_unregistered_uri(target: FuzzTarget, trick: str) -> None:
    endpoint = target.endpoint
    with browser() as session:
        response = session.get(
            f"{endpoint.http_url}/services/oauth2/authorize",
            params={
                "response_type": "code",
                "client_id": endpoint.client_id,
                "redirect_uri": trick,
                "state": "s",
            },
            allow_redirects=False,
        )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert "redirect_uri" in response.text


@pytest.mark.parametrize("trick", _RETURN_TRICKS)
@pytest.mark.parametrize(
    ("path", "param"),
    [
        ("/secur/logout.jsp", "retURL"),
        ("/services/oauth2/login", "startURL"),
        ("/setup/login", "next"),
    ],
)
def test_return_urls_stay_on_the_mock(
    target: FuzzTarget, trick: str, path: str, param: str
) -> None:
    base = target.endpoint.http_url
    with browser() as session:
        response = session.get(f"{base}{path}", params={param: trick}, allow_redirects=False)
    assert response.status_code < 500
    location = response.headers.get("location")
    assert location is None or _stays_safe(location, base=base, registered=()), location
