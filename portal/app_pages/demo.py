"""Demo (mock mode only): the mock org's scenarios, each named for the branch of the procedure
it shows; reset; links to the mock's Setup pages; and the demo logins."""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.adapters.mock_org import MockInfo
from portal.services.actors import Actor
from portal.services.container import Portal
from portal.services.demo import DemoService
from portal.sync.engine import SyncSummary
from portal.ui import session
from portal.ui.auth import VIEWER_NOTE, read_only_note, require_actor
from portal.ui.container import portal_or_stop
from portal.ui.dialogs import close_dialog, finish, is_open, open_dialog
from portal.ui.feedback import NoticeKind, attempt, guarded, notify, show_notices

SCENARIO: Final = "demo.scenario"
SWITCH: Final = "demo.switch"
RESET: Final = "demo.reset"
SWITCH_DIALOG: Final = "demo.switch"
RESET_DIALOG: Final = "demo.reset"
#: The branch of the procedure each of the mock's scenarios shows.
SCENARIO_BRANCHES: Final = {
    "default": "Everything in order: MiiTel installed (3-2-2, “Uninstall”), the user has the "
    "permission (step 4), step 8 clean.",
    "app-blocked": "3-2-1: MiiTel is blocked — “Unblock” it in Setup, then continue; Integrate "
    "fails until then.",
    "app-uninstalled": "3-2-2: MiiTel is listed with “Install” — go on with step 5, install it "
    "in step 6.",
    "app-never-used": "3-1: there is no “MiiTel” in Connected Apps OAuth Usage — go on with "
    "step 4.",
    "user-without-approve-permission": "4: the user lacks “Approve Uninstalled Connected Apps” — "
    "Integrate is refused until the permission is granted or MiiTel installed.",
    "custom-profile-admin": "4: the permission comes from a permission set, not the profile.",
    "second-org": "Re-integration into another org: step 5 asks to confirm the org, step 8 "
    "shows the fields missing there.",
    "user-cannot-read-task-fields": "8: the integration user cannot read the mapped Task fields "
    "— errors on Activity history integration.",
}
SETUP_PAGES: Final = (
    ("Setup login", "/setup/login"),
    ("Connected Apps OAuth Usage", "/setup/connected-apps-oauth-usage"),
    ("Users", "/setup/users"),
    ("Profiles", "/setup/profiles"),
    ("Permission Sets", "/setup/permission-sets"),
)


@guarded
def demo_page() -> None:
    """Scenario picker, reset, Setup links and logins of the bundled mock org."""
    actor = require_actor()
    portal = portal_or_stop()
    st.title("Demo: the mock Salesforce org")
    show_notices()
    demo = portal.demo
    if demo is None:
        st.info(
            "The demo controls work only in mock mode, with the bundled mock Salesforce org.",
            icon=":material/info:",
        )
        return
    info = attempt(demo.info, where="demo info", queue=False)
    if info is None:
        return
    current = attempt(demo.current_scenario, where="demo scenario", queue=False) or info.scenario
    st.markdown(f"**Scenario now:** `{current}` — {scenario_branch(current)}")
    _scenarios(portal, actor, demo, info, current)
    st.divider()
    _simulation(portal, actor)
    st.divider()
    _setup_links(info)
    st.divider()
    _logins(info)


def scenario_branch(name: str) -> str:
    return SCENARIO_BRANCHES.get(name, "A scenario of the mock org.")


def _scenarios(
    portal: Portal, actor: Actor, demo: DemoService, info: MockInfo, current: str
) -> None:
    st.subheader("Scenarios", anchor=False)
    st.caption(
        "Switching or resetting puts the mock org into the scenario (same seed) and the portal "
        "back to the demo's starting state: integrated with the default org where the "
        "scenario allows it, realistic settings, some authentication history and error-log rows."
    )
    options = list(info.scenarios)
    if SCENARIO not in st.session_state and current in options:
        st.session_state[SCENARIO] = current
    chosen = st.radio(
        "Scenario",
        options=options,
        format_func=lambda name: f"**{name}** — {scenario_branch(name)}",
        key=SCENARIO,
        disabled=not actor.is_admin,
    )
    buttons = st.container(horizontal=True)
    buttons.button(
        "Switch to this scenario",
        key=SWITCH,
        type="primary",
        icon=":material/swap_horiz:",
        disabled=not actor.is_admin or chosen is None,
        help=VIEWER_NOTE if not actor.is_admin else None,
        on_click=open_dialog,
        args=(SWITCH_DIALOG,),
    )
    buttons.button(
        "Reset the demo",
        key=RESET,
        icon=":material/restart_alt:",
        disabled=not actor.is_admin,
        help=VIEWER_NOTE if not actor.is_admin else None,
        on_click=open_dialog,
        args=(RESET_DIALOG,),
    )
    read_only_note(actor)
    if is_open(SWITCH_DIALOG):
        _confirm(demo, actor, str(chosen))
    elif is_open(RESET_DIALOG):
        _confirm(demo, actor, current)


