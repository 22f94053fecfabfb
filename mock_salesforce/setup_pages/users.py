"""*Users*: each user's profile, assigned permission sets and "Approve Uninstalled Connected
Apps" (with where it comes from); assigning and removing permission sets."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from mock_salesforce.html import path_part
from mock_salesforce.oauth.lockout import FOREVER
from mock_salesforce.permissions import (
    APPROVE_UNINSTALLED_APPS,
    PERMISSION_LABELS,
    Assignment,
    AssignmentRefused,
)
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

BASE = "/setup/users"
APPROVE_LABEL = PERMISSION_LABELS[APPROVE_UNINSTALLED_APPS]


def user_path(user_id: str) -> str:
    return f"{BASE}/{path_part(user_id)}"


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
    locked = ctx.backend.oauth.credentials.lockouts.locked_users(ctx.org_id)
    rows = []
    for user_id, name, username, active, profile_id in _users(ctx):
        effective = permissions.effective(org_id=ctx.org_id, user_id=user_id)
        rows.append(
            {
                "user_id": user_id,
                "name": name or username,
                "username": username,
                "profile": (profile_id, profiles[profile_id]) if profile_id in profiles else None,
                "active": active,
                "locked": user_id in locked,
                "assignments": assigned.get(user_id, ()),
                "sources": effective.sources.get(APPROVE_UNINSTALLED_APPS, ()),
            }
        )
    return setup_page(ctx, "users.html", "Users", rows=rows, approve_label=APPROVE_LABEL)


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
    assigned_ids = {a.permission_set_id for a in assignments}
    available = [
        ps
        for ps in permissions.permission_sets(org_id=ctx.org_id)
        if ps.permission_set_id not in assigned_ids
    ]
    locked_until = ctx.backend.oauth.credentials.lockouts.locked_until(
        org_id=ctx.org_id, user_id=user_id
    )
    return setup_page(
        ctx,
        "user.html",
        f"User: {user['Name'] or user['Username']}",
        user=user,
        profile=profile,
        lockout=locked_until is not None,
        lockout_until=_until(ctx, locked_until),
        assignments=assignments,
        available=available,
        permission_rows=[
            (label, effective.sources.get(name, ())) for name, label in PERMISSION_LABELS.items()
        ],
    )


def _until(ctx: SetupContext, moment: datetime | None) -> str:
    """When a lockout ends, as Setup shows it ("an administrator unlocks it" when never)."""
    if moment is None:
        return ""
    if moment >= FOREVER:
        return "an administrator unlocks it"
    return ctx.when(moment)


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


@admin_action
async def unlock(request: Request, ctx: SetupContext, fields: dict[str, str]) -> Response:
    """The user detail page's Unlock: a locked-out user may log in again at once."""
    user_id = request.path_params["user_id"]
    user = ctx.backend.orgs.user(ctx.org_id, user_id)
    if user is None:
        return refused(request, BASE, "That user does not exist.")
    name = user["Name"] or user["Username"]
    if not ctx.backend.oauth.credentials.lockouts.unlock(org_id=ctx.org_id, user_id=user_id):
        return refused(request, user_path(user_id), f"{name} is not locked out.")
    return done(request, user_path(user_id), f"{name} was unlocked and can log in again.")
