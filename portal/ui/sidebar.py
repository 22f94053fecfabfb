"""The sidebar every page shares: the integrated org and user, mock or real, who is logged in."""

from __future__ import annotations

import streamlit as st

from portal.services.actors import Actor
from portal.services.container import Portal
from portal.ui.auth import VIEWER_NOTE, log_out
from portal.ui.feedback import attempt

LOGOUT_BUTTON = "sidebar.logout"


def render_sidebar(portal: Portal, actor: Actor) -> None:
    """The integration as the portal records it (no Salesforce call) and the portal user."""
    with st.sidebar:
        st.markdown("**Salesforce**")
        if portal.demo is not None:
            st.badge("Mock org", icon=":material/science:", color="violet")
        else:
            st.badge("Real org", icon=":material/cloud:", color="blue")
        status = attempt(portal.integration.status, where="sidebar", queue=False)
        if status is not None:
            if status.connected:
                org = status.org_name or status.org_id
                st.markdown(f":green[:material/link:] Integrated with **{org}**")
            else:
                st.markdown(":orange[:material/link_off:] Not integrated")
            last = "" if status.connected else "Last integrated "
            if status.org_id:
                st.caption(f"{last}Org ID: `{status.org_id}`")
            if status.username:
                st.caption(f"{last}User: `{status.username}`")
        st.divider()
        st.markdown(f"**Portal user:** {actor.username}")
        st.badge(
            actor.role.value.capitalize(),
            icon=":material/shield_person:" if actor.is_admin else ":material/visibility:",
            color="green" if actor.is_admin else "gray",
        )
        if not actor.is_admin:
            st.caption(VIEWER_NOTE)
        st.button(
            "Log out",
            key=LOGOUT_BUTTON,
            icon=":material/logout:",
            on_click=log_out,
            args=(portal,),
        )
