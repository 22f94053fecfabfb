"""Seeding an org from a seed: profiles, permission sets, users with known passwords, and
Japanese business data (Accounts, Contacts, Leads, call Tasks, Events) made with Faker.

Same seed, same org: every business row (ids, names, phones, owners, dates relative to the
seeding day) is identical between runs on the same day, because all randomness comes from
``Faker("ja_JP")`` and ``random.Random`` instances seeded from ``seed`` and the org's name.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone
from enum import StrEnum
from typing import Any

from faker import Faker

from mock_salesforce.backend import MockBackend
from mock_salesforce.clock import naive_utc
from mock_salesforce.connected_apps import MIITEL
from mock_salesforce.rows import full_name, insert
from mock_salesforce.schema import USER_PERMISSIONS, ObjectDef, OrgSchema
from mock_salesforce.store import Store

JST = timezone(timedelta(hours=9))

DEFAULT_ORG_NAME = "Acme Japan"
DEFAULT_SCHEMA_PROFILE = "acme"

ADMIN_PROFILE = "System Administrator"
STANDARD_PROFILE = "Standard User"
APPROVE_PERMISSION_SET = "Approve_Uninstalled_Connected_Apps"
APPROVE_PERMISSION_SET_LABEL = "Approve Uninstalled Connected Apps"

#: Objects whose access the profile-owned permission sets grant (plus the org's custom objects).
BUSINESS_OBJECTS = ("Account", "Contact", "Lead", "Task", "Event")


class UserRole(StrEnum):
    """What a seeded user is for in the demo and the tests."""

    ADMIN = "admin"
    INTEGRATION = "integration"
    REP = "rep"
    INACTIVE = "inactive"


@dataclass(frozen=True)
class OrgSize:
    """How many records of each kind an org gets."""

    accounts: int
    contacts: int
    leads: int
    tasks: int
    events: int
    reps: int


DEFAULT_SIZE = OrgSize(accounts=500, contacts=2000, leads=1000, tasks=3000, events=600, reps=8)
SMALL_SIZE = OrgSize(accounts=20, contacts=60, leads=30, tasks=60, events=20, reps=3)


@dataclass(frozen=True)
class SeededUser:
    user_id: str
    username: str
    password: str
    profile: str
    role: UserRole


@dataclass(frozen=True)
class SeededOrg:
    """An org made by :func:`seed_org`, with the ids scenarios need to change it."""

    org_id: str
    name: str
    schema_profile: str
    seed: int
    users: tuple[SeededUser, ...]
    admin_profile_id: str
    standard_profile_id: str
    approve_permission_set_id: str

    def users_with(self, role: UserRole) -> list[SeededUser]:
        return [u for u in self.users if u.role is role]

    @property
    def admin(self) -> SeededUser:
        return self.users_with(UserRole.ADMIN)[0]

    @property
    def integration_user(self) -> SeededUser:
        """The user MiiTel integrates as (System Administrator in a freshly seeded org)."""
        return self.users_with(UserRole.INTEGRATION)[0]


# -- public entry points ---------------------------------------------------------------------


def seed_world(
    backend: MockBackend,
    *,
    seed: int,
    size: OrgSize = DEFAULT_SIZE,
    anchor: datetime | None = None,
) -> list[SeededOrg]:
    """The default world: one org "Acme Japan" (schema profile "acme"). The store should be
    empty (``store.wipe()`` first); the seed is recorded as the world's seed."""
    org = seed_org(
        backend,
        name=DEFAULT_ORG_NAME,
        schema_profile=DEFAULT_SCHEMA_PROFILE,
        seed=seed,
        size=size,
        anchor=anchor,
    )
    backend.store.set_meta("seed", str(seed))
    # As the README tells real orgs to configure the MiiTel connected app.
    backend.connected_apps.require_pkce(MIITEL)
    return [org]


