"""The Procedure page: each step's document text, its live check, the branch that applies, its
action, and the way through the steps."""

from __future__ import annotations

import pytest
from page_helpers import ADMIN, VIEWER, MockWorld, callback_params, integrate, texts
from streamlit.testing.v1 import AppTest

from mock_salesforce.faults import FaultSettings
from portal.bootstrap import Portal
from portal.domain.procedure import PROCEDURE, ProcedureStep
from portal.domain.steps import StepStatus
from portal.services.actors import Actor
from portal.services.integration import SignInPurpose
from portal.ui.oauth import LANDING_STEP

PAGE = "procedure.py"
STEP = "proc.step"


def on_step(page_app, portal: Portal, step: int, *, actor: Actor = ADMIN) -> AppTest:
    return page_app(PAGE, portal, actor=actor, state={STEP: step}).run()


@pytest.fixture
def integrated(mock_portal: Portal, mock_world: MockWorld) -> Portal:
    integrate(mock_portal, mock_world)
    return mock_portal


@pytest.fixture
def removed(integrated: Portal) -> Portal:
    integrated.removal.remove(actor=ADMIN)
    return integrated


def test_nothing_integrated_yet_step_1_says_so_and_points_to_integrate(
    page_app, absent_portal: Portal
):
    app = page_app(PAGE, absent_portal).run()

    assert not app.exception
    assert app.header[0].value == "1. Check the Salesforce Org and user to re-integrate"
    assert "No Salesforce org has been integrated with MiiTel yet" in texts(app)
    assert "0 of 10 steps done · continue at step 1" in app.get("progress")[0].proto.text


def test_step_1_shows_the_integrated_org_and_user_confirmed_by_salesforce(
    page_app, integrated: Portal
):
    app = page_app(PAGE, integrated).run()

    assert not app.exception
    shown = texts(app)
    assert "**Org:** Acme Japan" in shown
    assert "**User:** miitel@acme-japan.example" in shown
    assert "**REST API version:** `62.0`" in shown  # the newest the mock org offers
    assert "Salesforce confirms the connection" in shown
    # The check is recorded: the wizard now continues at step 2.
    assert integrated.procedure.progress().current_step == 2
    assert app.button(key="proc.next").label == "Next: step 2"


def test_a_salesforce_failure_is_a_clear_message_not_a_traceback(
    page_app, integrated: Portal, mock_world: MockWorld
):
    faults = mock_world.server.backend.faults
    faults.configure(FaultSettings(error_rate=1.0, error_status=500))
    try:
        app = page_app(PAGE, integrated).run()
    finally:
        faults.clear()

    assert not app.exception
    shown = texts(app)
    assert "could not confirm it with Salesforce" in shown
    assert "Traceback" not in shown


def test_step_2_offers_remove_integration_to_admins_only(page_app, integrated: Portal):
    admin = on_step(page_app, integrated, 2)
    viewer = on_step(page_app, integrated, 2, actor=VIEWER)

    assert not admin.exception and not viewer.exception
    assert "2-integrated" in texts(admin)
    assert not admin.button(key="proc.remove").disabled
    assert viewer.button(key="proc.remove").disabled
    assert "Viewers can read everything but change nothing" in texts(viewer)


def test_remove_integration_is_confirmed_in_a_dialog_that_mentions_the_backup(
    page_app, integrated: Portal
):
    app = on_step(page_app, integrated, 2)
    app.button(key="proc.remove").click().run()

    assert not app.exception
    assert "It replaces the previous backup" in texts(app)
    assert integrated.integration.status().connected  # nothing happens before confirming

    app.button(key="dialog.remove.confirm").click().run()

    assert not app.exception
    assert not integrated.integration.status().connected
    latest = integrated.backups.latest()
    assert latest is not None and latest.snapshot.org_name == "Acme Japan"
    assert f"backup #{latest.id}" in texts(app)


def test_after_removal_step_3_asks_for_a_check_sign_in_and_sends_the_browser_there(
    page_app, removed: Portal, mock_world: MockWorld
):
    app = on_step(page_app, removed, 3)

    assert not app.exception
    assert "sign in to Salesforce once as a user with the System Administrator profile" in texts(
        app
    )
    app.button(key="proc.sign_in_check").click().run()

    assert not app.exception
    [link] = [b for b in app.get("link_button") if b.proto.label == "Continue to Salesforce"]
    assert link.proto.url.startswith(mock_world.server.http_url + "/services/oauth2/authorize")
    assert "prompt=login" in link.proto.url


def test_a_check_sign_in_shows_the_branch_of_step_3_and_can_be_finished(
    page_app, removed: Portal, mock_world: MockWorld
):
    redirect = removed.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    params = callback_params(removed, mock_world, redirect.url, role="admin")
    assert removed.integration.complete(actor=ADMIN, query_params=params).succeeded

    app = on_step(page_app, removed, 3)

    assert not app.exception
    shown = texts(app)
    assert "3-2-2" in shown and "(applies now)" in shown
    assert 'the action shown is "Uninstall"' in shown
    assert "Checking as admin@acme-japan.example (check sign-in)" in shown
    assert app.button(key="proc.next").label == "Next: step 5"

    app.button(key="proc.finish_checks").click().run()

    assert not app.exception
    assert removed.checks.session() is None
    assert app.button(key="proc.sign_in_check")


