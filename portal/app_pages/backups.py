"""Backups: the latest backup (what "Restore" uses), the history, two backups side by side,
and each backup's JSON for download."""

from __future__ import annotations

import json
from functools import partial
from typing import Final

import streamlit as st

from portal.adapters.ports import StoredBackup
from portal.services.container import Portal
from portal.ui.auth import require_actor
from portal.ui.container import portal_or_stop
from portal.ui.feedback import attempt, guarded, show_notices
from portal.ui.tables import backup_label, backup_rows, change_rows, when

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
    st.title("Backups")
    st.caption(
        '"Remove integration" saves the settings and integration status (enabled / disabled) of '
        "Activity history integration, Video history integration and Activity history assignee. "
        'The newest backup is the one "Restore" uses; earlier ones stay here for reference.'
    )
    show_notices()
    history = attempt(
        lambda: portal.backups.history(limit=HISTORY_LIMIT), where="backups", queue=False
    )
    if history is None:
        return
    if not history:
        st.info(
            'There is no backup yet. "Remove integration" takes one (procedure step 2).',
            icon=":material/inbox:",
        )
        return
    _latest(history[0])
    st.subheader("Backup history", anchor=False)
    st.dataframe(backup_rows(history), hide_index=True)
    _compare(portal, history)
    _download(portal, history)


def _latest(latest: StoredBackup) -> None:
    snapshot = latest.snapshot
    st.subheader("Latest backup", anchor=False)
    st.markdown(
        f"**Backup #{latest.id}**, taken {when(snapshot.taken_at)} from "
        f"**{snapshot.org_name or snapshot.org_id}** (`{snapshot.org_id}`) as "
        f"`{snapshot.username}`."
    )
    st.markdown(
        f"- **Activity history integration**: {_state(snapshot.activity_history.enabled)}\n"
        f"- **Video history integration**: {_state(snapshot.video_history.enabled)}\n"
        f"- **Activity history assignee**: {len(snapshot.assignee.user_mappings)} user "
        "mapping(s)"
    )


def _state(enabled: bool) -> str:
    return "enabled" if enabled else "disabled"


def _compare(portal: Portal, history: list[StoredBackup]) -> None:
    st.subheader("Compare two backups", anchor=False)
    if len(history) < 2:
        st.caption("There is one backup only; a comparison needs two.")
        return
    by_id = {stored.id: stored for stored in history}
    ids = [stored.id for stored in history]
    left, right = st.columns(2)
    older = left.selectbox(
        "Older", options=ids, index=1, format_func=lambda i: backup_label(by_id[i]), key=OLDER
    )
    newer = right.selectbox(
        "Newer", options=ids, index=0, format_func=lambda i: backup_label(by_id[i]), key=NEWER
    )
    if older == newer:
        st.caption("Choose two different backups.")
        return
    changes = attempt(
        lambda: portal.backups.diff(older_id=older, newer_id=newer), where="diff", queue=False
    )
    if changes is None:
        return
    if not changes:
        st.success("The two backups hold the same settings.", icon=":material/check_circle:")
    else:
        st.dataframe(
            change_rows(changes, before=f"Backup #{older}", after=f"Backup #{newer}"),
            hide_index=True,
        )
    with st.expander("Both backups in full, side by side"):
        first, second = st.columns(2)
        for column, backup_id in ((first, older), (second, newer)):
            with column:
                st.markdown(f"**Backup #{backup_id}**")
                raw = attempt(
                    partial(portal.backups.as_json, backup_id=backup_id),
                    where="backup json",
                    queue=False,
                )
                if raw is not None:
                    st.json(json.loads(raw), expanded=2)


def _download(portal: Portal, history: list[StoredBackup]) -> None:
    st.subheader("Download", anchor=False)
    by_id = {stored.id: stored for stored in history}
    chosen = st.selectbox(
        "Backup",
        options=list(by_id),
        format_func=lambda i: backup_label(by_id[i]),
        key=DOWNLOAD_CHOICE,
    )
    raw = attempt(
        lambda: portal.backups.as_json(backup_id=chosen), where="backup json", queue=False
    )
    if raw is None:
        return
    st.download_button(
        f"Download backup #{chosen} (JSON)",
        data=raw,
        file_name=f"miitel-salesforce-backup-{chosen}.json",
        mime="application/json",
        key=DOWNLOAD,
        icon=":material/download:",
        on_click="ignore",
    )


if __name__ == "__main__":
    backups_page()