def seed_org(
    backend: MockBackend,
    *,
    name: str,
    schema_profile: str,
    seed: int,
    size: OrgSize = DEFAULT_SIZE,
    anchor: datetime | None = None,
) -> SeededOrg:
    """Create an org and fill it: the two standard profiles with their profile-owned
    permission sets and object permissions, the "Approve Uninstalled Connected Apps"
    permission set (unassigned), an admin, the MiiTel integration user (System
    Administrator), ``size.reps`` sales reps and one inactive user, each with a password
    derived from ``seed``; then Accounts, Contacts, Leads, Tasks and Events.

    Business dates are placed relative to the start of ``anchor``'s day in Japan (default:
    the backend clock's now), so the same seed on the same day gives the same rows.
    """
    store = backend.store
    now = backend.clock.now()
    day = _day_start(anchor or now)
    with store.transaction():
        org = backend.orgs.create(name=name, schema_profile=schema_profile)
        schema = org.schema
        gen = _Generator(seed=seed, org_name=name, day=day)
        admin_profile, standard_profile, approve_set = _seed_permissions(
            store, org_id=org.org_id, schema=schema, now=now
        )
        users = _seed_users(
            backend,
            org_id=org.org_id,
            schema=schema,
            gen=gen,
            size=size,
            admin_profile=admin_profile,
            standard_profile=standard_profile,
            now=now,
        )
        _describe_organization(
            store,
            org_id=org.org_id,
            schema=schema,
            admin=next(u for u in users if u.role is UserRole.ADMIN),
        )
        # Each user's PermissionSetAssignment of their profile's own set, as Salesforce has it.
        backend.permissions.sync_profile_assignments(org_id=org.org_id)
        _seed_business_data(
            store, org_id=org.org_id, schema=schema, gen=gen, size=size, users=users
        )
        seeded = SeededOrg(
            org_id=org.org_id,
            name=name,
            schema_profile=schema_profile,
            seed=seed,
            users=tuple(users),
            admin_profile_id=admin_profile,
            standard_profile_id=standard_profile,
            approve_permission_set_id=approve_set,
        )
        _record(store, seeded)
    return seeded


def seeded_orgs(backend: MockBackend) -> list[SeededOrg]:
    """Every org seeded into this store (also after a restart), oldest first, with each
    user's current profile name (scenarios may have changed it)."""
    store = backend.store
    _ensure_tables(store)
    orgs = store.execute(
        "SELECT s.org_id, o.name, o.schema_profile, s.seed, s.admin_profile_id, "
        "s.standard_profile_id, s.approve_permission_set_id FROM _seeded_orgs s "
        "JOIN _orgs o ON o.org_id = s.org_id ORDER BY s.ordinal"
    )
    users = store.execute(
        "SELECT su.org_id, su.user_id, su.username, su.password, su.role, "
        "coalesce(p.\"Name\", '') FROM _seeded_users su "
        'LEFT JOIN "sobj_user" u ON u."Id" = su.user_id '
        'LEFT JOIN "sobj_profile" p ON p."Id" = u."ProfileId" ORDER BY su.ordinal'
    )
    by_org: dict[str, list[SeededUser]] = {}
    for org_id, user_id, username, password, role, profile in users:
        by_org.setdefault(org_id, []).append(
            SeededUser(user_id, username, password, profile, UserRole(role))
        )
    return [
        SeededOrg(
            org_id=o,
            name=n,
            schema_profile=sp,
            seed=int(s),
            users=tuple(by_org.get(o, ())),
            admin_profile_id=ap,
            standard_profile_id=st,
            approve_permission_set_id=aps,
        )
        for o, n, sp, s, ap, st, aps in orgs
    ]


def world_seed(backend: MockBackend) -> int | None:
    """The seed the current world was made from, or None when nothing is seeded."""
    value = backend.store.get_meta("seed")
    return int(value) if value is not None else None


# -- bookkeeping -----------------------------------------------------------------------------


def _ensure_tables(store: Store) -> None:
    # The demo passwords are kept so READY can list them after a restart (hashes cannot).
    store.ensure_table(
        "_seeded_orgs",
        "org_id VARCHAR PRIMARY KEY, seed BIGINT NOT NULL, admin_profile_id VARCHAR, "
        "standard_profile_id VARCHAR, approve_permission_set_id VARCHAR, ordinal BIGINT",
    )
    store.ensure_table(
        "_seeded_users",
        "user_id VARCHAR PRIMARY KEY, org_id VARCHAR NOT NULL, username VARCHAR NOT NULL, "
        "password VARCHAR NOT NULL, role VARCHAR NOT NULL, ordinal BIGINT",
    )


def _record(store: Store, org: SeededOrg) -> None:
    _ensure_tables(store)
    [(count,)] = store.execute("SELECT count(*) FROM _seeded_orgs")
    store.execute(
        "INSERT INTO _seeded_orgs VALUES (?, ?, ?, ?, ?, ?)",
        [
            org.org_id,
            org.seed,
            org.admin_profile_id,
            org.standard_profile_id,
            org.approve_permission_set_id,
            count,
        ],
    )
    [(users,)] = store.execute("SELECT count(*) FROM _seeded_users")
    store.executemany(
        "INSERT INTO _seeded_users VALUES (?, ?, ?, ?, ?, ?)",
        [
            [u.user_id, org.org_id, u.username, u.password, u.role.value, users + i]
            for i, u in enumerate(org.users)
        ],
    )


# -- randomness ------------------------------------------------------------------------------


