"""The Procedure page tells the truth once: ``?step=N`` links (opened, kept in the address
bar, invalid values), a step bar that ticks only what was done in this run of the procedure,
one message per event, buttons that follow the state, and the whole page in Japanese."""

from __future__ import annotations

import pytest
from language_check import english_left
from page_helpers import ADMIN, PASSWORDS, MockWorld, integrate, texts
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.domain.steps import StepStatus
from portal.services.integration import SignInPurpose
from portal.ui import i18n
from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME
from portal.ui.feedback import NOTICES, Notice, NoticeKind
from portal.ui.oauth import LANDING_STEP

PAGE = "procedure.py"
STEP = "proc.step"
CHECKED = ":material/check_circle:"


def linked(page_app, portal: Portal, value: str, **state: object) -> AppTest:
    app = page_app(PAGE, portal, state=state)
    app.query_params["step"] = value
    return app.run()


def bar_label(app: AppTest, step: int) -> str:
    group = app.button_group(key=STEP)
    return str(group.format_func(step))


def progress_text(app: AppTest) -> str:
    return str(app.get("progress")[0].proto.text)


@pytest.fixture
def integrated(mock_portal: Portal, mock_world: MockWorld) -> Portal:
    integrate(mock_portal, mock_world)
    return mock_portal


# --- ?step=N --------------------------------------------------------------------------------


def test_a_step_link_opens_that_step_and_the_address_bar_follows_the_person(
    page_app, absent_portal: Portal
):
    app = linked(page_app, absent_portal, "7", **{i18n.LANGUAGE: "en"})
    app.query_params["lang"] = "en"
    app.run()

    assert not app.exception
    assert app.header[0].value == "7. Restore the settings prior to integration removal"
    assert app.query_params["step"] == "7"

    app.button_group(key=STEP).set_value(3).run()
    assert app.header[0].value.startswith("3. ")
    assert app.query_params["step"] == "3"

    app.button(key="proc.next").click().run()
    assert app.header[0].value.startswith("4. ")
    assert app.query_params["step"] == "4"
    # Other parameters stay.
    assert app.query_params["lang"] == "en"


def test_without_a_link_the_address_bar_still_names_the_step_shown(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state={STEP: 9}).run()

    assert not app.exception
    assert app.header[0].value.startswith("9. ")
    assert app.query_params["step"] == "9"


@pytest.mark.parametrize("value", ["0", "11", "x", "-3", ""])
def test_an_invalid_step_link_opens_step_1_without_an_error(
    page_app, absent_portal: Portal, value: str
):
    app = linked(page_app, absent_portal, value)

    assert not app.exception
    assert not app.error
    assert app.header[0].value.startswith("1. ")
    assert app.query_params["step"] == "1"


def test_a_step_link_survives_the_portal_login(page_app, absent_portal: Portal):
    app = page_app("streamlit_app.py", absent_portal, actor=None)
    app.query_params["step"] = "7"
    app.run()
    app.text_input(key=LOGIN_USERNAME).input("admin")
    app.text_input(key=LOGIN_PASSWORD).input(PASSWORDS["admin"])
    app.button(key="auth.login.submit").click().run()

    assert not app.exception
    assert app.header[0].value.startswith("7. ")
    assert app.query_params["step"] == "7"


# --- the step bar ---------------------------------------------------------------------------


def test_step_5_is_not_ticked_by_the_integration_step_2_removes(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state={STEP: 5}).run()

    assert not app.exception
    assert "this is the integration that step 2 removes" in texts(app)
    assert CHECKED not in bar_label(app, 5)
    assert "0 of 10 steps done · continue at step 1" in progress_text(app)
    # Integrate is offered, but removing first is what the step asks.
    assert app.button(key="proc.next").proto.type == "secondary"


