"""Salesforce integration: the four tabs of MiiTel Admin's [Third-party integration] >
[Salesforce] screen — "Basic settings", "Activity history integration", "Video history
integration" and "Activity history assignee".

The tabs show step 8's errors on the field they concern; "Save" validates (nothing is saved
while a problem remains) and shows each problem next to its field.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Generic, TypeVar

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.restore import NOT_MAPPED
from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    SettingsArea,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    UserMapping,
    VideoHistorySettings,
)
from portal.domain.text import N_, Text, msg, plural_msg
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
ItemT = TypeVar("ItemT", CallDataItem, MeetingDataItem)
SettingsT = TypeVar("SettingsT", ActivityHistorySettings, VideoHistorySettings)
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
        _history_form(portal, actor, report, ACTIVITY_FORM)
    with video:
        _history_form(portal, actor, report, VIDEO_FORM)
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


# --- Activity history integration and Video history integration: one form -------------------


@dataclass(frozen=True)
class Choice(Generic[Labelled]):
    """A radio among an enum's choices, each shown with its label."""

    key: str
    label: str
    options: tuple[Labelled, ...]
    #: The setting whose problems are shown under the radio, if any can concern it.
    problem: str | None = None


@dataclass(frozen=True)
class HistoryValues(Generic[ItemT]):
    """What a history form's widgets hold; ``choices`` by :attr:`Choice.key`."""

    enabled: bool
    subject: str
    mappings: FieldMappings[ItemT]
    choices: Mapping[str, Any]


@dataclass(frozen=True)
class HistoryForm(Generic[SettingsT, ItemT]):
    """What tells the Activity history and the Video history forms apart: their settings,
    the Salesforce object and data items they map, their widget keys and their words."""

    area: SettingsArea
    key: str
    enabled_key: str
    subject_key: str
    save_key: str
    sobject: str
    items: type[ItemT]
    current: Callable[[IntegrationSettings], SettingsT]
    values: Callable[[SettingsT], HistoryValues[ItemT]]
    settings: Callable[[HistoryValues[ItemT]], SettingsT]
    save: Callable[[Portal, Actor, SettingsT], SaveResult]
    #: Names the save in the error log.
    where: str
    enabled_label: str
    subject_help: str
    mappings_heading: str
    mapping_label: Callable[[ItemT], Text]
    #: Where the object's settings sit in the problems' setting keys ("todo." or "").
    setting_prefix: str
    #: The setting key of problems about the object as a whole (its describe).
    object_setting: str
    object_heading: str | None = None
    #: Radios above the object's settings, and below its Subject.
    area_choices: tuple[Choice[Any], ...] = ()
    object_choices: tuple[Choice[Any], ...] = ()

    @property
    def choices(self) -> tuple[Choice[Any], ...]:
        return self.area_choices + self.object_choices

    def setting(self, name: str) -> str:
        """The problems' setting key of one of the object's settings."""
        return self.setting_prefix + name

    def mapping_key(self, item: ItemT) -> str:
        return f"{self.key}.map.{item.value}"


def _activity_values(current: ActivityHistorySettings) -> HistoryValues[CallDataItem]:
    return HistoryValues(
        enabled=current.enabled,
        subject=current.todo.subject,
        mappings=current.todo.field_mappings,
        choices={ACT_TIMING: current.timing, ACT_STATUS: current.todo.status},
    )


def _activity_settings(values: HistoryValues[CallDataItem]) -> ActivityHistorySettings:
    return ActivityHistorySettings(
        enabled=values.enabled,
        timing=values.choices[ACT_TIMING],
        todo=TodoObjectSettings(
            subject=values.subject,
            status=values.choices[ACT_STATUS],
            field_mappings=values.mappings,
        ),
    )


def _video_values(current: VideoHistorySettings) -> HistoryValues[MeetingDataItem]:
    return HistoryValues(
        enabled=current.enabled,
        subject=current.subject,
        mappings=current.field_mappings,
        choices={},
    )


def _video_settings(values: HistoryValues[MeetingDataItem]) -> VideoHistorySettings:
    return VideoHistorySettings(
        enabled=values.enabled, subject=values.subject, field_mappings=values.mappings
    )


