"""Demo (mock mode only): the mock org's scenarios, each named for the branch of the procedure
it shows and for where the demo starts; reset; simulated calls and meetings with the sync log;
links to the mock's Setup pages; and the demo logins (admins only)."""

from __future__ import annotations

from typing import Final

import streamlit as st
from streamlit.errors import StreamlitAPIException

from portal.bootstrap import Portal
from portal.domain.mock_org import MockInfo
from portal.domain.sync.messages import recognise_detail
from portal.domain.text import N_
from portal.services.actors import Actor
from portal.services.demo import NOT_INTEGRATED_FIRST_STEP, DemoService
from portal.services.sync.engine import SyncSummary
from portal.ui import nav, session
from portal.ui.auth import VIEWER_NOTE, read_only_note, require_actor
from portal.ui.container import portal_or_stop
from portal.ui.demo_import import csv_import_section
from portal.ui.demo_logins import logins_section
from portal.ui.dialogs import close_dialog, finish, is_open, open_dialog
from portal.ui.feedback import NoticeKind, attempt, guarded, notify, show_notices
from portal.ui.i18n import _, number, plain, t
from portal.ui.markup import literal
from portal.ui.tables import object_label, shown_time, when_header

SCENARIO: Final = "demo.scenario"
SWITCH: Final = "demo.switch"
RESET: Final = "demo.reset"
SWITCH_DIALOG: Final = "demo.switch"
RESET_DIALOG: Final = "demo.reset"
#: The branch of the procedure each of the mock's scenarios shows.
SCENARIO_BRANCHES: Final = {
    "default": N_(
        "Everything in order: MiiTel installed (3-2-2, “Uninstall”), the user has the "
        "permission (step 4), step 8 clean."
    ),
    "app-blocked": N_(
        "3-2-1: MiiTel is blocked — “Unblock” it in Setup, then continue; Integrate fails "
        "until then."
    ),
    "app-uninstalled": N_(
        "3-2-2: MiiTel is listed with “Install” — go on with step 5, install it in step 6."
    ),
    "app-never-used": N_(
        "3-1: there is no “MiiTel” in Connected Apps OAuth Usage — go on with step 4."
    ),
    "user-without-approve-permission": N_(
        "4: the user lacks “Approve Uninstalled Connected Apps” — Integrate is refused until "
        "the permission is granted or MiiTel installed."
    ),
    "custom-profile-admin": N_("4: the permission comes from a permission set, not the profile."),
    "second-org": N_(
        "Re-integration into another org: step 5 asks to confirm the org, step 8 shows the "
        "fields missing there."
    ),
    "user-cannot-read-task-fields": N_(
        "8: the integration user cannot read the mapped Task fields — errors on Activity "
        "history integration."
    ),
}
#: Scenarios where MiiTel is not installed (or blocked) in the org: the demo starts just after
#: "Remove integration", and the procedure goes on at step 3.
STARTS_NOT_INTEGRATED: Final = frozenset(
    {
        "app-blocked",
        "app-uninstalled",
        "app-never-used",
        "user-without-approve-permission",
        "custom-profile-admin",
    }
)
SETUP_PAGES: Final = (
    (N_("Setup login"), "/setup/login"),
    (N_("Connected Apps OAuth Usage"), "/setup/connected-apps-oauth-usage"),
    (N_("Users"), "/setup/users"),
    (N_("Profiles"), "/setup/profiles"),
    (N_("Permission Sets"), "/setup/permission-sets"),
)


@guarded
def demo_page() -> None:
    """Scenario picker, reset, simulation, Setup links and logins of the bundled mock org."""
    actor = require_actor()
    portal = portal_or_stop()
    st.title(_("Demo: the mock Salesforce org"))
    show_notices()
    demo = portal.demo
    if demo is None:
        st.info(
            _("The demo controls work only in mock mode, with the bundled mock Salesforce org."),
            icon=":material/info:",
        )
        return
    info = attempt(demo.info, where="demo info", queue=False)
    if info is None:
        return
    current = attempt(demo.current_scenario, where="demo scenario", queue=False) or info.scenario
    now = _("Scenario now:")
    st.markdown(f"**{now}** `{current}` — {scenario_branch(current)}")
    if current in STARTS_NOT_INTEGRATED:
        _where_to_begin(demo)
    _scenarios(portal, actor, demo, info, current)
    st.divider()
    _simulation(portal, actor)
    st.divider()
    csv_import_section(portal, actor)
    st.divider()
    _setup_links(info)
    st.divider()
    logins_section(info, actor)


def scenario_branch(name: str) -> str:
    """What the scenario shows, and where the demo starts in it, in the session's language."""
    branch = SCENARIO_BRANCHES.get(name)
    shown = _(branch) if branch else _("A scenario of the mock org.")
    if name in STARTS_NOT_INTEGRATED:
        shown = _("{branch} Starts not integrated: begin at step {step}.").format(
            branch=shown, step=NOT_INTEGRATED_FIRST_STEP
        )
    return shown


