"""Salesforce integration: the four tabs of MiiTel Admin's [Third-party integration] >
[Salesforce] screen — "Basic settings", "Activity history integration", "Video history
integration" and "Activity history assignee".

The tabs show step 8's errors on the field they concern; "Save" validates (nothing is saved
while a problem remains) and shows each problem next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final, TypeVar

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.restore import NOT_MAPPED
from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    MeetingDataItem,
    SettingsArea,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    UserMapping,
    VideoHistorySettings,
)
from portal.domain.text import N_, msg, plural_msg
from portal.domain.wording import for_object
from portal.services.actors import Actor
from portal.services.settings import FieldChoices, SaveResult
from portal.services.validation import ValidationReport
from portal.ui import session
from portal.ui.actions import (
    authentication_history,
    contact_retrieval_form,
    integrate_control,
    other_org_confirmation,
    remove_control,
    restore_control,
)
from portal.ui.auth import read_only_note, require_actor
from portal.ui.container import portal_or_stop
from portal.ui.editor import apply_editor_changes
from portal.ui.feedback import NoticeKind, attempt, guarded, notify, show_notices
from portal.ui.forms import fingerprint, seed
from portal.ui.i18n import _, t
from portal.ui.settings_problems import VALIDATION_REPORT, FieldProblems

Labelled = TypeVar("Labelled", ActivityTiming, TaskStatus, UnmappedRule)
TABS: Final = tuple(area.label for area in SettingsArea)
CHECK_AGAIN: Final = "sf.check_again"
# Activity history integration
ACT: Final = "sf.activity"
ACT_ENABLED: Final = "sf.activity.enabled"
ACT_TIMING: Final = "sf.activity.timing"
ACT_SUBJECT: Final = "sf.activity.subject"
ACT_STATUS: Final = "sf.activity.status"
ACT_SAVE: Final = "sf.activity.save"
# Video history integration
VID: Final = "sf.video"
VID_ENABLED: Final = "sf.video.enabled"
VID_SUBJECT: Final = "sf.video.subject"
VID_SAVE: Final = "sf.video.save"
# Activity history assignee
ASG: Final = "sf.assignee"
ASG_EDITOR: Final = "sf.assignee.mappings"
ASG_DEFAULT: Final = "sf.assignee.default_owner"
ASG_RULE: Final = "sf.assignee.unmapped_rule"
ASG_SAVE: Final = "sf.assignee.save"
#: The last Save's result per tab (:class:`SaveResult`), until the settings change.
SAVE_RESULT: Final = "sf.save_result."
#: The assignee table's columns: the rows' keys (English); the headers are translated.
MIITEL_USER: Final = N_("MiiTel user")
SALESFORCE_USERNAME: Final = N_("Salesforce username")
NOT_MAPPED_HELP: Final = N_("Leave empty for “not mapped”.")
MISSING_IN_ORG: Final = N_("missing in the org")


_NOT_LISTED: Final = {
    "Task": N_("The org's Task fields could not be listed: type the field API names."),
    "Event": N_("The org's Event fields could not be listed: type the field API names."),
}
_CHOICES_HELP: Final = {
    "Task": N_("The Task fields the integrated user can write, from the org's describe."),
    "Event": N_("The Event fields the integrated user can write, from the org's describe."),
}


def labelled(choices: Iterable[Labelled]) -> Callable[[Labelled], str]:
    """A ``format_func`` showing each choice's label in the session's language, translated
    now: a widget may format its value again outside the page's run."""
    return {choice: t(choice.label) for choice in choices}.__getitem__


def act_mapping_key(item: CallDataItem) -> str:
    return f"{ACT}.map.{item.value}"


def vid_mapping_key(item: MeetingDataItem) -> str:
    return f"{VID}.map.{item.value}"


@guarded
def salesforce_integration_page() -> None:
    """The four tabs, with step 8's last report on the fields it concerns."""
    actor = require_actor()
    portal = portal_or_stop()
    st.title(_("Salesforce integration"))
    st.caption(_("[Third-party integration] > [Salesforce]"))
    show_notices()
    report = _validation_report(portal)
    basic, activity, video, assignee = st.tabs([t(label) for label in TABS])
    with basic:
        _basic_settings(portal, actor)
    with activity:
        _activity_history(portal, actor, report)
    with video:
        _video_history(portal, actor, report)
    with assignee:
        _assignee(portal, actor, report)


