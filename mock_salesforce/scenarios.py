"""Named starting states of the mock world, one per branch of the re-integration procedure.

Each scenario is the default seeded world (``seed.seed_world``) changed by
:func:`apply_scenario`: the MiiTel connected app's state in the org, the integration user's
profile and permission sets, and for ``second-org`` a second org. ``reset_world`` is what the
CLI's ``--scenario`` and ``POST /mock-api/scenario`` / ``/mock-api/reset`` run.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.clock import naive_utc
from mock_salesforce.connected_apps import MIITEL
from mock_salesforce.permissions import FULL_ACCESS
from mock_salesforce.seed import (
    DEFAULT_SIZE,
    OrgSize,
    SeededOrg,
    seed_org,
    seed_world,
    seeded_orgs,
    world_seed,
)

#: Another connected app the org uses, so the OAuth Usage page lists more than MiiTel.
DATA_LOADER = "Dataloader Partner"

SECOND_ORG_NAME = "Beta Trading"
SECOND_ORG_SCHEMA = "second"
INTEGRATION_PROFILE = "MiiTel Integration User"
CLONED_ADMIN_PROFILE = "Custom: System Administrator"
#: Task fields the integration user cannot read in ``user-cannot-read-task-fields``.
HIDDEN_TASK_FIELDS = (
    "CallDurationInSeconds",
    "MiiTel_Call_URL__c",
    "MiiTel_Transcript__c",
    "MiiTel_Summary__c",
    "MiiTel_Direction__c",
    "MiiTel_Call_Start__c",
    "MiiTel_Call_End__c",
    "MiiTel_Memo__c",
)


@dataclass(frozen=True)
class Scenario:
    """A starting state and what a person should see in it at each step of the procedure."""

    name: str
    summary: str
    #: Procedure step ("3", "4", "5", "6", "8") → what a person sees there.
    steps: Mapping[str, str]

    @property
    def description(self) -> str:
        lines = [self.summary]
        lines += [f"Step {step}: {text}" for step, text in self.steps.items()]
        return "\n".join(lines)


_ADMIN_STEP_3 = (
    "Log in to Setup at /setup/login as the org's admin user, search "
    '"OAuth Usage" in Quick Find, open Connected Apps OAuth Usage'
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "default",
            'MiiTel is integrated and installed in "Acme Japan"; the integration user (System '
            "Administrator) uses it. Everything is fine.",
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" is listed with 1 user; Load Action shows '
                '"Uninstall" (and "Block"), so go on with step 5.',
                "4": 'Users: the integration user\'s profile "System Administrator" grants '
                '"Approve Uninstalled Connected Apps".',
                "5": 'Integrate: log in as the integration user, "Allow" on "Allow access?"; '
                "the portal shows the org and user.",
                "6": '"Uninstall" is displayed for MiiTel: already installed, nothing to do.',
            },
        ),
        Scenario(
            "app-blocked",
            'An admin blocked MiiTel in "Acme Japan" after it had been used (it is not '
            "installed). Every MiiTel session has ended.",
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" is listed with 0 users; Load Action shows '
                '"Unblock" (3-2-1). Click it: the notice says MiiTel was unblocked and the '
                'actions become "Install" and "Block".',
                "5": "Before unblocking, Integrate fails: Salesforce shows OAUTH_APP_BLOCKED "
                "and the portal reports the app is blocked. After unblocking it succeeds (the "
                "integration user is a System Administrator).",
                "6": 'Click "Install": the action becomes "Uninstall".',
            },
        ),
        Scenario(
            "app-uninstalled",
            'MiiTel was used in "Acme Japan" but is not installed (OauthToken rows with no '
            "AppMenuItemId, no ConnectedApplication row).",
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" is listed with 1 user; Load Action shows '
                '"Install" (3-2-2): go on with step 5.',
                "4": 'The integration user\'s profile "System Administrator" grants "Approve '
                'Uninstalled Connected Apps".',
                "5": "Integrate succeeds; MiiTel stays uninstalled (authorizing does not install).",
                "6": 'Click "Install" for MiiTel: it becomes "Uninstall"; SOQL on '
                "ConnectedApplication now returns MiiTel.",
            },
        ),
        Scenario(
            "app-never-used",
            'MiiTel has never been used in "Acme Japan": no OauthToken, no ConnectedApplication.',
            {
                "3": f'{_ADMIN_STEP_3}: there is no "MiiTel" row (3-1): go on with step 4.',
                "4": 'The integration user\'s profile "System Administrator" grants "Approve '
                'Uninstalled Connected Apps".',
                "5": "Integrate succeeds; MiiTel now appears on the OAuth Usage page with "
                '"Install".',
                "6": 'Click "Install": it becomes "Uninstall".',
            },
        ),
        Scenario(
            "user-without-approve-permission",
            "MiiTel is used but not installed, and the integration user's profile is the custom "
            f'profile "{INTEGRATION_PROFILE}", which lacks "Approve Uninstalled Connected Apps".',
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" with 1 user and "Install".',
                "4": f'Users: the integration user shows profile "{INTEGRATION_PROFILE}" and '
                '"Approve Uninstalled Connected Apps": No. Fix: open the user, add the '
                'permission set "Approve Uninstalled Connected Apps" (or install MiiTel '
                "first, step 6).",
                "5": "Without the fix, Integrate fails: Salesforce shows "
                "OAUTH_APPROVAL_ERROR_GENERIC "
                'and redirects with error=invalid_client, "app must be installed into org". '
                "With the permission set assigned (or the app installed) it succeeds.",
                "6": 'Click "Install": it becomes "Uninstall".',
            },
        ),
        Scenario(
            "custom-profile-admin",
            'The integration user is on "Custom: System Administrator" (a clone of System '
            'Administrator, so without "Approve Uninstalled Connected Apps") and gets that '
            'permission from the assigned permission set "Approve Uninstalled Connected Apps". '
            "MiiTel is used but not installed.",
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" with 1 user and "Install".',
                "4": 'Users: "Approve Uninstalled Connected Apps": Yes, from "Permission set: '
                'Approve Uninstalled Connected Apps"; the profile page shows it unchecked, '
                "the permission set page checked.",
                "5": "Integrate succeeds.",
                "6": 'Click "Install": it becomes "Uninstall".',
            },
        ),
        Scenario(
            "second-org",
            f'The default world plus a second org "{SECOND_ORG_NAME}" with its own users, which '
            "lacks the custom fields and objects (MiiTel_*__c) the first org's MiiTel settings "
            "use. "
            "MiiTel is installed in the first org and not yet used in the second.",
            {
                "3": f'Log in to Setup as {SECOND_ORG_NAME}\'s admin: no "MiiTel" row (3-1).',
                "4": f"{SECOND_ORG_NAME}'s integration user is a System Administrator: the "
                "permission is granted by the profile.",
                "5": f"Integrate as {SECOND_ORG_NAME}'s integration user: succeeds; the "
                f'portal shows org "{SECOND_ORG_NAME}".',
                "6": 'MiiTel appears with "Install"; click it.',
                "8": "Restored mappings onto MiiTel_*__c fields show errors: the fields do not "
                f"exist in {SECOND_ORG_NAME}.",
            },
        ),
        Scenario(
            "user-cannot-read-task-fields",
            "Like default (MiiTel installed), but the integration user is on "
            f'"{INTEGRATION_PROFILE}", whose field permissions hide '
            "Task.CallDurationInSeconds and the Task MiiTel_*__c fields.",
            {
                "3": f'{_ADMIN_STEP_3}: "MiiTel" with 1 user and "Uninstall".',
                "5": "Integrate succeeds (the app is installed).",
                "8": "Activity history integration shows errors for the mappings onto the hidden "
                "fields: the integration user cannot read them (describe omits them, SOQL "
                "answers INVALID_FIELD).",
            },
        ),
    )
}


def scenario_names() -> list[str]:
    return list(SCENARIOS)


# -- building blocks -------------------------------------------------------------------------
class _Builder:
    """Changes one seeded org; timestamps and counts come from the scenario's seeded stream."""

    def __init__(self, backend: MockBackend, org: SeededOrg, rng: random.Random) -> None:
        self.backend = backend
        self.org = org
        self.rng = rng

    def use_app(self, *, user_id: str, app_name: str) -> None:
        """The user has used the app for a while: an OauthToken with a history."""
        apps = self.backend.connected_apps
        apps.record_use(org_id=self.org.org_id, user_id=user_id, app_name=app_name)
        now = self.backend.clock.now()
        first = now - timedelta(days=self.rng.randint(40, 400), minutes=self.rng.randint(0, 600))
        last = now - timedelta(minutes=self.rng.randint(5, 600))
        self.backend.store.execute(
            'UPDATE "sobj_oauthtoken" SET "CreatedDate" = ?, "LastUsedDate" = ?, '
            '"LastModifiedDate" = ?, "SystemModstamp" = ?, "UseCount" = ? WHERE _org_id = ? '
            'AND "UserId" = ? AND lower("AppName") = ?',
            [
                naive_utc(first),
                naive_utc(last),
                naive_utc(last),
                naive_utc(last),
                self.rng.randint(120, 2400),
                self.org.org_id,
                user_id,
                app_name.lower(),
            ],
        )

    def install(self, app_name: str) -> None:
        self.backend.connected_apps.install(
            org_id=self.org.org_id, app_name=app_name, actor_id=self.org.admin.user_id
        )

    def block(self, app_name: str) -> None:
        self.backend.connected_apps.block(org_id=self.org.org_id, app_name=app_name)

    def integration_profile(self) -> str:
        """The custom "MiiTel Integration User" profile: API access and full access to the
        business objects, no admin permissions (so no "Approve Uninstalled Connected Apps")."""
        schema = self.backend.org_schema(self.org.org_id)
        objects = {
            o.name: FULL_ACCESS
            for o in schema
            if o.custom or o.name in ("Account", "Contact", "Lead", "Task", "Event")
        }
        profile = self.backend.permissions.create_profile(
            org_id=self.org.org_id,
            name=INTEGRATION_PROFILE,
            permissions={"ApiEnabled"},
            object_access=objects,
            actor_id=self.org.admin.user_id,
            description="API user for the MiiTel integration",
        )
        return profile.profile_id

    def move_integration_user(self, profile_id: str) -> None:
        self.backend.permissions.set_user_profile(
            org_id=self.org.org_id,
            user_id=self.org.integration_user.user_id,
            profile_id=profile_id,
            actor_id=self.org.admin.user_id,
        )


