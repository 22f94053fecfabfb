"""Procedure: the ten steps of the re-integration document as a guided wizard.

Each step shows the document's instruction, runs its live check (once per visit; "Check
again" runs it anew), shows the result and the branch that follows, and offers the step's
action. Progress is stored by the services, so a reload or the trip to Salesforce's sign-in
comes back to the right step; any step can be revisited. ``?step=N`` opens step N, and the
address bar always names the step shown, so it can be bookmarked or sent to a colleague.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, TypeVar

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.steps import ProcedureStep, StepResult, StepStatus, procedure_step_by_number
from portal.domain.text import N_, msg
from portal.services.actors import Actor
from portal.services.integration import SignInPurpose
from portal.services.procedure import LAST_STEP, REINTEGRATION_STEP, ProcedureProgress
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
from portal.ui.feedback import (
    Notice,
    NoticeKind,
    attempt,
    guarded,
    notify,
    show_notice,
    take_notices,
)
from portal.ui.i18n import _, number, t, when
from portal.ui.markup import literal, literal_code
from portal.ui.oauth import LANDING_STEP, sign_in_button
from portal.ui.settings_problems import VALIDATION_REPORT, problems_by_tab

T = TypeVar("T")

VIEWED_STEP: Final = "proc.step"
#: The step last written to the address bar: a different ``?step=`` is a link just opened.
URL_STEP: Final = "proc.url_step"
STEP_PARAM: Final = "step"
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
    st.title(_("Remove and re-integrate Salesforce"))
    st.caption(
        _(
            "Follow the ten steps to remove MiiTel's Salesforce integration and re-integrate "
            "it, restoring the settings and integration status (enabled / disabled) of "
            "Activity history integration, Video history integration and Activity history "
            "assignee from the backup taken at removal."
        )
    )
    landing = _landing()
    notices = take_notices()
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    if progress is None:
        for notice in notices:
            show_notice(notice)
        return
    viewed = _choose_step(progress, landing)
    for notice in notices:
        if _about(notice, landing) != viewed:
            show_notice(notice)
    here = [n for n in notices if _about(n, landing) == viewed]
    # Filled after the step's check ran, so the progress shown includes its result.
    header = st.container()
    step = procedure_step_by_number(viewed)
    progress = _step(portal, actor, step, here, removed=progress.removed) or progress
    with header:
        _progress(progress)


def _landing() -> int | None:
    """The step the trip to Salesforce came back to, if it just did."""
    landing = st.session_state.pop(LANDING_STEP, None)
    return landing if isinstance(landing, int) and 1 <= landing <= LAST_STEP else None


def _about(notice: Notice, landing: int | None) -> int | None:
    """The step a notice is about; the trip to Salesforce's notices are about its step."""
    return notice.step if notice.step is not None else landing


def _progress(progress: ProcedureProgress) -> None:
    text = (
        _("Every step is done.")
        if progress.complete
        else _("{done} of {total} steps done · continue at step {step}").format(
            done=number(progress.done), total=LAST_STEP, step=number(progress.current_step)
        )
    )
    st.progress(progress.done / LAST_STEP, text=text)
    st.segmented_control(
        _("Step"),
        options=list(range(1, LAST_STEP + 1)),
        format_func=lambda n: f"{status_icon(progress.steps[n - 1].shown)} {n}",
        key=VIEWED_STEP,
        required=True,
        on_change=_show_in_address_bar,
    )


def _choose_step(progress: ProcedureProgress, landing: int | None) -> int:
    """The step to show: where the trip to Salesforce came back to, else a ``?step=`` link just
    opened, else where the person is, else where the stored progress resumes. The address bar
    then names it."""
    asked = st.query_params.get(STEP_PARAM)
    if landing is not None:
        viewed = landing
    elif asked is not None and asked != st.session_state.get(URL_STEP):
        viewed = _step_number(asked) or 1
    elif isinstance(st.session_state.get(VIEWED_STEP), int):
        viewed = int(st.session_state[VIEWED_STEP])
    else:
        viewed = progress.current_step
    _view(viewed)
    return viewed


def _step_number(value: str) -> int | None:
    """``value`` as a step number, None unless it is one of the ten."""
    try:
        number = int(value)
    except ValueError:
        return None
    return number if 1 <= number <= LAST_STEP else None


