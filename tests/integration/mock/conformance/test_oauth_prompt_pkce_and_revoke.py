"""Issue 3, OAuth and SOAP login: the branches the OAuth helper's tests leave open — every
``prompt`` answer, what PKCE S256 and plain really check, refresh after a configured session
timeout, what revoking a refresh token ends (and what it leaves), SOAP login through
simple-salesforce's own SOAP client, and that no page of the mock redirects off-site."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from urllib.parse import urlencode, urljoin, urlsplit

import pytest
import requests
from simple_salesforce import Salesforce, SalesforceLogin
from simple_salesforce.exceptions import SalesforceAuthenticationFailed, SalesforceExpiredSession

from mock_salesforce import MockOptions, ThreadedMockServer
from mock_salesforce.connected_apps import ConnectedAppDefinition
from mock_salesforce.oauth.pkce import s256
from tests.conftest import BareOrg, make_bare_org
from tests.integration.mock.oauth.oauth_flow import (
    Browser,
    Page,
    add_user,
    callback_query,
    make_pkce,
)
from tests.integration.mock.setup.setup_admin import SetupBrowser
from tests.portal_over_mock import guarded_server

EVIL = "evil.example"


@pytest.fixture
def app(mock_server: ThreadedMockServer) -> ConnectedAppDefinition:
    return mock_server.backend.connected_apps.definition("MiiTel")


@pytest.fixture
def visitor(mock_server: ThreadedMockServer, app: ConnectedAppDefinition) -> Iterator[Browser]:
    person = Browser(mock_server, app)
    yield person
    person.http.close()


def _token(api: requests.Session, server: ThreadedMockServer, **fields: str) -> requests.Response:
    return api.post(f"{server.https_url}/services/oauth2/token", data=fields)


def _exchange(
    api: requests.Session,
    server: ThreadedMockServer,
    app: ConnectedAppDefinition,
    code: str,
    **extra: str,
) -> requests.Response:
    return _token(
        api,
        server,
        grant_type="authorization_code",
        code=code,
        client_id=app.client_id,
        redirect_uri=app.callback_urls[0],
        **extra,
    )


def _rest_status(api: requests.Session, server: ThreadedMockServer, token: str) -> int:
    return api.get(
        f"{server.https_url}/services/data/v59.0/sobjects/",
        headers={"Authorization": f"Bearer {token}"},
    ).status_code


# -- prompt ------------------------------------------------------------------------------------
def test_prompt_none_with_a_login_but_no_consent_is_consent_required(
    visitor: Browser, bare_org: BareOrg
) -> None:
    consent = visitor.log_in(
        visitor.authorize(), username=bare_org.username, password=bare_org.password
    )
    visitor.answer(consent, "deny")  # logged in, nothing approved

    quiet = visitor.authorize(prompt="none", state="q1")

    assert quiet.status_code == 302
    assert callback_query(quiet) == {
        "error": "consent_required",
        "error_description": "user must approve the app",
        "state": "q1",
    }


def test_prompt_none_with_login_and_consent_goes_straight_back_with_a_code(
    visitor: Browser, bare_org: BareOrg
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)

    quiet = visitor.authorize(prompt="none", state="q2")

    assert quiet.status_code == 302
    query = callback_query(quiet)
    assert query["state"] == "q2" and query["code"].startswith("aPrx")


def test_prompt_login_consent_asks_for_both_despite_a_login_and_a_consent(
    visitor: Browser, bare_org: BareOrg
) -> None:
    visitor.code_for(username=bare_org.username, password=bare_org.password)

    login = visitor.authorize(prompt="login consent", state="q3")
    assert "login_form" in Page(login.text).forms
    consent = visitor.log_in(login, username=bare_org.username, password=bare_org.password)
    assert Page(consent.text).title == "Allow access?"
    assert callback_query(visitor.answer(consent, "allow"))["state"] == "q3"


def test_prompt_none_with_another_prompt_is_invalid_request(visitor: Browser) -> None:
    answer = visitor.authorize(prompt="none login", state="q4")
    assert callback_query(answer) == {
        "error": "invalid_request",
        "error_description": "invalid prompt parameter",
        "state": "q4",
    }


# -- PKCE --------------------------------------------------------------------------------------
def test_s256_checks_the_hash_so_the_challenge_itself_is_not_a_verifier(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
) -> None:
    pkce = make_pkce("S256")
    code, _ = visitor.code_for(
        username=bare_org.username,
        password=bare_org.password,
        code_challenge=pkce.challenge,
        code_challenge_method="S256",
    )
    replay = _exchange(visitor.http, mock_server, app, code, code_verifier=pkce.challenge)
    assert replay.status_code == 400
    assert replay.json() == {"error": "invalid_grant", "error_description": "invalid code verifier"}


def test_plain_needs_the_verifier_to_equal_the_challenge(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
) -> None:
    verifier = "p" * 50
    code, _ = visitor.code_for(
        username=bare_org.username,
        password=bare_org.password,
        code_challenge=verifier,
        code_challenge_method="plain",
    )
    # The S256 transform of the verifier is not what a plain challenge compares against.
    hashed = _exchange(visitor.http, mock_server, app, code, code_verifier=s256(verifier))
    assert hashed.json()["error_description"] == "invalid code verifier"

    code, _ = visitor.code_for(
        username=bare_org.username,
        password=bare_org.password,
        code_challenge=verifier,
        code_challenge_method="plain",
    )
    plain = _exchange(visitor.http, mock_server, app, code, code_verifier=verifier)
    assert plain.status_code == 200, plain.text


def test_a_challenge_without_a_method_is_s256(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
) -> None:
    pkce = make_pkce("S256")
    code, _ = visitor.code_for(
        username=bare_org.username, password=bare_org.password, code_challenge=pkce.challenge
    )
    answer = _exchange(visitor.http, mock_server, app, code, code_verifier=pkce.verifier)
    assert answer.status_code == 200, answer.text


# -- sessions, refresh and revoke ----------------------------------------------------------------
def test_a_configured_session_timeout_expires_every_rest_call_and_refresh_revives_it() -> None:
    options = MockOptions(session_timeout=timedelta(minutes=5))
    with guarded_server(options=options) as server:
        org = make_bare_org(server.backend)
        app = server.backend.connected_apps.definition("MiiTel")
        visitor = Browser(server, app)
        api = requests.Session()
        api.trust_env = False
        api.verify = str(server.ca_bundle)
        try:
            pkce = make_pkce()
            code, _ = visitor.code_for(
                username=org.username,
                password=org.password,
                code_challenge=pkce.challenge,
                code_challenge_method="S256",
            )
            tokens = _exchange(api, server, app, code, code_verifier=pkce.verifier).json()
            sf = Salesforce(
                instance_url=server.https_url,
                session_id=tokens["access_token"],
                session=api,
                version="59.0",
            )
            server.backend.clock.advance(timedelta(minutes=4))
            sf.query("SELECT Id FROM User")  # still inside the timeout (and it restarts it)
            server.backend.clock.advance(timedelta(minutes=4))
            sf.query("SELECT Id FROM User")
            server.backend.clock.advance(timedelta(minutes=5, seconds=1))

            base = f"{server.https_url}/services/data/v59.0"
            auth = {"Authorization": f"Bearer {tokens['access_token']}"}
            calls = [
                api.get(f"{base}/sobjects/", headers=auth),
                api.get(f"{base}/sobjects/Account/describe", headers=auth),
                api.get(f"{base}/query/", params={"q": "SELECT Id FROM User"}, headers=auth),
                api.get(f"{base}/limits/", headers=auth),
                api.post(f"{base}/sobjects/Account/", json={"Name": "x"}, headers=auth),
            ]
            for call in calls:
                assert call.status_code == 401, call.request.url
                assert call.json()[0]["errorCode"] == "INVALID_SESSION_ID"
            with pytest.raises(SalesforceExpiredSession):
                sf.query("SELECT Id FROM User")

            refreshed = _token(
                api,
                server,
                grant_type="refresh_token",
                refresh_token=tokens["refresh_token"],
                client_id=app.client_id,
            )
            assert refreshed.status_code == 200, refreshed.text
            fresh = refreshed.json()
            assert fresh["instance_url"] == server.https_url
            assert fresh["id"] == tokens["id"]
            assert _rest_status(api, server, fresh["access_token"]) == 200
        finally:
            visitor.http.close()
            api.close()


def test_revoking_a_refresh_token_ends_its_access_tokens_and_no_other(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
) -> None:
    api = visitor.http

    def new_grant() -> dict[str, str]:
        code, _ = visitor.code_for(username=bare_org.username, password=bare_org.password)
        answer = _exchange(api, mock_server, app, code, client_secret=app.client_secret)
        body: dict[str, str] = answer.json()
        return body

    first, other = new_grant(), new_grant()
    refreshed = _token(
        api,
        mock_server,
        grant_type="refresh_token",
        refresh_token=first["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    ).json()

    revoked = api.get(
        f"{mock_server.https_url}/services/oauth2/revoke", params={"token": first["refresh_token"]}
    )

    assert revoked.status_code == 200
    assert _rest_status(api, mock_server, first["access_token"]) == 401
    assert _rest_status(api, mock_server, refreshed["access_token"]) == 401
    # Another grant of the same user and app lives on.
    assert _rest_status(api, mock_server, other["access_token"]) == 200
    again = _token(
        api,
        mock_server,
        grant_type="refresh_token",
        refresh_token=other["refresh_token"],
        client_id=app.client_id,
        client_secret=app.client_secret,
    )
    assert again.status_code == 200
    twice = api.post(
        f"{mock_server.https_url}/services/oauth2/revoke", data={"token": first["refresh_token"]}
    )
    assert twice.status_code == 400
    assert twice.json()["error"] == "invalid_token"


# -- SOAP login, as simple-salesforce's own SOAP client does it ------------------------------------
def test_simple_salesforce_logs_in_over_soap_and_reads_invalid_login(
    mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(mock_server.ca_bundle)
    with session:
        session_id, instance = SalesforceLogin(
            username=bare_org.username,
            password=bare_org.password,
            security_token="",
            scratch_url=mock_server.https_url,
            session=session,
        )
        assert instance == urlsplit(mock_server.https_url).netloc
        sf = Salesforce(session_id=session_id, instance=instance, session=session, version="59.0")
        assert bare_org.username in {
            r["Username"] for r in sf.query("SELECT Username FROM User")["records"]
        }

        with pytest.raises(SalesforceAuthenticationFailed) as wrong:
            SalesforceLogin(
                username=bare_org.username,
                password="not-the-password",
                security_token="",
                scratch_url=mock_server.https_url,
                session=session,
            )
        assert wrong.value.code == "INVALID_LOGIN"

        add_user(
            mock_server.backend,
            org_id=bare_org.org_id,
            username="noapi@bare.example",
            permissions=set(),
        )
        with pytest.raises(SalesforceAuthenticationFailed) as disabled:
            SalesforceLogin(
                username="noapi@bare.example",
                password="pass1234",
                security_token="",
                scratch_url=mock_server.https_url,
                session=session,
            )
        assert disabled.value.code == "API_CURRENTLY_DISABLED"


# -- no open redirects ---------------------------------------------------------------------------
def _stays_on(server: ThreadedMockServer, response: requests.Response) -> None:
    """A redirect, if any, resolves to the mock itself (never another site)."""
    location = response.headers.get("Location")
    if location is None:
        return
    target = urlsplit(urljoin(response.url, location))
    assert (target.scheme, target.netloc) == ("http", urlsplit(server.http_url).netloc), location


OFF_SITE = [
    f"https://{EVIL}/",
    f"//{EVIL}/",
    f"/\\{EVIL}/",
    f"\\\\{EVIL}/",
    f"/\t/{EVIL}/",
    f"http:{EVIL}",
    f"javascript:alert(1)//{EVIL}",
]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        f"http://localhost:8501/@{EVIL}",
        f"http://localhost:8501.{EVIL}/",
        "HTTP://LOCALHOST:8501/",
        "http://localhost:8501/#fragment",
        "http://localhost:8501/%2e%2e/",
        f"//{EVIL}/",
        f"https://{EVIL}/",
    ],
)
def test_authorize_never_redirects_to_an_unregistered_uri(
    mock_server: ThreadedMockServer, visitor: Browser, redirect_uri: str
) -> None:
    for params in (
        {"redirect_uri": redirect_uri},
        {"redirect_uri": redirect_uri, "response_type": "token"},
        {"redirect_uri": redirect_uri, "scope": "full"},
        {"redirect_uri": redirect_uri, "client_id": "3MVG9-unknown"},
    ):
        answer = visitor.authorize(**params)
        assert answer.status_code == 400, params
        assert "Location" not in answer.headers
        assert EVIL not in answer.text


@pytest.mark.parametrize("target", OFF_SITE)
def test_login_logout_and_setup_login_never_redirect_off_site(
    mock_server: ThreadedMockServer, bare_org: BareOrg, target: str
) -> None:
    browser = requests.Session()
    browser.trust_env = False
    base = mock_server.http_url
    with browser:
        # Logged out: the pages render (or go to the login) and never leave the mock.
        for path, params in (
            ("/login", {"startURL": target}),
            ("/setup/login", {"next": target}),
            ("/secur/logout.jsp", {"retURL": target}),
        ):
            _stays_on(mock_server, browser.get(base + path, params=params, allow_redirects=False))

        # Logging in with the target as where to go next.
        login = browser.get(base + "/login", params={"startURL": target})
        form = Page(login.text).forms["login_form"]
        landed = browser.post(
            base + "/login",
            data={**form["inputs"], "username": bare_org.username, "password": bare_org.password},
            allow_redirects=False,
        )
        assert landed.status_code in (200, 302)
        _stays_on(mock_server, landed)
        assert "sid" in browser.cookies

        # Logged in: the same URLs still stay on the mock.
        for path, params in (
            ("/login", {"startURL": target}),
            ("/setup/login", {"next": target}),
        ):
            _stays_on(mock_server, browser.get(base + path, params=params, allow_redirects=False))
        logout = browser.get(
            base + "/secur/logout.jsp", params={"retURL": target}, allow_redirects=False
        )
        _stays_on(mock_server, logout)


@pytest.mark.parametrize("target", [*OFF_SITE, f"/setup/../..//{EVIL}"])
def test_setup_login_and_actions_go_back_only_to_setup_pages(
    mock_server: ThreadedMockServer, bare_org: BareOrg, target: str
) -> None:
    browser = SetupBrowser(mock_server)
    with browser.session:
        login = browser.open(f"/setup/login?{urlencode({'next': target})}")
        form = login.forms[0]
        landed = browser.session.post(
            urljoin(mock_server.http_url, form.action),
            data={
                **form.inputs,
                "next": target,
                "username": bare_org.username,
                "password": bare_org.password,
            },
            allow_redirects=False,
        )
        assert landed.status_code == 303
        _stays_on(mock_server, landed)
        assert urlsplit(landed.headers["Location"]).path.startswith("/setup")

        # A permission set action's "back" field is honoured only for Setup pages.
        permission_set = mock_server.backend.permissions.create_permission_set(
            org_id=bare_org.org_id, name="Extras", label="Extras", permissions=set()
        )
        user_page = browser.open(f"/setup/users/{bare_org.user_id}")
        form = next(f for f in user_page.forms if "permission_set_id" in f.selects)
        assigned = browser.session.post(
            urljoin(mock_server.http_url, form.action),
            data={
                **form.inputs,
                "permission_set_id": permission_set.permission_set_id,
                "back": target,
            },
            allow_redirects=False,
        )
        assert assigned.status_code == 303
        _stays_on(mock_server, assigned)
        assert urlsplit(assigned.headers["Location"]).path.startswith("/setup/")


def test_the_approval_error_page_continues_only_to_the_registered_callback(
    mock_server: ThreadedMockServer,
    visitor: Browser,
    bare_org: BareOrg,
    app: ConnectedAppDefinition,
) -> None:
    add_user(
        mock_server.backend,
        org_id=bare_org.org_id,
        username="sales@bare.example",
        permissions={"ApiEnabled"},
    )
    page = visitor.log_in(
        visitor.authorize(state="s-approval"), username="sales@bare.example", password="pass1234"
    )
    assert page.status_code == 200
    link = Page(page.text).links["continue"]
    assert link.startswith(app.callback_urls[0] + "?")
    assert "state=s-approval" in link