def test_after_removal_and_re_integration_step_5_is_ticked_and_integrate_steps_back(
    page_app, integrated: Portal, mock_world: MockWorld
):
    integrated.procedure.check(step=1)
    integrated.removal.remove(actor=ADMIN)
    before = page_app(PAGE, integrated, state={STEP: 5}).run()
    assert before.button(key="proc.integrate").proto.type == "primary"

    integrate(integrated, mock_world)
    app = page_app(PAGE, integrated, state={STEP: 5}).run()

    assert not app.exception
    assert CHECKED in bar_label(app, 5)
    assert "MiiTel is integrated with the org Acme Japan" in texts(app)
    assert app.button(key="proc.integrate").proto.type == "secondary"
    assert app.button(key="proc.next").proto.type == "primary"


def test_remove_integration_is_secondary_and_disabled_when_nothing_is_integrated(
    page_app, absent_portal: Portal
):
    app = page_app(PAGE, absent_portal, state={STEP: 2}).run()

    remove = app.button(key="proc.remove")
    assert remove.disabled and remove.proto.type == "secondary"
    assert "nothing to remove" in remove.help


def _steps_1_and_2_done(portal: Portal) -> None:
    """Step 1 checked by hand (no org was integrated before), nothing to remove in step 2."""
    portal.procedure.mark(actor=ADMIN, step=1, status=StepStatus.OK)
    assert portal.procedure.check(step=2).status is StepStatus.OK


def _blocked(portal: Portal) -> None:
    """Salesforce refused the check sign-in with OAUTH_APP_BLOCKED (3-2-1)."""
    redirect = portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    state = redirect.url.split("state=")[1].split("&")[0]
    portal.integration.complete(
        actor=ADMIN,
        query_params={
            "error": "OAUTH_APP_BLOCKED",
            "error_description": "this app is blocked by admin",
            "state": state,
        },
    )


def test_when_the_blocked_case_is_resolved_the_bar_moves_on_to_step_5(
    page_app, absent_portal: Portal
):
    _steps_1_and_2_done(absent_portal)
    _blocked(absent_portal)
    app = page_app(PAGE, absent_portal, state={STEP: 3}).run()
    assert "3-2-1" in texts(app) and "(applies now)" in texts(app)
    assert "continue at step 3" in progress_text(app)

    # The admin clicked "Unblock" in Setup and says so.
    app.button(key="proc.mark_done").click().run()

    assert not app.exception
    assert "continue at step 5" in progress_text(app)
    assert app.button(key="proc.next").label == "Next: step 5"
    assert CHECKED in bar_label(app, 3)
    assert absent_portal.procedure.progress().current_step == 5


def test_a_step_done_after_the_blocked_case_means_it_was_resolved(page_app, absent_portal: Portal):
    _steps_1_and_2_done(absent_portal)
    _blocked(absent_portal)
    absent_portal.procedure.check(step=3)
    absent_portal.procedure.mark(actor=ADMIN, step=5, status=StepStatus.OK)

    progress = absent_portal.procedure.progress()

    # Step 3 is not ticked (its own check did not pass), but the bar does not point back to it.
    assert progress.steps[2].shown is StepStatus.ACTION_NEEDED
    assert progress.current_step == 6


# --- one message per event ------------------------------------------------------------------


def _count(app: AppTest, text: str) -> int:
    return texts(app).count(text) + sum(str(toast.value).count(text) for toast in app.toast)


def test_remove_integration_is_told_once_in_step_2s_check(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state={STEP: 2}).run()
    app.button(key="proc.remove").click().run()
    app.button(key="dialog.remove.confirm").click().run()

    assert not app.exception
    assert _count(app, "Removed the integration with Acme Japan") == 1
    assert not app.toast
    remove = app.button(key="proc.remove")
    assert remove.disabled and remove.proto.type == "secondary"


def test_marking_a_step_is_told_once(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state={STEP: 6}).run()
    app.button(key="proc.mark_done").click().run()

    assert not app.exception
    assert _count(app, "Step 6 is marked as done.") == 1