def _view(number: int) -> None:
    """Show step ``number`` (also a callback) and name it in the address bar."""
    st.session_state[VIEWED_STEP] = number
    _show_in_address_bar()


def _show_in_address_bar() -> None:
    viewed = st.session_state.get(VIEWED_STEP)
    if isinstance(viewed, int):
        st.session_state[URL_STEP] = str(viewed)
        st.query_params[STEP_PARAM] = str(viewed)


def _step(
    portal: Portal, actor: Actor, step: ProcedureStep, notices: list[Notice], *, removed: bool
) -> ProcedureProgress | None:
    """The step: the document's words beside its check and action; the progress after it."""
    st.header(f"{number(step.number)}. {t(step.title)}", anchor=False)
    document, check = st.columns([1, 1], gap="large")
    with check:
        st.subheader(_("Check"), anchor=False)
        for notice in notices:
            # A success is what the check below shows; anything else is told here, once.
            if notice.kind is not NoticeKind.SUCCESS:
                show_notice(notice)
        if not removed and step.number > REINTEGRATION_STEP:
            st.info(
                _(
                    "Step 2 is not done yet, so this step does not count as done: what it finds "
                    "now is about the integration that step 2 removes. Steps 5 to 10 count after "
                    "the removal."
                ),
                icon=":material/info:",
            )
        if session.peek(_marked_name(step.number)):
            result = _marked(portal, step.number)
        else:
            result = _CHECKS[step.number](portal, actor)
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    with document:
        st.subheader(_("What the procedure says"), anchor=False)
        _document(step, result)
        recorded = progress.steps[step.number - 1] if progress else None
        if recorded is not None and recorded.updated_at is not None:
            moment = recorded.updated_at
            st.caption(
                t(msg("Last recorded {when} by {user}.", when=moment, user=recorded.updated_by))
                if recorded.updated_by
                else t(msg("Last recorded {when}.", when=moment))
            )
    _navigation(portal, actor, step, result, progress)
    return progress


def _document(step: ProcedureStep, result: StepResult | None) -> None:
    st.markdown("\n".join(f"{i}. {t(line)}" for i, line in enumerate(step.instructions, start=1)))
    for note in step.notes:
        st.caption(f":material/info: {t(note)}")
    if not step.branches:
        return
    cases, applies_now = _("Cases"), _("applies now")
    st.markdown(f"**{cases}**")
    for branch in step.branches:
        applies = result is not None and result.branch == branch.branch_id
        then = (
            " → " + _("step {number}").format(number=number(branch.next_step))
            if branch.next_step
            else ""
        )
        line = f"**{branch.branch_id}** {t(branch.condition)}: {t(branch.instruction)}{then}"
        if applies:
            st.markdown(f":material/arrow_forward: :green-background[{line}] *({applies_now})*")
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
    done = result is not None and result.status is StepStatus.OK
    buttons = st.container(horizontal=True)
    buttons.button(
        _("Previous step"),
        key=PREVIOUS,
        icon=":material/arrow_back:",
        disabled=step.number == 1,
        on_click=_view,
        args=(step.number - 1,),
    )
    buttons.button(
        _("Check again"),
        key=CHECK_AGAIN,
        icon=":material/refresh:",
        on_click=_check_again,
        args=(step.number,),
    )
    if step.number in MANUAL_STEPS and not done:
        buttons.button(
            _("Mark this step as done"),
            key=MARK_DONE,
            icon=":material/task_alt:",
            disabled=not actor.is_admin,
            help=_(VIEWER_NOTE)
            if not actor.is_admin
            else _("When you checked it yourself in Salesforce Setup."),
            on_click=_mark_done,
            args=(portal, actor, step.number),
        )
    buttons.button(
        _("Next: step {number}").format(number=number(following))
        if following
        else _("Procedure finished"),
        key=NEXT,
        # The way on is the main action once the step is done; until then the step's own is.
        type="primary" if done else "secondary",
        icon=":material/arrow_forward:",
        disabled=following is None,
        on_click=_view,
        args=(following or step.number,),
    )
    if progress is not None and progress.complete:
        st.success(_("Every step of the procedure is done."), icon=":material/celebration:")
    with st.expander(_("Start the procedure over")):
        st.caption(_("Forgets the progress through the steps; settings, backups and history stay."))
        st.button(
            _("Start over"),
            key=RESTART,
            disabled=not actor.is_admin,
            on_click=_restart,
            args=(portal, actor),
        )