def _validation_report(portal: Portal) -> ValidationReport | None:
    def validate() -> ValidationReport | None:
        return attempt(portal.validation.validate, where="validate settings", queue=False)

    report: ValidationReport | None
    if session.peek(VALIDATION_REPORT) is None:
        with st.spinner(_("Checking the settings against Salesforce…")):
            report = session.remembered(VALIDATION_REPORT, validate)
    else:
        report = session.remembered(VALIDATION_REPORT, validate)
    if report is None:
        return None
    line = st.container(horizontal=True, vertical_alignment="center")
    if report.ok:
        said = t(
            msg(
                "The settings of the three tabs match the integrated org (checked {checked}).",
                checked=report.checked_at,
            )
        )
        line.markdown(f":green[:material/check_circle:] {said}")
    elif report.problems:
        said = t(
            plural_msg(
                "{count} setting show an error (checked {checked}): fix each item and click "
                "“Save”.",
                "{count} settings show an error (checked {checked}): fix each item and click "
                "“Save”.",
                len(report.problems),
                checked=report.checked_at,
            )
        )
        line.markdown(f":red[:material/error:] {said}")
    else:
        pending = t(report.result.message)
        line.markdown(f":orange[:material/pending:] {pending}")
    line.button(
        _("Check again"),
        key=CHECK_AGAIN,
        icon=":material/refresh:",
        on_click=session.forget,
        args=(VALIDATION_REPORT,),
    )
    return report


def _problems(report: ValidationReport | None, area: SettingsArea) -> FieldProblems:
    """The last Save's problems for the tab when it failed, else step 8's."""
    saved = st.session_state.get(SAVE_RESULT + area.value)
    if isinstance(saved, SaveResult) and not saved.saved:
        return FieldProblems(saved.problems)
    return FieldProblems(report.problems_for(area) if report is not None else ())


def _left_over(slot: Any, problems: FieldProblems) -> None:
    """Problems that concern the tab rather than one field, at the top of the tab."""
    rest = problems.rest()
    if rest:
        with slot:
            for problem in rest:
                st.error(t(problem.message), icon=":material/error:")


def _field_choices(portal: Portal, sobject: str) -> FieldChoices:
    found = attempt(
        lambda: portal.settings.field_choices(sobject=sobject),
        where=f"{sobject} field choices",
        queue=False,
    )
    return found or FieldChoices(
        sobject=sobject,
        available=False,
        message=for_object(sobject, _NOT_LISTED),
    )


def mapping_input(
    label: str, *, key: str, choices: FieldChoices, saved: str, disabled: bool
) -> None:
    """One mapping: a choice among the org's writable fields while they can be listed (a saved
    or typed name the org lacks stays selectable, marked missing), else a free-text API name."""
    if not choices.available:
        st.text_input(
            label,
            key=key,
            disabled=disabled,
            placeholder=_("not mapped"),
            help=_(NOT_MAPPED_HELP),
        )
        return
    shown: dict[str, str] = {"": t(NOT_MAPPED)}
    missing = _(MISSING_IN_ORG)
    for choice in choices.fields:
        shown[choice.api_name] = f"{choice.api_name} — {choice.label}"
    for value in (saved, st.session_state.get(key)):
        if isinstance(value, str) and value and value not in shown:
            found = choices.find(value)
            shown[value] = (
                f"{value} — {found.label}" if found is not None else f"{value} — {missing}"
            )
    st.selectbox(
        label,
        options=list(shown),
        format_func=shown.__getitem__,
        key=key,
        disabled=disabled,
        help=t(for_object(choices.sobject, _CHOICES_HELP)),
    )


# --- Basic settings -------------------------------------------------------------------------


def _basic_settings(portal: Portal, actor: Actor) -> None:
    status = attempt(portal.integration.status, where="integration status", queue=False)
    if status is None:
        return
    if status.connected:
        st.success(
            t(
                msg(
                    "Integrated with **{org}** (`{org_id}`) as **{username}** since {since}.",
                    org=status.org_name or status.org_id,
                    org_id=status.org_id,
                    username=status.username,
                    since=status.integrated_at or "—",
                )
            ),
            icon=":material/link:",
        )
        remove_control(portal, actor, status, prefix="sf")
    else:
        st.warning(_("MiiTel is not integrated with Salesforce."), icon=":material/link_off:")
        other_org_confirmation(portal, actor, prefix="sf")
        integrate_control(portal, actor, prefix="sf")
    read_only_note(actor)
    st.divider()
    restore_control(portal, actor, prefix="sf")
    st.divider()
    contact_retrieval_form(portal, actor, prefix="sf")
    st.divider()
    st.subheader(_("Authentication history"), anchor=False)
    authentication_history(portal)


# --- Activity history integration -----------------------------------------------------------