def _where_to_begin(demo: DemoService) -> None:
    """In a scenario that starts not integrated, while MiiTel is not integrated: say so, and
    where the procedure goes on."""
    integrated = attempt(demo.integrated, where="demo integrated", queue=False)
    if integrated is None or integrated:
        return
    st.warning(
        _(
            "MiiTel is not integrated now: the demo starts just after “Remove integration” "
            "(step 2). Begin the procedure at step {step}: check MiiTel in Connected Apps OAuth "
            "Usage in Setup."
        ).format(step=NOT_INTEGRATED_FIRST_STEP),
        icon=":material/link_off:",
    )
    label = _("Open step {step}").format(step=NOT_INTEGRATED_FIRST_STEP)
    try:
        st.page_link(
            nav.PROCEDURE.file,
            label=label,
            icon=":material/arrow_forward:",
            query_params={"step": str(NOT_INTEGRATED_FIRST_STEP)},
        )
    except StreamlitAPIException:  # the page runs on its own (no navigation)
        st.caption(label)


def _scenarios(
    portal: Portal, actor: Actor, demo: DemoService, info: MockInfo, current: str
) -> None:
    st.subheader(_("Scenarios"), anchor=False)
    st.caption(
        _(
            "Switching or resetting puts the mock org into the scenario (same seed) and the "
            "portal back to the demo's starting state: integrated with the default org where "
            "the scenario allows it, realistic settings, some authentication history and "
            "error-log rows."
        )
    )
    options = list(info.scenarios)
    if SCENARIO not in st.session_state and current in options:
        st.session_state[SCENARIO] = current
    chosen = st.radio(
        _("Scenario"),
        options=options,
        captions=[scenario_branch(name) for name in options],
        key=SCENARIO,
        disabled=not actor.is_admin,
    )
    viewer_note = None if actor.is_admin else _(VIEWER_NOTE)
    buttons = st.container(horizontal=True)
    buttons.button(
        _("Switch to this scenario"),
        key=SWITCH,
        type="primary",
        icon=":material/swap_horiz:",
        disabled=not actor.is_admin or chosen is None,
        help=viewer_note,
        on_click=open_dialog,
        args=(SWITCH_DIALOG,),
    )
    buttons.button(
        _("Reset the demo"),
        key=RESET,
        icon=":material/restart_alt:",
        disabled=not actor.is_admin,
        help=viewer_note,
        on_click=open_dialog,
        args=(RESET_DIALOG,),
    )
    read_only_note(actor)
    if is_open(SWITCH_DIALOG):
        _confirm(demo, actor, str(chosen))
    elif is_open(RESET_DIALOG):
        _confirm(demo, actor, current)


def _confirm(demo: DemoService, actor: Actor, scenario: str) -> None:
    # The dialog's title is in the session's language, so the dialog is made per run.
    st.dialog(_("Reset the demo"), on_dismiss=close_dialog)(_confirm_body)(demo, actor, scenario)


def _confirm_body(demo: DemoService, actor: Actor, scenario: str) -> None:
    st.markdown(
        _(
            "Reset the mock org into **{scenario}** and the portal to the demo's starting "
            "state? Everything in the portal's database (settings, backups, history, error "
            "log, progress) is replaced."
        ).format(scenario=literal(scenario))
    )
    left, right = st.columns(2)
    if right.button(_("Cancel"), key="dialog.demo.cancel"):
        finish()
    if not left.button(_("Reset"), key="dialog.demo.confirm", type="primary"):
        return
    with st.status(
        _("Resetting the demo into {scenario}…").format(scenario=literal(scenario)), expanded=True
    ) as progress:
        st.write(_("Seeding the mock org, then signing in as its integration user…"))
        state = attempt(lambda: demo.switch(actor=actor, scenario=scenario), where="demo reset")
        progress.update(
            label=_("Demo reset") if state else _("The demo was not reset"),
            state="complete" if state else "error",
        )
    session.changed()
    if state is not None:
        notify(NoticeKind.SUCCESS if state.integrated else NoticeKind.WARNING, state.message)
    finish()


SIM_CALLS: Final = "demo.sim.calls"
SIM_MEETINGS: Final = "demo.sim.meetings"
SIMULATE: Final = "demo.simulate"
SEND_QUEUED: Final = "demo.send_queued"
SEND_FAILED: Final = "demo.send_failed"
SIM_SUMMARY: Final = "demo.sim.summary"


