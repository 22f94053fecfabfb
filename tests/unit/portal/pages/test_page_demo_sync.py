"""The Demo page's "Simulate N calls and meetings": a progress bar while it runs, then a
summary of what was written, what failed (by error code) and what is queued."""

from __future__ import annotations

from page_helpers import VIEWER, MockWorld, integrate, texts

from portal.bootstrap import Portal
from portal.domain.settings import (
    ActivityHistorySettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    TodoObjectSettings,
    VideoHistorySettings,
)

PAGE = "demo.py"


def test_an_admin_simulates_calls_and_meetings_and_sees_the_summary(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    integrate(demo_portal, own_world)
    demo_portal.storage.repositories.settings.save(
        IntegrationSettings(
            activity_history=ActivityHistorySettings(enabled=True),
            video_history=VideoHistorySettings(enabled=False),
        )
    )
    app = page_app(PAGE, demo_portal).run()
    app.number_input(key="demo.sim.calls").set_value(30).run()
    app.number_input(key="demo.sim.meetings").set_value(4).run()
    button = app.button(key="demo.simulate")
    assert button.label == "Simulate 30 calls and 4 meetings"

    button.click().run()

    assert not app.exception
    metrics = {m.label: m.value for m in app.metric}
    assert metrics == {"Written": "30", "Failed": "0", "Queued": "4"}
    assert "Video history integration is disabled: 4 meetings are kept" in texts(app)
    assert app.button(key="demo.send_queued").label == "Send queued calls and meetings (4)"
    assert demo_portal.sync.status().calls.written == 30
    # The sync log shows where each call went: one row per call, each with its Task's id.
    [log] = [d.value for d in app.dataframe if "Salesforce ID" in d.value.columns]
    written = log[log["Outcome"] == "Written"]
    assert len(written) == 30 and set(written["Object"]) == {"Task"}
    assert all(sfid.startswith("00T") for sfid in written["Salesforce ID"])
    assert all(d.startswith("Task ") for d in written["Detail"])


def test_a_viewer_cannot_simulate(page_app, demo_portal: Portal):
    app = page_app(PAGE, demo_portal, actor=VIEWER).run()

    assert not app.exception
    assert app.button(key="demo.simulate").disabled
    assert app.button(key="demo.send_queued").disabled


def test_an_admin_sends_refused_calls_again_after_fixing_the_settings(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    # A call field mapped onto a field the org does not have: Salesforce refuses every call.
    integrate(demo_portal, own_world)
    broken = ActivityHistorySettings(
        enabled=True,
        todo=TodoObjectSettings(
            field_mappings=FieldMappings.of({CallDataItem.MEMO: "MiiTel_Memo_Missing__c"})
        ),
    )
    settings = demo_portal.storage.repositories.settings
    settings.save(
        IntegrationSettings(
            activity_history=broken, video_history=VideoHistorySettings(enabled=False)
        )
    )
    app = page_app(PAGE, demo_portal).run()
    assert app.button(key="demo.send_failed").disabled  # nothing refused yet
    app.number_input(key="demo.sim.calls").set_value(6).run()
    app.number_input(key="demo.sim.meetings").set_value(0).run()
    app.button(key="demo.simulate").click().run()
    assert {m.label: m.value for m in app.metric}["Failed"] == "6"
    again = app.button(key="demo.send_failed")
    assert again.label == "Send failed calls and meetings again (6)"
    assert not again.disabled

    # The admin fixes the mapping (step 8), then sends the refused calls once more.
    settings.save(
        IntegrationSettings(
            activity_history=ActivityHistorySettings(enabled=True),
            video_history=VideoHistorySettings(enabled=False),
        )
    )
    app.button(key="demo.send_failed").click().run()

    assert not app.exception
    assert {m.label: m.value for m in app.metric} == {"Written": "6", "Failed": "0", "Queued": "0"}
    assert app.button(key="demo.send_failed").disabled
    status = demo_portal.sync.status()
    assert (status.calls.written, status.calls.failed) == (6, 0)
    # The refusals stay in the error log: six entries, one per call.
    assert demo_portal.error_tables.page().total == 6


def test_a_viewer_cannot_send_failed_calls_again(page_app, demo_portal: Portal):
    app = page_app(PAGE, demo_portal, actor=VIEWER).run()

    assert app.button(key="demo.send_failed").disabled
