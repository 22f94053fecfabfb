"""The two HTTP routes beside Streamlit that set and clear the login cookie (an HttpOnly
cookie can only come in an HTTP answer; Streamlit's pages talk over a websocket).

``POST /portal-session`` with a one-time ticket in the body sets the cookie; ``POST
/portal-session/end`` ends the session the cookie names and clears it. Both require the
:data:`~portal.ui.web_session.REQUEST_HEADER` header, which a cross-site form cannot send.

They run outside any page run, on the hosting the pages share (built once per process and
configuration by :mod:`portal.ui.container`); its sessions are in the portal's database, so a
ticket issued by one replica is redeemed by whichever replica the browser's request reaches.
A portal that cannot open its hosting (configuration, database) answers 503 and sets nothing.
"""

from __future__ import annotations

import logging

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from portal.services.web_sessions import WebSessions
from portal.ui import web_session
from portal.ui.web_session import COOKIE_NAME, COOKIE_ROUTE, END_ROUTE, REQUEST_HEADER

log = logging.getLogger(__name__)

_MAX_TICKET_BYTES = 256


async def _sessions() -> WebSessions | None:
    # Opening the hosting and the database calls block: off the event loop.
    try:
        return await run_in_threadpool(web_session.route_sessions)
    except Exception:
        log.exception("The login cookie routes cannot open the portal")
        return None


async def set_cookie(request: Request) -> Response:
    if request.headers.get(REQUEST_HEADER) != "1":
        return Response(status_code=403)
    body = await request.body()
    if len(body) > _MAX_TICKET_BYTES:
        return Response(status_code=413)
    sessions = await _sessions()
    if sessions is None:
        return Response(status_code=503, headers={"Cache-Control": "no-store"})
    ticket = body.decode("utf-8", errors="replace").strip()
    handover = await run_in_threadpool(sessions.redeem, ticket)
    if handover is None:
        return Response(status_code=403)
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.set_cookie(
        COOKIE_NAME,
        handover.cookie_value,
        max_age=handover.max_age_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


async def end_cookie(request: Request) -> Response:
    if request.headers.get(REQUEST_HEADER) != "1":
        return Response(status_code=403)
    sessions = await _sessions()
    if sessions is not None:  # the cookie goes either way
        await run_in_threadpool(sessions.end_cookie, request.cookies.get(COOKIE_NAME))
    response = Response(status_code=204, headers={"Cache-Control": "no-store"})
    response.delete_cookie(
        COOKIE_NAME, path="/", httponly=True, samesite="lax", secure=request.url.scheme == "https"
    )
    return response


def routes() -> list[BaseRoute]:
    return [
        Route(COOKIE_ROUTE, set_cookie, methods=["POST"]),
        Route(END_ROUTE, end_cookie, methods=["POST"]),
    ]
