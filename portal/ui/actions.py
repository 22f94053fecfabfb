"""The actions the procedure and the "Basic settings" tab share, in the document's words:
"Integrate", "Remove integration" (confirmed, with the backup note), "Restore the settings
prior to integration removal" → preview → "Restore" (confirmed), "Turn off retrieving
Salesforce contact information" + "Save", and the "Authentication history" table.

``prefix`` keeps the widget keys of each page apart (``proc``, ``sf``). Each button says what
the state allows: the action the state calls for is the primary button; an action with nothing
to do is secondary (or disabled, with the reason as its help).

An action's outcome is told once. With ``on_result`` (the Procedure page) the step's check panel
shows the action's result, so no notice repeats it; otherwise it is a notice at the top of the
next run. Either way the notice names the step it concerns.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final, Literal

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.procedure import UseCase, step_of
from portal.domain.steps import StepResult
from portal.domain.text import N_, msg
from portal.services.actors import Actor
from portal.services.integration import IntegrationStatus, SignInPurpose
from portal.services.restore import RestorePreview
from portal.ui import session
from portal.ui.auth import VIEWER_NOTE
from portal.ui.backup_rows import change_rows
from portal.ui.dialogs import close_dialog, finish, is_open, open_dialog
from portal.ui.feedback import NoticeKind, attempt, notify
from portal.ui.forms import seed
from portal.ui.i18n import _, t
from portal.ui.oauth import sign_in_button
from portal.ui.tables import history_rows

#: Called with an action's result when the page shows it in place of a notice.
OnResult = Callable[[StepResult], None]
ButtonType = Literal["primary", "secondary"]

REMOVE_LABEL: Final = N_("Remove integration")
RESTORE_OPEN_LABEL: Final = N_("Restore the settings prior to integration removal")
RESTORE_LABEL: Final = N_("Restore")
CONTACT_LABEL: Final = N_("Turn off retrieving Salesforce contact information")
BACKUP_NOTE: Final = N_(
    "The current settings and integration status (enabled / disabled) of Activity history "
    "integration, Video history integration and Activity history assignee will be saved as "
    "backup data first. It replaces the previous backup (earlier backups stay in the backup "
    "history for reference); step 7 restores from it."
)
RESTORE_NOTE: Final = N_(
    "The current settings and integration status will all be overwritten with the state at the "
    "time of backup. Integrations that were “disabled” at the time of backup are restored "
    "disabled (the ToDo object settings of Activity history integration and the Video history "
    "integration settings go back to their defaults). The “Retrieving contact information” "
    "setting is not restored."
)
_INTEGRATE_STEP: Final = step_of(UseCase.REINTEGRATION).number
_REMOVE_STEP: Final = step_of(UseCase.REMOVAL).number
_RESTORE_STEP: Final = step_of(UseCase.RESTORE).number


def _told(result: StepResult, kind: NoticeKind, on_result: OnResult | None) -> None:
    """Tell ``result`` once: in the step's check panel, else as a notice."""
    if on_result is not None:
        on_result(result)
    else:
        notify(kind, result.message, step=result.step)


# --- Integrate ----------------------------------------------------------------------------


def integrate_control(portal: Portal, actor: Actor, *, prefix: str) -> None:
    """ "Integrate": sign in to Salesforce and "Allow"; the portal comes back to step 5. Once
    MiiTel is integrated it is no longer the primary action."""
    status = attempt(portal.integration.status, where="integration status", queue=False)
    connected = status is not None and status.connected
    sign_in_button(
        portal,
        actor,
        purpose=SignInPurpose.INTEGRATION,
        label=_("Integrate"),
        key=f"{prefix}.integrate",
        help=_("MiiTel is already integrated. Integrating again replaces the current integration.")
        if connected
        else _("Log in to Salesforce with the user confirmed in step 1 and click “Allow”."),
        type="secondary" if connected else "primary",
    )


def other_org_confirmation(
    portal: Portal, actor: Actor, *, prefix: str, on_result: OnResult | None = None
) -> None:
    """When "Integrate" signed in to another org than step 1's: confirm or cancel."""
    pending = session.remembered("integration.other_org", portal.integration.pending_other_org)
    if pending is None:
        return
    st.warning(
        t(
            msg(
                "You signed in to the org **{org}** ({org_id}) as **{user}**, which is not the "
                "org confirmed in step 1. The backed-up settings were made for that org, so "
                "fields they name may not exist here.",
                org=pending.org_name or pending.org_id,
                org_id=pending.org_id,
                user=pending.username,
            )
        ),
        icon=":material/warning:",
    )
    left, right = st.columns(2)
    left.button(
        _("Integrate with this org anyway"),
        key=f"{prefix}.other_org.confirm",
        type="primary",
        disabled=not actor.is_admin,
        on_click=_confirm_other_org,
        args=(portal, actor, on_result),
    )
    right.button(
        _("Cancel"),
        key=f"{prefix}.other_org.cancel",
        disabled=not actor.is_admin,
        on_click=_cancel_other_org,
        args=(portal, actor),
    )