def _following(number: int, result: StepResult | None) -> int | None:
    if result is not None and result.next_step and result.next_step > number:
        return result.next_step
    return number + 1 if number < LAST_STEP else None


def _check_again(number: int) -> None:
    session.forget(_check_name(number))
    session.forget(_marked_name(number))


def _mark_done(portal: Portal, actor: Actor, number: int) -> None:
    marked = attempt(
        lambda: portal.procedure.mark(actor=actor, step=number, status=StepStatus.OK),
        where="mark step",
    )
    if marked is not None:
        # Shown instead of the portal's own check until "Check again" or the next change;
        # that panel is the one place that says so.
        session.remember(_marked_name(number), True)


def _marked(portal: Portal, number: int) -> StepResult | None:
    progress = attempt(portal.procedure.progress, where="procedure progress", queue=False)
    if progress is None:
        return None
    entry = progress.steps[number - 1]
    status = entry.status or StepStatus.ACTION_NEEDED
    result = StepResult(
        step=number,
        status=status,
        title=entry.step.title,
        message=msg("Step {step} is marked as done.", step=number)
        if status is StepStatus.OK
        else msg("Step {step} is marked as not done.", step=number),
        next_step=entry.next_step,
        branch=entry.branch,
    )
    step_result(result)
    st.caption(
        _(
            "You marked this step as done after checking it yourself; “Check again” runs the "
            "portal's own check."
        )
    )
    return result


def _restart(portal: Portal, actor: Actor) -> None:
    restarted = attempt(lambda: portal.procedure.restart(actor=actor), where="restart procedure")
    session.changed()
    if restarted is not None:
        _view(restarted.current_step)
        notify(NoticeKind.INFO, msg("The procedure starts over at step 1."))


# --- the steps' checks and actions ----------------------------------------------------------


def _checked(step: int, compute: Callable[[], T], *, slow: bool) -> T | None:
    """The step's check, run once per visit (under a spinner when it asks Salesforce)."""

    def run() -> T | None:
        return attempt(compute, where=f"step {step} check", queue=False)

    if session.peek(_check_name(step)) is not None or not slow:
        return session.remembered(_check_name(step), run)
    with st.spinner(_("Checking with Salesforce…")):
        return session.remembered(_check_name(step), run)


def _shown_in_check(result: StepResult) -> None:
    """An action's result becomes its step's check result until "Check again" or the next
    change: the one place the person reads what happened."""
    session.remember(_check_name(result.step), result)


def _step_1(portal: Portal, actor: Actor) -> StepResult | None:
    current = _checked(1, portal.integration.current, slow=True)
    if current is None:
        return None
    result: StepResult = current.result
    status = current.status
    step_result(result)
    if status.org_id:
        org, user, since = _("Org"), _("User"), _("Integrated on")
        org_name = literal(status.org_name) if status.org_name else _("(name unknown)")
        username = literal(status.username) if status.username else _("(unknown)")
        lines = [
            f"**{org}:** {org_name} · {literal_code(status.org_id)}",
            f"**{user}:** {username}",
            f"**{since}:** {when(status.integrated_at)}",
        ]
        if status.api_version:
            lines.append(f"**{_('REST API version')}:** {literal_code(status.api_version)}")
        st.markdown("  \n".join(lines))
    history = _("Authentication history")
    st.markdown(f"**{history}**")
    authentication_history(portal, limit=5)
    return result


