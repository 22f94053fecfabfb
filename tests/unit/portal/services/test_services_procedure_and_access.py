"""The procedure's progress (resuming at the right step, following the branches), and logging
in to the portal with its limit on failed attempts."""

from __future__ import annotations

import pytest
from service_fakes import ADMIN, VIEWER, World, make_world, portal_user, usage

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.config import PortalRole
from portal.domain.procedure import PROCEDURE, ProcedureStep, UseCase
from portal.domain.steps import StepStatus
from portal.services.actors import Role
from portal.services.errors import LoginFailed, NotAllowed


def test_a_fresh_portal_starts_at_step_1(world: World) -> None:
    progress = world.portal.procedure.progress()
    assert progress.current_step == 1 and not progress.complete
    assert [s.step.number for s in progress.steps] == list(range(1, 11))
    assert world.portal.procedure.steps() == PROCEDURE


def test_progress_follows_the_documents_branches(world: World) -> None:
    world.acme.app_usage = usage(users=("005000000000001AAA",), installed=True)
    world.integrate()
    procedure = world.portal.procedure

    assert procedure.check(step=1).status is StepStatus.OK
    assert procedure.progress().current_step == 2
    world.portal.removal.remove(actor=ADMIN)
    assert procedure.progress().current_step == 3
    world.check_sign_in()
    assert procedure.check(step=3).branch == "3-2-2"
    # 3-2-2 leads straight to step 5: step 4 is skipped.
    assert procedure.progress().current_step == 5


def test_a_reload_resumes_where_the_person_was(world: World) -> None:
    world.integrate()
    world.portal.procedure.check(step=1)
    world.portal.removal.remove(actor=ADMIN)
    reloaded = world.portal.procedure.progress()
    assert reloaded.current_step == 3
    assert reloaded.steps[1].status is StepStatus.OK
    assert reloaded.steps[1].updated_by == "alice"


def test_marking_by_hand_and_restarting(world: World) -> None:
    procedure = world.portal.procedure
    for step in range(1, 11):
        procedure.mark(actor=ADMIN, step=step, status=StepStatus.OK)
    assert procedure.progress().complete
    with pytest.raises(NotAllowed):
        procedure.mark(actor=VIEWER, step=3, status=StepStatus.OK)
    assert procedure.restart(actor=ADMIN).current_step == 1


@pytest.mark.parametrize("step", range(1, 11))
def test_every_step_has_a_check(world: World, step: int) -> None:
    result = world.portal.procedure.check(step=step)
    assert result.step == step
    assert result.title == PROCEDURE[step - 1].title


@pytest.mark.parametrize("step", PROCEDURE, ids=lambda s: f"step{s.number}")
def test_every_step_resolves_to_the_service_method_its_use_case_names(
    world: World, step: ProcedureStep
) -> None:
    # One hop: the registry's use case names ``<service>.<method>`` of the composition root.
    service, method = step.use_case.value.split(".")
    runs = world.portal.procedure.use_case(step=step.number)
    assert callable(runs)
    assert runs == getattr(getattr(world.portal, service), method)


def test_every_use_case_belongs_to_exactly_one_step() -> None:
    assert sorted(s.use_case.name for s in PROCEDURE) == sorted(u.name for u in UseCase)


def test_an_unknown_step_is_refused(world: World) -> None:
    with pytest.raises(ValueError):
        world.portal.procedure.check(step=11)
    with pytest.raises(ValueError):
        world.portal.procedure.use_case(step=0)


# --- access -----------------------------------------------------------------------------------


@pytest.fixture
def gate() -> World:
    return make_world(
        users=(
            portal_user("alice", "correct horse", PortalRole.ADMIN),
            portal_user("victor", "battery staple", PortalRole.VIEWER),
        )
    )


def test_login_gives_the_role_from_the_configuration(gate: World) -> None:
    admin = gate.portal.access.login(username="alice", password="correct horse", client_key="b1")
    viewer = gate.portal.access.login(username="victor", password="battery staple", client_key="b1")
    assert (admin.role, viewer.role) == (Role.ADMIN, Role.VIEWER)
    assert gate.portal.audit.recent()[0].action is AuditAction.SIGN_IN


def test_a_failed_login_never_says_which_part_was_wrong(gate: World) -> None:
    with pytest.raises(LoginFailed) as wrong_password:
        gate.portal.access.login(username="alice", password="nope", client_key="b1")
    with pytest.raises(LoginFailed) as wrong_user:
        gate.portal.access.login(username="mallory", password="nope", client_key="b1")
    assert wrong_password.value.user_message == wrong_user.value.user_message
    assert gate.portal.audit.recent()[0].outcome is AuditOutcome.FAILED
