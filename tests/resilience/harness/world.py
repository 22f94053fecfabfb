"""A portal in mock mode against a running mock org, and the few steps every resilience test
starts from: the MiiTel app's credentials, signing in on the mock's pages, two distinct
configurations of the three backed-up tabs, and the mock's fault control."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import requests

from mock_salesforce import ThreadedMockServer
from mock_salesforce.seed import SeededOrg, SeededUser
from portal.adapters.config import PortalConfig, PortalMode
from portal.adapters.crypto import generate_key
from portal.adapters.mock_org import Consent, sign_in
from portal.domain.secret import SecretStr
from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
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
from portal.services.container import Portal
from portal.services.integration import CallbackOutcome, SignInPurpose

#: The seed of the mock world every resilience run uses (same seed, same org).
SEED: Final = 11
ADMIN: Final = Actor(username="alice", role=Role.ADMIN)
SECOND_ADMIN: Final = Actor(username="bob", role=Role.ADMIN)
VIEWER: Final = Actor(username="victor", role=Role.VIEWER)


@dataclass(frozen=True)
class MockEndpoint:
    """Where a running mock org answers, and the MiiTel connected app's credentials there."""

    https_url: str
    http_url: str
    ca_bundle: Path
    client_id: str
    client_secret: str
    redirect_uri: str

    @classmethod
    def of(cls, server: ThreadedMockServer) -> MockEndpoint:
        app = server.backend.connected_apps.definition("MiiTel")
        return cls(
            https_url=server.https_url,
            http_url=server.http_url,
            ca_bundle=server.ca_bundle,
            client_id=app.client_id,
            client_secret=app.client_secret,
            redirect_uri=app.callback_urls[0],
        )

    @classmethod
    def from_ready(cls, ready: Mapping[str, Any]) -> MockEndpoint:
        """From the ``READY {json}`` line of ``python -m mock_salesforce serve``."""
        return cls(
            https_url=str(ready["instance_url"]),
            http_url=str(ready["http_url"]),
            ca_bundle=Path(ready["ca_bundle"]),
            client_id=str(ready["client_id"]),
            client_secret=str(ready["client_secret"]),
            redirect_uri=str(ready["redirect_uris"][0]),
        )


def portal_config(
    *, endpoint: MockEndpoint, data_dir: Path, key: SecretStr | None = None
) -> PortalConfig:
    """What ``load_config`` gives in mock mode for ``endpoint``, with the DuckDB file in
    ``data_dir``."""
    return PortalConfig(
        mode=PortalMode.MOCK,
        salesforce_login_url=endpoint.https_url,
        client_id=endpoint.client_id,
        client_secret=SecretStr(endpoint.client_secret),
        redirect_uri=endpoint.redirect_uri,
        ca_bundle=endpoint.ca_bundle,
        db_path=data_dir / "portal.duckdb",
        encryption_key=key or generate_key(),
        users=(),
        data_dir=data_dir,
        mock_http_url=endpoint.http_url,
    )


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


def configured_settings(org: SeededOrg) -> IntegrationSettings:
    """An admin's configuration of the three backed-up tabs: call data on the org's MiiTel
    fields, meetings enabled, reps mapped to their Salesforce users."""
    reps = [u.username for u in org.users if u.role.value == "rep"]
    return IntegrationSettings(
        activity_history=ActivityHistorySettings(
            enabled=True,
            timing=ActivityTiming.AFTER_CALL_START,
            todo=TodoObjectSettings(
                subject="[MiiTel] {direction} call with {counterpart}",
                status=TaskStatus.COMPLETED,
                field_mappings=FieldMappings.of(
                    {
                        CallDataItem.START_TIME: "MiiTel_Call_Start__c",
                        CallDataItem.DURATION: "CallDurationInSeconds",
                        CallDataItem.CALL_URL: "MiiTel_Call_URL__c",
                        CallDataItem.MEMO: "MiiTel_Memo__c",
                    }
                ),
            ),
        ),
        video_history=VideoHistorySettings(
            enabled=True,
            subject="[MiiTel Meetings] {title}",
            field_mappings=FieldMappings.of(
                {
                    MeetingDataItem.START_TIME: "StartDateTime",
                    MeetingDataItem.END_TIME: "EndDateTime",
                    MeetingDataItem.RECORDING_URL: "MiiTel_Meeting_URL__c",
                }
            ),
        ),
        assignee=AssigneeSettings.from_mapping(
            user_mappings={f"rep{i + 1}@miitel.example": name for i, name in enumerate(reps)},
            default_owner_username=org.admin.username,
            unmapped_rule=UnmappedRule.DEFAULT_OWNER,
        ),
    )


def edited_settings(org: SeededOrg) -> IntegrationSettings:
    """The same tabs edited after a removal, so they differ from the backup in every area."""
    reps = [u.username for u in org.users if u.role.value == "rep"]
    return IntegrationSettings(
        activity_history=ActivityHistorySettings(
            enabled=False,
            timing=ActivityTiming.AFTER_CALL_END,
            todo=TodoObjectSettings(
                subject="{user}: {direction} {phone_number}",
                status=TaskStatus.OPEN,
                field_mappings=FieldMappings.of({CallDataItem.MEMO: "Description"}),
            ),
        ),
        video_history=VideoHistorySettings(
            enabled=False,
            subject="{title} ({host})",
            field_mappings=FieldMappings.of({MeetingDataItem.SUMMARY: "Description"}),
        ),
        assignee=AssigneeSettings.from_mapping(
            user_mappings={"newcomer@miitel.example": reps[-1]},
            default_owner_username=None,
            unmapped_rule=UnmappedRule.INTEGRATION_USER,
        ),
    )


def set_faults(endpoint: MockEndpoint, **settings: Any) -> dict[str, Any]:
    """``POST /mock-api/faults`` (``DELETE`` with no settings); the mock's fault state."""
    with browser(endpoint.ca_bundle) as session:
        url = f"{endpoint.https_url}/mock-api/faults"
        response = session.post(url, json=settings) if settings else session.delete(url)
    response.raise_for_status()
    body: dict[str, Any] = response.json()
    return body