def _step_2(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(2, lambda: portal.procedure.check(step=2), slow=False)
    if result is None:
        return None
    step_result(result)
    status = portal.integration.status()
    remove_control(portal, actor, status, prefix="proc", on_result=_shown_in_check)
    read_only_note(actor)
    latest = portal.backups.latest()
    if latest is not None:
        snapshot = latest.snapshot
        st.caption(
            ":material/backup: "
            + t(
                msg(
                    "Latest backup #{backup}, taken {taken} from {org}.",
                    backup=str(latest.id),
                    taken=snapshot.taken_at,
                    org=snapshot.org_name or snapshot.org_id,
                )
            )
        )
    return result


def _check_session(portal: Portal, actor: Actor) -> None:
    """Who steps 3, 4 and 6 look with: the check sign-in, the integration, or nobody yet."""
    current = portal.checks.session()
    if current is None:
        st.caption(
            _(
                "MiiTel is not integrated now, so the portal can look only after a Salesforce "
                "user with the System Administrator profile signs in once, through MiiTel, to "
                "check."
            )
        )
        sign_in_button(
            portal,
            actor,
            purpose=SignInPurpose.CHECK,
            label=_("Sign in to check"),
            key=SIGN_IN_TO_CHECK,
            help=_("Log in to Salesforce as a System Administrator; the portal only looks."),
        )
    elif current.kind == "check":
        who = current.username or msg("the admin who signed in")
        st.caption(
            ":material/person_search: "
            + t(
                msg(
                    "Checking as {user} (check sign-in). It ends when you integrate, or now:",
                    user=who,
                )
            )
        )
        st.button(
            _("Finish checks"),
            key=FINISH_CHECKS,
            disabled=not actor.is_admin,
            on_click=_finish_checks,
            args=(portal, actor),
        )
    else:
        who = current.username or msg("the integrated user")
        st.caption(
            ":material/link: " + t(msg("Checking with the integration itself ({user}).", user=who))
        )


def _finish_checks(portal: Portal, actor: Actor) -> None:
    ended = attempt(lambda: portal.checks.finish(actor=actor), where="finish checks")
    session.changed()
    if ended:
        # The page shows the sign-in gone; the revocation happened at Salesforce: a toast.
        notify(
            NoticeKind.SUCCESS,
            msg("The check sign-in ended; its session was revoked at Salesforce."),
            toast=True,
        )


def _step_3(portal: Portal, actor: Actor) -> StepResult | None:
    check = _checked(3, portal.checks.connected_app, slow=True)
    if check is None:
        return None
    result: StepResult = check.result
    step_result(result)
    _setup_link(check.setup_link, result, N_("Connected Apps OAuth Usage"))
    _check_session(portal, actor)
    return result


def _step_4(portal: Portal, actor: Actor) -> StepResult | None:
    check = _checked(4, portal.checks.approve_permission, slow=True)
    if check is None:
        return None
    result: StepResult = check.result
    step_result(result)
    _setup_link(check.setup_link, result, N_("Users"))
    _check_session(portal, actor)
    return result


def _step_5(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(5, lambda: portal.procedure.check(step=5), slow=False)
    if result is None:
        return None
    step_result(result)
    # Confirmed, the check above says MiiTel is integrated: the notice is not repeated.
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
    _setup_link(check.setup_link, result, N_("Connected Apps OAuth Usage"))
    return result


def _step_7(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(7, lambda: portal.procedure.check(step=7), slow=False)
    if result is None:
        return None
    step_result(result)
    restore_control(
        portal,
        actor,
        prefix="proc",
        restored=result.status is StepStatus.OK,
        on_result=_shown_in_check,
        explain_missing=False,  # the check above says there is no backup
    )
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
        st.markdown(f"**{t(tab)}**")
        st.markdown("\n".join(f"- {t(line)}" for line in lines))
    nav.link(nav.SALESFORCE, _("Open the settings tabs to fix and Save"))
    return result


def _step_9(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(9, lambda: portal.procedure.check(step=9), slow=False)
    if result is None:
        return None
    step_result(result)
    contact_retrieval_form(portal, actor, prefix="proc", on_result=_shown_in_check)
    read_only_note(actor)
    return result


def _step_10(portal: Portal, actor: Actor) -> StepResult | None:
    result = _checked(10, lambda: portal.procedure.check(step=10), slow=False)
    if result is None:
        return None
    step_result(result)
    nav.link(nav.ERROR_LOG, _("Open the Third-party integration error log"))
    return result


def _setup_link(link: str | None, result: StepResult, page: str) -> None:
    """ "Open Setup › ``page``" (``page``: a marked constant, translated here)."""
    if link and not any(line.endswith(link) for line in result.details):
        st.link_button(
            _("Open Setup › {page}").format(page=_(page)), link, icon=":material/open_in_new:"
        )


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
