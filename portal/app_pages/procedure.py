"""Procedure: the ten steps of the re-integration document as a guided wizard.

Each step shows the document's instruction, runs its live check (once per visit; "Check
again" runs it anew), shows the result and the branch that follows, and offers the step's
action. Progress is stored by the services, so a reload or the trip to Salesforce's sign-in
comes back to the right step; any step can be revisited.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import streamlit as st

from portal.domain.steps import ProcedureStep, StepResult, StepStatus, procedure_step_by_number
from portal.services.actors import Actor
from portal.services.container import Portal
from portal.services.integration import SignInPurpose
from portal.services.procedure import LAST_STEP, ProcedureProgress
from portal.ui import nav, session
from portal.ui.actions import (
    authentication_history,
    contact_retrieval_form,
    integrate_control,
    other_org_confirmation,
    remove_control,
    restore_control,
)
from portal.ui.auth import VIEWER_NOTE, read_only_note, require_actor
from portal.ui.badges import status_icon, step_result
from portal.ui.container import portal_or_stop
from portal.ui.feedback import NoticeKind, attempt, guarded, notify, show_notices
from portal.ui.oauth import LANDING_STEP, sign_in_button
from portal.ui.settings_problems import VALIDATION_REPORT, problems_by_tab
from portal.ui.tables import when

T = TypeVar("T")

VIEWED_STEP: Final = "proc.step"
CHECK_AGAIN: Final = "proc.check_again"
PREVIOUS: Final = "proc.previous"
NEXT: Final = "proc.next"
MARK_DONE: Final = "proc.mark_done"
FINISH_CHECKS: Final = "proc.finish_checks"
SIGN_IN_TO_CHECK: Final = "proc.sign_in_check"
RESTART: Final = "proc.restart"
#: Steps whose check may need a person to look in Salesforce Setup themselves.
MANUAL_STEPS: Final = frozenset({3, 4, 6, 10})


def _check_name(step: int) -> str:
    return f"proc.check.{step}"


def _marked_name(step: int) -> str:
    return f"proc.marked.{step}"


@guarded
def procedure_page() -> None:
    """The wizard: progress, the step list, and the step being viewed."""
    actor = require_actor()
    portal = portal_or_stop()
    st.title("Remove and re-integrate Salesforce")
    st.caption(
        "Follow the ten steps to remove MiiTel's Salesforce integration and re-integrate it, "
        "restoring the settings and integration status (enabled / disabled) of Activity history "
        "integration, Video history integration and Activity history assignee from the backup "
        "taken at removal."
    )
    show_notices()
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    if progress is None:
        return
    _choose_step(progress)
    # Filled after the step's check ran, so the progress shown includes its result.
    header = st.container()
    step = procedure_step_by_number(int(st.session_state[VIEWED_STEP]))
    progress = _step(portal, actor, step) or progress
    with header:
        _progress(progress)


def _progress(progress: ProcedureProgress) -> None:
    done = sum(1 for entry in progress.steps if entry.status is StepStatus.OK)
    st.progress(
        done / LAST_STEP,
        text="Every step is done."
        if progress.complete
        else f"{done} of {LAST_STEP} steps done · continue at step {progress.current_step}",
    )
    st.segmented_control(
        "Step",
        options=list(range(1, LAST_STEP + 1)),
        format_func=lambda n: f"{status_icon(progress.steps[n - 1].status)} {n}",
        key=VIEWED_STEP,
        required=True,
    )


def _choose_step(progress: ProcedureProgress) -> None:
    """Land on the step the trip to Salesforce came back to, else where the person left off,
    else where the stored progress resumes."""
    landing = st.session_state.pop(LANDING_STEP, None)
    if isinstance(landing, int) and 1 <= landing <= LAST_STEP:
        st.session_state[VIEWED_STEP] = landing
    elif not isinstance(st.session_state.get(VIEWED_STEP), int):
        st.session_state[VIEWED_STEP] = progress.current_step


def _step(portal: Portal, actor: Actor, step: ProcedureStep) -> ProcedureProgress | None:
    """The step: the document's words beside its check and action; the progress after it."""
    st.header(f"{step.number}. {step.title}", anchor=False)
    document, check = st.columns([1, 1], gap="large")
    with check:
        st.subheader("Check", anchor=False)
        if session.peek(_marked_name(step.number)):
            result = _marked(portal, step.number)
        else:
            result = _CHECKS[step.number](portal, actor)
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    with document:
        st.subheader("What the procedure says", anchor=False)
        _document(step, result)
        recorded = progress.steps[step.number - 1] if progress else None
        if recorded is not None and recorded.updated_at is not None:
            who = f" by {recorded.updated_by}" if recorded.updated_by else ""
            st.caption(f"Last recorded {when(recorded.updated_at)}{who}.")
    _navigation(portal, actor, step, result, progress)
    return progress


