"""The actions the procedure and the "Basic settings" tab share, in the document's words:
"Integrate", "Remove integration" (confirmed, with the backup note), "Restore the settings
prior to integration removal" → preview → "Restore" (confirmed), "Turn off retrieving
Salesforce contact information" + "Save", and the "Authentication history" table.

``prefix`` keeps the widget keys of each page apart (``proc``, ``sf``).
"""

from __future__ import annotations

from typing import Final

import streamlit as st

from portal.services.actors import Actor
from portal.services.container import Portal
from portal.services.integration import IntegrationStatus, SignInPurpose
from portal.services.restore import RestorePreview
from portal.ui import session
from portal.ui.auth import VIEWER_NOTE
from portal.ui.dialogs import close_dialog, finish, is_open, open_dialog
from portal.ui.feedback import NoticeKind, attempt, notify
from portal.ui.forms import seed
from portal.ui.oauth import sign_in_button
from portal.ui.tables import change_rows, history_rows, when

REMOVE_LABEL: Final = "Remove integration"
RESTORE_OPEN_LABEL: Final = "Restore the settings prior to integration removal"
RESTORE_LABEL: Final = "Restore"
CONTACT_LABEL: Final = "Turn off retrieving Salesforce contact information"
BACKUP_NOTE: Final = (
    "The current settings and integration status (enabled / disabled) of Activity history "
    "integration, Video history integration and Activity history assignee will be saved as "
    "backup data first. It replaces the previous backup (earlier backups stay in the backup "
    "history for reference); step 7 restores from it."
)
RESTORE_NOTE: Final = (
    "The current settings and integration status will all be overwritten with the state at the "
    "time of backup. Integrations that were “disabled” at the time of backup are restored "
    "disabled (the ToDo object settings of Activity history integration and the Video history "
    "integration settings go back to their defaults). The “Retrieving contact information” "
    "setting is not restored."
)


# --- Integrate ----------------------------------------------------------------------------


def integrate_control(portal: Portal, actor: Actor, *, prefix: str) -> None:
    """ "Integrate": sign in to Salesforce and "Allow"; the portal comes back to step 5."""
    sign_in_button(
        portal,
        actor,
        purpose=SignInPurpose.INTEGRATION,
        label="Integrate",
        key=f"{prefix}.integrate",
        help="Log in to Salesforce with the user confirmed in step 1 and click “Allow”.",
    )


def other_org_confirmation(portal: Portal, actor: Actor, *, prefix: str) -> None:
    """When "Integrate" signed in to another org than step 1's: confirm or cancel."""
    pending = session.remembered("integration.other_org", portal.integration.pending_other_org)
    if pending is None:
        return
    st.warning(
        f"You signed in to the org **{pending.org_name or pending.org_id}** ({pending.org_id}) "
        f"as **{pending.username}**, which is not the org confirmed in step 1. The backed-up "
        "settings were made for that org, so fields they name may not exist here.",
        icon=":material/warning:",
    )
    left, right = st.columns(2)
    left.button(
        "Integrate with this org anyway",
        key=f"{prefix}.other_org.confirm",
        type="primary",
        disabled=not actor.is_admin,
        on_click=_confirm_other_org,
        args=(portal, actor),
    )
    right.button(
        "Cancel",
        key=f"{prefix}.other_org.cancel",
        disabled=not actor.is_admin,
        on_click=_cancel_other_org,
        args=(portal, actor),
    )


def _confirm_other_org(portal: Portal, actor: Actor) -> None:
    outcome = attempt(
        lambda: portal.integration.confirm_other_org(actor=actor), where="confirm org"
    )
    session.changed()
    if outcome is None:
        return
    notify(NoticeKind.SUCCESS if outcome.succeeded else NoticeKind.ERROR, outcome.result.message)


def _cancel_other_org(portal: Portal, actor: Actor) -> None:
    def cancel() -> bool:
        portal.integration.cancel_other_org(actor=actor)
        return True

    if attempt(cancel, where="cancel org"):
        notify(NoticeKind.INFO, 'Cancelled. Click "Integrate" again and log in to step 1\'s org.')
    session.changed()


# --- Remove integration -------------------------------------------------------------------


def remove_control(portal: Portal, actor: Actor, status: IntegrationStatus, *, prefix: str) -> None:
    """ "Remove integration", confirmed in a dialog that says a backup is taken first."""
    dialog = f"{prefix}.remove"
    st.button(
        REMOVE_LABEL,
        key=f"{prefix}.remove",
        icon=":material/link_off:",
        disabled=not actor.is_admin or not status.connected,
        help=VIEWER_NOTE if not actor.is_admin else None,
        on_click=open_dialog,
        args=(dialog,),
    )
    if is_open(dialog):
        _confirm_remove(portal, actor, status)