def _day_start(moment: datetime) -> datetime:
    """Midnight (Japan time) of ``moment``'s day, in UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    local = moment.astimezone(JST).date()
    return datetime.combine(local, time(0), JST).astimezone(UTC)


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "org-" + hashlib.sha256(name.encode()).hexdigest()[:8]


#: Landline area codes with their (area, exchange, line) digit layout; 10 digits in all.
_LANDLINES = (
    ("03", 4, 4),
    ("06", 4, 4),
    ("045", 3, 4),
    ("052", 3, 4),
    ("011", 3, 4),
    ("092", 3, 4),
    ("075", 3, 4),
    ("022", 3, 4),
    ("0466", 2, 4),
    ("0120", 3, 3),
)
_MOBILES = ("090", "080", "070")


class _Generator:
    """Every random choice of one org, from one seed."""

    def __init__(self, *, seed: int, org_name: str, day: datetime) -> None:
        self.rng = random.Random(f"{seed}:{org_name}:data")
        self.passwords = random.Random(f"{seed}:{org_name}:passwords")
        self.fake = Faker("ja_JP")
        self.fake.seed_instance(f"{seed}:{org_name}:faker")
        self.day = day
        self.domain = _slug(org_name) + ".example"

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def pick(self, values: Sequence[Any]) -> Any:
        return values[self.rng.randrange(len(values))]

    def password(self) -> str:
        letters = "".join(self.passwords.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(4))
        digits = "".join(self.passwords.choice("23456789") for _ in range(4))
        return f"Demo-{letters}{digits}"

    def phone(self, *, mobile: bool) -> str:
        """A Japanese number, hyphenated (``03-1234-5678``) or plain (``0312345678``)."""
        if mobile:
            parts = [self.pick(_MOBILES), self._digits(4), self._digits(4)]
        else:
            area, mid, line = self.pick(_LANDLINES)
            parts = [area, self._digits(mid), self._digits(line)]
        return reformat_phone(parts, hyphenated=self.chance(0.5))

    def _digits(self, n: int) -> str:
        return f"{self.rng.randrange(10**n):0{n}d}"

    def past(self, *, min_days: int, max_days: int) -> datetime:
        """A moment in Japanese business hours between ``min_days`` and ``max_days`` ago."""
        days = self.rng.randint(min_days, max_days)
        minutes = self.rng.randint(9 * 60, 19 * 60 - 1)
        return (
            self.day
            - timedelta(days=days)
            + timedelta(minutes=minutes, seconds=self.rng.randrange(60))
        )

    def between(self, start: datetime, end: datetime) -> datetime:
        span = max(0, int((end - start).total_seconds()))
        return start + timedelta(seconds=self.rng.randint(0, span))

    def person(self) -> tuple[str, str, str, str]:
        """(last name, first name, romanized last, romanized first)."""
        last, _, last_roman = self.fake.last_name_pair()
        first, _, first_roman = self.fake.first_name_pair()
        return last, first, last_roman, first_roman


def reformat_phone(parts: Sequence[str], *, hyphenated: bool) -> str:
    return "-".join(parts) if hyphenated else "".join(parts)


# -- permissions -----------------------------------------------------------------------------


def _seed_permissions(
    store: Store,
    *,
    org_id: str,
    schema: OrgSchema,
    now: datetime,
) -> tuple[str, str, str]:
    """Profiles, their profile-owned permission sets with object permissions, and
    the "Approve Uninstalled Connected Apps" permission set. Returns their ids."""
    profile_obj, ps_obj = _obj(schema, "Profile"), _obj(schema, "PermissionSet")
    admin_perms = {f"Permissions{p}": True for p in USER_PERMISSIONS}
    standard_perms = {f"Permissions{p}": p == "ApiEnabled" for p in USER_PERMISSIONS}
    admin_profile, standard_profile = insert(
        store,
        org_id=org_id,
        obj=profile_obj,
        actor_id=None,
        now=now,
        rows=[
            {
                "Name": ADMIN_PROFILE,
                "UserType": "Standard",
                "Description": "Can configure and customize the application.",
                **admin_perms,
            },
            {
                "Name": STANDARD_PROFILE,
                "UserType": "Standard",
                "Description": "Can create and edit most major types of records.",
                **standard_perms,
            },
        ],
    )
    admin_set, standard_set, approve_set = insert(
        store,
        org_id=org_id,
        obj=ps_obj,
        actor_id=None,
        now=now,
        rows=[
            _profile_owned_set(admin_profile, ADMIN_PROFILE, admin_perms),
            _profile_owned_set(standard_profile, STANDARD_PROFILE, standard_perms),
            {
                "Name": APPROVE_PERMISSION_SET,
                "Label": APPROVE_PERMISSION_SET_LABEL,
                "Description": "Lets a user authorize connected apps that are not installed.",
                "IsOwnedByProfile": False,
                "ProfileId": None,
                **{f"Permissions{p}": p == "CanApproveUninstalledApps" for p in USER_PERMISSIONS},
            },
        ],
    )
    objects = [*BUSINESS_OBJECTS, *(o.name for o in schema if o.custom)]
    object_rows = []
    for parent, admin in ((admin_set, True), (standard_set, False)):
        object_rows += [
            {
                "ParentId": parent,
                "SobjectType": name,
                "PermissionsCreate": True,
                "PermissionsRead": True,
                "PermissionsEdit": True,
                "PermissionsDelete": True,
                "PermissionsViewAllRecords": admin,
                "PermissionsModifyAllRecords": admin,
            }
            for name in objects
        ]
    insert(
        store,
        org_id=org_id,
        obj=_obj(schema, "ObjectPermissions"),
        actor_id=None,
        now=now,
        rows=object_rows,
    )
    return admin_profile, standard_profile, approve_set


def _profile_owned_set(profile_id: str, label: str, perms: Mapping[str, bool]) -> dict[str, Any]:
    # Salesforce names a profile's own set after the profile id.
    return {
        "Name": f"X{profile_id[:15]}",
        "Label": label,
        "IsOwnedByProfile": True,
        "ProfileId": profile_id,
        **perms,
    }


def _obj(schema: OrgSchema, name: str) -> ObjectDef:
    obj = schema.get(name)
    if obj is None:
        raise LookupError(f"schema has no {name}")
    return obj


# -- the organization ------------------------------------------------------------------------

#: A production Enterprise org in Tokyo with Salesforce's default sharing settings; no trial
#: end and no namespace (both null in production orgs, as Salesforce returns them).
ORGANIZATION_DETAILS: Mapping[str, Any] = {
    "Division": None,
    "Street": "丸の内二丁目7番2号",
    "City": "千代田区",
    "State": "東京都",
    "PostalCode": "100-7004",
    "Phone": "03-6555-0100",
    "Fax": None,
    "ReceivesInfoEmails": False,
    "ReceivesAdminInfoEmails": True,
    "PreferencesRequireOpportunityProducts": False,
    "PreferencesTransactionSecurityPolicy": False,
    "PreferencesTerminateOldestSession": False,
    "PreferencesConsentManagementEnabled": False,
    "PreferencesAutoSelectIndividualOnMerge": False,
    "PreferencesLightningLoginEnabled": True,
    "PreferencesOnlyLLPermUserAllowed": False,
    "FiscalYearStartMonth": 4,
    "UsesStartDateAsFiscalYearName": False,
    "DefaultAccountAccess": "Edit",
    "DefaultContactAccess": "ControlledByParent",
    "DefaultOpportunityAccess": "Edit",
    "DefaultLeadAccess": "ReadEditTransfer",
    "DefaultCaseAccess": "ReadEditTransfer",
    "DefaultCalendarAccess": "HideDetailsInsert",
    "DefaultPricebookAccess": "ReadSelect",
    "DefaultCampaignAccess": "ReadEditTransfer",
    "UiSkin": "Theme3",
    "SignupCountryIsoCode": "JP",
    "TrialExpirationDate": None,
    "NumKnowledgeService": 0,
    "NamespacePrefix": None,
    "MonthlyPageViewsUsed": 0,
    "MonthlyPageViewsEntitlement": None,
    "IsReadOnly": False,
}


def _describe_organization(
    store: Store, *, org_id: str, schema: OrgSchema, admin: SeededUser
) -> None:
    """The Organization row's address, contact and settings (the org keeps its stamps)."""
    organization = _obj(schema, "Organization")
    [[admin_name]] = store.execute(
        'SELECT "Name" FROM "sobj_user" WHERE _org_id = ? AND "Id" = ?', [org_id, admin.user_id]
    )
    values = {**ORGANIZATION_DETAILS, "PrimaryContact": admin_name}
    assignments = ", ".join(f'"{name}" = ?' for name in values)
    store.execute(
        f'UPDATE {organization.table} SET {assignments} WHERE _org_id = ? AND "Id" = ?',
        [*values.values(), org_id, org_id],
    )