def _confirm_other_org(portal: Portal, actor: Actor, on_result: OnResult | None) -> None:
    outcome = attempt(
        lambda: portal.integration.confirm_other_org(actor=actor), where="confirm org"
    )
    session.changed()
    if outcome is None:
        return
    if outcome.succeeded:
        _told(outcome.result, NoticeKind.SUCCESS, on_result)
    else:
        notify(NoticeKind.ERROR, outcome.result.message, step=_INTEGRATE_STEP)


def _cancel_other_org(portal: Portal, actor: Actor) -> None:
    def cancel() -> bool:
        portal.integration.cancel_other_org(actor=actor)
        return True

    if attempt(cancel, where="cancel org"):
        notify(
            NoticeKind.INFO,
            N_('Cancelled. Click "Integrate" again and log in to step 1\'s org.'),
            step=_INTEGRATE_STEP,
        )
    session.changed()


# --- Remove integration -------------------------------------------------------------------


def remove_control(
    portal: Portal,
    actor: Actor,
    status: IntegrationStatus,
    *,
    prefix: str,
    on_result: OnResult | None = None,
) -> None:
    """ "Remove integration", confirmed in a dialog that says a backup is taken first; the
    primary action while MiiTel is integrated, disabled when nothing is."""
    dialog = f"{prefix}.remove"
    if not actor.is_admin:
        why: str | None = _(VIEWER_NOTE)
    elif not status.connected:
        why = _("MiiTel is not integrated, so there is nothing to remove.")
    else:
        why = None
    st.button(
        _(REMOVE_LABEL),
        key=f"{prefix}.remove",
        icon=":material/link_off:",
        type="primary" if status.connected else "secondary",
        disabled=not actor.is_admin or not status.connected,
        help=why,
        on_click=open_dialog,
        args=(dialog,),
    )
    if is_open(dialog):
        # Decorated here, so the dialog's title is in the person's language.
        st.dialog(_(REMOVE_LABEL), on_dismiss=close_dialog)(_confirm_remove)(
            portal, actor, status, on_result
        )


def _confirm_remove(
    portal: Portal, actor: Actor, status: IntegrationStatus, on_result: OnResult | None
) -> None:
    org = status.org_name or status.org_id or msg("the integrated org")
    st.markdown(
        t(
            msg(
                "Remove MiiTel's integration with **{org}** ({user})?",
                org=org,
                user=status.username or "—",
            )
        )
    )
    st.info(_(BACKUP_NOTE), icon=":material/backup:")
    left, right = st.columns(2)
    if right.button(_("Cancel"), key="dialog.remove.cancel"):
        finish()
    if not left.button(_(REMOVE_LABEL), key="dialog.remove.confirm", type="primary"):
        return
    with st.status(_("Removing the integration…"), expanded=True) as progress:
        st.write(
            _(
                "Saving the settings of the three tabs as backup data, then ending MiiTel's "
                "session at Salesforce…"
            )
        )
        removed = attempt(lambda: portal.removal.remove(actor=actor), where="remove integration")
        progress.update(
            label=_("Integration removed") if removed else _("The integration was not removed"),
            state="complete" if removed else "error",
        )
    session.changed()
    if removed is not None:
        if removed.backup is not None:
            _told(removed.result, NoticeKind.SUCCESS, on_result)
        else:
            # Nothing left to remove (another session did): this press is told here, and
            # the step's check still shows the removal that stands.
            notify(NoticeKind.INFO, removed.result.message, step=_REMOVE_STEP)
        if removed.warning:
            notify(NoticeKind.WARNING, removed.warning, step=_REMOVE_STEP)
    finish()


# --- Restore ------------------------------------------------------------------------------


