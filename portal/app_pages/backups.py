"""Backups: the latest backup (what "Restore" uses), the history, two backups side by side,
and each backup's JSON for download."""

from __future__ import annotations

import json
from functools import partial
from typing import Final

import streamlit as st

from portal.bootstrap import Portal
from portal.domain.ports import StoredBackup
from portal.domain.settings import SettingsArea
from portal.domain.text import msg, plural_msg
from portal.ui.auth import require_actor
from portal.ui.backup_rows import backup_label, backup_name, backup_rows, change_rows, taken
from portal.ui.container import portal_or_stop
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.i18n import _, t
from portal.ui.markup import literal, literal_code

OLDER: Final = "backups.older"
NEWER: Final = "backups.newer"
DOWNLOAD_CHOICE: Final = "backups.download.choice"
DOWNLOAD: Final = "backups.download"
HISTORY_LIMIT: Final = 200


@guarded
def backups_page() -> None:
    """The latest backup, the history, a comparison and downloads."""
    require_actor()
    portal = portal_or_stop()
    st.title(_("Backups"))
    st.caption(
        _(
            '"Remove integration" saves the settings and integration status (enabled / '
            "disabled) of Activity history integration, Video history integration and Activity "
            'history assignee. The newest backup is the one "Restore" uses; earlier ones stay '
            "here for reference."
        )
    )
    show_notices()
    history = attempt(
        lambda: portal.backups.history(limit=HISTORY_LIMIT), where="backups", queue=False
    )
    if history is None:
        return
    if not history:
        st.info(
            _('There is no backup yet. "Remove integration" takes one (procedure step 2).'),
            icon=":material/inbox:",
        )
        return
    _latest(history[0])
    st.subheader(_("Backup history"), anchor=False)
    st.dataframe(backup_rows(history), hide_index=True)
    _compare(portal, history)
    _download(portal, history)


def _latest(latest: StoredBackup) -> None:
    snapshot = latest.snapshot
    st.subheader(_("Latest backup"), anchor=False)
    # Markup stays out of the message: each value carries its own, data made literal.
    said = _("{backup}, taken {taken} from {org} ({org_id}) as {username}.").format(
        backup=f"**{backup_name(latest.id)}**",
        taken=taken(latest),
        org=f"**{literal(snapshot.org_name or snapshot.org_id)}**",
        org_id=literal_code(snapshot.org_id),
        username=literal_code(snapshot.username),
    )
    st.markdown(said)
    mappings = t(
        plural_msg(
            "{count} user mapping", "{count} user mappings", len(snapshot.assignee.user_mappings)
        )
    )
    lines = (
        (SettingsArea.ACTIVITY_HISTORY, _state(snapshot.activity_history.enabled)),
        (SettingsArea.VIDEO_HISTORY, _state(snapshot.video_history.enabled)),
        (SettingsArea.ASSIGNEE, mappings),
    )
    st.markdown("\n".join(f"- **{t(area.label)}**: {value}" for area, value in lines))


def _state(enabled: bool) -> str:
    return _("enabled") if enabled else _("disabled")


def _compare(portal: Portal, history: list[StoredBackup]) -> None:
    st.subheader(_("Compare two backups"), anchor=False)
    if len(history) < 2:
        st.caption(_("There is one backup only; a comparison needs two."))
        return
    ids = [stored.id for stored in history]
    # Labels made now: a widget may format its value again outside the page's run.
    labels = {stored.id: backup_label(stored) for stored in history}
    left, right = st.columns(2)
    older = left.selectbox(
        _("Older"), options=ids, index=1, format_func=labels.__getitem__, key=OLDER
    )
    newer = right.selectbox(
        _("Newer"), options=ids, index=0, format_func=labels.__getitem__, key=NEWER
    )
    if older == newer:
        st.caption(_("Choose two different backups."))
        return
    changes = attempt(
        lambda: portal.backups.diff(older_id=older, newer_id=newer), where="diff", queue=False
    )
    if changes is None:
        return
    if not changes:
        st.success(_("The two backups hold the same settings."), icon=":material/check_circle:")
    else:
        st.dataframe(
            change_rows(changes, before=backup_name(older), after=backup_name(newer)),
            hide_index=True,
        )
    with st.expander(_("Both backups in full, side by side")):
        first, second = st.columns(2)
        for column, backup_id in ((first, older), (second, newer)):
            with column:
                st.markdown(f"**{backup_name(backup_id)}**")
                raw = attempt(
                    partial(portal.backups.as_json, backup_id=backup_id),
                    where="backup json",
                    queue=False,
                )
                if raw is not None:
                    st.json(json.loads(raw), expanded=2)


def _download(portal: Portal, history: list[StoredBackup]) -> None:
    st.subheader(_("Download"), anchor=False)
    labels = {stored.id: backup_label(stored) for stored in history}
    chosen = st.selectbox(
        _("Backup"),
        options=list(labels),
        format_func=labels.__getitem__,
        key=DOWNLOAD_CHOICE,
    )
    raw = attempt(
        lambda: portal.backups.as_json(backup_id=chosen), where="backup json", queue=False
    )
    if raw is None:
        return
    st.download_button(
        t(msg("Download backup #{id} (JSON)", id=str(chosen))),
        data=raw,
        file_name=f"miitel-salesforce-backup-{chosen}.json",
        mime="application/json",
        key=DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
    )


if __name__ == "__main__":
    backups_page()
