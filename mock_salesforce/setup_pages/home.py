"""Setup Home: Quick Find over the Setup pages the mock has."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.setup_pages.frame import SetupContext, admin_page, quick_find, setup_page

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
    found = [(title, path, _ABOUT.get(path, "")) for title, path in quick_find(query)]
    return setup_page(ctx, "home.html", "Setup Home", query=query, found=found)