def restore_control(
    portal: Portal,
    actor: Actor,
    *,
    prefix: str,
    restored: bool = False,
    on_result: OnResult | None = None,
    explain_missing: bool = True,
) -> None:
    """ "Restore the settings prior to integration removal" when a backup exists: the preview
    of what changes, then "Restore" (confirmed). ``restored``: step 7 is already done, so
    restoring is no longer the primary action. ``explain_missing``: say why nothing is offered
    when there is no backup (unless the page already says so)."""
    preview = session.remembered("restore.preview", portal.restore.preview)
    if not preview.available or preview.backup is None:
        if explain_missing:
            st.info(t(preview.message), icon=":material/info:")
        return
    needed: ButtonType = "secondary" if restored or not preview.changes else "primary"
    opened_key = f"{prefix}.restore.opened"
    st.button(
        _(RESTORE_OPEN_LABEL),
        key=f"{prefix}.restore.open",
        icon=":material/settings_backup_restore:",
        type=needed if not st.session_state.get(opened_key) else "secondary",
        on_click=_toggle,
        args=(opened_key,),
    )
    if not st.session_state.get(opened_key):
        return
    restore_preview(preview)
    dialog = f"{prefix}.restore"
    st.button(
        _(RESTORE_LABEL),
        key=f"{prefix}.restore.confirm",
        type=needed,
        icon=":material/restore:",
        disabled=not actor.is_admin,
        help=_(VIEWER_NOTE)
        if not actor.is_admin
        else (_("The settings were already restored from this backup.") if restored else None),
        on_click=open_dialog,
        args=(dialog,),
    )
    if is_open(dialog):
        st.dialog(_(RESTORE_LABEL), on_dismiss=close_dialog)(_confirm_restore)(
            portal, actor, preview.backup.id, opened_key, on_result
        )


def restore_preview(preview: RestorePreview) -> None:
    """What "Restore" would change, area by area and setting by setting."""
    backup = preview.backup
    if backup is None:
        return
    snapshot = backup.snapshot
    st.markdown(
        t(
            msg(
                "Backup **#{backup}**, taken {taken} from **{org}** ({user}).",
                backup=str(backup.id),
                taken=snapshot.taken_at,
                org=snapshot.org_name or snapshot.org_id,
                user=snapshot.username,
            )
        )
    )
    for area in preview.areas:
        st.markdown(f"- **{t(area.area.label)}**: {t(area.message)}")
    if preview.changes:
        st.dataframe(
            change_rows(preview.changes, before=_("Current"), after=_("After restore")),
            hide_index=True,
        )
    else:
        st.caption(_("The current settings already match the backup: nothing would change."))


def _toggle(key: str) -> None:
    st.session_state[key] = not st.session_state.get(key, False)


def _confirm_restore(
    portal: Portal, actor: Actor, backup_id: int, opened_key: str, on_result: OnResult | None
) -> None:
    st.markdown(t(msg("Restore the settings from backup **#{backup}**?", backup=str(backup_id))))
    st.warning(_(RESTORE_NOTE), icon=":material/warning:")
    left, right = st.columns(2)
    if right.button(_("Cancel"), key="dialog.restore.cancel"):
        finish()
    if not left.button(_(RESTORE_LABEL), key="dialog.restore.confirm", type="primary"):
        return
    with st.status(_("Restoring the settings…"), expanded=True) as progress:
        restored = attempt(
            lambda: portal.restore.restore(actor=actor, expected_backup_id=backup_id),
            where="restore",
        )
        progress.update(
            label=_("Settings restored") if restored else _("Nothing was restored"),
            state="complete" if restored else "error",
        )
    session.changed()
    st.session_state[opened_key] = False
    if restored is not None:
        if restored.outcome.restored:
            _told(restored.result, NoticeKind.SUCCESS, on_result)
        else:
            notify(NoticeKind.WARNING, restored.result.message, step=_RESTORE_STEP)
    finish()


# --- Turn off retrieving contact information ----------------------------------------------


def contact_retrieval_form(
    portal: Portal, actor: Actor, *, prefix: str, on_result: OnResult | None = None
) -> None:
    """Step 9: the checkbox and "Save"."""
    current = portal.settings.current().basic
    box = f"{prefix}.contact.turn_off"
    seed(f"{prefix}.contact", source=current, values={box: current.turn_off_contact_retrieval})
    with st.form(key=f"{prefix}.contact.form", border=False):
        st.checkbox(_(CONTACT_LABEL), key=box, disabled=not actor.is_admin)
        st.form_submit_button(
            _("Save"),
            key=f"{prefix}.contact.save",
            disabled=not actor.is_admin,
            on_click=_save_contact_retrieval,
            args=(portal, actor, box, on_result),
        )


def _save_contact_retrieval(
    portal: Portal, actor: Actor, box: str, on_result: OnResult | None
) -> None:
    turn_off = bool(st.session_state.get(box))
    result = attempt(
        lambda: portal.settings.set_contact_retrieval(actor=actor, turn_off=turn_off),
        where="save contact retrieval",
    )
    session.changed()
    if result is None:
        return
    if on_result is not None:
        on_result(result)
    else:
        notify(NoticeKind.SUCCESS, msg("Saved. {result}", result=result.message), step=result.step)


# --- Authentication history ---------------------------------------------------------------


def authentication_history(portal: Portal, *, limit: int = 20) -> None:
    entries = attempt(lambda: portal.history.recent(limit=limit), where="history", queue=False)
    if entries is None:
        return
    if not entries:
        st.caption(_("No authentication yet."))
        return
    st.dataframe(history_rows(entries), hide_index=True)
