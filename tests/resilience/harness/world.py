"""A portal in mock mode against a running mock org, and the few steps every resilience test
starts from: the MiiTel app's credentials, signing in on the mock's pages, two distinct
configurations of the three backed-up tabs, and the mock's fault control."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import requests

from mock_salesforce.seed import SeededOrg, SeededUser, UserRole
from mock_salesforce.store import Store
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal
from portal.domain import demo_settings
from portal.domain.config import PortalConfig
from portal.domain.mock_org import Consent
from portal.domain.settings import (
    ActivityTiming,
    CallDataItem,
    IntegrationSettings,
    MeetingDataItem,
    TaskStatus,
)
from portal.services.actors import Actor, Role
from portal.services.integration import CallbackOutcome, SignInPurpose
from tests.portal_over_mock import MockEndpoint, control_session

#: The seed of the mock world every resilience run uses (same seed, same org).
SEED: Final = 11
ADMIN: Final = Actor(username="alice", role=Role.ADMIN)
SECOND_ADMIN: Final = Actor(username="bob", role=Role.ADMIN)
VIEWER: Final = Actor(username="victor", role=Role.VIEWER)


@contextmanager
def browser(ca_bundle: Path | None = None) -> Iterator[requests.Session]:
    """A person's browser: no proxy or CA settings from the environment (the machine sets
    REQUESTS_CA_BUNDLE), trusting the mock's CA when given."""
    session = requests.Session()
    session.trust_env = False
    if ca_bundle is not None:
        session.verify = str(ca_bundle)
    try:
        yield session
    finally:
        session.close()


def authorize_params(
    *,
    portal: Portal,
    config: PortalConfig,
    user: SeededUser,
    purpose: SignInPurpose = SignInPurpose.INTEGRATION,
    consent: Consent = Consent.ALLOW,
    actor: Actor = ADMIN,
) -> dict[str, str]:
    """Click "Integrate", log in on the mock's page as ``user`` and answer "Allow access?":
    the query parameters Salesforce redirects back to the portal with (not yet handed over)."""
    redirect = portal.integration.start(actor=actor, purpose=purpose)
    with browser() as session:
        return sign_in(
            session=session,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=user.username,
            password=user.password,
            consent=consent,
        )


def integrate(
    *, portal: Portal, config: PortalConfig, user: SeededUser, actor: Actor = ADMIN
) -> CallbackOutcome:
    """The whole of step 5 as a person does it, ending in the portal's callback."""
    params = authorize_params(portal=portal, config=config, user=user, actor=actor)
    return portal.integration.complete(actor=actor, query_params=params)


@dataclass(frozen=True)
class OrgPeople:
    """The users of a mock org the settings name: reps (mapped), the admin (default owner) and
    the integration user (who integrates), from a seeded org or a READY object."""

    org_id: str
    integration_user: SeededUser
    admin_username: str
    rep_usernames: tuple[str, ...]

    @classmethod
    def of(cls, org: SeededOrg) -> OrgPeople:
        return cls(
            org_id=org.org_id,
            integration_user=org.integration_user,
            admin_username=org.admin.username,
            rep_usernames=tuple(u.username for u in org.users if u.role is UserRole.REP),
        )

    @classmethod
    def from_ready(cls, ready: Mapping[str, Any]) -> OrgPeople:
        """The first org of a ``READY {json}`` object."""
        users = [u for u in ready["users"] if u["org_id"] == ready["users"][0]["org_id"]]

        def with_role(role: UserRole) -> list[Mapping[str, Any]]:
            return [u for u in users if u["role"] == role.value]

        integration = with_role(UserRole.INTEGRATION)[0]
        return cls(
            org_id=str(integration["org_id"]),
            integration_user=SeededUser(
                user_id="",
                username=str(integration["username"]),
                password=str(integration["password"]),
                profile=str(integration["profile"]),
                role=UserRole.INTEGRATION,
            ),
            admin_username=str(with_role(UserRole.ADMIN)[0]["username"]),
            rep_usernames=tuple(str(u["username"]) for u in with_role(UserRole.REP)),
        )


