"""Connected apps: the developer's definition of each app, and each org's state of it.

Per org an app is *not used* (no OauthToken rows, no ConnectedApplication row), *installed*
(ConnectedApplication + AppMenuItem rows; its OauthToken rows point at the AppMenuItem),
*uninstalled* (used: OauthToken rows with a null AppMenuItemId, but no ConnectedApplication
row) or *blocked* (no new authorizations; blocking ended every session of the app). The rows
are real sObjects in the org's tables, so SOQL returns what *Connected Apps OAuth Usage* shows.

Authorization rules (checked by the OAuth authorize endpoint through
:meth:`ConnectedApps.check_authorization`):

- blocked → ``OAUTH_APP_BLOCKED``;
- not installed (uninstalled or never used) → only a user holding "Approve Uninstalled Connected
  Apps" (``PermissionsCanApproveUninstalledApps`` on their profile or an assigned permission set)
  may authorize it — the 2025 rule; anyone else gets ``OAUTH_APPROVAL_ERROR_GENERIC``.
  Authorizing it that way does not install it;
- installed with Permitted Users = "Admin approved users are pre-authorized" → only users whose
  profile or an assigned permission set is pre-authorized for the app (the mock keeps that list
  in its own table; Salesforce keeps it in SetupEntityAccess).

An app may "Require Proof Key for Code Exchange (PKCE) extension for Supported Authorization
Flows" (:meth:`ConnectedApps.require_pkce`); the seeded world's MiiTel app does, as real orgs
should configure it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.orgs import Orgs
from mock_salesforce.permissions import APPROVE_UNINSTALLED_APPS, Permissions
from mock_salesforce.rows import insert
from mock_salesforce.schema import ObjectDef
from mock_salesforce.sessions import SessionStore
from mock_salesforce.store import Store

MIITEL = "MiiTel"
MIITEL_SCOPES = ("api", "refresh_token", "offline_access", "id", "openid", "web")
MIITEL_DESCRIPTION = "MiiTel call and meeting history for Salesforce (RevComm Inc.)"

#: Meta key of an app's "Require PKCE" setting (kept in the store: a reset clears it).
_REQUIRE_PKCE_META = "connected_app.require_pkce.{app}"

SELF_AUTHORIZE = "All users may self-authorize"
ADMIN_APPROVED = "Admin approved users are pre-authorized"


@dataclass(frozen=True)
class ConnectedAppDefinition:
    """What the app's developer defined: credentials, callback URLs and scopes."""

    name: str
    client_id: str
    client_secret: str
    callback_urls: tuple[str, ...]
    scopes: tuple[str, ...]


class ConnectedAppRefusal(Exception):
    """Salesforce refuses to let this user authorize the app in this org."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description


class ConnectedAppActionRefused(Exception):
    """A Setup action that does not apply to the app's current state (message for the admin)."""


class ConnectedAppState(StrEnum):
    NOT_USED = "not used"
    INSTALLED = "installed"
    UNINSTALLED = "uninstalled"
    BLOCKED = "blocked"


@dataclass(frozen=True)
class AppUsage:
    """One row of *Connected Apps OAuth Usage*."""

    name: str
    description: str
    state: ConnectedAppState
    installed: bool
    blocked: bool
    user_count: int
    admin_approved_only: bool
    connected_application_id: str | None


@dataclass(frozen=True)
class TokenUsage:
    """One user's use of an app (an OauthToken row)."""

    token_id: str
    user_id: str
    user_name: str
    username: str
    first_use: datetime
    last_use: datetime | None
    use_count: int


@dataclass(frozen=True)
class AppPolicy:
    admin_approved_only: bool
    #: Profile ids and permission set ids whose users are pre-authorized.
    preauthorized: frozenset[str]


def _derived(seed: int, purpose: str) -> bytes:
    return hmac.new(
        f"mock-salesforce-seed-{seed}".encode(), purpose.encode(), hashlib.sha256
    ).digest()