def _simulation(portal: Portal, actor: Actor) -> None:
    """Simulate N calls and meetings: what MiiTel writes to Salesforce after each, per the
    settings, with a progress bar and a summary (written, failed by code, queued)."""
    st.subheader(_("Simulate calls and meetings"), anchor=False)
    st.caption(
        _(
            "Makes calls and meetings as MiiTel records them (some to numbers of the org's "
            "Contacts, Accounts and Leads) and writes them to Salesforce per the Activity "
            "history and Video history integration settings. Refused records go to the error "
            "log; records that cannot be sent now (not integrated, area disabled, Salesforce "
            "unavailable) wait and are sent later."
        )
    )
    left, right = st.columns(2)
    calls = int(left.number_input(_("Calls"), 0, 10_000, 200, step=50, key=SIM_CALLS))
    meetings = int(right.number_input(_("Meetings"), 0, 10_000, 20, step=10, key=SIM_MEETINGS))
    status = attempt(portal.sync.status, where="sync status", queue=False)
    viewer_note = None if actor.is_admin else _(VIEWER_NOTE)
    buttons = st.container(horizontal=True)
    simulate = buttons.button(
        _("Simulate {calls} calls and {meetings} meetings").format(
            calls=number(calls), meetings=number(meetings)
        ),
        key=SIMULATE,
        type="primary",
        icon=":material/call:",
        disabled=not actor.is_admin or calls + meetings == 0,
        help=viewer_note,
    )
    send_label = _("Send queued calls and meetings")
    if status:
        send_label = _("{action} ({count})").format(action=send_label, count=number(status.queued))
    send = buttons.button(
        send_label,
        key=SEND_QUEUED,
        icon=":material/send:",
        disabled=not actor.is_admin or not status or not status.queued,
        help=viewer_note,
    )
    failed_label = _("Send failed calls and meetings again")
    if status:
        failed_label = _("{action} ({count})").format(
            action=failed_label, count=number(status.failed)
        )
    send_failed = buttons.button(
        failed_label,
        key=SEND_FAILED,
        icon=":material/replay:",
        disabled=not actor.is_admin or not status or not status.failed,
        help=viewer_note
        or _(
            "After fixing what Salesforce refused (the settings, step 8, or the org): sends "
            "those records once more. Their refusals stay in the error log."
        ),
    )
    if simulate or send or send_failed:
        bar = st.progress(0.0, text=_("Starting…"))

        def show(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=t(message))

        def run() -> SyncSummary:
            if simulate:
                return portal.sync.simulate_and_sync(
                    actor=actor, calls=calls, meetings=meetings, progress=show
                )
            if send_failed:
                return portal.sync.retry_failed(actor=actor, progress=show)
            return portal.sync.sync_pending(actor=actor, progress=show)

        summary = attempt(run, where="simulate calls", queue=False)
        bar.empty()
        if summary is not None:
            st.session_state[SIM_SUMMARY] = summary
            session.changed()
            st.rerun()  # the counts on the buttons above are out of date now
    summary = st.session_state.get(SIM_SUMMARY)
    if isinstance(summary, SyncSummary):
        _sync_summary(summary)
    _sync_log(portal)


def _sync_summary(summary: SyncSummary) -> None:
    written, failed, queued = st.columns(3)
    written.metric(_("Written"), number(summary.written))
    failed.metric(_("Failed"), number(summary.failed))
    queued.metric(_("Queued"), number(summary.queued))
    if summary.failed_by_code:
        code_header, records_header = _("Error code"), _("Records")
        st.dataframe(
            [
                {code_header: code, records_header: count}
                for code, count in sorted(summary.failed_by_code.items())
            ],
            hide_index=True,
        )
        st.caption(_("Each failed record is in the error log with Salesforce's message."))
    for note in summary.notes:
        st.info(t(note), icon=":material/schedule:")


def _sync_log(portal: Portal) -> None:
    entries = attempt(lambda: portal.sync.recent(limit=50), where="sync log", queue=False)
    if not entries:
        return
    title, newest = _("Sync log"), _("(newest first, last {count})").format(count=50)
    st.markdown(f"**{title}** {newest}")
    headers = (
        when_header(),
        _("Source"),
        _("MiiTel ID"),
        _("Object"),
        _("Outcome"),
        _("Salesforce ID"),
        _("Detail"),
    )
    st.dataframe(
        [
            dict(
                zip(
                    headers,
                    (
                        shown_time(e.occurred_at),
                        t(e.source.label),
                        e.miitel_record_id,
                        object_label(e.sobject),
                        t(e.outcome.label),
                        e.salesforce_id or "",
                        plain(recognise_detail(e.detail)) if e.detail else "",
                    ),
                    strict=True,
                )
            )
            for e in entries
        ],
        hide_index=True,
    )


def _setup_links(info: MockInfo) -> None:
    st.subheader(_("Setup pages of the mock org"), anchor=False)
    st.caption(
        _(
            "Log in to Setup with an admin user below (steps 3, 4 and 6 happen there: Unblock, "
            "Install, permission sets)."
        )
    )
    links = st.container(horizontal=True)
    base = info.http_url.rstrip("/")
    for label, path in SETUP_PAGES:
        links.link_button(_(label), base + path, icon=":material/open_in_new:")


if __name__ == "__main__":
    demo_page()