# -- users -----------------------------------------------------------------------------------


def _seed_users(
    backend: MockBackend,
    *,
    org_id: str,
    schema: OrgSchema,
    gen: _Generator,
    size: OrgSize,
    admin_profile: str,
    standard_profile: str,
    now: datetime,
) -> list[SeededUser]:
    planned: list[tuple[UserRole, dict[str, Any]]] = []
    last, first, _, _ = gen.person()
    planned.append(
        (
            UserRole.ADMIN,
            _user_row(
                username=f"admin@{gen.domain}",
                last=last,
                first=first,
                alias="admin",
                profile_id=admin_profile,
                title="Salesforce 管理者",
                department="情報システム部",
                active=True,
            ),
        )
    )
    planned.append(
        (
            UserRole.INTEGRATION,
            _user_row(
                username=f"miitel@{gen.domain}",
                last="連携ユーザー",
                first="MiiTel",
                alias="miitel",
                profile_id=admin_profile,
                title="MiiTel 連携",
                department="情報システム部",
                active=True,
            ),
        )
    )
    taken = {row["Username"] for _, row in planned}
    for role in [UserRole.REP] * size.reps + [UserRole.INACTIVE]:
        last, first, last_roman, first_roman = gen.person()
        local = f"{first_roman}.{last_roman}".lower()
        username, n = f"{local}@{gen.domain}", 1
        while username in taken:
            n += 1
            username = f"{local}{n}@{gen.domain}"
        taken.add(username)
        planned.append(
            (
                role,
                _user_row(
                    username=username,
                    last=last,
                    first=first,
                    alias=(first_roman[:1] + last_roman[:7]).lower(),
                    profile_id=standard_profile,
                    title="営業担当" if role is UserRole.REP else "元営業担当",
                    department="営業部",
                    active=role is UserRole.REP,
                    phone=gen.phone(mobile=True),
                ),
            )
        )
    ids = insert(
        backend.store,
        org_id=org_id,
        obj=_obj(schema, "User"),
        actor_id=None,
        now=now,
        rows=[row for _, row in planned],
    )
    users = []
    for user_id, (role, row) in zip(ids, planned, strict=True):
        password = gen.password()
        backend.orgs.set_password(
            org_id=org_id, user_id=user_id, username=row["Username"], password=password
        )
        profile = ADMIN_PROFILE if row["ProfileId"] == admin_profile else STANDARD_PROFILE
        users.append(SeededUser(user_id, row["Username"], password, profile, role))
    return users