def _document(step: ProcedureStep, result: StepResult | None) -> None:
    st.markdown("\n".join(f"{i}. {line}" for i, line in enumerate(step.instructions, start=1)))
    for note in step.notes:
        st.caption(f":material/info: {note}")
    if not step.branches:
        return
    st.markdown("**Cases**")
    for branch in step.branches:
        applies = result is not None and result.branch == branch.branch_id
        then = f" → step {branch.next_step}" if branch.next_step else ""
        line = f"**{branch.branch_id}** {branch.condition}: {branch.instruction}{then}"
        if applies:
            st.markdown(f":material/arrow_forward: :green-background[{line}] *(applies now)*")
        else:
            st.markdown(f"- {line}")


def _navigation(
    portal: Portal,
    actor: Actor,
    step: ProcedureStep,
    result: StepResult | None,
    progress: ProcedureProgress | None,
) -> None:
    st.divider()
    following = _following(step.number, result)
    buttons = st.container(horizontal=True)
    buttons.button(
        "Previous step",
        key=PREVIOUS,
        icon=":material/arrow_back:",
        disabled=step.number == 1,
        on_click=_view,
        args=(step.number - 1,),
    )
    buttons.button(
        "Check again",
        key=CHECK_AGAIN,
        icon=":material/refresh:",
        on_click=_check_again,
        args=(step.number,),
    )
    if step.number in MANUAL_STEPS and (result is None or result.status is not StepStatus.OK):
        buttons.button(
            "Mark this step as done",
            key=MARK_DONE,
            icon=":material/task_alt:",
            disabled=not actor.is_admin,
            help=VIEWER_NOTE
            if not actor.is_admin
            else "When you checked it yourself in Salesforce Setup.",
            on_click=_mark_done,
            args=(portal, actor, step.number),
        )
    buttons.button(
        f"Next: step {following}" if following else "Procedure finished",
        key=NEXT,
        type="primary",
        icon=":material/arrow_forward:",
        disabled=following is None,
        on_click=_view,
        args=(following or step.number,),
    )
    if progress is not None and progress.complete:
        st.success("Every step of the procedure is done.", icon=":material/celebration:")
    with st.expander("Start the procedure over"):
        st.caption("Forgets the progress through the steps; settings, backups and history stay.")
        st.button(
            "Start over",
            key=RESTART,
            disabled=not actor.is_admin,
            on_click=_restart,
            args=(portal, actor),
        )


def _following(number: int, result: StepResult | None) -> int | None:
    if result is not None and result.next_step and result.next_step > number:
        return result.next_step
    return number + 1 if number < LAST_STEP else None


def _view(number: int) -> None:
    st.session_state[VIEWED_STEP] = number


def _check_again(number: int) -> None:
    session.forget(_check_name(number))
    session.forget(_marked_name(number))


def _mark_done(portal: Portal, actor: Actor, number: int) -> None:
    marked = attempt(
        lambda: portal.procedure.mark(actor=actor, step=number, status=StepStatus.OK),
        where="mark step",
    )
    if marked is not None:
        # Shown instead of the portal's own check until "Check again" or the next change.
        session.remember(_marked_name(number), True)
        notify(NoticeKind.SUCCESS, f"Step {number} is marked as done.")


def _marked(portal: Portal, number: int) -> StepResult | None:
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    if progress is None:
        return None
    entry = progress.steps[number - 1]
    result = StepResult.of(
        step=number, status=entry.status or StepStatus.ACTION_NEEDED, message=entry.message
    )
    step_result(result)
    st.caption(
        "You marked this step as done after checking it yourself; “Check again” runs the "
        "portal's own check."
    )
    return result


def _restart(portal: Portal, actor: Actor) -> None:
    restarted = attempt(lambda: portal.procedure.restart(actor=actor), where="restart procedure")
    session.changed()
    if restarted is not None:
        st.session_state[VIEWED_STEP] = restarted.current_step
        notify(NoticeKind.INFO, "The procedure starts over at step 1.")


# --- the steps' checks and actions ----------------------------------------------------------


def _checked(step: int, compute: Callable[[], T], *, slow: bool) -> T | None:
    """The step's check, run once per visit (under a spinner when it asks Salesforce)."""

    def run() -> T | None:
        return attempt(compute, where=f"step {step} check", queue=False)

    if session.peek(_check_name(step)) is not None or not slow:
        return session.remembered(_check_name(step), run)
    with st.spinner("Checking with Salesforce…"):
        return session.remembered(_check_name(step), run)


def _step_1(portal: Portal, actor: Actor) -> StepResult | None:
    current = _checked(1, portal.integration.current, slow=True)
    if current is None:
        return None
    result: StepResult = current.result
    status = current.status
    step_result(result)
    if status.org_id:
        st.markdown(
            f"**Org:** {status.org_name or '(name unknown)'} · `{status.org_id}`  \n"
            f"**User:** {status.username or '(unknown)'}  \n"
            f"**Integrated:** {when(status.integrated_at) or '—'}"
        )
    st.markdown("**Authentication history**")
    authentication_history(portal, limit=5)
    return result