def _activity_history(portal: Portal, actor: Actor, report: ValidationReport | None) -> None:
    current = portal.settings.current().activity_history
    problems = _problems(report, SettingsArea.ACTIVITY_HISTORY)
    choices = _field_choices(portal, "Task")
    seed(
        ACT,
        source=current,
        values={
            ACT_ENABLED: current.enabled,
            ACT_TIMING: current.timing,
            ACT_SUBJECT: current.todo.subject,
            ACT_STATUS: current.todo.status,
            **{act_mapping_key(i): current.todo.field_mappings.get(i) or "" for i in CallDataItem},
        },
    )
    top = st.container()
    locked = not actor.is_admin
    with st.form(ACT, border=False):
        st.toggle(
            _("Enabled: write one Salesforce ToDo (Task) per call"),
            key=ACT_ENABLED,
            disabled=locked,
        )
        st.radio(
            _("When to write the ToDo"),
            options=list(ActivityTiming),
            format_func=labelled(ActivityTiming),
            key=ACT_TIMING,
            horizontal=True,
            disabled=locked,
        )
        st.markdown("**" + _("ToDo object") + "**")
        problems.show("todo")
        st.text_input(
            _("Subject"),
            key=ACT_SUBJECT,
            disabled=locked,
            help=_(
                "Placeholders: {direction}, {counterpart}, {phone_number}, {user}, "
                "{start_time}, {end_time}, {duration}."
            ),
        )
        problems.show("todo.subject")
        st.radio(
            _("Status"),
            options=list(TaskStatus),
            format_func=labelled(TaskStatus),
            key=ACT_STATUS,
            horizontal=True,
            disabled=locked,
        )
        problems.show("todo.status")
        st.markdown(_("**Call data written to Task fields** (field API names)"))
        if not choices.available:
            st.caption(t(choices.message))
        for item in CallDataItem:
            mapping_input(
                t(msg("Task field for {item}", item=item.label)),
                key=act_mapping_key(item),
                choices=choices,
                saved=current.todo.field_mappings.get(item) or "",
                disabled=locked,
            )
            problems.show(f"todo.field_mappings.{item.value}")
        st.form_submit_button(
            _("Save"),
            key=ACT_SAVE,
            type="primary",
            disabled=locked,
            on_click=_save_activity_history,
            args=(portal, actor),
        )
    read_only_note(actor)
    _left_over(top, problems)


def _save_activity_history(portal: Portal, actor: Actor) -> None:
    state = st.session_state
    settings = ActivityHistorySettings(
        enabled=bool(state[ACT_ENABLED]),
        timing=state[ACT_TIMING],
        todo=TodoObjectSettings(
            subject=str(state[ACT_SUBJECT]),
            status=state[ACT_STATUS],
            field_mappings=FieldMappings.of(
                {item: str(state[act_mapping_key(item)]) for item in CallDataItem}
            ),
        ),
    )
    _saved(
        SettingsArea.ACTIVITY_HISTORY,
        attempt(
            lambda: portal.settings.save_activity_history(actor=actor, settings=settings),
            where="save activity history",
        ),
    )


def _saved(area: SettingsArea, result: SaveResult | None) -> None:
    if result is None:
        return
    st.session_state[SAVE_RESULT + area.value] = result
    if result.saved:
        session.changed()
        notify(NoticeKind.SUCCESS, t(result.message))
        if result.warning:
            notify(NoticeKind.WARNING, t(result.warning))
    else:
        notify(NoticeKind.ERROR, t(result.message))


# --- Video history integration --------------------------------------------------------------


def _video_history(portal: Portal, actor: Actor, report: ValidationReport | None) -> None:
    current = portal.settings.current().video_history
    problems = _problems(report, SettingsArea.VIDEO_HISTORY)
    choices = _field_choices(portal, "Event")
    seed(
        VID,
        source=current,
        values={
            VID_ENABLED: current.enabled,
            VID_SUBJECT: current.subject,
            **{vid_mapping_key(i): current.field_mappings.get(i) or "" for i in MeetingDataItem},
        },
    )
    top = st.container()
    locked = not actor.is_admin
    with st.form(VID, border=False):
        st.toggle(
            _("Enabled: write one Salesforce Event per meeting"), key=VID_ENABLED, disabled=locked
        )
        problems.show("event")
        st.text_input(
            _("Subject"),
            key=VID_SUBJECT,
            disabled=locked,
            help=_("Placeholders: {title}, {host}, {participants}, {start_time}, {end_time}."),
        )
        problems.show("subject")
        st.markdown(_("**Meeting data written to Event fields** (field API names)"))
        if not choices.available:
            st.caption(t(choices.message))
        for item in MeetingDataItem:
            mapping_input(
                t(msg("Event field for {item}", item=item.label)),
                key=vid_mapping_key(item),
                choices=choices,
                saved=current.field_mappings.get(item) or "",
                disabled=locked,
            )
            problems.show(f"field_mappings.{item.value}")
        st.form_submit_button(
            _("Save"),
            key=VID_SAVE,
            type="primary",
            disabled=locked,
            on_click=_save_video_history,
            args=(portal, actor),
        )
    read_only_note(actor)
    _left_over(top, problems)


