"""The Salesforce integration page: the four tabs, step 8's errors on the field they concern,
and "Save" that validates before it saves."""

from __future__ import annotations

from dataclasses import replace

import pytest
from page_helpers import ADMIN, VIEWER, MockWorld, integrate, texts
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.domain.settings import (
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    TodoObjectSettings,
)
from portal.ui.markup import unescaped

PAGE = "salesforce_integration.py"
LABELS = [
    "Basic settings",
    "Activity history integration",
    "Video history integration",
    "Activity history assignee",
]


@pytest.fixture
def integrated(mock_portal: Portal, mock_world: MockWorld) -> Portal:
    integrate(mock_portal, mock_world)
    return mock_portal


def store(portal: Portal, settings: IntegrationSettings) -> None:
    portal.storage.repositories.settings.save(settings)


def with_task_mapping(portal: Portal, item: CallDataItem, api_name: str) -> IntegrationSettings:
    current = portal.settings.current()
    mappings = {**current.activity_history.todo.field_mappings.as_dict(), item: api_name}
    todo = TodoObjectSettings(
        subject=current.activity_history.todo.subject,
        status=current.activity_history.todo.status,
        field_mappings=FieldMappings.of(mappings),
    )
    return replace(current, activity_history=replace(current.activity_history, todo=todo))


def with_event_mapping(portal: Portal, item: MeetingDataItem, api_name: str) -> IntegrationSettings:
    current = portal.settings.current()
    mappings = {**current.video_history.field_mappings.as_dict(), item: api_name}
    return replace(
        current,
        video_history=replace(current.video_history, field_mappings=FieldMappings.of(mappings)),
    )


def errors_after(app: AppTest, tab: int, key: str) -> list[str]:
    """The error messages shown right after the widget ``key`` on tab ``tab``."""
    nodes = list(app.tabs[tab])
    index = next(i for i, node in enumerate(nodes) if getattr(node, "key", None) == key)
    shown: list[str] = []
    for node in nodes[index + 1 :]:
        if type(node).__name__ != "Error":
            break
        shown.append(unescaped(str(getattr(node, "value", ""))))
    return shown


def test_the_four_tabs_carry_the_documents_labels(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal).run()

    assert not app.exception
    assert [tab.label for tab in app.tabs] == LABELS


def test_basic_settings_shows_the_integration_and_its_history(page_app, integrated: Portal):
    app = page_app(PAGE, integrated).run()

    assert not app.exception
    shown = texts(app)
    assert "Integrated with **Acme Japan**" in shown
    assert app.button(key="sf.remove").label == "Remove integration"
    # No backup yet: no restore button, and the reason.
    assert not [b for b in app.button if b.key == "sf.restore.open"]
    assert "There is no backup data" in shown
    assert app.subheader[0].value == "Authentication history"
    assert app.dataframe  # the history table
    assert "The settings of the three tabs match the integrated org" in shown


def test_after_removal_basic_settings_offers_integrate_and_the_restore(
    page_app, integrated: Portal
):
    integrated.removal.remove(actor=ADMIN)

    app = page_app(PAGE, integrated).run()

    assert not app.exception
    assert app.button(key="sf.integrate").label == "Integrate"
    assert (
        app.button(key="sf.restore.open").label
        == "Restore the settings prior to integration removal"
    )


def test_a_step_8_error_shows_on_its_tab_under_its_field(page_app, integrated: Portal):
    store(integrated, with_task_mapping(integrated, CallDataItem.MEMO, "Nope_Field__c"))

    app = page_app(PAGE, integrated).run()

    assert not app.exception
    [message] = errors_after(app, 1, "sf.activity.map.memo")
    assert 'Task field "Nope_Field__c" for Memo does not exist in the integrated org' in message
    assert errors_after(app, 1, "sf.activity.map.start_time") == []
    assert "1 setting show an error" in texts(app)


def test_save_refuses_a_bad_field_name_and_saves_nothing(page_app, absent_portal: Portal):
    before = absent_portal.settings.current()
    app = page_app(PAGE, absent_portal).run()

    app.text_input(key="sf.activity.map.summary").input("call summary")
    app.button(key="sf.activity.save").click().run()

    assert not app.exception
    [message] = errors_after(app, 1, "sf.activity.map.summary")
    assert "is not a field API name" in message
    assert "Nothing was saved" in texts(app)
    assert absent_portal.settings.current() == before
    # What the person typed stays in the form to be fixed.
    assert app.text_input(key="sf.activity.map.summary").value == "call summary"