ACTIVITY_FORM: Final[HistoryForm[ActivityHistorySettings, CallDataItem]] = HistoryForm(
    area=SettingsArea.ACTIVITY_HISTORY,
    key=ACT,
    enabled_key=ACT_ENABLED,
    subject_key=ACT_SUBJECT,
    save_key=ACT_SAVE,
    sobject="Task",
    items=CallDataItem,
    current=lambda settings: settings.activity_history,
    values=_activity_values,
    settings=_activity_settings,
    save=lambda portal, actor, settings: portal.settings.save_activity_history(
        actor=actor, settings=settings
    ),
    where="save activity history",
    enabled_label=N_("Enabled: write one Salesforce ToDo (Task) per call"),
    subject_help=N_(
        "Placeholders: {direction}, {counterpart}, {phone_number}, {user}, "
        "{start_time}, {end_time}, {duration}."
    ),
    mappings_heading=N_("**Call data written to Task fields** (field API names)"),
    mapping_label=lambda item: msg("Task field for {item}", item=item.label),
    setting_prefix="todo.",
    object_setting="todo",
    object_heading=N_("ToDo object"),
    area_choices=(Choice(ACT_TIMING, N_("When to write the ToDo"), tuple(ActivityTiming)),),
    object_choices=(Choice(ACT_STATUS, N_("Status"), tuple(TaskStatus), problem="todo.status"),),
)
VIDEO_FORM: Final[HistoryForm[VideoHistorySettings, MeetingDataItem]] = HistoryForm(
    area=SettingsArea.VIDEO_HISTORY,
    key=VID,
    enabled_key=VID_ENABLED,
    subject_key=VID_SUBJECT,
    save_key=VID_SAVE,
    sobject="Event",
    items=MeetingDataItem,
    current=lambda settings: settings.video_history,
    values=_video_values,
    settings=_video_settings,
    save=lambda portal, actor, settings: portal.settings.save_video_history(
        actor=actor, settings=settings
    ),
    where="save video history",
    enabled_label=N_("Enabled: write one Salesforce Event per meeting"),
    subject_help=N_("Placeholders: {title}, {host}, {participants}, {start_time}, {end_time}."),
    mappings_heading=N_("**Meeting data written to Event fields** (field API names)"),
    mapping_label=lambda item: msg("Event field for {item}", item=item.label),
    setting_prefix="",
    object_setting="event",
)


def _history_form(
    portal: Portal,
    actor: Actor,
    report: ValidationReport | None,
    form: HistoryForm[SettingsT, ItemT],
) -> None:
    """A history tab: Enabled, the form's choices, the object's Subject and the data mappings
    onto its fields, then "Save"."""
    current = form.current(portal.settings.current())
    values = form.values(current)
    problems = _problems(report, form.area)
    choices = _field_choices(portal, form.sobject)
    seed(
        form.key,
        source=current,
        values={
            form.enabled_key: values.enabled,
            **values.choices,
            form.subject_key: values.subject,
            **{form.mapping_key(i): values.mappings.get(i) or "" for i in form.items},
        },
    )
    top = st.container()
    locked = not actor.is_admin
    with st.form(form.key, border=False):
        st.toggle(_(form.enabled_label), key=form.enabled_key, disabled=locked)
        for choice in form.area_choices:
            _choice(choice, problems, disabled=locked)
        if form.object_heading is not None:
            st.markdown("**" + _(form.object_heading) + "**")
        problems.show(form.object_setting)
        st.text_input(
            _("Subject"), key=form.subject_key, disabled=locked, help=_(form.subject_help)
        )
        problems.show(form.setting("subject"))
        for choice in form.object_choices:
            _choice(choice, problems, disabled=locked)
        _mapping_inputs(form, choices, values.mappings, problems, disabled=locked)
        st.form_submit_button(
            _("Save"),
            key=form.save_key,
            type="primary",
            disabled=locked,
            on_click=_save_history,
            args=(portal, actor, form),
        )
    read_only_note(actor)
    _left_over(top, problems)


def _choice(choice: Choice[Any], problems: FieldProblems, *, disabled: bool) -> None:
    st.radio(
        _(choice.label),
        options=list(choice.options),
        format_func=labelled(choice.options),
        key=choice.key,
        horizontal=True,
        disabled=disabled,
    )
    if choice.problem is not None:
        problems.show(choice.problem)


def _mapping_inputs(
    form: HistoryForm[SettingsT, ItemT],
    choices: FieldChoices,
    saved: FieldMappings[ItemT],
    problems: FieldProblems,
    *,
    disabled: bool,
) -> None:
    st.markdown(_(form.mappings_heading))
    if not choices.available:
        st.caption(t(choices.message))
    for item in form.items:
        mapping_input(
            t(form.mapping_label(item)),
            key=form.mapping_key(item),
            choices=choices,
            saved=saved.get(item) or "",
            disabled=disabled,
        )
        problems.show(form.setting(f"field_mappings.{item.value}"))


def _save_history(portal: Portal, actor: Actor, form: HistoryForm[SettingsT, ItemT]) -> None:
    state = st.session_state
    settings = form.settings(
        HistoryValues(
            enabled=bool(state[form.enabled_key]),
            subject=str(state[form.subject_key]),
            mappings=FieldMappings.of(
                {item: str(state[form.mapping_key(item)]) for item in form.items}
            ),
            choices={choice.key: state[choice.key] for choice in form.choices},
        )
    )
    _saved(form.area, attempt(lambda: form.save(portal, actor, settings), where=form.where))


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