def _user_row(
    *,
    username: str,
    last: str,
    first: str,
    alias: str,
    profile_id: str,
    title: str,
    department: str,
    active: bool,
    phone: str | None = None,
) -> dict[str, Any]:
    return {
        "Username": username,
        "LastName": last,
        "FirstName": first,
        "Alias": alias[:8],
        "Email": username,
        "IsActive": active,
        "ProfileId": profile_id,
        "Title": title,
        "Department": department,
        "MobilePhone": phone,
        "UserType": "Standard",
        "TimeZoneSidKey": "Asia/Tokyo",
        "LocaleSidKey": "ja_JP",
        "LanguageLocaleKey": "ja",
        "EmailEncodingKey": "UTF-8",
    }


# -- business data ---------------------------------------------------------------------------

_ACCOUNT_TYPES = ("Prospect", "Customer - Direct", "Customer - Channel", "Partner", "Other")
_INDUSTRIES = (
    "Banking",
    "Communications",
    "Construction",
    "Consulting",
    "Education",
    "Electronics",
    "Finance",
    "Healthcare",
    "Insurance",
    "Manufacturing",
    "Media",
    "Retail",
    "Technology",
    "Transportation",
)
_DEPARTMENTS = ("営業部", "経営企画部", "総務部", "情報システム部", "購買部", "マーケティング部")
_LEAD_SOURCES = ("Web", "Phone Inquiry", "Partner Referral", "Purchased List", "Other")
_LEAD_STATUSES = ("Open - Not Contacted", "Working - Contacted", "Closed - Not Converted")
_CALL_SUBJECTS = ("電話", "架電", "受電", "折り返し電話", "Call")
_CALL_RESULTS = ("接続", "不在", "留守番電話", "担当者不在", "折り返し依頼")
_TODO_SUBJECTS = ("見積書送付", "資料送付", "フォローアップ", "訪問準備", "契約書確認")
_MEETING_SUBJECTS = ("商談", "打ち合わせ", "オンライン商談", "製品デモ", "定例会")
_LOCATIONS = ("Zoom", "Google Meet", "Microsoft Teams", "先方オフィス", "当社会議室")


