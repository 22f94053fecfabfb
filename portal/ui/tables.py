"""Rows for the tables several pages show (plain dicts; Streamlit renders them), with headers
and values in the session's language and times in the person's zone. Tables show text as it is
(never Markdown), so data goes in unescaped."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from portal.domain.audit import AuditEntry
from portal.domain.history import AuthenticationHistoryEntry
from portal.domain.log_details import recognise
from portal.domain.text import N_
from portal.services.logs import NOBODY
from portal.ui import i18n
from portal.ui.i18n import _, t

# Salesforce's own labels of the objects the integration writes (its Japanese UI says ToDo and
# 行動). The ids name the object, not the bare word: "Event" alone means something else.
_OBJECT_LABELS = {
    "Task": N_("Task (Salesforce object)"),
    "Event": N_("Event (Salesforce object)"),
}


def when_header() -> str:
    """The time column's header, naming the zone its times are in."""
    return _("When ({zone})").format(zone=i18n.zone_label())


def shown_time(moment: datetime | None) -> str:
    """A time in a table cell: the person's zone, to the second (the header names the zone)."""
    if moment is None:
        return ""
    return f"{i18n.local(moment):%Y/%m/%d %H:%M:%S}"


def object_label(api_name: str) -> str:
    """A Salesforce object as Salesforce labels it in the session's language (English: the API
    name itself; an object without a known label: its API name)."""
    label = _OBJECT_LABELS.get(api_name)
    if label is None or i18n.language() == i18n.ENGLISH:
        return api_name
    return t(label)


def detail(value: str) -> str:
    """A stored detail line in the session's language when it is one the portal writes (as
    text for a table: its data as it is)."""
    return i18n.plain(recognise(value)) if value else ""


def history_rows(entries: Iterable[AuthenticationHistoryEntry]) -> list[dict[str, str]]:
    headers = (when_header(), _("Event"), _("Org"), _("Org ID"), _("User"), _("Detail"))
    return [
        dict(
            zip(
                headers,
                (
                    shown_time(entry.occurred_at),
                    t(entry.event.label),
                    entry.org_name or "",
                    entry.org_id or "",
                    entry.username or "",
                    detail(entry.detail),
                ),
                strict=True,
            )
        )
        for entry in entries
    ]


def audit_rows(entries: Iterable[AuditEntry]) -> list[dict[str, str]]:
    headers = (when_header(), _("Portal user"), _("Action"), _("Outcome"), _("Detail"))
    return [
        dict(
            zip(
                headers,
                (
                    shown_time(entry.occurred_at),
                    _(NOBODY) if entry.actor == NOBODY else entry.actor,
                    t(entry.action.label),
                    t(entry.outcome.label),
                    detail(entry.detail),
                ),
                strict=True,
            )
        )
        for entry in entries
    ]
