"""Seeding: same seed → same org; users that can log in; profiles and their own permission sets;
Japanese data with phone numbers written both ways."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from mock_salesforce.backend import MockBackend
from mock_salesforce.schema import USER_PERMISSIONS
from mock_salesforce.seed import (
    APPROVE_PERMISSION_SET,
    DEFAULT_SIZE,
    SMALL_SIZE,
    SeededOrg,
    UserRole,
    seed_org,
    seed_world,
    seeded_orgs,
    world_seed,
)

ANCHOR = datetime(2025, 6, 2, 3, 0, tzinfo=UTC)
BUSINESS_TABLES = ("account", "contact", "lead", "task", "event")
HYPHENATED = re.compile(r"^0\d{1,3}-\d{2,4}-\d{3,4}$")
PLAIN = re.compile(r"^0\d{9,10}$")
CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")


def _seeded(seed: int, name: str = "Acme Japan") -> tuple[MockBackend, SeededOrg]:
    backend = MockBackend(data_dir=None)
    org = seed_org(
        backend, name=name, schema_profile="acme", seed=seed, size=SMALL_SIZE, anchor=ANCHOR
    )
    return backend, org


@pytest.fixture
def seeded() -> Iterator[tuple[MockBackend, SeededOrg]]:
    backend, org = _seeded(42)
    yield backend, org
    backend.close()


def _rows(backend: MockBackend, table: str) -> list[tuple[Any, ...]]:
    return backend.store.execute(f'SELECT * FROM "sobj_{table}" ORDER BY "Id"')


def _column(backend: MockBackend, table: str, column: str) -> list[Any]:
    rows = backend.store.execute(f'SELECT "{column}" FROM "sobj_{table}" ORDER BY "Id"')
    return [r[0] for r in rows]


def test_same_seed_gives_the_same_business_data_and_passwords() -> None:
    first, org1 = _seeded(7)
    second, org2 = _seeded(7)
    for table in BUSINESS_TABLES:
        assert _rows(first, table) == _rows(second, table), table
    assert [(u.username, u.password, u.role) for u in org1.users] == [
        (u.username, u.password, u.role) for u in org2.users
    ]
    assert _column(first, "user", "Name") == _column(second, "user", "Name")


def test_a_different_seed_gives_a_different_org() -> None:
    first, org1 = _seeded(7)
    second, org2 = _seeded(8)
    assert _column(first, "account", "Name") != _column(second, "account", "Name")
    assert _column(first, "contact", "Phone") != _column(second, "contact", "Phone")
    assert [u.password for u in org1.users] != [u.password for u in org2.users]


def test_record_counts_follow_the_size(seeded: tuple[MockBackend, SeededOrg]) -> None:
    backend, org = seeded
    for table, expected in (
        ("account", SMALL_SIZE.accounts),
        ("contact", SMALL_SIZE.contacts),
        ("lead", SMALL_SIZE.leads),
        ("task", SMALL_SIZE.tasks),
        ("event", SMALL_SIZE.events),
    ):
        [(count,)] = backend.store.execute(
            f'SELECT count(*) FROM "sobj_{table}" WHERE _org_id = ?', [org.org_id]
        )
        assert count == expected, table
    roles = [u.role for u in org.users]
    assert roles.count(UserRole.ADMIN) == 1
    assert roles.count(UserRole.INTEGRATION) == 1
    assert roles.count(UserRole.REP) == SMALL_SIZE.reps
    assert roles.count(UserRole.INACTIVE) == 1


def test_the_default_world_is_acme_japan_at_full_size() -> None:
    backend = MockBackend(data_dir=None)
    try:
        [org] = seed_world(backend, seed=42)
        assert (org.name, org.schema_profile) == ("Acme Japan", "acme")
        assert world_seed(backend) == 42
        counts = dict(
            backend.store.execute(
                "SELECT 'Account', count(*) FROM sobj_account UNION ALL "
                "SELECT 'Contact', count(*) FROM sobj_contact UNION ALL "
                "SELECT 'Lead', count(*) FROM sobj_lead"
            )
        )
        assert counts == {
            "Account": DEFAULT_SIZE.accounts,
            "Contact": DEFAULT_SIZE.contacts,
            "Lead": DEFAULT_SIZE.leads,
        }
        assert len(org.users_with(UserRole.REP)) == DEFAULT_SIZE.reps
    finally:
        backend.close()


@pytest.mark.parametrize(
    ("table", "column"),
    [
        ("contact", "Phone"),
        ("contact", "MobilePhone"),
        ("lead", "Phone"),
        ("lead", "MobilePhone"),
    ],
)
def test_phone_numbers_come_hyphenated_and_plain(
    seeded: tuple[MockBackend, SeededOrg], table: str, column: str
) -> None:
    backend, _ = seeded
    numbers = [n for n in _column(backend, table, column) if n]
    assert all(HYPHENATED.match(n) or PLAIN.match(n) for n in numbers), numbers
    assert any(HYPHENATED.match(n) for n in numbers)
    assert any(PLAIN.match(n) for n in numbers)
    if column == "MobilePhone":
        assert all(re.sub(r"\D", "", n)[:3] in ("090", "080", "070") for n in numbers)


def test_some_contacts_share_their_companys_number_in_another_form() -> None:
    backend = MockBackend(data_dir=None)
    try:
        seed_world(backend, seed=42)
        shared = backend.store.execute(
            'SELECT c."Phone", a."Phone" FROM sobj_contact c JOIN sobj_account a '
            'ON a."Id" = c."AccountId" WHERE replace(c."Phone", \'-\', \'\') = '
            "replace(a.\"Phone\", '-', '')"
        )
        assert shared
        assert all(contact != account for contact, account in shared)
    finally:
        backend.close()


def test_names_are_japanese(seeded: tuple[MockBackend, SeededOrg]) -> None:
    backend, _ = seeded
    assert all(CJK.search(n) for n in _column(backend, "account", "Name"))
    assert all(CJK.search(n) for n in _column(backend, "contact", "LastName"))
    assert all(CJK.search(n) for n in _column(backend, "lead", "Company"))


def test_every_active_user_logs_in_with_the_listed_password(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded
    for user in org.users:
        result = backend.orgs.authenticate(username=user.username, password=user.password)
        if user.role is UserRole.INACTIVE:
            assert result is None, "an inactive user cannot log in"
        else:
            assert result == (org.org_id, user.user_id), user.username
        assert backend.orgs.authenticate(username=user.username, password="wrong") is None


def test_profile_owned_permission_sets_mirror_their_profiles(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded
    perms = ", ".join(f'"Permissions{p}"' for p in USER_PERMISSIONS)
    profiles = {
        r[0]: r[1:]
        for r in backend.store.execute(
            f'SELECT "Id", "Name", {perms} FROM sobj_profile WHERE _org_id = ?', [org.org_id]
        )
    }
    owned = backend.store.execute(
        f'SELECT "ProfileId", {perms} FROM sobj_permissionset WHERE _org_id = ? '
        '  AND "IsOwnedByProfile"',
        [org.org_id],
    )
    assert sorted(r[0] for r in owned) == sorted(profiles)
    for profile_id, *flags in owned:
        assert tuple(flags) == profiles[profile_id][1:]
    by_name = {v[0]: dict(zip(USER_PERMISSIONS, v[1:], strict=True)) for v in profiles.values()}
    assert all(by_name["System Administrator"].values())
    assert by_name["Standard User"] == {p: p == "ApiEnabled" for p in USER_PERMISSIONS}


def test_object_permissions_cover_business_and_custom_objects(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded
    rows = backend.store.execute(
        'SELECT p."Name", o."SobjectType", o."PermissionsRead", o."PermissionsCreate", '
        'o."PermissionsEdit", o."PermissionsDelete", o."PermissionsModifyAllRecords" '
        'FROM sobj_objectpermissions o JOIN sobj_permissionset ps ON ps."Id" = o."ParentId" '
        'JOIN sobj_profile p ON p."Id" = ps."ProfileId" WHERE o._org_id = ?',
        [org.org_id],
    )
    expected = {"Account", "Contact", "Lead", "Task", "Event", "MiiTel_Call_Log__c"}
    for profile in ("System Administrator", "Standard User"):
        mine = [r for r in rows if r[0] == profile]
        assert {r[1] for r in mine} == expected
        assert all(r[2:6] == (True, True, True, True) for r in mine)
        assert all(r[6] is (profile == "System Administrator") for r in mine)


def test_the_approve_permission_set_grants_only_that_permission(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded
    perms = ", ".join(f'"Permissions{p}"' for p in USER_PERMISSIONS)
    [row] = backend.store.execute(
        f'SELECT "Id", "Label", "IsOwnedByProfile", {perms} FROM sobj_permissionset '
        'WHERE _org_id = ? AND "Name" = ?',
        [org.org_id, APPROVE_PERMISSION_SET],
    )
    assert row[0] == org.approve_permission_set_id
    assert row[1] == "Approve Uninstalled Connected Apps"
    assert row[2] is False
    assert dict(zip(USER_PERMISSIONS, row[3:], strict=True)) == {
        p: p == "CanApproveUninstalledApps" for p in USER_PERMISSIONS
    }


def test_the_integration_user_may_approve_uninstalled_apps_and_reps_may_not(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded

    def approves(user_id: str) -> bool:
        return backend.permissions.has_permission(
            org_id=org.org_id, user_id=user_id, permission="CanApproveUninstalledApps"
        )

    assert approves(org.integration_user.user_id)
    assert approves(org.admin.user_id)
    assert not any(approves(u.user_id) for u in org.users_with(UserRole.REP))


def test_records_point_at_records_of_the_same_org(
    seeded: tuple[MockBackend, SeededOrg],
) -> None:
    backend, org = seeded
    store = backend.store
    users = {u.user_id for u in org.users}
    for table in BUSINESS_TABLES:
        owners = {r[0] for r in store.execute(f'SELECT DISTINCT "OwnerId" FROM sobj_{table}')}
        assert owners <= users, table
    assert store.execute(
        'SELECT count(*) FROM sobj_contact c WHERE c."AccountId" IS NOT NULL AND NOT EXISTS '
        '(SELECT 1 FROM sobj_account a WHERE a."Id" = c."AccountId")'
    ) == [(0,)]
    for table in ("task", "event"):
        assert store.execute(
            f'SELECT count(*) FROM sobj_{table} t WHERE t."WhoId" IS NULL OR NOT EXISTS '
            '(SELECT 1 FROM sobj_contact c WHERE c."Id" = t."WhoId" UNION ALL '
            ' SELECT 1 FROM sobj_lead l WHERE l."Id" = t."WhoId")'
        ) == [(0,)]
        assert store.execute(
            f'SELECT count(*) FROM sobj_{table} t WHERE t."WhatId" IS NOT NULL AND NOT EXISTS '
            '(SELECT 1 FROM sobj_account a WHERE a."Id" = t."WhatId")'
        ) == [(0,)]


def test_calls_are_tasks_with_call_fields(seeded: tuple[MockBackend, SeededOrg]) -> None:
    backend, _ = seeded
    calls = backend.store.execute(
        'SELECT "CallType", "CallDurationInSeconds", "Status", "IsClosed", "ActivityDate", '
        '"CreatedDate" FROM sobj_task WHERE "TaskSubtype" = \'Call\''
    )
    assert calls
    assert {c[0] for c in calls} == {"Inbound", "Outbound"}
    assert all(c[1] is not None and c[1] >= 0 for c in calls)
    assert all(c[2] == "Completed" and c[3] is True for c in calls)
    assert all(c[5] < ANCHOR.replace(tzinfo=None) for c in calls)


def test_seeded_users_and_passwords_survive_a_restart(tmp_path: Path) -> None:
    backend = MockBackend(data_dir=tmp_path)
    org = seed_org(backend, name="Acme Japan", schema_profile="acme", seed=3, size=SMALL_SIZE)
    backend.close()
    reopened = MockBackend(data_dir=tmp_path)
    try:
        [again] = seeded_orgs(reopened)
        assert again == org
        user = again.integration_user
        assert reopened.orgs.authenticate(username=user.username, password=user.password)
    finally:
        reopened.close()


def test_a_second_org_gets_its_own_usernames() -> None:
    backend, first = _seeded(5)
    try:
        second = seed_org(
            backend,
            name="Beta Trading",
            schema_profile="second",
            seed=5,
            size=SMALL_SIZE,
            anchor=ANCHOR,
        )
        assert {u.username for u in first.users}.isdisjoint(u.username for u in second.users)
        assert [o.org_id for o in seeded_orgs(backend)] == [first.org_id, second.org_id]
        assert second.admin.username == "admin@beta-trading.example"
    finally:
        backend.close()
