"""The cookie routes beside Streamlit: the ticket sets an HttpOnly, SameSite=Lax cookie once;
requests without the portal's header or with an unknown ticket get nothing; the end route
ends the session its cookie names and clears the cookie."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.testclient import TestClient

from portal.ui import web_session
from portal.ui.session_routes import routes

HEADER = {web_session.REQUEST_HEADER: "1"}


def client() -> TestClient:
    return TestClient(Starlette(routes=routes()), base_url="http://localhost")


def test_a_ticket_sets_the_login_cookie_once() -> None:
    opened, ticket = web_session.sessions().open(username="admin")
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
    resumed = web_session.sessions().resume(value)
    assert resumed is not None and resumed.key == opened.key
    assert again.status_code == 403


def test_without_the_header_or_with_an_unknown_ticket_nothing_is_set() -> None:
    _, ticket = web_session.sessions().open(username="admin")
    with client() as http:
        cross_site = http.post(web_session.COOKIE_ROUTE, content=ticket)
        unknown = http.post(web_session.COOKIE_ROUTE, content="made-up", headers=HEADER)
        huge = http.post(web_session.COOKIE_ROUTE, content="x" * 10_000, headers=HEADER)

    assert cross_site.status_code == 403 and "set-cookie" not in cross_site.headers
    assert unknown.status_code == 403 and "set-cookie" not in unknown.headers
    assert huge.status_code == 413
    # The refused cross-site request did not use the ticket up.
    assert web_session.sessions().redeem(ticket) is not None


def test_the_end_route_ends_the_session_and_clears_the_cookie() -> None:
    opened, ticket = web_session.sessions().open(username="admin")
    handover = web_session.sessions().redeem(ticket)
    assert handover is not None
    with client() as http:
        http.cookies.set(web_session.COOKIE_NAME, handover.cookie_value)
        refused = http.post(web_session.END_ROUTE)
        assert web_session.sessions().is_live(opened.key)
        answer = http.post(web_session.END_ROUTE, headers=HEADER)

    assert refused.status_code == 403
    assert answer.status_code == 204
    assert 'miitel_portal_session=""' in answer.headers["set-cookie"]
    assert not web_session.sessions().is_live(opened.key)
