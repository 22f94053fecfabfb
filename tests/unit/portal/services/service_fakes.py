"""A fake Salesforce for service tests: orgs with users, objects, MiiTel's usage and permissions,
an OAuth side that issues codes and tokens, and knobs to make calls fail.

Only what lies below the services is faked; the services and the in-memory storage are real.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from portal.adapters.clock import FixedClock
from portal.adapters.salesforce.oauth import parse_callback
from portal.adapters.storage import InMemoryPortalStorage
from portal.bootstrap import Portal, assemble_portal
from portal.domain.config import PortalRole, PortalUser
from portal.domain.gateway_errors import (
    OAuthFailure,
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceOAuthError,
    SalesforceRequestError,
)
from portal.domain.oauth import (
    AuthorizationRequest,
    CallbackResult,
    Identity,
    RevokeOutcome,
    TokenSet,
)
from portal.domain.salesforce import (
    AppMenuItemInfo,
    AppObjectsAvailability,
    ConnectedApplicationInfo,
    ConnectedAppUsage,
    FieldDescription,
    OAuthTokenUsage,
    ObjectDescription,
    PermissionCheck,
    PermissionCheckStatus,
)
from portal.domain.secret import SecretStr
from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    BasicSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)
from portal.services.actors import Actor, Role

START = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
ADMIN = Actor(username="alice", role=Role.ADMIN)
VIEWER = Actor(username="victor", role=Role.VIEWER)
REDIRECT_URI = "http://localhost:8501/"


def field_of(
    name: str, *, createable: bool = True, picklist: tuple[str, ...] = ()
) -> FieldDescription:
    return FieldDescription(
        name=name,
        label=name,
        type="picklist" if picklist else "string",
        createable=createable,
        updateable=createable,
        nillable=True,
        filterable=True,
        custom=name.endswith("__c"),
        length=255,
        picklist_values=picklist,
    )


TASK_FIELDS = (
    "Subject",
    "ActivityDate",
    "CallType",
    "CallDurationInSeconds",
    "Description",
    "OwnerId",
    "WhoId",
    "WhatId",
    "MiiTel_Call_URL__c",
    "MiiTel_Transcript__c",
)
EVENT_FIELDS = ("Subject", "StartDateTime", "EndDateTime", "Description", "Recording_a__c")


def object_of(name: str, fields: Iterable[str], *, createable: bool = True) -> ObjectDescription:
    described = [field_of(f) for f in fields]
    if name == "Task":
        described.append(field_of("Status", picklist=("Not Started", "Completed")))
    return ObjectDescription(
        name=name,
        label=name,
        queryable=True,
        createable=createable,
        updateable=createable,
        fields=tuple(described),
    )


def usage(
    *,
    users: Iterable[str] = (),
    installed: bool = False,
    availability: AppObjectsAvailability = AppObjectsAvailability.AVAILABLE,
) -> ConnectedAppUsage:
    menu_id = "0Pp000000000001" if installed else None
    return ConnectedAppUsage(
        app_name="MiiTel",
        availability=availability,
        unavailable_objects=()
        if availability is AppObjectsAvailability.AVAILABLE
        else ("OauthToken", "ConnectedApplication"),
        tokens=tuple(
            OAuthTokenUsage(
                id=f"0CR00000000000{i}",
                user_id=user,
                app_menu_item_id=menu_id,
                use_count=3,
                last_used=START,
            )
            for i, user in enumerate(users)
        ),
        connected_app=ConnectedApplicationInfo("0H4000000000001", "MiiTel", False)
        if installed
        else None,
        app_menu_item=AppMenuItemInfo(menu_id, "MiiTel", "MiiTel", "0H4000000000001")
        if menu_id
        else None,
    )


@dataclass
class FakeOrg:
    org_id: str
    name: str
    users: dict[str, str]  # user id -> username
    objects: dict[str, ObjectDescription] = field(
        default_factory=lambda: {
            "Task": object_of("Task", TASK_FIELDS),
            "Event": object_of("Event", EVENT_FIELDS),
        }
    )
    inactive: set[str] = field(default_factory=set)
    app_usage: ConnectedAppUsage = field(default_factory=usage)
    permissions: dict[str, PermissionCheck] = field(default_factory=dict)

    def username(self, user_id: str) -> str:
        return self.users[user_id]


def acme() -> FakeOrg:
    return FakeOrg(
        org_id="00D000000000001AAA",
        name="Acme Japan",
        users={
            "005000000000001AAA": "miitel@acme.example",
            "005000000000002AAA": "admin@acme.example",
            "005000000000003AAA": "agent.a@corp.example.com",
            "005000000000004AAA": "lead.a@corp.example.com",
            "005000000000005AAA": "owner.a@corp.example.com",
        },
    )


def beta() -> FakeOrg:
    return FakeOrg(
        org_id="00D000000000002BBB",
        name="Beta Trading",
        users={"005000000000009BBB": "miitel@beta.example"},
    )


@dataclass
class Issued:
    org_id: str
    user_id: str
    verifier: str


class FakeOAuth:
    """Issues states, codes and tokens; remembers what was revoked."""

    def __init__(self, salesforce: FakeSalesforce) -> None:
        self._sf = salesforce
        self._counter = itertools.count(1)
        self.started: list[AuthorizationRequest] = []
        self.codes: dict[str, Issued] = {}
        self.revoked: list[str] = []
        self.revoke_error: SalesforceGatewayError | None = None
        self.revoke_hook: Callable[[], None] | None = None
        self.exchange_error: SalesforceGatewayError | None = None

    def start(self, *, force_login: bool = False) -> AuthorizationRequest:
        n = next(self._counter)
        request = AuthorizationRequest(
            url=f"https://login.example/services/oauth2/authorize?state=state-{n}"
            + ("&prompt=login" if force_login else ""),
            state=f"state-{n}",
            code_verifier=SecretStr(f"verifier-{n}"),
        )
        self.started.append(request)
        return request

    def parse_callback(self, query_params: Mapping[str, str | Sequence[str]]) -> CallbackResult:
        """Salesforce's redirect read as the real OAuth client reads it."""
        return parse_callback(query_params)

    def approve(
        self, request: AuthorizationRequest, *, org: FakeOrg, user_id: str
    ) -> dict[str, str]:
        """What Salesforce redirects back with after the person allowed access."""
        code = f"code-{next(self._counter)}"
        self.codes[code] = Issued(org.org_id, user_id, request.code_verifier.get_secret_value())
        return {"code": code, "state": request.state}

    def exchange(self, *, code: SecretStr, code_verifier: SecretStr) -> TokenSet:
        if self.exchange_error is not None:
            raise self.exchange_error
        issued = self.codes.pop(code.get_secret_value(), None)
        if issued is None or issued.verifier != code_verifier.get_secret_value():
            raise SalesforceOAuthError(
                reason=OAuthFailure.INVALID_GRANT, error_code="invalid_grant"
            )
        return self._sf.issue(issued.org_id, issued.user_id)

    def revoke(self, token: SecretStr) -> RevokeOutcome:
        if self.revoke_hook is not None:
            self.revoke_hook()
        if self.revoke_error is not None:
            raise self.revoke_error
        value = token.get_secret_value()
        self.revoked.append(value)
        return self._sf.revoke(value)