def _default(b: _Builder) -> None:
    b.use_app(user_id=b.org.admin.user_id, app_name=DATA_LOADER)
    b.install(DATA_LOADER)
    b.use_app(user_id=b.org.integration_user.user_id, app_name=MIITEL)
    b.install(MIITEL)


def _data_loader_only(b: _Builder) -> None:
    b.use_app(user_id=b.org.admin.user_id, app_name=DATA_LOADER)
    b.install(DATA_LOADER)


def _app_uninstalled(b: _Builder) -> None:
    _data_loader_only(b)
    b.use_app(user_id=b.org.integration_user.user_id, app_name=MIITEL)


def _app_blocked(b: _Builder) -> None:
    _app_uninstalled(b)
    b.block(MIITEL)


def _user_without_approve_permission(b: _Builder) -> None:
    _app_uninstalled(b)
    b.move_integration_user(b.integration_profile())


def _custom_profile_admin(b: _Builder) -> None:
    _app_uninstalled(b)
    permissions = b.backend.permissions
    clone = permissions.clone_profile(
        org_id=b.org.org_id,
        source_profile_id=b.org.admin_profile_id,
        name=CLONED_ADMIN_PROFILE,
        actor_id=b.org.admin.user_id,
    )
    b.move_integration_user(clone.profile_id)
    permissions.assign(
        org_id=b.org.org_id,
        user_id=b.org.integration_user.user_id,
        permission_set_id=b.org.approve_permission_set_id,
        actor_id=b.org.admin.user_id,
    )


