"""The org's fields offered to the mapping tabs: from describe, writable ones only, kept for a
minute per integration, and never an exception when Salesforce cannot be asked."""

from __future__ import annotations

from dataclasses import replace

from service_fakes import ADMIN, World, field_of, later, object_of

from portal.domain.gateway_errors import SalesforceUnavailable
from portal.services.settings import FIELD_CHOICES_TTL


def test_not_integrated_there_are_no_choices_and_the_reason(world: World) -> None:
    choices = world.portal.settings.field_choices(sobject="Task")

    assert not choices.available
    assert choices.fields == ()
    assert "MiiTel is not integrated" in choices.message
    assert "describe" not in world.salesforce.calls


def test_integrated_the_createable_fields_are_offered(world: World) -> None:
    task = object_of("Task", ("Subject", "Description", "MiiTel_Call_URL__c"))
    read_only = field_of("LastModifiedDate", createable=False)
    world.acme.objects["Task"] = replace(task, fields=(*task.fields, read_only))
    world.integrate()

    choices = world.portal.settings.field_choices(sobject="Task")

    assert choices.available
    names = [f.api_name for f in choices.fields]
    assert names == ["Description", "MiiTel_Call_URL__c"]  # sorted, writable, not reserved
    assert choices.find("miitel_call_url__c") is not None
    assert choices.find("LastModifiedDate") is None  # read-only
    assert choices.find("Subject") is None and choices.find("Status") is None  # set by MiiTel
    event = world.portal.settings.field_choices(sobject="Event")
    assert "Recording_a__c" in [f.api_name for f in event.fields]
    assert "MiiTel_Call_URL__c" not in [f.api_name for f in event.fields]


def test_choices_are_kept_for_a_minute_then_asked_again(world: World) -> None:
    world.integrate()
    world.portal.settings.field_choices(sobject="Task")
    world.acme.objects["Task"] = object_of("Task", ("Subject", "New_Field__c"))

    kept = world.portal.settings.field_choices(sobject="Task")
    assert kept.find("New_Field__c") is None
    assert world.salesforce.calls.count("describe") == 1

    later(world.clock, seconds=FIELD_CHOICES_TTL.total_seconds() + 1)
    fresh = world.portal.settings.field_choices(sobject="Task")
    assert fresh.find("New_Field__c") is not None


def test_a_new_integration_does_not_reuse_the_previous_describe(world: World) -> None:
    world.integrate()
    assert world.portal.settings.field_choices(sobject="Task").find("MiiTel_Call_URL__c")
    world.portal.removal.remove(actor=ADMIN)
    assert not world.portal.settings.field_choices(sobject="Task").available

    world.acme.objects["Task"] = object_of("Task", ("Subject", "Description"))
    world.integrate()

    assert world.portal.settings.field_choices(sobject="Task").find("MiiTel_Call_URL__c") is None


def test_salesforce_failing_is_a_message_not_an_exception(world: World) -> None:
    world.integrate()
    world.salesforce.failures["describe"] = SalesforceUnavailable(
        error_code="UNAVAILABLE", user_message="Salesforce did not answer; try again later."
    )

    choices = world.portal.settings.field_choices(sobject="Task")

    assert not choices.available
    assert "Salesforce did not answer; try again later." in choices.message
    assert "Type the field API names" in choices.message
    # A failure is not kept: the next look asks again and gets the fields.
    del world.salesforce.failures["describe"]
    assert world.portal.settings.field_choices(sobject="Task").available


def test_an_object_the_org_lacks_is_said_so(world: World) -> None:
    world.integrate()
    del world.acme.objects["Event"]

    choices = world.portal.settings.field_choices(sobject="Event")

    assert not choices.available
    assert "The Event object does not exist in the integrated org" in choices.message
