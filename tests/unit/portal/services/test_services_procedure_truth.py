"""The progress the step bar reads: a step counts only when its own check passed or an admin
marked it in this run of the procedure; a case that sends the person on is resolved once a
later step was done."""

from __future__ import annotations

from service_fakes import ADMIN, World, usage

from portal.domain.steps import StepStatus


def _blocked(world: World) -> None:
    from portal.services.integration import SignInPurpose

    world.portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    state = world.salesforce.oauth.started[-1].state
    world.portal.integration.complete(
        actor=ADMIN,
        query_params={"error": "OAUTH_APP_BLOCKED", "error_description": "blocked", "state": state},
    )


def _removed(world: World) -> None:
    world.integrate()
    assert world.portal.procedure.check(step=1).status is StepStatus.OK
    world.portal.removal.remove(actor=ADMIN)


def test_the_integration_miitel_starts_with_does_not_tick_step_5(world: World) -> None:
    world.integrate()
    procedure = world.portal.procedure

    progress = procedure.progress()
    assert not progress.removed
    assert not progress.steps[4].done and progress.steps[4].shown is None
    step5 = procedure.check(step=5)
    assert step5.status is StepStatus.ACTION_NEEDED
    assert "step 2 removes" in step5.message
    assert procedure.progress().done == 0


def test_re_integrating_after_the_removal_ticks_step_5(world: World) -> None:
    _removed(world)
    world.integrate()

    progress = world.portal.procedure.progress()
    assert progress.steps[4].done
    assert world.portal.procedure.check(step=5).status is StepStatus.OK


def test_with_nothing_integrated_steps_after_2_count_without_visiting_step_2(
    world: World,
) -> None:
    progress = world.portal.procedure.mark(actor=ADMIN, step=6, status=StepStatus.OK)
    assert progress.removed and progress.steps[5].done


def test_the_blocked_case_marked_done_leads_to_step_5(world: World) -> None:
    _removed(world)
    _blocked(world)
    procedure = world.portal.procedure
    assert procedure.check(step=3).branch == "3-2-1"
    assert procedure.progress().current_step == 3

    progress = procedure.mark(actor=ADMIN, step=3, status=StepStatus.OK)

    assert progress.steps[2].branch == "3-2-1" and progress.steps[2].done
    assert progress.current_step == 5


def test_the_blocked_case_then_a_successful_integration_moves_on(world: World) -> None:
    _removed(world)
    _blocked(world)
    procedure = world.portal.procedure
    procedure.check(step=3)
    world.acme.app_usage = usage(users=("005000000000001AAA",), installed=True)
    world.integrate()

    progress = procedure.progress()
    assert progress.steps[2].shown is StepStatus.ACTION_NEEDED  # its own check did not pass
    assert progress.current_step == 6


def test_step_2_after_the_removal_names_the_backup_step_7_restores(world: World) -> None:
    _removed(world)
    latest = world.portal.backups.latest()
    assert latest is not None

    message = world.portal.procedure.check(step=2).message

    assert f"(backup #{latest.id})" in message
    assert getattr(message, "msgid", "").startswith("Removed the integration with {org}.")