@st.dialog(REMOVE_LABEL, on_dismiss=close_dialog)
def _confirm_remove(portal: Portal, actor: Actor, status: IntegrationStatus) -> None:
    org = status.org_name or status.org_id or "the integrated org"
    st.markdown(f"Remove MiiTel's integration with **{org}** ({status.username})?")
    st.info(BACKUP_NOTE, icon=":material/backup:")
    left, right = st.columns(2)
    if right.button("Cancel", key="dialog.remove.cancel"):
        finish()
    if not left.button(REMOVE_LABEL, key="dialog.remove.confirm", type="primary"):
        return
    with st.status("Removing the integration…", expanded=True) as progress:
        st.write(
            "Saving the settings of the three tabs as backup data, then ending MiiTel's "
            "session at Salesforce…"
        )
        removed = attempt(lambda: portal.removal.remove(actor=actor), where="remove integration")
        progress.update(
            label="Integration removed" if removed else "The integration was not removed",
            state="complete" if removed else "error",
        )
    session.changed()
    if removed is not None:
        notify(NoticeKind.SUCCESS, removed.result.message)
        if removed.warning:
            notify(NoticeKind.WARNING, removed.warning)
    finish()


# --- Restore ------------------------------------------------------------------------------


def restore_control(portal: Portal, actor: Actor, *, prefix: str) -> None:
    """ "Restore the settings prior to integration removal" when a backup exists: the preview
    of what changes, then "Restore" (confirmed)."""
    preview = session.remembered("restore.preview", portal.restore.preview)
    if not preview.available or preview.backup is None:
        st.info(preview.message, icon=":material/info:")
        return
    opened_key = f"{prefix}.restore.opened"
    st.button(
        RESTORE_OPEN_LABEL,
        key=f"{prefix}.restore.open",
        icon=":material/settings_backup_restore:",
        on_click=_toggle,
        args=(opened_key,),
    )
    if not st.session_state.get(opened_key):
        return
    restore_preview(preview)
    dialog = f"{prefix}.restore"
    st.button(
        RESTORE_LABEL,
        key=f"{prefix}.restore.confirm",
        type="primary",
        icon=":material/restore:",
        disabled=not actor.is_admin,
        help=VIEWER_NOTE if not actor.is_admin else None,
        on_click=open_dialog,
        args=(dialog,),
    )
    if is_open(dialog):
        _confirm_restore(portal, actor, preview.backup.id, opened_key)


def restore_preview(preview: RestorePreview) -> None:
    """What "Restore" would change, area by area and setting by setting."""
    backup = preview.backup
    if backup is None:
        return
    snapshot = backup.snapshot
    st.markdown(
        f"Backup **#{backup.id}**, taken {when(snapshot.taken_at)} from "
        f"**{snapshot.org_name or snapshot.org_id}** ({snapshot.username})."
    )
    for area in preview.areas:
        st.markdown(f"- **{area.area.label}**: {area.message}")
    if preview.changes:
        st.dataframe(
            change_rows(preview.changes, before="Current", after="After restore"),
            hide_index=True,
        )
    else:
        st.caption("The current settings already match the backup: nothing would change.")


def _toggle(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


@st.dialog(RESTORE_LABEL, on_dismiss=close_dialog)
def _confirm_restore(portal: Portal, actor: Actor, backup_id: int, opened_key: str) -> None:
    st.markdown(f"Restore the settings from backup **#{backup_id}**?")
    st.warning(RESTORE_NOTE, icon=":material/warning:")
    left, right = st.columns(2)
    if right.button("Cancel", key="dialog.restore.cancel"):
        finish()
    if not left.button(RESTORE_LABEL, key="dialog.restore.confirm", type="primary"):
        return
    with st.status("Restoring the settings…", expanded=True) as progress:
        restored = attempt(
            lambda: portal.restore.restore(actor=actor, expected_backup_id=backup_id),
            where="restore",
        )
        progress.update(
            label="Settings restored" if restored else "Nothing was restored",
            state="complete" if restored else "error",
        )
    session.changed()
    st.session_state[opened_key] = False
    if restored is not None:
        kind = NoticeKind.SUCCESS if restored.outcome.restored else NoticeKind.WARNING
        notify(kind, restored.result.message)
    finish()


# --- Turn off retrieving contact information ----------------------------------------------


def contact_retrieval_form(portal: Portal, actor: Actor, *, prefix: str) -> None:
    """Step 9: the checkbox and "Save"."""
    current = portal.settings.current().basic
    box = f"{prefix}.contact.turn_off"
    seed(f"{prefix}.contact", source=current, values={box: current.turn_off_contact_retrieval})
    with st.form(key=f"{prefix}.contact.form", border=False):
        st.checkbox(CONTACT_LABEL, key=box, disabled=not actor.is_admin)
        st.form_submit_button(
            "Save",
            key=f"{prefix}.contact.save",
            disabled=not actor.is_admin,
            on_click=_save_contact_retrieval,
            args=(portal, actor, box),
        )


def _save_contact_retrieval(portal: Portal, actor: Actor, box: str) -> None:
    turn_off = bool(st.session_state.get(box))
    result = attempt(
        lambda: portal.settings.set_contact_retrieval(actor=actor, turn_off=turn_off),
        where="save contact retrieval",
    )
    session.changed()
    if result is not None:
        notify(NoticeKind.SUCCESS, f"Saved. {result.message}")


# --- Authentication history ---------------------------------------------------------------


def authentication_history(portal: Portal, *, limit: int = 20) -> None:
    entries = attempt(lambda: portal.history.recent(limit=limit), where="history", queue=False)
    if entries is None:
        return
    if not entries:
        st.caption("No authentication yet.")
        return
    st.dataframe(history_rows(entries), hide_index=True)
