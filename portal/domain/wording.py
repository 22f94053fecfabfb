"""Pieces of the settings' messages that several sentences share: a quoted list of tab names,
and messages that name the Salesforce object a setting writes to.

Salesforce's Japanese UI names Task and Event differently (ToDo / 行動), and the bare word
"Event" means something else on other pages, so a message about an object has one catalog id
per object (both listed where the message is written) rather than an ``{object}`` parameter.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from portal.domain.text import Text, msg


def quoted(labels: Sequence[str]) -> Text:
    """``"a", "b", "c"``: each label quoted, as one message (labels that are messages are
    translated, others shown as they are)."""
    if not labels:
        raise ValueError("nothing to list")
    listed = msg('"{item}"', item=labels[0])
    for label in labels[1:]:
        listed = msg('{items}, "{item}"', items=listed, item=label)
    return listed


def for_object(sobject: str, templates: Mapping[str, str], /, **params: Any) -> Text:
    """The message ``templates[sobject]`` (each template marked with ``N_``) with ``params``;
    an object without a template of its own gets the Task one with the object's name in
    place of "Task" (only Task and Event are written by the integration)."""
    template = templates.get(sobject)
    if template is None:
        template = templates["Task"].replace("Task", sobject)
    return Text(template, params=params)
