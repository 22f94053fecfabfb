"""Subject templates: ``{placeholder}`` fields filled from call or meeting data."""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

from portal.domain.text import Text, msg


@dataclass(frozen=True)
class TemplateProblem:
    """Why a Subject template cannot be used, in words a person can act on (one sentence)."""

    message: Text


def template_placeholders(template: str) -> tuple[str, ...] | TemplateProblem:
    """The placeholder names ``template`` uses, in order, or the problem that makes it unusable.

    Only plain ``{name}`` placeholders are allowed; ``{{`` and ``}}`` write literal braces.
    """
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return TemplateProblem(
            msg(
                "The Subject has an unmatched brace: write placeholders as {example}, and a "
                "literal brace as {{{{ or }}}}.",
                example="{name}",
            )
        )
    for _literal, name, format_spec, conversion in parsed:
        if name is None:
            continue
        placeholder = "{" + name + "}"
        if name == "" or not name.isidentifier():
            return TemplateProblem(
                msg(
                    "The Subject has a placeholder {placeholder} that is not a name: write "
                    "placeholders as {example}.",
                    placeholder=placeholder,
                    example="{name}",
                )
            )
        if format_spec or conversion:
            return TemplateProblem(
                msg(
                    "The Subject formats the placeholder {placeholder} with '!' or ':': write it "
                    "as {placeholder}.",
                    placeholder=placeholder,
                )
            )
        names.append(name)
    return tuple(names)


def render_subject(*, template: str, values: Mapping[str, str]) -> str:
    """Fill ``template``; a placeholder without a value is left empty, never an error."""
    parsed = template_placeholders(template)
    if isinstance(parsed, TemplateProblem):
        raise ValueError(str(parsed.message))
    filled = {name: values.get(name, "") for name in parsed}
    return template.format_map(filled).strip()