def test_step_4_reports_the_approve_permission_of_the_step_1_user(page_app, integrated: Portal):
    app = on_step(page_app, integrated, 4)

    assert not app.exception
    shown = texts(app)
    assert "miitel@acme-japan.example has “Approve Uninstalled Connected Apps”" in shown
    assert "4-has-permission" in shown


def test_step_7_previews_the_backup_then_restores_it_after_confirmation(
    page_app, removed: Portal, mock_world: MockWorld
):
    integrate(removed, mock_world)
    app = on_step(page_app, removed, 7)
    assert "7-backup" in texts(app)

    app.button(key="proc.restore.open").click().run()

    assert not app.exception
    latest = removed.backups.latest()
    assert latest is not None
    assert f"Backup **#{latest.id}**" in texts(app)
    app.button(key="proc.restore.confirm").click().run()
    assert "will all be overwritten with the state at the time of backup" in texts(app)

    app.button(key="dialog.restore.confirm").click().run()

    assert not app.exception
    assert removed.procedure.progress().steps[6].status is StepStatus.OK
    assert removed.settings.current().activity_history == latest.snapshot.activity_history


def test_without_a_backup_step_7_says_to_configure_the_tabs_by_hand(
    page_app, absent_portal: Portal
):
    app = on_step(page_app, absent_portal, 7)

    assert not app.exception
    shown = texts(app)
    assert "There is no backup data" in shown
    assert not [b for b in app.button if b.key == "proc.restore.open"]


def test_coming_back_from_salesforce_lands_on_the_step_it_concerns(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state={LANDING_STEP: 5}).run()

    assert not app.exception
    assert app.header[0].value == "5. Re-integrate MiiTel with Salesforce"
    assert app.button(key="proc.integrate").label == "Integrate"


def test_steps_can_be_revisited_from_the_step_list(page_app, absent_portal: Portal):
    app = on_step(page_app, absent_portal, 9)
    assert app.header[0].value == "9. If you do not retrieve contacts"

    app.button_group(key=STEP).set_value(2).run()

    assert not app.exception
    assert app.header[0].value == "2. Remove the MiiTel from Salesforce"


def test_an_admin_marks_a_step_checked_by_hand_as_done(page_app, absent_portal: Portal):
    app = on_step(page_app, absent_portal, 6)
    assert 'Integrate first (step 5): click "Integrate".' in texts(app)

    app.button(key="proc.mark_done").click().run()

    assert not app.exception
    assert absent_portal.procedure.progress().steps[5].status is StepStatus.OK
    assert "Step 6 is marked as done." in texts(app)


def test_step_9_saves_turn_off_retrieving_contact_information(page_app, absent_portal: Portal):
    app = on_step(page_app, absent_portal, 9)
    box = app.checkbox(key="proc.contact.turn_off")
    assert box.label == "Turn off retrieving Salesforce contact information"

    box.check()
    app.button(key="proc.contact.save").click().run()

    assert not app.exception
    assert absent_portal.settings.current().basic.turn_off_contact_retrieval
    assert "MiiTel does not retrieve contacts from Salesforce" in texts(app)


def test_an_unexpected_failure_shows_a_reference_never_a_traceback(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    def broken(*, step: int) -> None:
        raise RuntimeError("disk on fire at /var/lib/secret-path")

    # Step 1's check, run through the procedure's registry of use cases.
    monkeypatch.setattr(absent_portal.procedure, "run", broken)
    app = on_step(page_app, absent_portal, 1)

    assert not app.exception
    shown = texts(app)
    assert "Something went wrong and the portal could not finish" in shown
    assert "give Support the reference" in shown
    assert "disk on fire" not in shown and "Traceback" not in shown


@pytest.mark.parametrize("step", PROCEDURE, ids=lambda s: f"step{s.number}")
def test_every_step_is_rendered_from_the_registry(
    page_app, absent_portal: Portal, step: ProcedureStep
):
    app = on_step(page_app, absent_portal, step.number)

    assert not app.exception
    assert app.header[0].value == f"{step.number}. {step.title}"
    shown = texts(app)
    assert all(line in shown for line in step.instructions)
    assert all(branch.branch_id in shown for branch in step.branches)
    # Its use case ran (and recorded its result) through the procedure's registry.
    status = absent_portal.procedure.progress().steps[step.number - 1].status
    assert status is not None
    # A step a person may check in Salesforce Setup can be marked done by hand until it is.
    marks = step.manual and status is not StepStatus.OK
    assert ("proc.mark_done" in {b.key for b in app.button}) is marks