class FakeGateway:
    def __init__(
        self, sf: FakeSalesforce, tokens: TokenSet, on_refresh: Callable[[TokenSet], None]
    ) -> None:
        self._sf = sf
        self._tokens = tokens
        self._on_refresh = on_refresh

    @property
    def tokens(self) -> TokenSet:
        return self._tokens

    @property
    def api_version(self) -> str:
        return "62.0"

    def _org(self, call: str) -> FakeOrg:
        self._sf.calls.append(call)
        failure = self._sf.failures.get(call) or self._sf.failures.get("*")
        if failure is not None:
            raise failure
        if self._tokens.access_token.get_secret_value() in self._sf.expired_access:
            refresh = self._tokens.refresh_token
            if refresh is None or refresh.get_secret_value() in self._sf.dead_refresh:
                raise SalesforceAuthError(error_code="INVALID_SESSION_ID", user_message="expired")
            fresh = replace(
                self._sf.issue(self._tokens.org_id, self._tokens.user_id),
                refresh_token=refresh,
            )
            self._on_refresh(fresh)
            self._tokens = fresh
        if self._tokens.access_token.get_secret_value() in self._sf.dead_access:
            raise SalesforceAuthError(error_code="INVALID_SESSION_ID", user_message="revoked")
        return self._sf.orgs[self._tokens.org_id]

    def identity(self) -> Identity:
        org = self._org("identity")
        username = org.username(self._tokens.user_id)
        return Identity(
            org_id=org.org_id,
            user_id=self._tokens.user_id,
            username=username,
            display_name=username.split("@")[0],
            email=username,
            org_name=org.name,
        )

    def describe(self, sobject: str) -> ObjectDescription:
        org = self._org("describe")
        found = org.objects.get(sobject)
        if found is None:
            raise SalesforceRequestError(
                error_code="NOT_FOUND", user_message="not found", status=404
            )
        return found

    def connected_app_usage(self, app_name: str = "MiiTel") -> ConnectedAppUsage:
        return self._org("connected_app_usage").app_usage

    def user_permission(
        self, username_or_id: str, permission: str = "CanApproveUninstalledApps"
    ) -> PermissionCheck:
        org = self._org("user_permission")
        return org.permissions.get(
            username_or_id,
            PermissionCheck(permission=permission, status=PermissionCheckStatus.USER_NOT_FOUND),
        )

    def active_usernames(self, usernames: Iterable[str]) -> set[str]:
        org = self._org("active_usernames")
        known = set(org.users.values()) - org.inactive
        return {u for u in usernames if u in known}