def _seed_business_data(
    store: Store,
    *,
    org_id: str,
    schema: OrgSchema,
    gen: _Generator,
    size: OrgSize,
    users: Sequence[SeededUser],
) -> None:
    admin = next(u for u in users if u.role is UserRole.ADMIN).user_id
    integration = next(u for u in users if u.role is UserRole.INTEGRATION).user_id
    reps = [u.user_id for u in users if u.role is UserRole.REP] or [admin]
    inactive = [u.user_id for u in users if u.role is UserRole.INACTIVE]
    owners = _OwnerPicker(gen, reps=reps, admin=admin, inactive=inactive)

    accounts = _accounts(gen, size, owners, admin)
    contacts = _contacts(gen, size, accounts, owners, admin)
    leads = _leads(gen, size, owners, admin, contacts)
    ids = {
        "Account": _bulk_insert(store, org_id, _obj(schema, "Account"), accounts),
        "Contact": _bulk_insert(store, org_id, _obj(schema, "Contact"), contacts),
        "Lead": _bulk_insert(store, org_id, _obj(schema, "Lead"), leads),
    }
    task_obj, event_obj = _obj(schema, "Task"), _obj(schema, "Event")
    people = _People(contacts=contacts, contact_ids=ids["Contact"], lead_ids=ids["Lead"])
    tasks = _tasks(gen, size, people, owners, integration, task_obj)
    events = _events(gen, size, people, owners, integration, event_obj)
    _bulk_insert(store, org_id, task_obj, tasks)
    _bulk_insert(store, org_id, event_obj, events)


class _OwnerPicker:
    def __init__(self, gen: _Generator, *, reps: list[str], admin: str, inactive: list[str]):
        self.gen, self.reps, self.admin, self.inactive = gen, reps, admin, inactive

    def record_owner(self) -> str:
        """Mostly reps; a few records with the admin, a few left with a former rep."""
        roll = self.gen.rng.random()
        if roll < 0.03 and self.inactive:
            return self.gen.pick(self.inactive)
        if roll < 0.08:
            return self.admin
        return self.gen.pick(self.reps)

    def rep(self) -> str:
        return self.gen.pick(self.reps)


def _stamps(gen: _Generator, *, created: datetime, actor: str) -> dict[str, Any]:
    modified = gen.between(created, gen.day - timedelta(minutes=1))
    return {
        "CreatedDate": created,
        "LastModifiedDate": modified,
        "SystemModstamp": modified,
        "CreatedById": actor,
        "LastModifiedById": actor,
    }


def _accounts(
    gen: _Generator, size: OrgSize, owners: _OwnerPicker, admin: str
) -> list[dict[str, Any]]:
    fake, rows = gen.fake, []
    for n in range(size.accounts):
        created = gen.past(min_days=60, max_days=1000)
        rows.append(
            {
                "Name": fake.company(),
                "Type": gen.pick(_ACCOUNT_TYPES),
                "Industry": gen.pick(_INDUSTRIES),
                "Phone": gen.phone(mobile=False),
                "Fax": gen.phone(mobile=False) if gen.chance(0.4) else None,
                "Website": f"https://www.{fake.domain_name()}",
                "BillingPostalCode": fake.zipcode(),
                "BillingState": fake.prefecture(),
                "BillingCity": fake.city(),
                "BillingStreet": f"{fake.town()}{fake.chome()}{fake.ban()}",
                "BillingCountry": "日本",
                "NumberOfEmployees": gen.rng.choice((12, 30, 55, 120, 300, 800, 2500, 12000)),
                "AnnualRevenue": float(gen.rng.randrange(5, 5000) * 10_000_000),
                "AccountNumber": f"A-{n + 1:06d}",
                "OwnerId": owners.record_owner(),
                **_stamps(gen, created=created, actor=admin),
            }
        )
    return rows


def _contacts(
    gen: _Generator, size: OrgSize, accounts: list[dict[str, Any]], owners: _OwnerPicker, admin: str
) -> list[dict[str, Any]]:
    fake, rows = gen.fake, []
    for _ in range(size.contacts):
        account = gen.pick(accounts) if accounts and gen.chance(0.95) else None
        last, first, last_roman, first_roman = gen.person()
        # Some contacts give the company's main line as their phone: several records share it.
        phone: str | None
        if account is not None and gen.chance(0.1):
            phone = _other_form(account["Phone"])
        else:
            phone = gen.phone(mobile=False) if gen.chance(0.85) else None
        created = gen.past(min_days=20, max_days=900)
        if account is not None:
            created = max(created, account["CreatedDate"] + timedelta(days=1))
        rows.append(
            {
                "LastName": last,
                "FirstName": first,
                "AccountId": account,
                "Title": fake.job() if gen.chance(0.7) else None,
                "Department": gen.pick(_DEPARTMENTS) if gen.chance(0.6) else None,
                "Email": f"{first_roman}.{last_roman}{gen.rng.randrange(100)}@"
                f"{fake.free_email_domain()}".lower(),
                "Phone": phone,
                "MobilePhone": gen.phone(mobile=True) if gen.chance(0.75) else None,
                "MailingState": fake.prefecture(),
                "MailingCity": fake.city(),
                "MailingCountry": "日本",
                "LeadSource": gen.pick(_LEAD_SOURCES) if gen.chance(0.5) else None,
                "OwnerId": account["OwnerId"] if account is not None else owners.record_owner(),
                **_stamps(gen, created=min(created, gen.day - timedelta(days=1)), actor=admin),
            }
        )
    return rows


