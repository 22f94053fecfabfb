"""The sidebar every page shares: the integrated org and user, mock or real, who is logged in
and for which company.

The frame draws it after the page (into a container reserved before it), so it always shows
the integration as the page's actions left it.
"""

from __future__ import annotations

from typing import Final

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from portal.bootstrap import Portal
from portal.domain.text import msg
from portal.services.actors import Actor
from portal.ui.auth import VIEWER_NOTE, log_out
from portal.ui.feedback import attempt
from portal.ui.i18n import _, t

LOGOUT_BUTTON: Final = "sidebar.logout"


def render_sidebar(portal: Portal, actor: Actor, where: DeltaGenerator | None = None) -> None:
    """The integration as the portal records it (no Salesforce call) and the portal user,
    in ``where`` (a container of the sidebar) or at the end of the sidebar."""
    with where if where is not None else st.sidebar:
        st.markdown("**Salesforce**")
        if portal.demo is not None:
            st.badge(_("Mock org"), icon=":material/science:", color="violet")
        else:
            st.badge(_("Real org"), icon=":material/cloud:", color="blue")
        status = attempt(portal.integration.status, where="sidebar", queue=False)
        if status is not None:
            if status.connected:
                org = status.org_name or status.org_id
                st.markdown(
                    ":green[:material/link:] " + t(msg("Integrated with **{org}**", org=org))
                )
                if status.org_id:
                    st.caption(t(msg("Org ID: `{org_id}`", org_id=status.org_id)))
                if status.username:
                    st.caption(t(msg("User: `{username}`", username=status.username)))
            else:
                st.markdown(":orange[:material/link_off:] " + _("Not integrated"))
                if status.org_id:
                    st.caption(t(msg("Last integrated org ID: `{org_id}`", org_id=status.org_id)))
                if status.username:
                    st.caption(
                        t(msg("Last integrated user: `{username}`", username=status.username))
                    )
        st.divider()
        st.markdown(t(msg("**Portal user:** {username}", username=actor.username)))
        company = portal.access.company_name(actor)
        if company is not None:
            st.caption(t(msg("Company: {company}", company=company)))
        st.badge(
            _("Admin") if actor.is_admin else _("Viewer"),
            icon=":material/shield_person:" if actor.is_admin else ":material/visibility:",
            color="green" if actor.is_admin else "gray",
        )
        if not actor.is_admin:
            st.caption(_(VIEWER_NOTE))
        st.button(
            _("Log out"),
            key=LOGOUT_BUTTON,
            icon=":material/logout:",
            on_click=log_out,
            args=(portal,),
        )
