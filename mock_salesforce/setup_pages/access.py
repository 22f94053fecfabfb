"""*Profiles* and *Permission Sets*: the system permissions each grants (step 4: "click the
profile name" / "click the permission set name"), their object and field settings, and who
has them."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from mock_salesforce.html import path_part
from mock_salesforce.permissions import (
    APPROVE_UNINSTALLED_APPS,
    PERMISSION_LABELS,
    AssignmentRefused,
    ObjectAccess,
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
from mock_salesforce.setup_pages.users import APPROVE_LABEL

PROFILES = "/setup/profiles"
PERMISSION_SETS = "/setup/permission-sets"


@dataclass(frozen=True)
class Settings:
    """The object and field settings of a profile's or permission set's own permissions."""

    objects: list[tuple[str, ObjectAccess]]
    fields: list[tuple[str, str, bool, bool]]


def _settings(ctx: SetupContext, permission_set_id: str | None) -> Settings | None:
    if permission_set_id is None:
        return None
    permissions = ctx.backend.permissions
    objects = permissions.object_access_rows(org_id=ctx.org_id, permission_set_id=permission_set_id)
    return Settings(
        objects=sorted(objects.items()),
        fields=list(
            permissions.field_access_rows(org_id=ctx.org_id, permission_set_id=permission_set_id)
        ),
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
        (p, len(_users_with_profile(ctx, p.profile_id)), APPROVE_UNINSTALLED_APPS in p.permissions)
        for p in ctx.backend.permissions.profiles(org_id=ctx.org_id)
    ]
    return setup_page(ctx, "profiles.html", "Profiles", rows=rows, approve_label=APPROVE_LABEL)


@admin_page
async def profile_page(request: Request, ctx: SetupContext) -> Response:
    profile = ctx.backend.permissions.profile(
        org_id=ctx.org_id, profile_id=request.path_params["profile_id"]
    )
    if profile is None:
        return not_found_page(ctx, "profile")
    return setup_page(
        ctx,
        "profile.html",
        f"Profile: {profile.name}",
        profile=profile,
        users=_users_with_profile(ctx, profile.profile_id),
        labels=PERMISSION_LABELS,
        settings=_settings(ctx, profile.owned_permission_set_id),
    )


@admin_page
async def permission_sets_page(request: Request, ctx: SetupContext) -> Response:
    permissions = ctx.backend.permissions
    rows = [
        (
            ps,
            len(permissions.assignments(org_id=ctx.org_id, permission_set_id=ps.permission_set_id)),
        )
        for ps in permissions.permission_sets(org_id=ctx.org_id)
    ]
    return setup_page(ctx, "permission_sets.html", "Permission Sets", rows=rows)


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
    assignments = permissions.assignments(org_id=ctx.org_id, permission_set_id=ps.permission_set_id)
    names = {
        uid: name
        for uid, name in ctx.backend.store.execute(
            'SELECT "Id", coalesce("Name", "Username") FROM "sobj_user" WHERE _org_id = ? '
            'AND NOT "IsDeleted" AND "IsActive" ORDER BY 2',
            [ctx.org_id],
        )
    }
    assigned = {a.user_id for a in assignments}
    return setup_page(
        ctx,
        "permission_set.html",
        f"Permission Set: {ps.label}",
        ps=ps,
        labels=PERMISSION_LABELS,
        settings=_settings(ctx, ps.permission_set_id),
        assignments=assignments,
        names=names,
        unassigned=[(uid, name) for uid, name in names.items() if uid not in assigned],
    )


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