@st.dialog("Reset the demo", on_dismiss=close_dialog)
def _confirm(demo: DemoService, actor: Actor, scenario: str) -> None:
    st.markdown(
        f"Reset the mock org into **{scenario}** and the portal to the demo's starting state? "
        "Everything in the portal's database (settings, backups, history, error log, progress) "
        "is replaced."
    )
    left, right = st.columns(2)
    if right.button("Cancel", key="dialog.demo.cancel"):
        finish()
    if not left.button("Reset", key="dialog.demo.confirm", type="primary"):
        return
    with st.status(f"Resetting the demo into {scenario}…", expanded=True) as progress:
        st.write("Seeding the mock org, then signing in as its integration user…")
        state = attempt(lambda: demo.switch(actor=actor, scenario=scenario), where="demo reset")
        progress.update(
            label="Demo reset" if state else "The demo was not reset",
            state="complete" if state else "error",
        )
    session.changed()
    if state is not None:
        notify(NoticeKind.SUCCESS, state.message)
    finish()


SIM_CALLS: Final = "demo.sim.calls"
SIM_MEETINGS: Final = "demo.sim.meetings"
SIMULATE: Final = "demo.simulate"
SEND_QUEUED: Final = "demo.send_queued"
SIM_SUMMARY: Final = "demo.sim.summary"


def _simulation(portal: Portal, actor: Actor) -> None:
    """Simulate N calls and meetings: what MiiTel writes to Salesforce after each, per the
    settings, with a progress bar and a summary (written, failed by code, queued)."""
    st.subheader("Simulate calls and meetings", anchor=False)
    st.caption(
        "Makes calls and meetings as MiiTel records them (some to numbers of the org's "
        "Contacts, Accounts and Leads) and writes them to Salesforce per the Activity history "
        "and Video history integration settings. Refused records go to the error log; records "
        "that cannot be sent now (not integrated, area disabled, Salesforce unavailable) wait "
        "and are sent later."
    )
    left, right = st.columns(2)
    calls = int(left.number_input("Calls", 0, 10_000, 200, step=50, key=SIM_CALLS))
    meetings = int(right.number_input("Meetings", 0, 10_000, 20, step=10, key=SIM_MEETINGS))
    status = attempt(portal.sync.status, where="sync status", queue=False)
    buttons = st.container(horizontal=True)
    simulate = buttons.button(
        f"Simulate {calls:,} calls and {meetings:,} meetings",
        key=SIMULATE,
        type="primary",
        icon=":material/call:",
        disabled=not actor.is_admin or calls + meetings == 0,
        help=VIEWER_NOTE if not actor.is_admin else None,
    )
    send = buttons.button(
        "Send queued calls and meetings" + (f" ({status.queued:,})" if status else ""),
        key=SEND_QUEUED,
        icon=":material/send:",
        disabled=not actor.is_admin or not status or not status.queued,
        help=VIEWER_NOTE if not actor.is_admin else None,
    )
    if simulate or send:
        bar = st.progress(0.0, text="Starting…")

        def show(fraction: float, message: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=message)

        def run() -> SyncSummary:
            if simulate:
                return portal.sync.simulate_and_sync(
                    actor=actor, calls=calls, meetings=meetings, progress=show
                )
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
    written.metric("Written", f"{summary.written:,}")
    failed.metric("Failed", f"{summary.failed:,}")
    queued.metric("Queued", f"{summary.queued:,}")
    if summary.failed_by_code:
        st.dataframe(
            [
                {"Error code": code, "Records": count}
                for code, count in sorted(summary.failed_by_code.items())
            ],
            hide_index=True,
        )
        st.caption("Each failed record is in the error log with Salesforce's message.")
    for note in summary.notes:
        st.info(note, icon=":material/schedule:")


def _sync_log(portal: Portal) -> None:
    entries = attempt(lambda: portal.sync.recent(limit=50), where="sync log", queue=False)
    if not entries:
        return
    st.markdown("**Sync log** (newest first, last 50)")
    st.dataframe(
        [
            {
                "When": e.occurred_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "Source": e.source.value,
                "MiiTel id": e.miitel_record_id,
                "Object": e.sobject,
                "Outcome": e.outcome.value,
                "Salesforce id": e.salesforce_id or "",
                "Detail": e.detail,
            }
            for e in entries
        ],
        hide_index=True,
    )


def _setup_links(info: MockInfo) -> None:
    st.subheader("Setup pages of the mock org", anchor=False)
    st.caption(
        "Log in to Setup with an admin user below (steps 3, 4 and 6 happen there: Unblock, "
        "Install, permission sets)."
    )
    links = st.container(horizontal=True)
    base = info.http_url.rstrip("/")
    for label, path in SETUP_PAGES:
        links.link_button(label, base + path, icon=":material/open_in_new:")


def _logins(info: MockInfo) -> None:
    st.subheader("Demo logins (mock org)", anchor=False)
    st.caption(
        "Made-up users of the mock org, for its login and Setup pages. The integration user is "
        "the one to Integrate with; admins can use Setup."
    )
    st.dataframe(
        [
            {
                "Org": user.org_name,
                "Role": user.role,
                "Profile": user.profile,
                "Username": user.username,
                "Password": user.password,
            }
            for user in info.users
        ],
        hide_index=True,
    )


if __name__ == "__main__":
    demo_page()