def _step_2(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(2, lambda: portal.procedure.check(step=2), slow=False)
    if result is None:
        return None
    step_result(result)
    status = portal.integration.status()
    remove_control(portal, actor, status, prefix="proc")
    read_only_note(actor)
    latest = portal.backups.latest()
    if latest is not None:
        st.caption(
            f":material/backup: Latest backup #{latest.id}, taken {when(latest.snapshot.taken_at)} "
            f"from {latest.snapshot.org_name or latest.snapshot.org_id}."
        )
    return result


def _check_session(portal: Portal, actor: Actor) -> None:
    """Who steps 3, 4 and 6 look with: the check sign-in, the integration, or nobody yet."""
    current = portal.checks.session()
    if current is None:
        st.caption(
            "MiiTel is not integrated now, so the portal can look only after a Salesforce user "
            "with the System Administrator profile signs in once, through MiiTel, to check."
        )
        sign_in_button(
            portal,
            actor,
            purpose=SignInPurpose.CHECK,
            label="Sign in to check",
            key=SIGN_IN_TO_CHECK,
            help="Log in to Salesforce as a System Administrator; the portal only looks.",
        )
    elif current.kind == "check":
        st.caption(
            f":material/person_search: Checking as {current.username or 'the admin who signed in'} "
            "(check sign-in). It ends when you integrate, or now:"
        )
        st.button(
            "Finish checks",
            key=FINISH_CHECKS,
            disabled=not actor.is_admin,
            on_click=_finish_checks,
            args=(portal, actor),
        )
    else:
        st.caption(
            ":material/link: Checking with the integration itself "
            f"({current.username or 'the integrated user'})."
        )


def _finish_checks(portal: Portal, actor: Actor) -> None:
    ended = attempt(lambda: portal.checks.finish(actor=actor), where="finish checks")
    session.changed()
    if ended:
        notify(
            NoticeKind.SUCCESS, "The check sign-in ended; its session was revoked at Salesforce."
        )


def _step_3(portal: Portal, actor: Actor) -> StepResult | None:
    check = _checked(3, portal.checks.connected_app, slow=True)
    if check is None:
        return None
    result: StepResult = check.result
    step_result(result)
    _setup_link(check.setup_link, result, "Connected Apps OAuth Usage")
    _check_session(portal, actor)
    return result


def _step_4(portal: Portal, actor: Actor) -> StepResult | None:
    check = _checked(4, portal.checks.approve_permission, slow=True)
    if check is None:
        return None
    result: StepResult = check.result
    step_result(result)
    _setup_link(check.setup_link, result, "Users")
    _check_session(portal, actor)
    return result


def _step_5(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(5, portal.integration.reintegrated, slow=False)
    if result is None:
        return None
    step_result(result)
    other_org_confirmation(portal, actor, prefix="proc")
    integrate_control(portal, actor, prefix="proc")
    read_only_note(actor)
    return result


def _step_6(portal: Portal, actor: Actor) -> StepResult | None:
    check = _checked(6, portal.checks.installed, slow=True)
    if check is None:
        return None
    result: StepResult = check.result
    step_result(result)
    _setup_link(check.setup_link, result, "Connected Apps OAuth Usage")
    return result


def _step_7(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(7, lambda: portal.procedure.check(step=7), slow=False)
    if result is None:
        return None
    step_result(result)
    restore_control(portal, actor, prefix="proc")
    read_only_note(actor)
    return result


def _step_8(portal: Portal, actor: Actor) -> StepResult | None:
    report = _checked(8, portal.validation.validate, slow=True)
    if report is None:
        return None
    session.remember(VALIDATION_REPORT, report)
    result: StepResult = report.result
    # The problems are listed per tab below, not as the result's flat detail lines.
    step_result(result, details=False)
    for tab, lines in problems_by_tab(report.problems).items():
        st.markdown(f"**{tab}**")
        st.markdown("\n".join(f"- {line}" for line in lines))
    nav.link(nav.SALESFORCE, "Open the settings tabs to fix and Save")
    return result


def _step_9(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(9, lambda: portal.procedure.check(step=9), slow=False)
    if result is None:
        return None
    step_result(result)
    contact_retrieval_form(portal, actor, prefix="proc")
    read_only_note(actor)
    return result


def _step_10(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(10, lambda: portal.procedure.check(step=10), slow=False)
    if result is None:
        return None
    step_result(result)
    nav.link(nav.ERROR_LOG, "Open the Third-party integration error log")
    return result


def _setup_link(link: str | None, result: StepResult, page: str) -> None:
    if link and not any(line.endswith(link) for line in result.details):
        st.link_button(f"Open Setup › {page}", link, icon=":material/open_in_new:")


_CHECKS: Final[dict[int, Callable[[Portal, Actor], StepResult | None]]] = {
    1: _step_1,
    2: _step_2,
    3: _step_3,
    4: _step_4,
    5: _step_5,
    6: _step_6,
    7: _step_7,
    8: _step_8,
    9: _step_9,
    10: _step_10,
}


if __name__ == "__main__":
    procedure_page()
