"""The Demo page (mock mode only): scenarios named for their branch, switching and resetting,
the mock's Setup pages and its logins."""

from __future__ import annotations

from page_helpers import VIEWER, MockWorld, texts

from mock_salesforce.control import current_scenario
from portal.bootstrap import Portal

PAGE = "demo.py"


def test_outside_mock_mode_the_demo_controls_are_not_offered(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal).run()

    assert not app.exception
    assert "work only in mock mode" in texts(app)
    assert not app.radio


def test_scenarios_are_named_for_the_branch_they_show(page_app, demo_portal: Portal):
    app = page_app(PAGE, demo_portal).run()

    assert not app.exception
    radio = app.radio(key="demo.scenario")
    assert radio.value == "default"
    captions = dict(zip(radio.options, radio.proto.captions, strict=True))
    assert "3-2-1" in captions["app-blocked"]
    assert "step 8" in captions["second-org"]
    assert "begin at step 3" in captions["app-uninstalled"]
    assert "begin at step" not in captions["default"]
    assert "**Scenario now:** `default`" in texts(app)


def test_setup_pages_and_demo_logins_are_listed(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    app = page_app(PAGE, demo_portal).run()

    links = {b.proto.label: b.proto.url for b in app.get("link_button")}
    base = own_world.server.http_url
    assert links["Connected Apps OAuth Usage"] == base + "/setup/connected-apps-oauth-usage"
    assert links["Setup login"] == base + "/setup/login"
    blocks = [block.value for block in app.code]
    integration = own_world.login("integration")
    acme = next(b for b in blocks if integration.username in b)
    line = next(x for x in acme.splitlines() if x.startswith(integration.username))
    assert integration.password in line and "Integration user" in line
    # Beta Trading (the second-org scenario's org) is listed even while the scenario is default.
    assert any("admin@beta-trading.example" in b and "Demo-" in b for b in blocks)
    assert "only in the scenario `second-org`" in texts(app)


def test_an_admin_switches_the_scenario_after_confirming(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    app = page_app(PAGE, demo_portal).run()
    app.radio(key="demo.scenario").set_value("app-blocked").run()
    app.button(key="demo.switch").click().run()

    assert "Everything in the portal's database" in texts(app)
    app.button(key="dialog.demo.confirm").click().run()

    assert not app.exception
    assert current_scenario(own_world.server.backend) == "app-blocked"
    # MiiTel is blocked, so the demo starts just after "Remove integration", with a backup.
    assert 'The demo starts just after "Remove integration"' in texts(app)
    assert not demo_portal.integration.status().connected
    assert demo_portal.backups.latest() is not None


def test_a_viewer_cannot_switch_or_reset(page_app, demo_portal: Portal):
    app = page_app(PAGE, demo_portal, actor=VIEWER).run()

    assert not app.exception
    assert app.button(key="demo.switch").disabled
    assert app.button(key="demo.reset").disabled


def test_viewers_see_that_demo_logins_exist_but_not_the_passwords(
    page_app, demo_portal: Portal, own_world: MockWorld
):
    app = page_app(PAGE, demo_portal, actor=VIEWER).run()

    assert not app.exception
    shown = texts(app) + "\n".join(block.value for block in app.code)
    assert "Demo logins (mock org)" in [h.value for h in app.subheader]
    assert "shown to portal admins only" in shown
    integration = own_world.login("integration")
    assert integration.password not in shown
    assert integration.username not in shown