def _user_cannot_read_task_fields(b: _Builder) -> None:
    _default(b)
    profile_id = b.integration_profile()
    profile = b.backend.permissions.profile(org_id=b.org.org_id, profile_id=profile_id)
    assert profile is not None and profile.owned_permission_set_id is not None
    task = b.backend.org_schema(b.org.org_id).get("Task")
    assert task is not None
    for name in HIDDEN_TASK_FIELDS:
        if task.field(name) is not None:
            b.backend.permissions.set_field_access(
                org_id=b.org.org_id,
                permission_set_id=profile.owned_permission_set_id,
                sobject="Task",
                field_name=name,
                read=False,
                edit=False,
                actor_id=b.org.admin.user_id,
            )
    b.move_integration_user(profile_id)


_APPLY: dict[str, Callable[[_Builder], None]] = {
    "default": _default,
    "app-blocked": _app_blocked,
    "app-uninstalled": _app_uninstalled,
    "app-never-used": _data_loader_only,
    "user-without-approve-permission": _user_without_approve_permission,
    "custom-profile-admin": _custom_profile_admin,
    "second-org": _default,
    "user-cannot-read-task-fields": _user_cannot_read_task_fields,
}
assert set(_APPLY) == set(SCENARIOS)

SCENARIO_META_KEY = "scenario"


