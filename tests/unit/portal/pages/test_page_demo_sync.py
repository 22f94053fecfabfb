"""The Demo page's "Simulate N calls and meetings": a progress bar while it runs, then a
summary of what was written, what failed (by error code) and what is queued."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from page_helpers import VIEWER, MockWorld, integrate, start_world, texts

from portal.domain.settings import (
    ActivityHistorySettings,
    IntegrationSettings,
    VideoHistorySettings,
)
from portal.services.container import Portal, build_portal

PAGE = "demo.py"


@pytest.fixture(scope="module")
def sync_world() -> Iterator[MockWorld]:
    """A mock org of its own: these tests write Tasks and Events into it."""
    server = start_world()
    try:
        yield MockWorld(server)
    finally:
        server.stop()


@pytest.fixture
def sync_portal(sync_world: MockWorld, data_dir: Path) -> Iterator[Portal]:
    sync_world.write_ready_file(data_dir)
    built = build_portal(config=sync_world.config(data_dir))
    try:
        yield built
    finally:
        built.close()


def test_an_admin_simulates_calls_and_meetings_and_sees_the_summary(
    page_app, sync_portal: Portal, sync_world: MockWorld
):
    integrate(sync_portal, sync_world)
    sync_portal.storage.repositories.settings.save(
        IntegrationSettings(
            activity_history=ActivityHistorySettings(enabled=True),
            video_history=VideoHistorySettings(enabled=False),
        )
    )
    app = page_app(PAGE, sync_portal).run()
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
    assert sync_portal.sync.status().calls.written == 30
    # The sync log shows where each call went: one row per call, each with its Task's id.
    [log] = [d.value for d in app.dataframe if "Salesforce ID" in d.value.columns]
    written = log[log["Outcome"] == "Written"]
    assert len(written) == 30 and set(written["Object"]) == {"Task"}
    assert all(sfid.startswith("00T") for sfid in written["Salesforce ID"])
    assert all(d.startswith("Task ") for d in written["Detail"])


def test_a_viewer_cannot_simulate(page_app, sync_portal: Portal):
    app = page_app(PAGE, sync_portal, actor=VIEWER).run()

    assert not app.exception
    assert app.button(key="demo.simulate").disabled
    assert app.button(key="demo.send_queued").disabled
