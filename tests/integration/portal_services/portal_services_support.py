"""Helpers for the services against the real mock org: the portal's configuration in mock
mode, and signing in on the mock's own login and "Allow access?" pages like a person."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.demo_settings import configured_settings
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.mock_org import Consent
from portal.domain.settings import (
    CallDataItem,
    IntegrationSettings,
    MeetingDataItem,
)
from portal.services.actors import Actor, Role
from portal.services.integration import CallbackOutcome, SignInPurpose

ADMIN = Actor(username="alice", role=Role.ADMIN)


def browser_sign_in(
    portal: Portal,
    config: PortalConfig,
    user: SeededUser,
    *,
    purpose: SignInPurpose = SignInPurpose.INTEGRATION,
    consent: Consent = Consent.ALLOW,
) -> CallbackOutcome:
    """Click "Integrate" (or "Sign in to check"), log in on the mock's page as ``user``,
    answer "Allow access?", and hand the redirect back to the portal."""
    redirect = portal.integration.start(actor=ADMIN, purpose=purpose)
    browser = requests.Session()
    browser.trust_env = False
    try:
        params = sign_in(
            session=browser,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=user.username,
            password=user.password,
            consent=consent,
        )
    finally:
        browser.close()
    return portal.integration.complete(actor=ADMIN, query_params=params)


def remember_integration(portal: Portal, org: SeededOrg, server: ThreadedMockServer) -> None:
    """Authentication history as if ``org``'s integration user had been integrated and removed
    (for scenarios where MiiTel cannot be integrated as they start)."""
    history = portal.storage.repositories.authentication_history
    for event in (AuthEvent.INTEGRATED, AuthEvent.REMOVED):
        history.append(
            AuthenticationHistoryEntry(
                occurred_at=datetime.now(UTC),
                event=event,
                org_id=org.org_id,
                org_name=org.name,
                username=org.integration_user.username,
                instance_url=server.https_url,
            )
        )


def acme_settings(org: SeededOrg) -> IntegrationSettings:
    """What an admin of "Acme Japan" configured: call data on the org's MiiTel fields, reps
    mapped to their Salesforce users."""
    reps = [u.username for u in org.users if u.role.value == "rep"]
    return configured_settings(
        user_mappings={"rep1@miitel.example": reps[0], "rep2@miitel.example": reps[1]},
        default_owner=org.admin.username,
        subject="[MiiTel] {direction} call with {counterpart}",
        call_fields={
            CallDataItem.START_TIME: "MiiTel_Call_Start__c",
            CallDataItem.DURATION: "CallDurationInSeconds",
            CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
            CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
            CallDataItem.MEMO: "MiiTel_Memo__c",
        },
        video=False,
        meeting_fields={
            MeetingDataItem.START_TIME: "StartDateTime",
            MeetingDataItem.RECORDING_URL: "MiiTel_Meeting_URL__c",
        },
    )