def configured_settings(org: SeededOrg | OrgPeople) -> IntegrationSettings:
    """An admin's configuration of the three backed-up tabs: call data on the org's MiiTel
    fields, meetings enabled, reps mapped to their Salesforce users."""
    people = org if isinstance(org, OrgPeople) else OrgPeople.of(org)
    return demo_settings.configured_settings(
        user_mappings={
            f"rep{i + 1}@miitel.example": name for i, name in enumerate(people.rep_usernames)
        },
        default_owner=people.admin_username,
        timing=ActivityTiming.AFTER_CALL_START,
        subject="[MiiTel] {direction} call with {counterpart}",
        call_fields={
            CallDataItem.START_TIME: "MiiTel_Call_Start__c",
            CallDataItem.DURATION: "CallDurationInSeconds",
            CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
            CallDataItem.MEMO: "MiiTel_Memo__c",
        },
        meeting_fields={
            MeetingDataItem.START_TIME: "StartDateTime",
            MeetingDataItem.END_TIME: "EndDateTime",
            MeetingDataItem.RECORDING_URL: "MiiTel_Meeting_URL__c",
        },
    )


def edited_settings(org: SeededOrg) -> IntegrationSettings:
    """The same tabs edited after a removal, so they differ from the backup in every area."""
    return demo_settings.configured_settings(
        user_mappings={"newcomer@miitel.example": OrgPeople.of(org).rep_usernames[-1]},
        activity=False,
        subject="{user}: {direction} {phone_number}",
        status=TaskStatus.OPEN,
        call_fields={CallDataItem.MEMO: "Description"},
        video=False,
        meeting_subject="{title} ({host})",
        meeting_fields={MeetingDataItem.SUMMARY: "Description"},
    )


def fault_state(endpoint: MockEndpoint) -> dict[str, Any]:
    """``GET /mock-api/faults``: the faults in force and what they did so far."""
    with control_session(endpoint) as session:
        response = session.get(f"{endpoint.https_url}/mock-api/faults")
    response.raise_for_status()
    state: dict[str, Any] = response.json()
    return state


def set_faults(endpoint: MockEndpoint, **settings: Any) -> dict[str, Any]:
    """``POST /mock-api/faults`` (``DELETE`` with no settings); the mock's fault state."""
    with control_session(endpoint) as session:
        url = f"{endpoint.https_url}/mock-api/faults"
        response = session.post(url, json=settings) if settings else session.delete(url)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body


def calls_csv(
    *, prefix: str, count: int, started: datetime | None = None
) -> tuple[tuple[str, ...], str]:
    """``count`` connected calls of the mapped reps as a CSV file MiiTel's export looks like:
    their call ids (``prefix`` + number) and the file's text."""
    # All in the past, so every call is due whatever the timing setting.
    first = started or datetime.now(UTC) - timedelta(seconds=17 * count + 3 * 3600)
    lines = ["call_id,direction,result,started_at,ended_at,miitel_user,counterpart_number,memo"]
    ids = []
    for i in range(count):
        call_id = f"{prefix}{i:04d}"
        ids.append(call_id)
        begin = first + timedelta(seconds=17 * i)
        end = begin + timedelta(seconds=30 + i % 300)
        lines.append(
            f"{call_id},{'outbound' if i % 3 else 'inbound'},connected,"
            f"{begin.isoformat()},{end.isoformat()},rep{1 + i % 3}@miitel.example,"
            f"03-{5000 + i % 5000:04d}-{(7919 * i) % 10000:04d},memo {i}"
        )
    return tuple(ids), "\n".join(lines) + "\n"


def tasks_by_call_id(*, store: Store, org_id: str, call_ids: Sequence[str]) -> dict[str, list[str]]:
    """The org's live Tasks whose ``CallObject`` is one of ``call_ids`` (the sync's marker):
    Task ids per call id; a call written twice has two."""
    if not call_ids:
        return {}
    rows = store.execute(
        'SELECT "CallObject", "Id" FROM sobj_task WHERE _org_id = ? AND NOT "IsDeleted" '
        'AND list_contains(?, "CallObject") ORDER BY "Id"',
        [org_id, list(call_ids)],
    )
    tasks: dict[str, list[str]] = {}
    for call_id, task_id in rows:
        tasks.setdefault(str(call_id), []).append(str(task_id))
    return tasks