def test_save_checks_the_field_against_the_org_and_saves_a_good_one(page_app, integrated: Portal):
    app = page_app(PAGE, integrated).run()

    app.text_input(key="sf.activity.subject").input("[MiiTel] {direction} {counterpart}")
    app.selectbox(key="sf.activity.map.summary").select("MiiTel_Summary__c")
    app.toggle(key="sf.activity.enabled").set_value(True)
    app.button(key="sf.activity.save").click().run()

    assert not app.exception
    saved = integrated.settings.current().activity_history
    assert saved.enabled
    assert saved.todo.subject == "[MiiTel] {direction} {counterpart}"
    assert saved.todo.field_mappings.get(CallDataItem.SUMMARY) == "MiiTel_Summary__c"
    assert '"Activity history integration" was saved.' in texts(app)


def test_mappings_offer_the_orgs_writable_fields_while_integrated(page_app, integrated: Portal):
    app = page_app(PAGE, integrated).run()

    assert not app.exception
    assert not [t for t in app.text_input if t.key.startswith("sf.activity.map.")]
    task = app.selectbox(key="sf.activity.map.call_url")
    assert task.options[0] == "(not mapped)"
    assert any(o.startswith("MiiTel_Call_URL__c — ") for o in task.options)
    assert "Id — Activity ID" not in task.options  # not createable: not offered
    event = app.selectbox(key="sf.video.map.title")
    assert any(o.startswith("Description — ") for o in event.options)
    # Fields the integration writes itself are not offered.
    assert not any(o.startswith(("Subject — ", "OwnerId — ")) for o in event.options)
    assert not any(o.startswith("MiiTel_Call_URL__c") for o in event.options)


def test_without_integration_mappings_are_typed_with_a_note(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal).run()

    assert not app.exception
    assert not [s for s in app.selectbox if s.key.startswith("sf.activity.map.")]
    assert app.text_input(key="sf.activity.map.call_url").label == "Task field for Call URL"
    assert app.text_input(key="sf.video.map.title")
    notes = [str(c.value) for c in app.caption]
    assert any(
        "MiiTel is not integrated, so the org's Task fields cannot be listed" in n for n in notes
    )
    assert any("org's Event fields cannot be listed" in n for n in notes)


def test_a_saved_field_the_org_lacks_stays_selected_and_marked_missing(
    page_app, integrated: Portal
):
    store(
        integrated,
        with_event_mapping(integrated, MeetingDataItem.TITLE, "Meeting_Title_Missing__c"),
    )

    app = page_app(PAGE, integrated).run()

    assert not app.exception
    title = app.selectbox(key="sf.video.map.title")
    assert title.value == "Meeting_Title_Missing__c"
    assert "Meeting_Title_Missing__c — missing in the org" in title.options
    [message] = errors_after(app, 2, "sf.video.map.title")
    assert 'Event field "Meeting_Title_Missing__c"' in message
    # Choosing "(not mapped)" instead and saving clears it.
    title.select("")
    app.button(key="sf.video.save").click().run()
    assert not app.exception
    saved = integrated.settings.current().video_history.field_mappings
    assert saved.get(MeetingDataItem.TITLE) is None
    assert errors_after(app, 2, "sf.video.map.title") == []


def test_assignee_default_owner_must_be_an_active_user(page_app, integrated: Portal):
    app = page_app(PAGE, integrated).run()

    app.text_input(key="sf.assignee.default_owner").input("nobody@acme-japan.example")
    app.button(key="sf.assignee.save").click().run()

    assert not app.exception
    [message] = errors_after(app, 3, "sf.assignee.default_owner")
    assert '"nobody@acme-japan.example" is not an active user in the integrated org' in message
    assert integrated.settings.current().assignee.default_owner_username is None


def test_turn_off_retrieving_contact_information_is_saved_from_basic_settings(
    page_app, absent_portal: Portal
):
    app = page_app(PAGE, absent_portal).run()

    app.checkbox(key="sf.contact.turn_off").check()
    app.button(key="sf.contact.save").click().run()

    assert not app.exception
    assert absent_portal.settings.current().basic.turn_off_contact_retrieval


def test_a_viewer_sees_every_tab_but_cannot_save(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, actor=VIEWER).run()

    assert not app.exception
    for key in ("sf.activity.save", "sf.video.save", "sf.assignee.save", "sf.contact.save"):
        assert app.button(key=key).disabled, key
    assert app.text_input(key="sf.activity.subject").disabled
    assert app.button(key="sf.remove").disabled
    assert "Viewers can read everything but change nothing" in texts(app)
