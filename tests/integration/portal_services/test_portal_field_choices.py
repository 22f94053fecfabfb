"""The mapping tabs' field choices come from the integrated org's describe: real HTTPS, real
simple-salesforce, the mock's two orgs with different Task fields."""

from __future__ import annotations

from collections.abc import Callable

from portal_services_support import ADMIN, browser_sign_in

from mock_salesforce.seed import SeededOrg
from portal.bootstrap import Portal
from portal.domain.config import PortalConfig
from portal.services.integration import CallbackKind

Scenario = Callable[..., list[SeededOrg]]


def test_the_second_org_offers_only_its_own_fields(
    world: Scenario, portal: Portal, config: PortalConfig
) -> None:
    acme, beta = world("second-org")
    assert not portal.settings.field_choices(sobject="Task").available

    browser_sign_in(portal, config, acme.integration_user)
    first = portal.settings.field_choices(sobject="Task")
    assert first.available
    assert first.find("MiiTel_Call_URL__c") is not None
    assert first.find("Description") is not None
    assert first.find("Id") is None  # not createable
    assert first.find("Subject") is None  # written by the integration itself
    assert portal.settings.field_choices(sobject="Event").find("StartDateTime") is not None

    portal.removal.remove(actor=ADMIN)
    other = browser_sign_in(portal, config, beta.integration_user)
    assert other.kind is CallbackKind.CONFIRM_OTHER_ORG
    assert portal.integration.confirm_other_org(actor=ADMIN).kind is CallbackKind.INTEGRATED

    second = portal.settings.field_choices(sobject="Task")
    assert second.available
    assert second.find("MiiTel_Call_URL__c") is None
    assert second.find("Description") is not None
