"""The cookie routes beside Streamlit: the ticket sets an HttpOnly, SameSite=Lax cookie once;
requests without the portal's header or with an unknown ticket get nothing; the end route
ends the session its cookie names and clears the cookie. The routes run outside any page, on
the hosting the pages share (the container's); a portal that cannot open answers 503."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

import portal.ui.container as ui_container
from portal.adapters.crypto import generate_key
from portal.bootstrap import Hosting, build_hosting
from portal.domain.config import ConfigError, ConfigProblem, PortalConfig, PortalMode
from portal.domain.secret import SecretStr
from portal.domain.text import msg
from portal.services.web_sessions import WebSessions
from portal.ui import web_session
from portal.ui.session_routes import routes

HEADER = {web_session.REQUEST_HEADER: "1"}


@pytest.fixture
def hosting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hosting]:
    """The hosting the container would build (a DuckDB file; no Salesforce to reach)."""
    config = PortalConfig(
        mode=PortalMode.REAL,
        salesforce_login_url="https://127.0.0.1:9",
        client_id="portal-tests",
        client_secret=SecretStr("not-a-secret"),
        redirect_uri="http://localhost:8501/",
        ca_bundle=None,
        db_path=tmp_path / "portal.duckdb",
        encryption_key=generate_key(),
        users=(),
        data_dir=tmp_path,
    )
    built = build_hosting(config=config)
    monkeypatch.setattr(ui_container, "hosting", lambda: built)
    yield built
    built.close()


@pytest.fixture
def sessions(hosting: Hosting) -> WebSessions:
    return hosting.web_sessions


def client() -> TestClient:
    return TestClient(Starlette(routes=routes()), base_url="http://localhost")


def test_the_routes_use_the_hosting_the_pages_share(hosting: Hosting) -> None:
    assert web_session.route_sessions() is hosting.web_sessions


def test_a_ticket_sets_the_login_cookie_once(sessions: WebSessions) -> None:
    opened, ticket = sessions.open(username="admin")
    with client() as http:
        answer = http.post(web_session.COOKIE_ROUTE, content=ticket, headers=HEADER)
        again = http.post(web_session.COOKIE_ROUTE, content=ticket, headers=HEADER)

    assert answer.status_code == 204
    cookie = answer.headers["set-cookie"]
    assert cookie.startswith(f"{web_session.COOKIE_NAME}=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Max-Age=28800" in cookie
    assert "Secure" not in cookie  # plain HTTP here; HTTPS adds it
    value = cookie.split(";")[0].split("=", 1)[1]
    resumed = sessions.resume(value)
    assert resumed is not None and resumed.key == opened.key
    assert again.status_code == 403


def test_without_the_header_or_with_an_unknown_ticket_nothing_is_set(
    sessions: WebSessions,
) -> None:
    _, ticket = sessions.open(username="admin")
    with client() as http:
        cross_site = http.post(web_session.COOKIE_ROUTE, content=ticket)
        unknown = http.post(web_session.COOKIE_ROUTE, content="made-up", headers=HEADER)
        huge = http.post(web_session.COOKIE_ROUTE, content="x" * 10_000, headers=HEADER)

    assert cross_site.status_code == 403 and "set-cookie" not in cross_site.headers
    assert unknown.status_code == 403 and "set-cookie" not in unknown.headers
    assert huge.status_code == 413
    # The refused cross-site request did not use the ticket up.
    assert sessions.redeem(ticket) is not None


def test_the_end_route_ends_the_session_and_clears_the_cookie(sessions: WebSessions) -> None:
    opened, ticket = sessions.open(username="admin")
    handover = sessions.redeem(ticket)
    assert handover is not None
    with client() as http:
        http.cookies.set(web_session.COOKIE_NAME, handover.cookie_value)
        refused = http.post(web_session.END_ROUTE)
        assert sessions.is_live(opened.key)
        answer = http.post(web_session.END_ROUTE, headers=HEADER)

    assert refused.status_code == 403
    assert answer.status_code == 204
    assert 'miitel_portal_session=""' in answer.headers["set-cookie"]
    assert not sessions.is_live(opened.key)


def test_a_portal_that_cannot_open_sets_no_cookie_and_still_clears_one(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unconfigured() -> Hosting:
        raise ConfigError((ConfigProblem(key="PORTAL_USERS", message=msg("not set")),))

    monkeypatch.setattr(ui_container, "hosting", unconfigured)
    with client() as http:
        http.cookies.set(web_session.COOKIE_NAME, "some.cookie")
        answer = http.post(web_session.COOKIE_ROUTE, content="a-ticket", headers=HEADER)
        ended = http.post(web_session.END_ROUTE, headers=HEADER)

    assert answer.status_code == 503 and "set-cookie" not in answer.headers
    assert ended.status_code == 204
    assert 'miitel_portal_session=""' in ended.headers["set-cookie"]
