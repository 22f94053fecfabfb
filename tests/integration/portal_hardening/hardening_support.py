"""Helpers of the hardening tests (secrets, CA trust, the removal's transaction): signing in on
the mock's own pages like a person, settings an admin of the seeded org would make, and the
mock's fault control."""

from __future__ import annotations

from typing import Any

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser
from portal.adapters.mock_org import sign_in
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.domain.demo_settings import configured_settings
from portal.domain.mock_org import Consent
from portal.domain.settings import (
    CallDataItem,
    IntegrationSettings,
)
from portal.services.actors import Actor, Role
from portal.services.integration import CallbackOutcome, SignInPurpose
from tests.portal_over_mock import control_session

ADMIN = Actor(username="alice", role=Role.ADMIN)


def browser(server: ThreadedMockServer) -> requests.Session:
    """A person's browser: it trusts the mock's CA (for the HTTPS login pages of REAL mode)."""
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return session


def browser_sign_in(
    portal: Portal,
    config: PortalConfig,
    user: SeededUser,
    server: ThreadedMockServer,
    *,
    purpose: SignInPurpose = SignInPurpose.INTEGRATION,
    consent: Consent = Consent.ALLOW,
) -> CallbackOutcome:
    """Click "Integrate" (or "Sign in to check"), log in on the mock's page as ``user``, answer
    "Allow access?", and hand the redirect back to the portal."""
    return portal.integration.complete(
        actor=ADMIN, query_params=callback_params(portal, config, user, server, purpose, consent)
    )


def callback_params(
    portal: Portal,
    config: PortalConfig,
    user: SeededUser,
    server: ThreadedMockServer,
    purpose: SignInPurpose = SignInPurpose.INTEGRATION,
    consent: Consent = Consent.ALLOW,
) -> dict[str, str]:
    """The query parameters Salesforce redirects back to the portal with."""
    redirect = portal.integration.start(actor=ADMIN, purpose=purpose)
    with browser(server) as session:
        return sign_in(
            session=session,
            authorize_url=redirect.url,
            redirect_uri=config.redirect_uri,
            username=user.username,
            password=user.password,
            consent=consent,
        )


def admin_settings(org: SeededOrg) -> IntegrationSettings:
    """Activity history on the org's MiiTel fields, reps mapped to their Salesforce users."""
    reps = [u.username for u in org.users if u.role.value == "rep"]
    return configured_settings(
        user_mappings={"rep1@miitel.example": reps[0]},
        default_owner=org.admin.username,
        subject="[MiiTel] {direction} call with {counterpart}",
        call_fields={
            CallDataItem.START_TIME: "MiiTel_Call_Start__c",
            CallDataItem.TRANSCRIPT: "MiiTel_Transcript__c",
        },
        video=False,
    )


def set_faults(server: ThreadedMockServer, **settings: Any) -> dict[str, Any]:
    """POST /mock-api/faults (GET with no arguments); returns the mock's answer."""
    with control_session(server) as session:
        url = f"{server.https_url}/mock-api/faults"
        response = session.post(url, json=settings) if settings else session.get(url)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body
