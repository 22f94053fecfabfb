"""*Profiles* and *Permission Sets*: the system permissions each grants (step 4: "click the
profile name" / "click the permission set name"), their object and field settings, and who
has them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mock_salesforce.html import esc
from mock_salesforce.permissions import (
    APPROVE_UNINSTALLED_APPS,
    PERMISSION_LABELS,
    AssignmentRefused,
)
from mock_salesforce.setup_pages.frame import (
    SetupContext,
    action_button,
    admin_action,
    admin_page,
    checkbox,
    done,
    form_value,
    link,
    not_found_page,
    path_part,
    refused,
    setup_page,
    table,
)
from mock_salesforce.setup_pages.users import APPROVE_LABEL, user_path

PROFILES = "/setup/profiles"
PERMISSION_SETS = "/setup/permission-sets"


def _system_permissions(granted: frozenset[str]) -> str:
    rows = [
        [esc(label), checkbox(name in granted, label)] for name, label in PERMISSION_LABELS.items()
    ]
    return "<h2>System Permissions</h2>" + table(
        ["Permission", "Enabled"], rows, empty="", label="System Permissions"
    )


def _object_and_field_settings(ctx: SetupContext, permission_set_id: str | None) -> str:
    if permission_set_id is None:
        return ""
    permissions = ctx.backend.permissions
    objects = permissions.object_access_rows(org_id=ctx.org_id, permission_set_id=permission_set_id)

    def mark(value: bool) -> str:
        return "✔" if value else ""

    object_rows = [
        [esc(name), mark(a.read), mark(a.create), mark(a.edit), mark(a.delete)]
        for name, a in sorted(objects.items())
    ]
    field_rows = [
        [esc(f"{sobject}.{name}"), mark(read), mark(edit)]
        for sobject, name, read, edit in permissions.field_access_rows(
            org_id=ctx.org_id, permission_set_id=permission_set_id
        )
    ]
    return (
        "<h2>Object Settings</h2>"
        + table(
            ["Object", "Read", "Create", "Edit", "Delete"],
            object_rows,
            empty="No object permissions.",
            label="Object Settings",
        )
        + "<h2>Field Permissions</h2><p class='muted'>Fields not listed are readable and "
        "editable.</p>"
        + table(
            ["Field", "Read Access", "Edit Access"],
            field_rows,
            empty="No field-level restrictions.",
            label="Field Permissions",
        )
    )


def _users_with_profile(ctx: SetupContext, profile_id: str) -> list[tuple[str, str]]:
    rows = ctx.backend.store.execute(
        'SELECT "Id", coalesce("Name", "Username") FROM "sobj_user" WHERE _org_id = ? '
        'AND "ProfileId" = ? AND NOT "IsDeleted" ORDER BY 2',
        [ctx.org_id, profile_id],
    )
    return [(r[0], r[1]) for r in rows]


@admin_page
async def profiles_page(request: Request, ctx: SetupContext) -> Response:
    rows = [
        [
            link(f"{PROFILES}/{path_part(p.profile_id)}", p.name),
            esc(len(_users_with_profile(ctx, p.profile_id))),
            checkbox(APPROVE_UNINSTALLED_APPS in p.permissions, APPROVE_LABEL),
        ]
        for p in ctx.backend.permissions.profiles(org_id=ctx.org_id)
    ]
    body = table(
        ["Profile Name", "Users", APPROVE_LABEL], rows, empty="No profiles.", label="Profiles"
    )
    return setup_page(ctx, "Profiles", body)


@admin_page
async def profile_page(request: Request, ctx: SetupContext) -> Response:
    profile = ctx.backend.permissions.profile(
        org_id=ctx.org_id, profile_id=request.path_params["profile_id"]
    )
    if profile is None:
        return not_found_page(ctx, "profile")
    users = _users_with_profile(ctx, profile.profile_id)
    user_list = ", ".join(link(user_path(uid), name) for uid, name in users) or "None"
    body = (
        f"<p>{link(PROFILES, '« Back to Profiles')}</p>"
        f"<p>Users with this profile: {user_list}</p>"
        + _system_permissions(profile.permissions)
        + _object_and_field_settings(ctx, profile.owned_permission_set_id)
    )
    return setup_page(ctx, f"Profile: {profile.name}", body)


@admin_page
async def permission_sets_page(request: Request, ctx: SetupContext) -> Response:
    permissions = ctx.backend.permissions
    rows = [
        [
            link(f"{PERMISSION_SETS}/{path_part(ps.permission_set_id)}", ps.label),
            esc(ps.name),
            esc(ps.description or ""),
            esc(
                len(
                    permissions.assignments(
                        org_id=ctx.org_id, permission_set_id=ps.permission_set_id
                    )
                )
            ),
        ]
        for ps in permissions.permission_sets(org_id=ctx.org_id)
    ]
    body = table(
        ["Label", "API Name", "Description", "Assigned Users"],
        rows,
        empty="No permission sets.",
        label="Permission Sets",
    )
    return setup_page(ctx, "Permission Sets", body)


@admin_page
async def permission_set_page(request: Request, ctx: SetupContext) -> Response:
    permissions = ctx.backend.permissions
    ps = permissions.permission_set(
        org_id=ctx.org_id, permission_set_id=request.path_params["permission_set_id"]
    )
    if ps is None:
        return not_found_page(ctx, "permission set")
    if ps.owned_by_profile_id:
        # A profile's own set is shown as the profile, as Setup does.
        return RedirectResponse(f"{PROFILES}/{path_part(ps.owned_by_profile_id)}", status_code=303)
    here = f"{PERMISSION_SETS}/{path_part(ps.permission_set_id)}"
    assignments = permissions.assignments(org_id=ctx.org_id, permission_set_id=ps.permission_set_id)
    names = {
        uid: name
        for uid, name in ctx.backend.store.execute(
            'SELECT "Id", coalesce("Name", "Username") FROM "sobj_user" WHERE _org_id = ? '
            'AND NOT "IsDeleted" AND "IsActive" ORDER BY 2',
            [ctx.org_id],
        )
    }
    rows = [
        [
            link(user_path(a.user_id), names.get(a.user_id, a.user_id)),
            action_button(
                ctx,
                action=f"{user_path(a.user_id)}/assignments/{path_part(a.assignment_id)}/remove",
                label="Remove",
                style="secondary",
                fields={"back": here},
                confirm_name=names.get(a.user_id, a.user_id),
            ),
        ]
        for a in assignments
    ]
    assigned = {a.user_id for a in assignments}
    options = "".join(
        f"<option value='{esc(uid)}'>{esc(name)}</option>"
        for uid, name in names.items()
        if uid not in assigned
    )
    add = (
        (
            f"<form method='post' action='{esc(here)}/assignments'>"
            f"<input type='hidden' name='csrf' value='{esc(ctx.csrf)}'>"
            "<label for='assignee'>Add Assignment</label>"
            f"<select id='assignee' name='user_id'>{options}</select>"
            "<p><button type='submit'>Assign</button></p></form>"
        )
        if options
        else ""
    )
    body = (
        f"<p>{link(PERMISSION_SETS, '« Back to Permission Sets')}</p>"
        f"<p>API Name: {esc(ps.name)}</p><p class='muted'>{esc(ps.description or '')}</p>"
        + _system_permissions(ps.permissions)
        + _object_and_field_settings(ctx, ps.permission_set_id)
        + "<h2>Assigned Users</h2>"
        + table(
            ["User", "Action"],
            rows,
            empty="No users are assigned this permission set.",
            label="Assigned Users",
        )
        + add
    )
    return setup_page(ctx, f"Permission Set: {ps.label}", body)


@admin_action
async def assign_from_set(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    set_id = request.path_params["permission_set_id"]
    here = f"{PERMISSION_SETS}/{path_part(set_id)}"
    user_id = form_value(fields, "user_id")
    user = ctx.backend.orgs.user(ctx.org_id, user_id)
    if user is None:
        return refused(request, here, "Choose a user to assign.")
    try:
        ctx.backend.permissions.assign(
            org_id=ctx.org_id, user_id=user_id, permission_set_id=set_id, actor_id=ctx.user_id
        )
    except AssignmentRefused as exc:
        return refused(request, here, str(exc))
    ps = ctx.backend.permissions.permission_set(org_id=ctx.org_id, permission_set_id=set_id)
    label = ps.label if ps else "The permission set"
    return done(
        request,
        here,
        f'Permission set "{label}" was assigned to {user["Name"] or user["Username"]}.',
    )