def apply_scenario(backend: MockBackend, name: str, *, size: OrgSize | None = None) -> None:
    """Change the freshly seeded default world into scenario ``name`` (``KeyError`` for an
    unknown name). ``size`` is the size of a second org, if the scenario adds one."""
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; known: {', '.join(SCENARIOS)}")
    orgs = seeded_orgs(backend)
    if not orgs:
        raise LookupError("the world is not seeded: seed it before applying a scenario")
    seed = world_seed(backend)
    seed = backend.options.seed if seed is None else seed
    with backend.store.transaction():
        for org in orgs:
            backend.permissions.sync_profile_assignments(org_id=org.org_id)
        builder = _Builder(backend, orgs[0], random.Random(f"{seed}:{name}:scenario"))
        _APPLY[name](builder)
        if name == "second-org":
            second = seed_org(
                backend,
                name=SECOND_ORG_NAME,
                schema_profile=SECOND_ORG_SCHEMA,
                seed=seed,
                size=size or DEFAULT_SIZE,
            )
            backend.permissions.sync_profile_assignments(org_id=second.org_id)
            _data_loader_only(_Builder(backend, second, random.Random(f"{seed}:{name}:second")))
        backend.store.set_meta(SCENARIO_META_KEY, name)
    backend.permissions.invalidate()


def current_scenario(backend: MockBackend) -> str | None:
    """The scenario the world was last reset to (None before any)."""
    return backend.store.get_meta(SCENARIO_META_KEY)


def reset_world(
    backend: MockBackend, *, seed: int, scenario: str, size: OrgSize | None = None
) -> list[SeededOrg]:
    """Wipe everything, seed the default world from ``seed`` and apply ``scenario``; returns
    the seeded orgs (users with their current profiles). Faults are cleared too."""
    if scenario not in SCENARIOS:
        raise KeyError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
    backend.faults.clear()
    backend.store.wipe()
    # Ids restart after a wipe: nothing cached about the old world may survive it.
    backend.permissions.invalidate()
    try:
        seed_world(backend, seed=seed, size=size or DEFAULT_SIZE)
        apply_scenario(backend, scenario, size=size)
    finally:
        backend.permissions.invalidate()
    return seeded_orgs(backend)


# -- logins of every scenario ------------------------------------------------------------------

#: The orgs a scenario adds to the default world, by scenario (schema profile, name).
_ADDED_ORGS: dict[str, tuple[str, str]] = {"second-org": (SECOND_ORG_SCHEMA, SECOND_ORG_NAME)}


def every_scenario_logins(backend: MockBackend) -> list[dict[str, str | None]]:
    """The users of every org any scenario has (the READY line's ``logins``): the current
    world's orgs as they are now, then each org another scenario adds (``second-org``'s
    "Beta Trading"), its users as that scenario seeds them. Usernames and passwords derive
    from the seed and the org's name, so they are the same whenever the org exists.
    ``only_in_scenario`` names the scenario an added org exists in (None: every scenario);
    ``org_id`` is None for an org the current world does not have."""
    seed = world_seed(backend)
    seed = backend.options.seed if seed is None else seed
    present = seeded_orgs(backend)
    logins: list[dict[str, str | None]] = []
    added = {name: scenario for scenario, (_, name) in _ADDED_ORGS.items()}
    for org in present:
        logins += _logins(org, org_id=org.org_id, only_in=added.get(org.name))
    names = {org.name for org in present}
    for scenario, (schema, name) in _ADDED_ORGS.items():
        if name not in names:
            logins += _added_org_logins(backend, seed, scenario, schema, name)
    return logins


def _added_org_logins(
    backend: MockBackend, seed: int, scenario: str, schema: str, name: str
) -> list[dict[str, str | None]]:
    # Kept in the store (until the next reset), so a restart does not seed them again.
    key = f"logins:{scenario}:{seed}"
    stored = backend.store.get_meta(key)
    if stored is not None:
        try:
            return list(json.loads(stored))
        except ValueError:
            pass
    logins = _logins(_users_of(seed, name, schema), org_id=None, only_in=scenario)
    backend.store.set_meta(key, json.dumps(logins))
    return logins


def _logins(
    org: SeededOrg, *, org_id: str | None, only_in: str | None
) -> list[dict[str, str | None]]:
    return [
        {
            "org_name": org.name,
            "org_id": org_id,
            "username": u.username,
            "password": u.password,
            "profile": u.profile,
            "role": u.role.value,
            "only_in_scenario": only_in,
        }
        for u in org.users
    ]


@functools.lru_cache(maxsize=8)
def _users_of(seed: int, name: str, schema: str) -> SeededOrg:
    """An added org's users as its scenario seeds them (seeded into a throwaway in-memory
    mock with no business data: the users come first from the same seeded streams)."""
    scratch = MockBackend(data_dir=None, options=MockOptions(seed=seed))
    try:
        size = dataclasses.replace(DEFAULT_SIZE, accounts=0, contacts=0, leads=0, tasks=0, events=0)
        return seed_org(scratch, name=name, schema_profile=schema, seed=seed, size=size)
    finally:
        scratch.close()