def _save_video_history(portal: Portal, actor: Actor) -> None:
    state = st.session_state
    settings = VideoHistorySettings(
        enabled=bool(state[VID_ENABLED]),
        subject=str(state[VID_SUBJECT]),
        field_mappings=FieldMappings.of(
            {item: str(state[vid_mapping_key(item)]) for item in MeetingDataItem}
        ),
    )
    _saved(
        SettingsArea.VIDEO_HISTORY,
        attempt(
            lambda: portal.settings.save_video_history(actor=actor, settings=settings),
            where="save video history",
        ),
    )


# --- Activity history assignee --------------------------------------------------------------


def _assignee(portal: Portal, actor: Actor, report: ValidationReport | None) -> None:
    current = portal.settings.current().assignee
    problems = _problems(report, SettingsArea.ASSIGNEE)
    seed(
        ASG,
        source=current,
        values={ASG_DEFAULT: current.default_owner_username or "", ASG_RULE: current.unmapped_rule},
    )
    rows = mapping_rows(current.user_mappings)
    # The editor's key follows the stored mappings, so a restore or reset shows them afresh.
    editor_key = f"{ASG_EDITOR}.{fingerprint(current.user_mappings)}"
    top = st.container()
    locked = not actor.is_admin
    with st.form(ASG, border=False):
        owners = _("MiiTel users and the Salesforce user who owns their activities")
        st.markdown(f"**{owners}**")
        st.data_editor(
            rows,
            key=editor_key,
            num_rows="dynamic",
            disabled=locked,
            hide_index=True,
            column_config={
                MIITEL_USER: st.column_config.TextColumn(_(MIITEL_USER), required=True),
                SALESFORCE_USERNAME: st.column_config.TextColumn(
                    _(SALESFORCE_USERNAME), required=True
                ),
            },
        )
        problems.show("user_mappings", under=True)
        st.text_input(
            _("Default owner (Salesforce username)"),
            key=ASG_DEFAULT,
            disabled=locked,
            help=_(
                "Owns the activities of unmapped users, missed calls and voicemail when the "
                "rule below says so."
            ),
        )
        problems.show("default_owner_username")
        st.radio(
            _("Unmapped users, missed calls and voicemail go to"),
            options=list(UnmappedRule),
            format_func=labelled(UnmappedRule),
            key=ASG_RULE,
            disabled=locked,
        )
        problems.show("unmapped_rule")
        st.form_submit_button(
            _("Save"),
            key=ASG_SAVE,
            type="primary",
            disabled=locked,
            on_click=_save_assignee,
            args=(portal, actor, rows, editor_key),
        )
    read_only_note(actor)
    _left_over(top, problems)


def mapping_rows(mappings: Sequence[UserMapping]) -> list[dict[str, str]]:
    return [
        {MIITEL_USER: m.miitel_user, SALESFORCE_USERNAME: m.salesforce_username} for m in mappings
    ]


def _save_assignee(
    portal: Portal, actor: Actor, rows: list[dict[str, str]], editor_key: str
) -> None:
    state = st.session_state
    edited = apply_editor_changes(rows, state.get(editor_key))
    default_owner = str(state[ASG_DEFAULT]).strip()
    settings = AssigneeSettings(
        user_mappings=tuple(
            UserMapping(
                miitel_user=_text(row, MIITEL_USER),
                salesforce_username=_text(row, SALESFORCE_USERNAME),
            )
            for row in edited
            if _text(row, MIITEL_USER) or _text(row, SALESFORCE_USERNAME)
        ),
        default_owner_username=default_owner or None,
        unmapped_rule=state[ASG_RULE],
    )
    _saved(
        SettingsArea.ASSIGNEE,
        attempt(
            lambda: portal.settings.save_assignee(actor=actor, settings=settings),
            where="save assignee",
        ),
    )


def _text(row: Mapping[str, object], column: str) -> str:
    value = row.get(column)
    return str(value).strip() if value is not None else ""


if __name__ == "__main__":
    salesforce_integration_page()
