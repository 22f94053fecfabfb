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
from portal.domain.procedure import (
    LAST_STEP,
    REINTEGRATION_STEP,
    ProcedureStep,
    UseCase,
    procedure_step_by_number,
)
from portal.domain.steps import StepCheck, StepResult, StepStatus
from portal.domain.text import msg
from portal.services.actors import Actor
from portal.services.checks import ConnectedAppCheck, InstalledCheck, PermissionCheckResult
from portal.services.integration import CurrentIntegration, SignInPurpose
from portal.services.procedure import ProcedureProgress
from portal.services.validation import ValidationReport
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
            result = _run(portal, actor, step)
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
    if step.manual and not done:
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


def _run(portal: Portal, actor: Actor, step: ProcedureStep) -> StepResult | None:
    """The step's use case (from the registry, run once per visit), its result, and what the
    step shows beside it."""
    checked = _checked(
        step.number, lambda: portal.procedure.run(step=step.number), slow=step.reads_salesforce
    )
    if checked is None:
        return None
    result = checked.result
    # Step 8 lists the problems per tab below, not as the result's flat detail lines.
    step_result(result, details=step.use_case is not UseCase.SETTINGS_VALIDATION)
    _setup_link(step, checked)
    _SHOWN_BESIDE[step.use_case](portal, actor, checked)
    return result


def _current_integration(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 1: the org and user integrated now, and the authentication history."""
    status = checked.status if isinstance(checked, CurrentIntegration) else None
    if status is not None and status.org_id:
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


def _removal(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 2: "Remove integration", and the backup it took."""
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


def _check_session(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Who steps 3 and 4 look with: the check sign-in, the integration, or nobody yet."""
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


def _reintegration(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 5: "Integrate" (and confirming a different org than step 1's)."""
    # Confirmed, the check above says MiiTel is integrated: the notice is not repeated.
    other_org_confirmation(portal, actor, prefix="proc")
    integrate_control(portal, actor, prefix="proc")
    read_only_note(actor)


def _installed(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 6: its Setup link is all it shows beside the check."""


def _restore(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 7: "Restore the settings prior to integration removal" → preview → "Restore"."""
    restore_control(
        portal,
        actor,
        prefix="proc",
        restored=checked.result.status is StepStatus.OK,
        on_result=_shown_in_check,
        explain_missing=False,  # the check above says there is no backup
    )
    read_only_note(actor)


def _settings_validation(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 8: the problems per settings tab, and the way to those tabs."""
    if isinstance(checked, ValidationReport):
        session.remember(VALIDATION_REPORT, checked)
        for tab, lines in problems_by_tab(checked.problems).items():
            st.markdown(f"**{t(tab)}**")
            st.markdown("\n".join(f"- {t(line)}" for line in lines))
    nav.link(nav.SALESFORCE, _("Open the settings tabs to fix and Save"))


def _contact_retrieval(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 9: "Turn off retrieving Salesforce contact information" + "Save"."""
    contact_retrieval_form(portal, actor, prefix="proc", on_result=_shown_in_check)
    read_only_note(actor)


def _error_log(portal: Portal, actor: Actor, checked: StepCheck) -> None:
    """Step 10: the way to the error log."""
    nav.link(nav.ERROR_LOG, _("Open the Third-party integration error log"))


def _setup_link(step: ProcedureStep, checked: StepCheck) -> None:
    """ "Open Setup › <the step's Setup page>", unless the result's details already link it."""
    link = checked.setup_link if isinstance(checked, _WITH_SETUP_LINK) else None
    if step.setup_page and link and not any(line.endswith(link) for line in checked.result.details):
        st.link_button(
            _("Open Setup › {page}").format(page=_(step.setup_page)),
            link,
            icon=":material/open_in_new:",
        )


_WITH_SETUP_LINK: Final = (ConnectedAppCheck, PermissionCheckResult, InstalledCheck)

#: What each use case shows beside its check's result (its action, what it found).
_SHOWN_BESIDE: Final[dict[UseCase, Callable[[Portal, Actor, StepCheck], None]]] = {
    UseCase.CURRENT_INTEGRATION: _current_integration,
    UseCase.REMOVAL: _removal,
    UseCase.CONNECTED_APP: _check_session,
    UseCase.APPROVE_PERMISSION: _check_session,
    UseCase.REINTEGRATION: _reintegration,
    UseCase.INSTALLED: _installed,
    UseCase.RESTORE: _restore,
    UseCase.SETTINGS_VALIDATION: _settings_validation,
    UseCase.CONTACT_RETRIEVAL: _contact_retrieval,
    UseCase.ERROR_LOG: _error_log,
}


if __name__ == "__main__":
    procedure_page()
