"""The detail lines the portal writes into the authentication history and the audit log,
recognised again when they are shown, so each can be read in the person's language.

Storage keeps a detail as the English line it was written as (rows written before the portal
spoke Japanese included). :func:`recognise` matches a stored line against the templates below and
gives back the message (:class:`~portal.domain.text.Text`) it was made from; a line that matches
none (a Salesforce error code, a line from a newer wording) is shown as it is.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from typing import Final

from portal.domain.text import N_, Text, msg

#: Every detail line the services write, as templates (``{name}`` for the data in them).
TEMPLATES: Final = (
    # Authentication history
    N_("Integrated by {user}."),
    N_("Integrate failed ({detail})."),
    N_("Removed by {user}; backup #{backup} saved."),
    N_("Removed by demo; backup saved."),
    N_("Revoking the tokens at Salesforce failed; they were deleted in MiiTel."),
    N_("The Salesforce session expired; the portal renewed it."),
    N_("The portal renewed the session."),
    # Audit log
    N_("locked after repeated failures"),
    N_("wrong username or password"),
    N_("viewers cannot change anything"),
    N_("org {org_id} as {username}"),
    N_("check sign-in to org {org_id} as {username}"),
    N_("check sign-in ended"),
    N_("check sign-in refused: {code}"),
    N_("check sign-in to another org"),
    N_("wrong org"),
    N_("unknown, used or expired state"),
    N_("cancelled: the sign-in went to org {org_id}, not step 1's org"),
    N_("awaiting confirmation: signed in to org {org_id}, step 1's org is {expected_id}"),
    N_("step {step} marked ok"),
    N_("step {step} marked action_needed"),
    N_("step {step} marked error"),
    N_("procedure progress restarted"),
    N_("backup #{backup} saved"),
    N_("revoking at Salesforce failed: {problem}"),
    N_("no backup data"),
    N_("backup #{backup}: {count} settings changed"),
    N_("backup #{backup} already restored by a concurrent restore"),
    N_("Basic settings: retrieving contact information turned off"),
    N_("Basic settings: retrieving contact information turned on"),
    N_('"{area}" saved'),
    N_('"{area}" saved (not checked: not integrated)'),
    N_('"{area}": {count} problem(s), nothing saved'),
    N_("demo reset to the mock scenario {scenario}"),
    N_("{error} in {where} (reference {reference})"),
    # Audit log: the sync (portal/services/sync/service.py, portal/domain/sync/messages.py)
    N_("simulated {calls} calls and {meetings} meetings: {detail}"),
    N_("sent the queued calls and meetings: {detail}"),
    N_("sent the failed calls and meetings again: {detail}"),
    N_("{written} written, {failed} failed ({by_code}), {queued} queued."),
    N_("{written} written, {failed} failed, {queued} queued."),
)
#: Parameters that are themselves words of the portal (a tab's name, a nested detail).
_WORDS: Final = frozenset({"area", "detail"})
_PARAMETER = re.compile(r"\{(\w+)\}")


def recognise(line: str) -> str:
    """``line`` as the message it was written from, or ``line`` itself when it is not one."""
    found = match_template(line, TEMPLATES)
    if found is None:
        return line
    template, values = found
    params = {name: (_word(value) if name in _WORDS else value) for name, value in values.items()}
    return msg(template, **params)


def match_template(line: str, templates: tuple[str, ...]) -> tuple[str, dict[str, str]] | None:
    """The template (a message id) ``line`` was written from, with its parameters' values."""
    for template, pattern in _patterns(templates):
        found = pattern.fullmatch(line)
        if found is not None:
            return template, dict(found.groupdict())
    return None


def _word(value: str) -> Text:
    recognised = recognise(value)
    # A word of the portal (a tab's name) is looked up in the catalog like a message.
    return recognised if isinstance(recognised, Text) else msg(value)


@cache
def _patterns(templates: Iterable[str]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    compiled = []
    for template in templates:
        parts = _PARAMETER.split(template)
        # split() alternates literal text and parameter names.
        regex = "".join(
            re.escape(part) if index % 2 == 0 else f"(?P<{part}>.+?)"
            for index, part in enumerate(parts)
        )
        compiled.append((template, re.compile(regex, re.DOTALL)))
    return tuple(compiled)
