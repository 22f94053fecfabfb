"""What a person is told: run a service call the way a page does (a ``PortalError`` becomes its
``user_message``, a typed result its message), and check the message is one a person can act on
— no traceback, no exception names, no secrets."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final

from portal.domain.steps import StepResult, StepStatus
from portal.services.errors import PortalError

#: What may never reach a person: Python's own words for a failure, or object addresses.
_INTERNALS: Final = re.compile(
    r"Traceback \(most recent|File \"[^\"]+\", line \d|\b\w+(Error|Exception)\b:|"
    r"<[\w.]+ object at 0x|\b(requests|urllib3|duckdb|simple_salesforce)\.\w"
)


@dataclass(frozen=True)
class Answer:
    """One service call as the page would show it."""

    what: str
    message: str
    refused: bool
    value: object | None = None

    @property
    def status(self) -> StepStatus | None:
        """The step status of a step result (or of a result holding one)."""
        value = self.value
        if isinstance(value, StepResult):
            return value.status
        result = getattr(value, "result", None)
        return result.status if isinstance(result, StepResult) else None


def message_of(value: object) -> str:
    """The text a page shows for a typed result (its message plus any warning or notes)."""
    if isinstance(value, StepResult):
        return " ".join([value.message, *value.details])
    parts: list[str] = []
    result = getattr(value, "result", None)
    if isinstance(result, StepResult):
        parts.append(result.message)
    for name in ("message", "warning"):
        text = getattr(value, name, None)
        if isinstance(text, str) and text:
            parts.append(text)
    notes = getattr(value, "notes", ())
    if isinstance(notes, tuple):
        parts.extend(str(note) for note in notes)
    return " ".join(parts)


def ask(what: str, call: Callable[[], object]) -> Answer:
    """Call a service: a typed result or a ``PortalError``. Anything else propagates — the
    page would show a generic failure, which these tests count as a defect."""
    try:
        value = call()
    except PortalError as exc:
        return Answer(what=what, message=exc.user_message, refused=True)
    return Answer(what=what, message=message_of(value), refused=False, value=value)


def unclear(answer: Answer, *, secrets: Iterable[str] = ()) -> str | None:
    """Why ``answer`` is not a message a person can act on (None when it is)."""
    text = answer.message.strip()
    if not text:
        return f"{answer.what}: no message at all"
    found = _INTERNALS.search(text)
    if found:
        return f"{answer.what}: shows internals ({found.group(0)!r}): {text}"
    for secret in secrets:
        if secret and secret in text:
            return f"{answer.what}: shows a secret: {text}"
    return None
