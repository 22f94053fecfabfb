"""Setup Home: Quick Find over the Setup pages the mock has."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.html import esc
from mock_salesforce.setup_pages.frame import SetupContext, admin_page, link, quick_find, setup_page

_ABOUT = {
    "/setup/connected-apps-oauth-usage": "Which connected apps users authorized, and Install, "
    "Uninstall, Block or Unblock each.",
    "/setup/users": "Users, their profiles and permission sets, and who may approve "
    "uninstalled connected apps.",
    "/setup/profiles": "The system, object and field permissions of each profile.",
    "/setup/permission-sets": "Permission sets, what they grant, and who has them.",
}


@admin_page
async def home_page(request: Request, ctx: SetupContext) -> Response:
    query = request.query_params.get("q", "").strip()
    found = quick_find(query)
    items = "".join(
        f"<li>{link(path, title)} <span class='muted'>{esc(_ABOUT.get(path, ''))}</span></li>"
        for title, path in found
    )
    heading = f"Quick Find results for “{esc(query)}”" if query else "Setup pages"
    body = f"<h2>{heading}</h2>" + (
        f"<ul>{items}</ul>"
        if items
        else '<p>No Setup page matches. Try "OAuth Usage", "Users" or "Permission Sets".</p>'
    )
    return setup_page(ctx, "Setup Home", body, query=query)