def _leads(
    gen: _Generator, size: OrgSize, owners: _OwnerPicker, admin: str, contacts: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    fake, rows = gen.fake, []
    for _ in range(size.leads):
        last, first, last_roman, first_roman = gen.person()
        mobile = gen.phone(mobile=True) if gen.chance(0.6) else None
        # A few leads carry a contact's mobile number: a phone lookup finds both.
        if contacts and gen.chance(0.05):
            source = gen.pick(contacts)
            if source["MobilePhone"]:
                mobile = _other_form(source["MobilePhone"])
        rows.append(
            {
                "LastName": last,
                "FirstName": first,
                "Company": fake.company(),
                "Title": fake.job() if gen.chance(0.6) else None,
                "Email": f"{first_roman}.{last_roman}@{fake.free_email_domain()}".lower(),
                "Phone": gen.phone(mobile=False) if gen.chance(0.8) else None,
                "MobilePhone": mobile,
                "Status": gen.pick(_LEAD_STATUSES),
                "LeadSource": gen.pick(_LEAD_SOURCES),
                "Industry": gen.pick(_INDUSTRIES),
                "State": fake.prefecture(),
                "City": fake.city(),
                "Country": "日本",
                "IsConverted": False,
                "OwnerId": owners.record_owner(),
                **_stamps(gen, created=gen.past(min_days=1, max_days=400), actor=admin),
            }
        )
    return rows


def _other_form(phone: str) -> str:
    """The same number written the other way (hyphenated ↔ plain)."""
    if "-" in phone:
        return phone.replace("-", "")
    for area, mid, line in _LANDLINES:
        if phone.startswith(area) and len(phone) == len(area) + mid + line:
            return reformat_phone(
                [area, phone[len(area) : len(area) + mid], phone[len(area) + mid :]],
                hyphenated=True,
            )
    return reformat_phone([phone[:3], phone[3:7], phone[7:]], hyphenated=True)


@dataclass(frozen=True)
class _People:
    contacts: list[dict[str, Any]]
    contact_ids: list[str]
    lead_ids: list[str]

    def who_and_what(self, gen: _Generator) -> tuple[str | None, str | None]:
        """A contact (with its account) or a lead; Salesforce has no WhatId for leads."""
        if self.contact_ids and (not self.lead_ids or gen.chance(0.7)):
            i = gen.rng.randrange(len(self.contact_ids))
            account = self.contacts[i]["AccountId"]
            return self.contact_ids[i], account["Id"] if account else None
        if self.lead_ids:
            return gen.pick(self.lead_ids), None
        return None, None


def _tasks(
    gen: _Generator,
    size: OrgSize,
    people: _People,
    owners: _OwnerPicker,
    integration: str,
    obj: ObjectDef,
) -> list[dict[str, Any]]:
    miitel_fields = obj.field("MiiTel_Call_URL__c") is not None
    rows = []
    for _ in range(size.tasks):
        who, what = people.who_and_what(gen)
        owner = owners.rep()
        start = gen.past(min_days=1, max_days=180)
        if gen.chance(0.8):
            inbound = gen.chance(0.35)
            answered = gen.chance(0.75)
            duration = gen.rng.randint(30, 1800) if answered else 0
            by_miitel = gen.chance(0.5)
            row: dict[str, Any] = {
                "Subject": gen.pick(_CALL_SUBJECTS),
                "Status": "Completed",
                "Priority": "Normal",
                "ActivityDate": start.astimezone(JST).date(),
                "Type": "Call",
                "TaskSubtype": "Call",
                "CallType": "Inbound" if inbound else "Outbound",
                "CallDurationInSeconds": duration,
                "CallDisposition": _CALL_RESULTS[0] if answered else gen.pick(_CALL_RESULTS[1:]),
                "CallObject": f"miitel-{gen.rng.getrandbits(64):016x}" if by_miitel else None,
                "Description": "お客様より折り返しのご連絡" if gen.chance(0.1) else None,
            }
            if by_miitel and miitel_fields:
                row.update(
                    {
                        "MiiTel_Call_URL__c": f"https://{gen.domain}/app/calls/{gen.rng.getrandbits(64):016x}",
                        "MiiTel_Direction__c": "Inbound" if inbound else "Outbound",
                        "MiiTel_Call_Start__c": start,
                        "MiiTel_Call_End__c": start + timedelta(seconds=duration),
                    }
                )
            actor = integration if by_miitel else owner
            created = start + timedelta(seconds=duration + 5)
        else:
            due = start.astimezone(JST).date() + timedelta(days=gen.rng.randint(0, 200))
            status = gen.pick(("Not Started", "In Progress", "Completed", "Deferred"))
            row = {
                "Subject": gen.pick(_TODO_SUBJECTS),
                "Status": status,
                "Priority": gen.pick(("High", "Normal", "Normal", "Low")),
                "ActivityDate": due,
                "Type": "Other",
                "TaskSubtype": "Task",
            }
            actor, created = owner, start
        row.update(
            {
                "WhoId": who,
                "WhatId": what,
                "OwnerId": owner,
                "IsClosed": row["Status"] == "Completed",
                **_stamps(gen, created=created, actor=actor),
            }
        )
        rows.append(row)
    return rows


def _events(
    gen: _Generator,
    size: OrgSize,
    people: _People,
    owners: _OwnerPicker,
    integration: str,
    obj: ObjectDef,
) -> list[dict[str, Any]]:
    meeting_urls = obj.field("MiiTel_Meeting_URL__c") is not None
    rows = []
    for _ in range(size.events):
        who, what = people.who_and_what(gen)
        owner = owners.rep()
        past = gen.chance(0.75)
        if past:
            start = gen.past(min_days=1, max_days=120)
        else:
            start = gen.day + timedelta(
                days=gen.rng.randint(1, 30), minutes=gen.rng.choice(range(9 * 60, 18 * 60, 30))
            )
        start = start.replace(second=0) - timedelta(minutes=start.minute % 30)
        minutes = gen.pick((30, 30, 60, 60, 90))
        by_miitel = past and gen.chance(0.4)
        row: dict[str, Any] = {
            "Subject": gen.pick(_MEETING_SUBJECTS),
            "StartDateTime": start,
            "EndDateTime": start + timedelta(minutes=minutes),
            "ActivityDateTime": start,
            "ActivityDate": start.astimezone(JST).date(),
            "DurationInMinutes": minutes,
            "Location": gen.pick(_LOCATIONS),
            "IsAllDayEvent": False,
            "ShowAs": "Busy",
            "Type": "Meeting",
            "WhoId": who,
            "WhatId": what,
            "OwnerId": owner,
        }
        if by_miitel and meeting_urls:
            row["MiiTel_Meeting_URL__c"] = (
                f"https://{gen.domain}/app/meetings/{gen.rng.getrandbits(64):016x}"
            )
        created = min(start, gen.day) - timedelta(days=gen.rng.randint(1, 14))
        row.update(_stamps(gen, created=created, actor=integration if by_miitel else owner))
        rows.append(row)
    return rows


def _bulk_insert(
    store: Store, org_id: str, obj: ObjectDef, rows: list[dict[str, Any]]
) -> list[str]:
    """Insert generated rows in one statement; returns their new ids in order.

    Account references held as row dicts (``AccountId``) are resolved to the ids just made.
    """
    if not rows:
        return []
    ids = store.next_ids(obj.key_prefix, len(rows))
    prepared = []
    for record_id, values in zip(ids, rows, strict=True):
        row = dict(values)
        row.update(Id=record_id, IsDeleted=False)
        if "LastName" in row:
            row["Name"] = full_name(row.get("FirstName"), row.get("LastName"))
        prepared.append(row)
        values["Id"] = record_id
    for row in prepared:
        account = row.get("AccountId")
        if isinstance(account, dict):
            row["AccountId"] = account["Id"]
        for key in (
            "CreatedDate",
            "LastModifiedDate",
            "SystemModstamp",
            "StartDateTime",
            "EndDateTime",
            "ActivityDateTime",
            "MiiTel_Call_Start__c",
            "MiiTel_Call_End__c",
        ):
            if isinstance(row.get(key), datetime):
                row[key] = naive_utc(row[key])
    import pandas as pd  # here, not at import: a restart that does not seed never needs it

    columns = _columns(obj, prepared)
    frame = pd.DataFrame(
        {"_org_id": [org_id] * len(prepared), **{c: [r.get(c) for r in prepared] for c in columns}}
    )
    store.insert_arrow(obj.table, frame)
    return ids


def _columns(obj: ObjectDef, rows: Iterable[Mapping[str, Any]]) -> list[str]:
    seen: dict[str, None] = {}
    for row in rows:
        seen.update(dict.fromkeys(row))
    unknown = [c for c in seen if obj.field(c) is None]
    if unknown:
        raise KeyError(f"{obj.name} has no field(s) {', '.join(unknown)}")
    return list(seen)


__all__ = [
    "DEFAULT_SIZE",
    "SMALL_SIZE",
    "OrgSize",
    "SeededOrg",
    "SeededUser",
    "UserRole",
    "seed_org",
    "seed_world",
    "seeded_orgs",
    "world_seed",
]
