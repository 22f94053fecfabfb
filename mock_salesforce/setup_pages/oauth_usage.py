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
from mock_salesforce.html import esc
from mock_salesforce.setup_pages.frame import (
    SetupContext,
    action_button,
    admin_action,
    admin_page,
    done,
    form_value,
    link,
    not_found_page,
    path_part,
    refused,
    setup_page,
    table,
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


def _actions(ctx: SetupContext, app: AppUsage) -> str:
    """The Actions cell once loaded: Install / Uninstall / Unblock by state, plus Block."""
    buttons = []
    if app.state is ConnectedAppState.BLOCKED:
        buttons.append(
            action_button(
                ctx, action=app_path(app.name, "/unblock"), label="Unblock", confirm_name=app.name
            )
        )
    else:
        if app.installed:
            buttons.append(
                action_button(
                    ctx,
                    action=app_path(app.name, "/uninstall"),
                    label="Uninstall",
                    style="secondary",
                    confirm_name=app.name,
                )
            )
        else:
            buttons.append(
                action_button(
                    ctx,
                    action=app_path(app.name, "/install"),
                    label="Install",
                    confirm_name=app.name,
                )
            )
        buttons.append(
            action_button(
                ctx,
                action=app_path(app.name, "/block"),
                label="Block",
                style="danger",
                confirm_name=app.name,
            )
        )
    return "".join(buttons)


def _load_action(app: AppUsage) -> str:
    return (
        f"<form class='inline' method='get' action='{BASE}'>"
        f"<input type='hidden' name='load' value='{esc(app.name)}'>"
        f"<button type='submit' class='secondary' aria-label='Load Action {esc(app.name)}'>"
        "Load Action</button></form>"
    )


@admin_page
async def usage_page(request: Request, ctx: SetupContext) -> Response:
    loaded = request.query_params.get("load", "")
    apps = ctx.backend.connected_apps.usage(org_id=ctx.org_id)
    rows = []
    for app in apps:
        policies = (
            link(app_path(app.name, "/policies"), "Manage App Policies") if app.installed else ""
        )
        show = loaded.lower() in (app.name.lower(), "all")
        rows.append(
            [
                f"<strong>{esc(app.name)}</strong>",
                esc(app.description),
                policies,
                link(app_path(app.name), str(app.user_count)),
                esc(status_label(app)),
                _actions(ctx, app) if show else _load_action(app),
            ]
        )
    load_all = (
        ""
        if loaded.lower() == "all" or not apps
        else f"<p><a class='button secondary' href='{BASE}?load=all'>Load All Actions</a></p>"
    )
    body = (
        "<p class='muted'>Connected apps that users in this org have authorized, and what you "
        "can do with each. Click a user count to see who uses an app.</p>"
        f"{load_all}"
        + table(
            [
                "Connected App",
                "Description",
                "Manage App Policies",
                "User Count",
                "Status",
                "Actions",
            ],
            rows,
            empty="No connected app has been used in this org.",
            label=TITLE,
        )
    )
    return setup_page(ctx, TITLE, body)


@admin_page
async def app_users_page(request: Request, ctx: SetupContext) -> Response:
    app_name = request.path_params["app_name"]
    app = _listed(ctx, app_name)
    if app is None:
        return not_found_page(ctx, "connected app")
    tokens = ctx.backend.connected_apps.tokens(org_id=ctx.org_id, app_name=app.name)
    rows = [
        [
            link(f"/setup/users/{path_part(t.user_id)}", t.user_name or t.username),
            esc(t.username),
            esc(ctx.when(t.first_use)),
            esc(ctx.when(t.last_use)),
            esc(t.use_count),
            action_button(
                ctx,
                action=app_path(app.name, "/revoke"),
                label="Revoke",
                fields={"user_id": t.user_id},
                style="secondary",
                confirm_name=t.user_name or t.username,
            ),
        ]
        for t in tokens
    ]
    revoke_all = (
        action_button(
            ctx,
            action=app_path(app.name, "/revoke-all"),
            label="Revoke All",
            style="danger",
            confirm_name=app.name,
        )
        if tokens
        else ""
    )
    body = (
        f"<p>{link(f'{BASE}?load={path_part(app.name)}', '« Back to ' + TITLE)}</p>"
        f"<h2>{esc(app.name)}</h2><p>Status: {esc(status_label(app))} · "
        f"User Count: {app.user_count}</p>{revoke_all}"
        + table(
            ["User", "Username", "First Use", "Last Use", "Use Count", "Action"],
            rows,
            empty="No user has an OAuth token for this app.",
            label=f"{app.name} users",
        )
    )
    return setup_page(ctx, "Connected App User's OAuth Usage", body)


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
    if not app.installed:
        return setup_page(
            ctx,
            "Manage App Policies",
            f"<p>{esc(app.name)} is not installed in this org: install it on "
            f"{link(BASE, TITLE)} to manage its policies.</p>",
        )
    policy = ctx.backend.connected_apps.policy(org_id=ctx.org_id, app_name=app.name)
    permissions = ctx.backend.permissions

    def option(value: str, label: str, selected: bool) -> str:
        return f"<option value='{value}'{' selected' if selected else ''}>{esc(label)}</option>"

    def box(record_id: str, label: str) -> str:
        checked = " checked" if record_id in policy.preauthorized else ""
        return (
            f"<label style='display:block;margin:4px 0'><input type='checkbox' "
            f"name='preauthorized' value='{esc(record_id)}'{checked}> {esc(label)}</label>"
        )

    profiles = "".join(box(p.profile_id, p.name) for p in permissions.profiles(org_id=ctx.org_id))
    sets = "".join(
        box(s.permission_set_id, s.label) for s in permissions.permission_sets(org_id=ctx.org_id)
    )
    body = (
        f"<p>{link(BASE, '« Back to ' + TITLE)}</p><h2>{esc(app.name)}</h2>"
        f"<form method='post' action='{esc(app_path(app.name, '/policies'))}'>"
        f"<input type='hidden' name='csrf' value='{esc(ctx.csrf)}'>"
        "<label for='permitted-users'>Permitted Users</label>"
        "<select id='permitted-users' name='permitted_users'>"
        f"{option('all', SELF_AUTHORIZE, not policy.admin_approved_only)}"
        f"{option('admin', ADMIN_APPROVED, policy.admin_approved_only)}</select>"
        "<p class='muted'>With \"Admin approved users are pre-authorized\", only users whose "
        "profile or permission set is ticked below may use the app.</p>"
        f"<h2>Profiles</h2>{profiles or '<p class=muted>No profiles.</p>'}"
        f"<h2>Permission Sets</h2>{sets or '<p class=muted>No permission sets.</p>'}"
        "<p><button type='submit'>Save</button></p></form>"
    )
    return setup_page(ctx, "Manage App Policies", body)


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