def test_saving_step_9_is_told_once(page_app, absent_portal: Portal):
    app = page_app(PAGE, absent_portal, state={STEP: 9}).run()
    app.checkbox(key="proc.contact.turn_off").check()
    app.button(key="proc.contact.save").click().run()

    assert not app.exception
    assert _count(app, "MiiTel does not retrieve contacts from Salesforce") == 1


def test_coming_back_from_salesforce_is_told_by_the_step_alone(
    page_app, mock_portal: Portal, mock_world: MockWorld
):
    mock_portal.procedure.check(step=2)
    integrate(mock_portal, mock_world)
    # What the frame leaves after Salesforce's redirect: the outcome and the step to land on.
    told = Notice(NoticeKind.SUCCESS, "Integrated with the org Acme Japan.")
    app = page_app(PAGE, mock_portal, state={LANDING_STEP: 5, NOTICES: [told]}).run()

    assert not app.exception
    assert app.header[0].value.startswith("5. ")
    assert len(app.success) == 1  # the check's own result, not a second banner
    assert "MiiTel is integrated with the org Acme Japan" in app.success[0].value
    assert not app.toast


def test_a_failed_return_from_salesforce_is_told_in_the_step(page_app, absent_portal: Portal):
    told = Notice(NoticeKind.ERROR, "Salesforce refused the sign-in.")
    app = page_app(PAGE, absent_portal, state={LANDING_STEP: 5, NOTICES: [told]}).run()

    assert not app.exception
    assert [e.value for e in app.error] == ["Salesforce refused the sign-in."]


# --- Japanese -------------------------------------------------------------------------------


@pytest.mark.parametrize("step", range(2, 11))
def test_the_procedure_page_speaks_japanese(page_app, absent_portal: Portal, step: int):
    app = page_app(PAGE, absent_portal, state={STEP: step, i18n.LANGUAGE: "ja"}).run()

    assert not app.exception
    shown = [texts(app), *(b.label for b in app.button), progress_text(app)]
    left = [word for text in shown for word in english_left(text)]
    assert not left, sorted(set(left))
    assert app.title[0].value == "Salesforce連携の解除と再連携"
    assert app.button(key="proc.check_again").label == "再確認"


def test_japanese_step_bar_badges_and_results(page_app, absent_portal: Portal):
    absent_portal.procedure.check(step=2)
    app = page_app(PAGE, absent_portal, state={STEP: 2, i18n.LANGUAGE: "ja"}).run()

    assert not app.exception
    assert "10ステップ中1ステップ完了 · ステップ1から続けてください" in progress_text(app)
    assert "MiiTelは連携されていないため、解除するものはありません。" in texts(app)
    assert "完了" in texts(app)  # the badge
    assert app.button(key="proc.next").label == "次へ：ステップ3"
    assert app.button(key="proc.remove").label == "連携を解除"


def test_japanese_removal_dialog_and_its_result(page_app, integrated: Portal):
    app = page_app(PAGE, integrated, state={STEP: 2, i18n.LANGUAGE: "ja"}).run()
    app.button(key="proc.remove").click().run()
    assert "以前のバックアップは置き換えられます" in texts(app)

    app.button(key="dialog.remove.confirm").click().run()

    assert not app.exception
    latest = integrated.backups.latest()
    assert latest is not None
    assert "Acme Japanとの連携を解除しました。" in texts(app)
    assert f"（バックアップ #{latest.id}）" in texts(app)
    left = english_left(texts(app), data=("admin",))
    assert not left, sorted(set(left))


def test_a_second_press_of_remove_is_told_once_beside_the_removal_that_stands(
    page_app, integrated: Portal
):
    app = page_app(PAGE, integrated, state={STEP: 2}).run()
    app.button(key="proc.remove").click().run()
    integrated.removal.remove(actor=ADMIN)  # another browser was quicker

    app.button(key="dialog.remove.confirm").click().run()

    assert not app.exception
    assert _count(app, "there is nothing to remove; the latest backup is unchanged") == 1
    assert _count(app, "Removed the integration with Acme Japan") == 1
    assert not app.toast
