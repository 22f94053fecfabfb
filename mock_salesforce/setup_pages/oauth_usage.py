"""*Connected Apps OAuth Usage*: each app's user count and actions (Install, Uninstall, Block,
Unblock), each user's use of an app (Revoke, Revoke All), and an installed app's policies."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.connected_apps import (
    ADMIN_APPROVED,
    SELF_AUTHORIZE,
    AppUsage,
    ConnectedAppActionRefused,
    ConnectedAppState,
)
from mock_salesforce.html import path_part
from mock_salesforce.setup_pages.frame import (
    SetupContext,
    admin_action,
    admin_page,
    done,
    form_value,
    not_found_page,
    refused,
    setup_page,
)

BASE = "/setup/connected-apps-oauth-usage"
TITLE = "Connected Apps OAuth Usage"


def status_label(app: AppUsage) -> str:
    """Installed / Not installed, and ", Blocked" when blocked."""
    installed = "Installed" if app.installed else "Not installed"
    return f"{installed}, Blocked" if app.state is ConnectedAppState.BLOCKED else installed


def app_path(app_name: str, suffix: str = "") -> str:
    return f"{BASE}/{path_part(app_name)}{suffix}"


def _listed(ctx: SetupContext, app_name: str) -> AppUsage | None:
    for app in ctx.backend.connected_apps.usage(org_id=ctx.org_id):
        if app.name.lower() == app_name.lower():
            return app
    return None


@admin_page
async def usage_page(request: Request, ctx: SetupContext) -> Response:
    loaded = request.query_params.get("load", "").lower()
    apps = ctx.backend.connected_apps.usage(org_id=ctx.org_id)
    rows = [(app, status_label(app), loaded in (app.name.lower(), "all")) for app in apps]
    return setup_page(
        ctx,
        "oauth_usage.html",
        TITLE,
        rows=rows,
        show_load_all=loaded != "all" and bool(apps),
    )


@admin_page
async def app_users_page(request: Request, ctx: SetupContext) -> Response:
    app = _listed(ctx, request.path_params["app_name"])
    if app is None:
        return not_found_page(ctx, "connected app")
    return setup_page(
        ctx,
        "app_users.html",
        "Connected App User's OAuth Usage",
        app=app,
        app_status=status_label(app),
        tokens=ctx.backend.connected_apps.tokens(org_id=ctx.org_id, app_name=app.name),
        usage_title=TITLE,
    )


def _app_action(
    run: Callable[[SetupContext, str], str],
) -> Callable[[Request], Awaitable[Response]]:
    """A POST on one app: run it, then back to the usage list with the app's actions shown."""

    @admin_action
    async def endpoint(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
        app = _listed(ctx, request.path_params["app_name"])
        back = f"{BASE}?load={path_part(app.name)}" if app else BASE
        if app is None:
            return refused(request, BASE, "That connected app is not used in this org.")
        try:
            message = run(ctx, app.name)
        except ConnectedAppActionRefused as exc:
            return refused(request, back, str(exc))
        return done(request, back, message)

    return endpoint


def _install(ctx: SetupContext, app: str) -> str:
    ctx.backend.connected_apps.install(org_id=ctx.org_id, app_name=app, actor_id=ctx.user_id)
    return f"{app} was installed. Its action is now Uninstall."


def _uninstall(ctx: SetupContext, app: str) -> str:
    ctx.backend.connected_apps.uninstall(org_id=ctx.org_id, app_name=app)
    return (
        f'{app} was uninstalled. Only users with "Approve Uninstalled Connected Apps" '
        "can authorize it now."
    )


def _block(ctx: SetupContext, app: str) -> str:
    users = ctx.backend.connected_apps.block(org_id=ctx.org_id, app_name=app)
    return (
        f"{app} was blocked: the sessions of {users} user(s) were ended and new sessions "
        "are refused."
    )


def _unblock(ctx: SetupContext, app: str) -> str:
    ctx.backend.connected_apps.unblock(org_id=ctx.org_id, app_name=app)
    return f"{app} was unblocked. Users can authorize it again."


install = _app_action(_install)
uninstall = _app_action(_uninstall)
block = _app_action(_block)
unblock = _app_action(_unblock)


@admin_action
async def revoke(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    app = _listed(ctx, request.path_params["app_name"])
    if app is None:
        return refused(request, BASE, "That connected app is not used in this org.")
    back = app_path(app.name)
    user_id = form_value(fields, "user_id")
    token = next(
        (
            t
            for t in ctx.backend.connected_apps.tokens(org_id=ctx.org_id, app_name=app.name)
            if t.user_id == user_id
        ),
        None,
    )
    if token is None:
        return refused(request, back, f"That user has no access to {app.name} to revoke.")
    ctx.backend.connected_apps.revoke_user(org_id=ctx.org_id, user_id=user_id, app_name=app.name)
    return done(
        request, back, f"Access of {token.user_name or token.username} to {app.name} was revoked."
    )


@admin_action
async def revoke_all(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    app = _listed(ctx, request.path_params["app_name"])
    if app is None:
        return refused(request, BASE, "That connected app is not used in this org.")
    users = ctx.backend.connected_apps.revoke_all(org_id=ctx.org_id, app_name=app.name)
    return done(
        request, app_path(app.name), f"Access of all {users} user(s) to {app.name} was revoked."
    )


# -- policies --------------------------------------------------------------------------------
@admin_page
async def policies_page(request: Request, ctx: SetupContext) -> Response:
    app = _listed(ctx, request.path_params["app_name"])
    if app is None:
        return not_found_page(ctx, "connected app")
    permissions = ctx.backend.permissions
    return setup_page(
        ctx,
        "policies.html",
        "Manage App Policies",
        app=app,
        policy=(
            ctx.backend.connected_apps.policy(org_id=ctx.org_id, app_name=app.name)
            if app.installed
            else None
        ),
        profiles=permissions.profiles(org_id=ctx.org_id),
        permission_sets=permissions.permission_sets(org_id=ctx.org_id),
        usage_title=TITLE,
        self_authorize=SELF_AUTHORIZE,
        admin_approved=ADMIN_APPROVED,
    )


@admin_action
async def save_policies(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    app = _listed(ctx, request.path_params["app_name"])
    if app is None:
        return refused(request, BASE, "That connected app is not used in this org.")
    form = await request.form()
    chosen = frozenset(v for v in form.getlist("preauthorized") if isinstance(v, str))
    known = {p.profile_id for p in ctx.backend.permissions.profiles(org_id=ctx.org_id)}
    known |= {
        s.permission_set_id for s in ctx.backend.permissions.permission_sets(org_id=ctx.org_id)
    }
    admin_only = form_value(fields, "permitted_users") == "admin"
    try:
        ctx.backend.connected_apps.set_policy(
            org_id=ctx.org_id,
            app_name=app.name,
            admin_approved_only=admin_only,
            preauthorized=chosen & known,
        )
    except ConnectedAppActionRefused as exc:
        return refused(request, BASE, str(exc))
    return done(
        request,
        app_path(app.name, "/policies"),
        f"Policies of {app.name} were saved: {ADMIN_APPROVED if admin_only else SELF_AUTHORIZE}.",
    )