class FakeSalesforce:
    """SalesforceAccess for tests."""

    def __init__(self, clock: FixedClock, *orgs: FakeOrg) -> None:
        self._clock = clock
        self.orgs = {org.org_id: org for org in orgs}
        self.oauth = FakeOAuth(self)
        self._tokens = itertools.count(1)
        self.dead_access: set[str] = set()
        self.dead_refresh: set[str] = set()
        self.expired_access: set[str] = set()
        self.failures: dict[str, SalesforceGatewayError] = {}
        self.calls: list[str] = []
        self.live_refresh: dict[str, tuple[str, str]] = {}

    def issue(self, org_id: str, user_id: str) -> TokenSet:
        n = next(self._tokens)
        refresh = f"refresh-{n}"
        self.live_refresh[refresh] = (org_id, user_id)
        return TokenSet(
            access_token=SecretStr(f"access-{n}"),
            refresh_token=SecretStr(refresh),
            instance_url="https://acme.my.salesforce.com",
            org_id=org_id,
            user_id=user_id,
            issued_at=self._clock.now(),
        )

    def revoke(self, token: str) -> RevokeOutcome:
        if token in self.live_refresh:
            del self.live_refresh[token]
            self.dead_refresh.add(token)
            return RevokeOutcome.REVOKED
        return RevokeOutcome.ALREADY_INVALID

    def connect(self, *, tokens: TokenSet, on_refresh: Callable[[TokenSet], None]) -> FakeGateway:
        return FakeGateway(self, tokens, on_refresh)

    def expire(self, tokens: TokenSet) -> None:
        """The access token expires (the refresh token still works)."""
        self.expired_access.add(tokens.access_token.get_secret_value())


@dataclass
class World:
    """A portal wired over in-memory storage and the fake Salesforce."""

    portal: Portal
    storage: InMemoryPortalStorage
    salesforce: FakeSalesforce
    clock: FixedClock
    acme: FakeOrg
    beta: FakeOrg

    def integrate(self, *, org: FakeOrg | None = None, user_id: str | None = None) -> Any:
        """Click "Integrate" and allow access as ``user_id`` of ``org`` (acme's integration
        user by default); returns the callback outcome."""
        org = org or self.acme
        user_id = user_id or next(iter(org.users))
        redirect = self.portal.integration.start(actor=ADMIN)
        request = self.salesforce.oauth.started[-1]
        assert request.url == redirect.url
        params = self.salesforce.oauth.approve(request, org=org, user_id=user_id)
        return self.portal.integration.complete(actor=ADMIN, query_params=params)

    def check_sign_in(self, *, org: FakeOrg | None = None, user_id: str | None = None) -> Any:
        from portal.services.integration import SignInPurpose

        org = org or self.acme
        user_id = user_id or "005000000000002AAA"
        self.portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
        request = self.salesforce.oauth.started[-1]
        params = self.salesforce.oauth.approve(request, org=org, user_id=user_id)
        return self.portal.integration.complete(actor=ADMIN, query_params=params)


def make_world(*, users: tuple[PortalUser, ...] = (), **options: Any) -> World:
    clock = FixedClock(START)
    orgs = (acme(), beta())
    salesforce = FakeSalesforce(clock, *orgs)
    storage = InMemoryPortalStorage(clock=clock)
    portal = assemble_portal(
        storage=storage, salesforce=salesforce, clock=clock, users=users, **options
    )
    return World(portal, storage, salesforce, clock, orgs[0], orgs[1])


def later(clock: FixedClock, **delta: float) -> datetime:
    return clock.advance(timedelta(**delta))


def portal_user(username: str, password: str, role: PortalRole) -> PortalUser:
    import bcrypt

    hashed = bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()
    return PortalUser(username=username, password_hash=hashed, role=role)


def sample_settings(
    *, activity_enabled: bool = True, video_enabled: bool = True, flavour: str = "a"
) -> IntegrationSettings:
    """Settings unlike the defaults on every tab, naming fields and users the fake org has."""
    return IntegrationSettings(
        basic=BasicSettings(turn_off_contact_retrieval=False),
        activity_history=ActivityHistorySettings(
            enabled=activity_enabled,
            timing=ActivityTiming.AFTER_CALL_START,
            todo=TodoObjectSettings(
                subject=f"Call {flavour} {{direction}} with {{counterpart}}",
                status=TaskStatus.OPEN,
                field_mappings=FieldMappings.of(
                    {
                        CallDataItem.DURATION: "CallDurationInSeconds",
                        CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
                        CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
                    }
                ),
            ),
        ),
        video_history=VideoHistorySettings(
            enabled=video_enabled,
            subject=f"Meeting {flavour}: {{title}}",
            field_mappings=FieldMappings.of(
                {
                    MeetingDataItem.START_TIME: "StartDateTime",
                    MeetingDataItem.END_TIME: "EndDateTime",
                    MeetingDataItem.RECORDING_URL: f"Recording_{flavour}__c",
                }
            ),
        ),
        assignee=AssigneeSettings.from_mapping(
            user_mappings={
                f"agent-{flavour}@miitel.example": f"agent.{flavour}@corp.example.com",
                "lead@miitel.example": f"lead.{flavour}@corp.example.com",
            },
            default_owner_username=f"owner.{flavour}@corp.example.com",
            unmapped_rule=UnmappedRule.DEFAULT_OWNER,
        ),
    )