def miitel_definition(*, seed: int, callback_urls: tuple[str, ...]) -> ConnectedAppDefinition:
    """MiiTel's definition; its consumer key and secret are derived from ``seed`` (stable)."""
    key_bytes = _derived(seed, "MiiTel consumer key") + _derived(seed, "MiiTel consumer key 2")
    client_id = "3MVG9" + base64.b64encode(key_bytes).decode().replace("+", ".").rstrip("=")[:80]
    secret = (_derived(seed, "MiiTel consumer secret").hex()).upper()
    return ConnectedAppDefinition(MIITEL, client_id, secret, tuple(callback_urls), MIITEL_SCOPES)


class RefreshTokenRevoker(Protocol):
    """Revokes an app's refresh tokens in an org (one user's, or everyone's); returns how many."""

    def __call__(self, *, org_id: str, app_name: str, user_id: str | None = None) -> int: ...


class ConnectedApps:
    """Connected app definitions, and every org's state of each app."""

    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        orgs: Orgs,
        permissions: Permissions,
        sessions: SessionStore,
        seed: int,
        callback_urls: tuple[str, ...],
    ) -> None:
        self._store = store
        self._clock = clock
        self._orgs = orgs
        self._permissions = permissions
        self._sessions = sessions
        #: The OAuth area's revocation of refresh tokens (set by the backend once it exists).
        self.revoke_refresh_tokens: RefreshTokenRevoker | None = None
        self._definitions = {
            MIITEL.lower(): miitel_definition(seed=seed, callback_urls=callback_urls),
        }
        self._descriptions = {MIITEL.lower(): MIITEL_DESCRIPTION}
        # Apps an org's OAuth Usage page lists, and whether each is blocked there.
        self._store.ensure_table(
            "_connected_app_state",
            "org_id VARCHAR NOT NULL, app_name VARCHAR NOT NULL, blocked BOOLEAN NOT NULL, "
            "PRIMARY KEY (org_id, app_name)",
        )
        self._store.ensure_table(
            "_connected_app_preauth",
            "org_id VARCHAR NOT NULL, app_name VARCHAR NOT NULL, parent_id VARCHAR NOT NULL, "
            "PRIMARY KEY (org_id, app_name, parent_id)",
        )

    # -- definitions -----------------------------------------------------------------------
    def definition_by_client_id(self, client_id: str) -> ConnectedAppDefinition | None:
        for definition in self._definitions.values():
            if hmac.compare_digest(definition.client_id.encode(), client_id.encode()):
                return definition
        return None

    def definition(self, app_name: str) -> ConnectedAppDefinition:
        """The app's definition; ``LookupError`` for an app this mock does not define."""
        found = self._definitions.get(app_name.lower())
        if found is None:
            raise LookupError(f"no connected app named {app_name!r}")
        return found

    def require_pkce(self, app_name: str, *, required: bool = True) -> None:
        """Turn the app's "Require Proof Key for Code Exchange (PKCE)" setting on or off."""
        name = self.definition(app_name).name
        self._store.set_meta(
            _REQUIRE_PKCE_META.format(app=name.lower()), "true" if required else ""
        )

    def pkce_required(self, app_name: str) -> bool:
        """Whether authorization code requests for the app must carry a PKCE challenge."""
        key = _REQUIRE_PKCE_META.format(app=app_name.lower())
        return self._store.get_meta(key) == "true"

    # -- rows ------------------------------------------------------------------------------
    def _obj(self, org_id: str, name: str) -> ObjectDef:
        obj = self._orgs.schema(org_id).get(name)
        assert obj is not None, name
        return obj

    def _installed_ids(self, org_id: str, app_name: str) -> tuple[str, str | None] | None:
        """(ConnectedApplication id, AppMenuItem id) when the app is installed in the org."""
        rows = self._store.execute(
            'SELECT c."Id", min(m."Id") FROM "sobj_connectedapplication" c '
            'LEFT JOIN "sobj_appmenuitem" m ON m._org_id = c._org_id '
            'AND m."ApplicationId" = c."Id" AND NOT m."IsDeleted" WHERE c._org_id = ? '
            'AND lower(c."Name") = ? AND NOT c."IsDeleted" GROUP BY c."Id" ORDER BY c."Id" '
            "LIMIT 1",
            [org_id, app_name.lower()],
        )
        return (rows[0][0], rows[0][1]) if rows else None

    def _canonical_name(self, app_name: str) -> str:
        found = self._definitions.get(app_name.lower())
        return found.name if found else app_name

    def _known(self, org_id: str, app_name: str) -> tuple[bool, bool]:
        """(listed on the org's OAuth Usage page, blocked)."""
        rows = self._store.execute(
            "SELECT blocked FROM _connected_app_state WHERE org_id = ? AND lower(app_name) = ?",
            [org_id, app_name.lower()],
        )
        return (True, bool(rows[0][0])) if rows else (False, False)

    def _remember(self, org_id: str, app_name: str, *, blocked: bool | None = None) -> None:
        name = self._canonical_name(app_name)
        listed, was_blocked = self._known(org_id, name)
        value = was_blocked if blocked is None else blocked
        if listed:
            self._store.execute(
                "UPDATE _connected_app_state SET blocked = ? WHERE org_id = ? "
                "AND lower(app_name) = ?",
                [value, org_id, name.lower()],
            )
        else:
            self._store.execute(
                "INSERT INTO _connected_app_state VALUES (?, ?, ?)", [org_id, name, value]
            )

    def _token_count(self, org_id: str, app_name: str) -> int:
        rows = self._store.execute(
            'SELECT count(*) FROM "sobj_oauthtoken" WHERE _org_id = ? AND lower("AppName") = ? '
            'AND NOT "IsDeleted"',
            [org_id, app_name.lower()],
        )
        return int(rows[0][0])

    # -- state -----------------------------------------------------------------------------
    def state(self, *, org_id: str, app_name: str) -> ConnectedAppState:
        """The app's state in the org, as the OAuth Usage page's actions reflect it."""
        _, blocked = self._known(org_id, app_name)
        if blocked:
            return ConnectedAppState.BLOCKED
        if self._installed_ids(org_id, app_name) is not None:
            return ConnectedAppState.INSTALLED
        if self._token_count(org_id, app_name):
            return ConnectedAppState.UNINSTALLED
        return ConnectedAppState.NOT_USED

    def policy(self, *, org_id: str, app_name: str) -> AppPolicy:
        rows = self._store.execute(
            'SELECT "OptionsAllowAdminApprovedUsersOnly" FROM "sobj_connectedapplication" '
            'WHERE _org_id = ? AND lower("Name") = ? AND NOT "IsDeleted"',
            [org_id, app_name.lower()],
        )
        parents = self._store.execute(
            "SELECT parent_id FROM _connected_app_preauth WHERE org_id = ? AND lower(app_name) = ?",
            [org_id, app_name.lower()],
        )
        return AppPolicy(bool(rows and rows[0][0]), frozenset(p[0] for p in parents))

    def usage(self, *, org_id: str) -> list[AppUsage]:
        """The apps *Connected Apps OAuth Usage* lists for the org, by name."""
        rows = self._store.execute(
            "WITH names AS (SELECT app_name AS n FROM _connected_app_state WHERE org_id = ? "
            'UNION ALL SELECT "AppName" FROM "sobj_oauthtoken" WHERE _org_id = ? '
            'AND NOT "IsDeleted" AND "AppName" IS NOT NULL UNION ALL SELECT "Name" '
            'FROM "sobj_connectedapplication" WHERE _org_id = ? AND NOT "IsDeleted"), '
            "apps AS (SELECT lower(n) AS key, min(n) AS name FROM names GROUP BY 1), "
            "st AS (SELECT lower(app_name) AS key, bool_or(blocked) AS blocked "
            "FROM _connected_app_state WHERE org_id = ? GROUP BY 1), "
            'ca AS (SELECT lower("Name") AS key, min("Id") AS id, '
            'bool_or("OptionsAllowAdminApprovedUsersOnly") AS admin_only '
            'FROM "sobj_connectedapplication" WHERE _org_id = ? AND NOT "IsDeleted" GROUP BY 1), '
            'tk AS (SELECT lower("AppName") AS key, count(DISTINCT "UserId") AS users '
            'FROM "sobj_oauthtoken" WHERE _org_id = ? AND NOT "IsDeleted" GROUP BY 1) '
            "SELECT a.name, st.blocked, ca.id, ca.admin_only, coalesce(tk.users, 0) FROM apps a "
            "LEFT JOIN st ON st.key = a.key LEFT JOIN ca ON ca.key = a.key "
            "LEFT JOIN tk ON tk.key = a.key ORDER BY a.key",
            [org_id] * 6,
        )
        found = []
        for name, blocked, app_id, admin_only, users in rows:
            if blocked:
                state = ConnectedAppState.BLOCKED
            elif app_id is not None:
                state = ConnectedAppState.INSTALLED
            else:
                state = ConnectedAppState.UNINSTALLED if users else ConnectedAppState.NOT_USED
            found.append(
                AppUsage(
                    name=self._canonical_name(name),
                    description=self._descriptions.get(name.lower(), ""),
                    state=state,
                    installed=app_id is not None,
                    blocked=bool(blocked),
                    user_count=int(users),
                    admin_approved_only=bool(admin_only),
                    connected_application_id=app_id,
                )
            )
        return found

    def tokens(self, *, org_id: str, app_name: str) -> list[TokenUsage]:
        """Each user's OauthToken for the app: first use, last use, use count."""
        rows = self._store.execute(
            'SELECT t."Id", t."UserId", u."Name", u."Username", t."CreatedDate", '
            't."LastUsedDate", t."UseCount" FROM "sobj_oauthtoken" t LEFT JOIN "sobj_user" u '
            'ON u._org_id = t._org_id AND u."Id" = t."UserId" WHERE t._org_id = ? '
            'AND lower(t."AppName") = ? AND NOT t."IsDeleted" ORDER BY u."Name", t."Id"',
            [org_id, app_name.lower()],
        )
        return [
            TokenUsage(r[0], r[1], r[2] or "", r[3] or "", r[4], r[5], int(r[6] or 0)) for r in rows
        ]

    # -- authorization (called by the OAuth endpoints) --------------------------------------
    def check_authorization(self, *, org_id: str, user_id: str, app_name: str) -> None:
        """Raise :class:`ConnectedAppRefusal` unless this user may authorize the app now."""
        state = self.state(org_id=org_id, app_name=app_name)
        if state is ConnectedAppState.BLOCKED:
            raise ConnectedAppRefusal("OAUTH_APP_BLOCKED", "this app is blocked by admin")
        permissions = self._permissions
        if state is not ConnectedAppState.INSTALLED:
            # The 2025 rule: never used counts as uninstalled.
            if not permissions.has_permission(
                org_id=org_id, user_id=user_id, permission=APPROVE_UNINSTALLED_APPS
            ):
                raise ConnectedAppRefusal(
                    "OAUTH_APPROVAL_ERROR_GENERIC", "app must be installed into org"
                )
            return
        policy = self.policy(org_id=org_id, app_name=app_name)
        if policy.admin_approved_only and not self._preauthorized(org_id, user_id, policy):
            raise ConnectedAppRefusal(
                "OAUTH_APPROVAL_ERROR_GENERIC", "user is not admin approved to access this app"
            )

    def _preauthorized(self, org_id: str, user_id: str, policy: AppPolicy) -> bool:
        effective = self._permissions.effective(org_id=org_id, user_id=user_id)
        candidates = {effective.profile_id, *effective.permission_set_ids}
        return bool(candidates & policy.preauthorized)

    def record_use(self, *, org_id: str, user_id: str, app_name: str) -> None:
        """The user authorized or refreshed through the app: create or bump their OauthToken."""
        name = self._canonical_name(app_name)
        now = self._clock.now()
        obj = self._obj(org_id, "OauthToken")
        with self._store.transaction():
            existing = self._store.execute(
                f'SELECT "Id" FROM {obj.table} WHERE _org_id = ? AND "UserId" = ? '
                'AND lower("AppName") = ? AND NOT "IsDeleted" ORDER BY "Id" LIMIT 1',
                [org_id, user_id, name.lower()],
            )
            if existing:
                self._store.execute(
                    f'UPDATE {obj.table} SET "UseCount" = coalesce("UseCount", 0) + 1, '
                    '"LastUsedDate" = ?, "SystemModstamp" = ? WHERE _org_id = ? AND "Id" = ?',
                    [naive_utc(now), naive_utc(now), org_id, existing[0][0]],
                )
            else:
                installed = self._installed_ids(org_id, name)
                insert(
                    self._store,
                    org_id=org_id,
                    obj=obj,
                    actor_id=user_id,
                    now=now,
                    rows=[
                        {
                            "AppName": name,
                            "AppMenuItemId": installed[1] if installed else None,
                            "UserId": user_id,
                            "UseCount": 1,
                            "LastUsedDate": naive_utc(now),
                            "DeleteToken": secrets.token_urlsafe(24),
                        }
                    ],
                )
            self._remember(org_id, name)

    def _end_sessions(self, *, org_id: str, app_name: str, user_id: str | None) -> None:
        """Revoke refresh tokens (OAuth area) and access tokens of the app in the org."""
        if self.revoke_refresh_tokens is not None:
            self.revoke_refresh_tokens(org_id=org_id, user_id=user_id, app_name=app_name)
        self._sessions.revoke_where(org_id=org_id, user_id=user_id, app_name=app_name)

    def revoke_user(self, *, org_id: str, user_id: str, app_name: str) -> None:
        """Revoke one user's access to the app: their OauthToken goes, their sessions end."""
        name = self._canonical_name(app_name)
        with self._store.transaction():
            self._store.execute(
                'DELETE FROM "sobj_oauthtoken" WHERE _org_id = ? AND "UserId" = ? '
                'AND lower("AppName") = ?',
                [org_id, user_id, name.lower()],
            )
            self._end_sessions(org_id=org_id, app_name=name, user_id=user_id)

    def revoke_all(self, *, org_id: str, app_name: str) -> int:
        """Revoke every user's access to the app in the org; returns how many users lost it."""
        name = self._canonical_name(app_name)
        with self._store.transaction():
            users = self._store.execute(
                'DELETE FROM "sobj_oauthtoken" WHERE _org_id = ? AND lower("AppName") = ? '
                'RETURNING "UserId"',
                [org_id, name.lower()],
            )
            self._end_sessions(org_id=org_id, app_name=name, user_id=None)
        return len({u[0] for u in users})

    # -- Setup actions ---------------------------------------------------------------------
    def install(self, *, org_id: str, app_name: str, actor_id: str | None) -> str:
        """Install the app in the org (ConnectedApplication + AppMenuItem rows; existing
        OauthToken rows now point at the menu item). Returns the ConnectedApplication id."""
        name = self._canonical_name(app_name)
        state = self.state(org_id=org_id, app_name=name)
        if state is ConnectedAppState.BLOCKED:
            raise ConnectedAppActionRefused(f"{name} is blocked. Unblock it before installing.")
        if state is ConnectedAppState.INSTALLED:
            raise ConnectedAppActionRefused(f"{name} is already installed.")
        now = self._clock.now()
        start_url = None
        if name.lower() in self._definitions and self._definitions[name.lower()].callback_urls:
            start_url = self._definitions[name.lower()].callback_urls[0]
        with self._store.transaction():
            [app_id] = insert(
                self._store,
                org_id=org_id,
                obj=self._obj(org_id, "ConnectedApplication"),
                actor_id=actor_id,
                now=now,
                rows=[
                    {
                        "Name": name,
                        "OptionsAllowAdminApprovedUsersOnly": False,
                        "OptionsRefreshTokenValidityMetric": False,
                        "OptionsHasSessionLevelPolicy": False,
                        "OptionsIsInternal": False,
                        "StartUrl": start_url,
                        "RefreshTokenValidityPeriod": None,
                    }
                ],
            )
            [menu_id] = insert(
                self._store,
                org_id=org_id,
                obj=self._obj(org_id, "AppMenuItem"),
                actor_id=actor_id,
                now=now,
                rows=[
                    {
                        "Name": name.replace(" ", "_"),
                        "Label": name,
                        "ApplicationId": app_id,
                        "Type": "ConnectedApplication",
                        "IsAccessible": True,
                        "IsVisible": True,
                        "StartUrl": start_url,
                    }
                ],
            )
            self._store.execute(
                'UPDATE "sobj_oauthtoken" SET "AppMenuItemId" = ? WHERE _org_id = ? '
                'AND lower("AppName") = ? AND NOT "IsDeleted"',
                [menu_id, org_id, name.lower()],
            )
            self._remember(org_id, name)
        return app_id

    def uninstall(self, *, org_id: str, app_name: str) -> None:
        """Remove the app's ConnectedApplication and AppMenuItem rows and its policies; users'
        OauthTokens stay (the app is then *uninstalled*: used but not installed)."""
        name = self._canonical_name(app_name)
        installed = self._installed_ids(org_id, name)
        if installed is None:
            raise ConnectedAppActionRefused(f"{name} is not installed.")
        app_id, _ = installed
        with self._store.transaction():
            self._store.execute(
                'UPDATE "sobj_oauthtoken" SET "AppMenuItemId" = NULL WHERE _org_id = ? '
                'AND lower("AppName") = ?',
                [org_id, name.lower()],
            )
            self._store.execute(
                'DELETE FROM "sobj_appmenuitem" WHERE _org_id = ? AND "ApplicationId" = ?',
                [org_id, app_id],
            )
            self._store.execute(
                'DELETE FROM "sobj_connectedapplication" WHERE _org_id = ? AND "Id" = ?',
                [org_id, app_id],
            )
            self._store.execute(
                "DELETE FROM _connected_app_preauth WHERE org_id = ? AND lower(app_name) = ?",
                [org_id, name.lower()],
            )
            self._remember(org_id, name)

    def block(self, *, org_id: str, app_name: str) -> int:
        """Block the app in the org: every session of it ends and new authorizations are
        refused with ``OAUTH_APP_BLOCKED``. Returns how many users lost access."""
        name = self._canonical_name(app_name)
        if self.state(org_id=org_id, app_name=name) is ConnectedAppState.BLOCKED:
            raise ConnectedAppActionRefused(f"{name} is already blocked.")
        with self._store.transaction():
            self._remember(org_id, name, blocked=True)
            return self.revoke_all(org_id=org_id, app_name=name)

    def unblock(self, *, org_id: str, app_name: str) -> None:
        name = self._canonical_name(app_name)
        if self.state(org_id=org_id, app_name=name) is not ConnectedAppState.BLOCKED:
            raise ConnectedAppActionRefused(f"{name} is not blocked.")
        self._remember(org_id, name, blocked=False)

    def set_policy(
        self,
        *,
        org_id: str,
        app_name: str,
        admin_approved_only: bool,
        preauthorized: frozenset[str] = frozenset(),
    ) -> None:
        """Set Permitted Users and the pre-authorized profiles / permission sets of an
        installed app."""
        name = self._canonical_name(app_name)
        installed = self._installed_ids(org_id, name)
        if installed is None:
            raise ConnectedAppActionRefused(
                f"{name} is not installed: install it to manage its policies."
            )
        with self._store.transaction():
            self._store.execute(
                'UPDATE "sobj_connectedapplication" SET "OptionsAllowAdminApprovedUsersOnly" = ? '
                'WHERE _org_id = ? AND "Id" = ?',
                [admin_approved_only, org_id, installed[0]],
            )
            self._store.execute(
                "DELETE FROM _connected_app_preauth WHERE org_id = ? AND lower(app_name) = ?",
                [org_id, name.lower()],
            )
            for parent_id in sorted(preauthorized):
                self._store.execute(
                    "INSERT INTO _connected_app_preauth VALUES (?, ?, ?)", [org_id, name, parent_id]
                )
