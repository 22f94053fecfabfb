"""Helpers for the sync against the real mock org: signing in like a person, settings that map
call data, importing and sending calls, and reading what Salesforce holds. The fixtures built
on them are in this directory's conftest."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser, UserRole
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.demo_settings import configured_settings
from portal.domain.settings import (
    CallDataItem,
    IntegrationSettings,
    MeetingDataItem,
)
from portal.services.actors import Actor, Role
from portal.services.integration import CallbackKind, CallbackOutcome, SignInPurpose
from portal.services.sync.engine import SyncSummary
from tests.portal_over_mock import control_session

ADMIN = Actor(username="alice", role=Role.ADMIN)
VIEWER = Actor(username="victor", role=Role.VIEWER)
API = "/services/data/v59.0"

#: The ``world`` fixture: resets the mock to a seeded world in a scenario, returns its orgs.
World = Callable[..., list[SeededOrg]]


def integrate(
    portal: Portal, config: PortalConfig, user: SeededUser, *, actor: Actor = ADMIN
) -> CallbackOutcome:
    """Click "Integrate" (as ``actor``, an admin of the portal's company), log in on the mock's
    page as ``user``, "Allow", and hand the redirect back to the portal."""
    redirect = portal.integration.start(actor=actor, purpose=SignInPurpose.INTEGRATION)
    browser = requests.Session()
    browser.trust_env = False
    try:
        params = sign_in(
            session=browser,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=user.username,
            password=user.password,
        )
    finally:
        browser.close()
    outcome = portal.integration.complete(actor=actor, query_params=params)
    if outcome.kind is CallbackKind.CONFIRM_OTHER_ORG:
        # Re-integrating into another org than step 1's: the admin confirms it.
        outcome = portal.integration.confirm_other_org(actor=actor)
    assert outcome.succeeded, outcome
    return outcome


def reps(org: SeededOrg) -> list[SeededUser]:
    return [u for u in org.users if u.role is UserRole.REP]


def acme_settings(org: SeededOrg, *, video: bool = True) -> IntegrationSettings:
    """Both areas on, every call item mapped (onto the org's MiiTel fields where there is no
    standard field), two MiiTel users mapped to reps, the rest to the integration user."""
    team = reps(org)
    return configured_settings(
        user_mappings={
            "sato@miitel.example": team[0].username,
            "suzuki@miitel.example": team[1].username,
        },
        call_fields={
            CallDataItem.START_TIME: "ActivityDate",
            CallDataItem.END_TIME: "MiiTel_Call_End__c",
            CallDataItem.DIRECTION: "CallType",
            CallDataItem.DURATION: "CallDurationInSeconds",
            CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
            CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
            CallDataItem.SUMMARY: "MiiTel_Summary__c",
            CallDataItem.MEMO: "Description",
        },
        video=video,
        meeting_fields={
            MeetingDataItem.TITLE: "Description",
            MeetingDataItem.PARTICIPANTS: "MiiTel_Participants__c",
            MeetingDataItem.RECORDING_URL: "MiiTel_Meeting_URL__c",
            MeetingDataItem.SUMMARY: "MiiTel_Summary__c",
        },
    )


def calls_csv(rows: list[dict[str, str]]) -> str:
    """A calls import file with the columns the rows use (in the order of the first row)."""
    columns = list(rows[0])
    lines = [",".join(columns)]
    for row in rows:
        lines.append(",".join(_cell(row.get(c, "")) for c in columns))
    return "\n".join(lines) + "\n"


def import_and_sync(portal: Portal, calls: dict[str, str]) -> SyncSummary:
    """Import one inbound call of three minutes per (call id, number MiiTel reports) and send
    the queue; every call must be imported and written."""
    rows = [
        {
            "call_id": call_id,
            "direction": "inbound",
            "result": "connected",
            "started_at": "2025-05-01T10:00:00+09:00",
            "ended_at": "2025-05-01T10:03:00+09:00",
            "miitel_user": "sato@miitel.example",
            "counterpart_number": number,
        }
        for call_id, number in calls.items()
    ]
    result = portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=calls_csv(rows))
    assert result.imported == len(rows), result.problems
    summary = portal.sync.sync_pending(actor=ADMIN)
    assert (summary.written, summary.failed) == (len(rows), 0), summary
    return summary


def _cell(value: str) -> str:
    if any(ch in value for ch in ',"\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def with_activity(settings: IntegrationSettings, **changes: Any) -> IntegrationSettings:
    return replace(settings, activity_history=replace(settings.activity_history, **changes))


class Org:
    """Reads (and counts) what the mock org holds, as its admin would through the API."""

    def __init__(self, server: ThreadedMockServer, org: SeededOrg) -> None:
        self.server = server
        self.org = org

    def rows(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Rows of the mock's own store for this org (``_org_id = ?`` is the first parameter)."""
        return self.server.backend.store.execute(sql, [self.org.org_id, *(params or [])])

    def tasks(self) -> list[dict[str, Any]]:
        names, rows = self.server.backend.store.execute_with_columns(
            'SELECT * FROM "sobj_task" WHERE _org_id = ? AND "CallObject" IS NOT NULL '
            'ORDER BY "CallObject"',
            [self.org.org_id],
        )
        return [dict(zip(names, r, strict=True)) for r in rows]

    def links(self) -> dict[str, tuple[Any, Any, str]]:
        """Each call's Task (by MiiTel id): its WhoId, WhatId and Subject."""
        return {t["CallObject"]: (t["WhoId"], t["WhatId"], t["Subject"]) for t in self.tasks()}

    def events(self) -> list[dict[str, Any]]:
        names, rows = self.server.backend.store.execute_with_columns(
            'SELECT * FROM "sobj_event" WHERE _org_id = ? '
            'AND "Location" LIKE \'MiiTel Meetings %\' ORDER BY "Location"',
            [self.org.org_id],
        )
        return [dict(zip(names, r, strict=True)) for r in rows]

    def api_usage(self) -> int:
        return self.server.backend.limits.usage(org_id=self.org.org_id).used


def admin_client(server: ThreadedMockServer, org: SeededOrg) -> tuple[Any, requests.Session]:
    """simple-salesforce as the org's admin (a session issued by the mock), and its HTTP
    session to close."""
    from simple_salesforce import Salesforce

    token, _, _ = server.backend.sessions.issue(
        org_id=org.org_id, user_id=org.admin.user_id, app_name="Dataloader Partner"
    )
    http = requests.Session()
    http.trust_env = False
    http.verify = str(server.ca_bundle)
    client = Salesforce(
        instance_url=server.https_url, session_id=token, session=http, version="59.0"
    )
    return client, http


class Faults:
    """The mock's fault control plane (``/mock-api/faults``)."""

    def __init__(self, server: ThreadedMockServer) -> None:
        self.url = server.https_url + "/mock-api/faults"
        self.http = control_session(server)

    def set(self, **settings: Any) -> None:
        response = self.http.post(self.url, json=settings, timeout=10)
        assert response.status_code == 200, response.text

    def clear(self) -> None:
        assert self.http.delete(self.url, timeout=10).status_code == 200

    def state(self) -> dict[str, Any]:
        state: dict[str, Any] = self.http.get(self.url, timeout=10).json()
        return state
