"""The Demo page's logins of the mock org: every user of every scenario's orgs, as text to
copy (one code block per org), for admins only; viewers are told the logins are there."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

import streamlit as st

from portal.domain.mock_org import MockInfo, MockUser
from portal.domain.text import N_
from portal.services.actors import Actor
from portal.ui.i18n import _
from portal.ui.markup import literal, literal_code

#: The mock's user roles as a person reads them.
ROLE_LABELS: Final = {
    "admin": N_("Admin (Setup)"),
    "integration": N_("Integration user"),
    "rep": N_("Sales rep"),
    "inactive": N_("Inactive user"),
}


def logins_section(info: MockInfo, actor: Actor) -> None:
    """The logins, grouped by org; passwords only for admins."""
    st.subheader(_("Demo logins (mock org)"), anchor=False)
    if not actor.is_admin:
        st.info(
            _(
                "The logins of the mock org's users (with their passwords) are shown to "
                "portal admins only."
            ),
            icon=":material/lock:",
        )
        return
    st.caption(
        _(
            "Made-up users of the mock org, for its login and Setup pages. The integration "
            "user is the one to Integrate with; the admin can use Setup. Each line: username, "
            "password, role, profile."
        )
    )
    for org_name, users in _by_org(info.logins or info.users):
        heading = f"**{literal(org_name)}**"
        only_in = users[0].only_in_scenario
        if only_in:
            heading += " — " + _("only in the scenario {scenario}").format(
                scenario=literal_code(only_in)
            )
        st.markdown(heading)
        st.code(login_block(users), language=None)


def login_block(users: Iterable[MockUser]) -> str:
    """One line per user, aligned: username, password, role, profile."""
    rows = [(u.username, u.password, role_label(u.role), u.profile) for u in users]
    width = max((len(r[0]) for r in rows), default=0)
    return "\n".join(
        f"{name:<{width}}  {password:<13}  {role} · {profile}"
        for name, password, role, profile in rows
    )


def role_label(role: str) -> str:
    label = ROLE_LABELS.get(role)
    return _(label) if label else role


def _by_org(users: Iterable[MockUser]) -> list[tuple[str, list[MockUser]]]:
    groups: dict[str, list[MockUser]] = {}
    for user in users:
        groups.setdefault(user.org_name, []).append(user)
    return list(groups.items())
