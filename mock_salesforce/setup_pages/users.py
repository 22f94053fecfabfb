"""*Users*: each user's profile, assigned permission sets and "Approve Uninstalled Connected
Apps" (with where it comes from); assigning and removing permission sets."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.html import esc
from mock_salesforce.permissions import (
    APPROVE_UNINSTALLED_APPS,
    PERMISSION_LABELS,
    Assignment,
    AssignmentRefused,
    PermissionSource,
    SourceKind,
)
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

BASE = "/setup/users"
APPROVE_LABEL = PERMISSION_LABELS[APPROVE_UNINSTALLED_APPS]


def user_path(user_id: str) -> str:
    return f"{BASE}/{path_part(user_id)}"


def source_link(source: PermissionSource) -> str:
    """ "Profile: X" / "Permission set: Y", linking to the profile or permission set."""
    path = (
        f"/setup/profiles/{path_part(source.record_id)}"
        if source.kind is SourceKind.PROFILE
        else f"/setup/permission-sets/{path_part(source.record_id)}"
    )
    return f"{esc(source.kind.value)}: {link(path, source.name)}"


def granted_cell(sources: tuple[PermissionSource, ...]) -> str:
    if not sources:
        return "<span>No</span>"
    return (
        "<span>Yes</span> <span class='muted'>("
        + ", ".join(source_link(s) for s in sources)
        + ")</span>"
    )


def _users(ctx: SetupContext) -> list[tuple[str, str, str, bool, str | None]]:
    """(id, name, username, active, profile id) of every user of the org."""
    rows = ctx.backend.store.execute(
        'SELECT "Id", "Name", "Username", "IsActive", "ProfileId" FROM "sobj_user" '
        'WHERE _org_id = ? AND NOT "IsDeleted" ORDER BY NOT "IsActive", "Username"',
        [ctx.org_id],
    )
    return [(r[0], r[1] or "", r[2] or "", bool(r[3]), r[4]) for r in rows]


@admin_page
async def users_page(request: Request, ctx: SetupContext) -> Response:
    permissions = ctx.backend.permissions
    profiles = {p.profile_id: p.name for p in permissions.profiles(org_id=ctx.org_id)}
    assigned: dict[str, list[Assignment]] = {}
    for assignment in permissions.assignments(org_id=ctx.org_id):
        assigned.setdefault(assignment.user_id, []).append(assignment)
    rows = []
    for user_id, name, username, active, profile_id in _users(ctx):
        effective = permissions.effective(org_id=ctx.org_id, user_id=user_id)
        profile = (
            link(f"/setup/profiles/{path_part(profile_id)}", profiles[profile_id])
            if profile_id in profiles
            else ""
        )
        sources = effective.sources.get(APPROVE_UNINSTALLED_APPS, ())
        rows.append(
            [
                link(user_path(user_id), name or username),
                esc(username),
                profile,
                "Active" if active else "Inactive",
                ", ".join(
                    link(
                        f"/setup/permission-sets/{path_part(a.permission_set_id)}",
                        a.permission_set_label,
                    )
                    for a in assigned.get(user_id, ())
                )
                or "<span class='muted'>None</span>",
                granted_cell(sources) if active else "<span class='muted'>Inactive</span>",
            ]
        )
    body = (
        "<p class='muted'>Each user's profile and permission sets. The last column shows "
        f'whether the user holds "{esc(APPROVE_LABEL)}", which an uninstalled connected app '
        "needs, and where it comes from.</p>"
        + table(
            ["Full Name", "Username", "Profile", "Active", "Permission Sets", APPROVE_LABEL],
            rows,
            empty="No users.",
            label="All Users",
        )
    )
    return setup_page(ctx, "Users", body)


@admin_page
async def user_page(request: Request, ctx: SetupContext) -> Response:
    user_id = request.path_params["user_id"]
    user = ctx.backend.orgs.user(ctx.org_id, user_id)
    if user is None:
        return not_found_page(ctx, "user")
    permissions = ctx.backend.permissions
    profile = (
        permissions.profile(org_id=ctx.org_id, profile_id=user["ProfileId"])
        if user["ProfileId"]
        else None
    )
    effective = permissions.effective(org_id=ctx.org_id, user_id=user_id)
    assignments = permissions.assignments(org_id=ctx.org_id, user_id=user_id)
    details = table(
        ["Field", "Value"],
        [
            ["Name", esc(user["Name"])],
            ["Username", esc(user["Username"])],
            ["Email", esc(user["Email"])],
            [
                "Profile",
                link(f"/setup/profiles/{path_part(profile.profile_id)}", profile.name)
                if profile
                else "",
            ],
            ["Active", "Yes" if user["IsActive"] else "No"],
        ],
        empty="",
        label="User Detail",
    )
    assignment_rows = [
        [
            link(
                f"/setup/permission-sets/{path_part(a.permission_set_id)}", a.permission_set_label
            ),
            action_button(
                ctx,
                action=f"{user_path(user_id)}/assignments/{path_part(a.assignment_id)}/remove",
                label="Remove",
                style="secondary",
                confirm_name=a.permission_set_label,
            ),
        ]
        for a in assignments
    ]
    assigned_ids = {a.permission_set_id for a in assignments}
    available = [
        ps
        for ps in permissions.permission_sets(org_id=ctx.org_id)
        if ps.permission_set_id not in assigned_ids
    ]
    if available:
        options = "".join(
            f"<option value='{esc(ps.permission_set_id)}'>{esc(ps.label)}</option>"
            for ps in available
        )
        add = (
            f"<form method='post' action='{esc(user_path(user_id))}/assignments'>"
            f"<input type='hidden' name='csrf' value='{esc(ctx.csrf)}'>"
            "<label for='permission-set'>Add Permission Set Assignment</label>"
            f"<select id='permission-set' name='permission_set_id'>{options}</select>"
            "<p><button type='submit'>Assign</button></p></form>"
        )
    else:
        add = "<p class='muted'>Every permission set is already assigned to this user.</p>"
    permission_rows = [
        [
            esc(label),
            granted_cell(effective.sources.get(name, ())),
        ]
        for name, label in PERMISSION_LABELS.items()
    ]
    body = (
        f"<p>{link(BASE, '« Back to Users')}</p>{details}"
        "<h2>Permission Set Assignments</h2>"
        + table(
            ["Permission Set", "Action"],
            assignment_rows,
            empty="No permission sets are assigned to this user.",
            label="Permission Set Assignments",
        )
        + add
        + "<h2>System Permissions</h2><p class='muted'>What the user's profile and permission "
        "sets add up to.</p>"
        + table(["Permission", "Granted"], permission_rows, empty="", label="System Permissions")
    )
    return setup_page(ctx, f"User: {user['Name'] or user['Username']}", body)


def _back(fields: dict[str, str], default: str) -> str:
    back = form_value(fields, "back")
    return back if back.startswith("/setup/") and not back.startswith("//") else default


@admin_action
async def assign(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    user_id = request.path_params["user_id"]
    back = _back(fields, user_path(user_id))
    user = ctx.backend.orgs.user(ctx.org_id, user_id)
    if user is None:
        return refused(request, BASE, "That user does not exist.")
    set_id = form_value(fields, "permission_set_id")
    permissions = ctx.backend.permissions
    ps = permissions.permission_set(org_id=ctx.org_id, permission_set_id=set_id)
    try:
        permissions.assign(
            org_id=ctx.org_id, user_id=user_id, permission_set_id=set_id, actor_id=ctx.user_id
        )
    except AssignmentRefused as exc:
        return refused(request, back, str(exc))
    assert ps is not None
    return done(
        request,
        back,
        f'Permission set "{ps.label}" was assigned to {user["Name"] or user["Username"]}.',
    )


@admin_action
async def remove(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    user_id = request.path_params["user_id"]
    back = _back(fields, user_path(user_id))
    assignment_id = request.path_params["assignment_id"]
    found = [
        a
        for a in ctx.backend.permissions.assignments(org_id=ctx.org_id, user_id=user_id)
        if a.assignment_id == assignment_id
    ]
    if not found:
        return refused(request, back, "That permission set is not assigned to this user.")
    ctx.backend.permissions.unassign(org_id=ctx.org_id, assignment_id=assignment_id)
    user = ctx.backend.orgs.user(ctx.org_id, user_id) or {}
    return done(
        request,
        back,
        f'Permission set "{found[0].permission_set_label}" was removed '
        f"from {user.get('Name') or user.get('Username') or 'the user'}.",
    )
