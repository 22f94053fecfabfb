"""``/services/oauth2/token`` and ``/services/oauth2/revoke``: the API side of OAuth."""

from __future__ import annotations

import base64
import binascii
from urllib.parse import unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from mock_salesforce.backend import backend_of
from mock_salesforce.errors import JSON_CONTENT_TYPE, OAuthError
from mock_salesforce.oauth.server import ClientAuth

NO_STORE = {
    "Cache-Control": "no-cache,must-revalidate,max-age=0,no-store,private",
    "Pragma": "no-cache",
}


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def client_auth(request: Request, params: dict[str, str]) -> ClientAuth:
    """The client's credentials from HTTP Basic (RFC 6749 2.3.1) or the body parameters."""
    header = request.headers.get("authorization", "")
    if header[:6].lower() == "basic ":
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError("invalid_client", "invalid client credentials") from None
        client_id, _, secret = decoded.partition(":")
        return ClientAuth(unquote_plus(client_id), unquote_plus(secret))
    return ClientAuth(params.get("client_id"), params.get("client_secret"))


async def token(request: Request) -> Response:
    params = await _form(request)
    client = client_auth(request, params)
    oauth = backend_of(request).oauth
    grant = await run_in_threadpool(
        oauth.token, grant_type=params.get("grant_type"), params=params, client=client
    )
    return JSONResponse(grant.as_dict(), media_type=JSON_CONTENT_TYPE, headers=NO_STORE)


async def revoke(request: Request) -> Response:
    params = dict(request.query_params)
    if request.method == "POST":
        params.update(await _form(request))
    oauth = backend_of(request).oauth
    await run_in_threadpool(oauth.revoke, token=params.get("token"))
    return Response(status_code=200, headers=NO_STORE)


ROUTES = [
    Route("/services/oauth2/token", token, methods=["POST"]),
    Route("/services/oauth2/revoke", revoke, methods=["GET", "POST"]),
]
