"""The calls sync against the mock org: Salesforce API requests per 1,000 calls, and calls
synced per second, each against the naive way in the same run.

Both sides run over real HTTPS with simple-salesforce on a default-size seeded "Acme Japan"
(500 Accounts, 2,000 Contacts, 1,000 Leads) and the same kind of simulated calls (about two
thirds to numbers the org holds, hyphenated or plain). The portal side is
``Portal.sync.sync_pending`` on 1,000 queued calls: batched SOSL phone searches (over a
hundred numbers a search, Contacts, Accounts and Leads at once, each result checked again in
E.164), one describe, one owner lookup, sObject Collections of 200. The naive side does what a
per-call integration does: for each call one SOQL lookup per object (Contact, Account, Lead,
the number in its plain and hyphenated forms) and one insert. Requests are counted at the
mock (its daily API usage, what ``Sforce-Limit-Info`` reports), never estimated.

The rate goal is 2x the naive way: both sides pay the mock's cost of validating and inserting
each record (about 10 ms: reference checks, id allocation and a row insert, one record at a
time), which batching cannot remove; what batching removes is the cost of four requests per
call (about 5 ms each against the mock).
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import requests
from simple_salesforce import Salesforce, format_soql

from bench.common import Measure, markdown_table
from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import DEFAULT_SIZE, SeededOrg, UserRole
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal, build_portal
from portal.domain.calls import Call
from portal.domain.config import PortalConfig
from portal.domain.demo_settings import configured_settings
from portal.domain.settings import (
    CallDataItem,
    IntegrationSettings,
)
from portal.domain.sync.phones import phone_variants
from portal.services.actors import Actor, Role
from portal.services.integration import SignInPurpose
from portal.services.sync.simulation import simulate
from tests.portal_over_mock import portal_config

CALLS: Final = 1_000
ROUNDS: Final = 3
NAIVE_CALLS: Final = 200
API_GOAL: Final = 20.0
RATE_GOAL: Final = 2.0
SEED: Final = 7
ADMIN: Final = Actor(username="bench", role=Role.ADMIN)


@dataclass(frozen=True)
class Run:
    calls: int
    requests: int
    seconds: float

    @property
    def per_thousand(self) -> float:
        return self.requests * 1000 / self.calls

    @property
    def rate(self) -> float:
        return self.calls / self.seconds


def _integrate(portal: Portal, config: PortalConfig, org: SeededOrg) -> None:
    redirect = portal.integration.start(actor=ADMIN, purpose=SignInPurpose.INTEGRATION)
    browser = requests.Session()
    browser.trust_env = False
    try:
        params = sign_in(
            session=browser,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=org.integration_user.username,
            password=org.integration_user.password,
        )
    finally:
        browser.close()
    outcome = portal.integration.complete(actor=ADMIN, query_params=params)
    if not outcome.succeeded:
        raise RuntimeError(f"integrating the bench org failed: {outcome.result.message}")


def _settings(org: SeededOrg, *, enabled: bool) -> IntegrationSettings:
    reps = [u.username for u in org.users if u.role is UserRole.REP]
    return configured_settings(
        user_mappings={f"rep{i}@miitel.example": name for i, name in enumerate(reps[:4])},
        activity=enabled,
        call_fields={
            CallDataItem.START_TIME: "ActivityDate",
            CallDataItem.DIRECTION: "CallType",
            CallDataItem.DURATION: "CallDurationInSeconds",
            CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
            CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
            CallDataItem.SUMMARY: "MiiTel_Summary__c",
            CallDataItem.MEMO: "Description",
        },
        video=False,
    )


def _used(server: ThreadedMockServer, org: SeededOrg) -> int:
    return server.backend.limits.usage(org_id=org.org_id).used


def _portal_round(portal: Portal, server: ThreadedMockServer, org: SeededOrg, seed: int) -> Run:
    """Queue ``CALLS`` simulated calls (integration disabled), then time and count the sync."""
    store = portal.storage.repositories.settings
    store.save(_settings(org, enabled=False))
    queued = portal.sync.simulate_and_sync(actor=ADMIN, calls=CALLS, meetings=0, seed=seed)
    if queued.queued != CALLS:
        raise RuntimeError(f"expected {CALLS} queued calls, got {queued}")
    store.save(_settings(org, enabled=True))
    used = _used(server, org)
    started = time.perf_counter()
    summary = portal.sync.sync_pending(actor=ADMIN)
    seconds = time.perf_counter() - started
    if summary.written != CALLS or summary.failed or summary.queued:
        raise RuntimeError(f"the sync did not write every call: {summary}")
    return Run(calls=CALLS, requests=_used(server, org) - used, seconds=seconds)


def _naive_round(portal: Portal, server: ThreadedMockServer, org: SeededOrg) -> Run:
    """One lookup per object and one insert per call, with the same client library."""
    tokens = portal.storage.repositories.tokens.load()
    if tokens is None:
        raise RuntimeError("the bench portal is not integrated")
    http = requests.Session()
    http.trust_env = False
    http.verify = str(server.ca_bundle)
    client = Salesforce(
        instance_url=tokens.instance_url,
        session_id=tokens.access_token.get_secret_value(),
        session=http,
        version="59.0",
    )
    calls = _naive_calls(server, org)
    queries = (
        "SELECT Id, AccountId FROM Contact WHERE Phone IN {n} OR MobilePhone IN {n} "
        "ORDER BY LastModifiedDate DESC LIMIT 1",
        "SELECT Id FROM Account WHERE Phone IN {n} ORDER BY LastModifiedDate DESC LIMIT 1",
        "SELECT Id FROM Lead WHERE IsConverted = false AND (Phone IN {n} OR MobilePhone IN {n})"
        " ORDER BY LastModifiedDate DESC LIMIT 1",
    )
    used = _used(server, org)
    started = time.perf_counter()
    try:
        for call in calls:
            forms = list(phone_variants(call.counterpart_number))
            found = [client.query(format_soql(q, n=forms))["records"] for q in queries]
            task = {
                "Subject": f"[MiiTel] {call.direction.label} call",
                "Status": "Completed",
                "CallObject": call.call_id,
                "CallDurationInSeconds": call.duration_seconds,
            }
            if found[0]:
                task["WhoId"] = found[0][0]["Id"]
            elif found[1]:
                task["WhatId"] = found[1][0]["Id"]
            elif found[2]:
                task["WhoId"] = found[2][0]["Id"]
            client.restful("sobjects/Task", method="POST", json=task)
        seconds = time.perf_counter() - started
    finally:
        http.close()
    return Run(calls=len(calls), requests=_used(server, org) - used, seconds=seconds)


def _naive_calls(server: ThreadedMockServer, org: SeededOrg) -> tuple[Call, ...]:
    rows = server.backend.store.execute(
        'SELECT "Phone" FROM "sobj_contact" WHERE _org_id = ? AND "Phone" IS NOT NULL LIMIT 200',
        [org.org_id],
    )
    return simulate(
        seed=999,
        calls=NAIVE_CALLS,
        meetings=0,
        now=server.backend.clock.now(),
        known_numbers=[str(r[0]) for r in rows],
    ).calls


def measures() -> list[Measure]:
    with ThreadedMockServer() as server, tempfile.TemporaryDirectory() as scratch:
        [org] = reset_world(server.backend, seed=SEED, scenario="default", size=DEFAULT_SIZE)
        config = portal_config(mock=server, data_dir=Path(scratch))
        portal = build_portal(config=config)
        try:
            _integrate(portal, config, org)
            runs = [_portal_round(portal, server, org, seed=100 + i) for i in range(ROUNDS)]
            naive = _naive_round(portal, server, org)
        finally:
            portal.close()
    per_thousand = max(r.per_thousand for r in runs)
    rate = sorted(r.rate for r in runs)[len(runs) // 2]
    return [
        Measure(
            name="Salesforce API requests per 1,000 calls synced (most of 3 rounds)",
            figure=per_thousand,
            unit="requests",
            anchor_name="one lookup per object + one insert per call",
            anchor=naive.per_thousand,
            goal=f"<= {API_GOAL:.0f} requests",
            met=per_thousand <= API_GOAL,
        ),
        Measure(
            name="calls synced per second against the mock (median of 3 rounds of 1,000)",
            figure=rate,
            unit="calls/s",
            anchor_name=f"per-call lookups and insert ({NAIVE_CALLS} calls)",
            anchor=naive.rate,
            goal=f">= {RATE_GOAL:.0f}x",
            met=rate >= RATE_GOAL * naive.rate,
        ),
    ]


if __name__ == "__main__":
    print(markdown_table(measures()))
