"""Messages for people, typed: what the services say, not yet in any language.

A :class:`Text` is the English text (its ``str`` value, for logs and for English pages) *and*
the catalog id and parameters the UI layer translates it from (``portal.ui.i18n.t``). Services
and the domain build them with :func:`msg` and :func:`plural_msg`; the words a person reads are
chosen in the UI, in that person's language. Parameters that are themselves :class:`Text` are
translated too; any other parameter (an org name, a username, a Salesforce message) is data and
is shown as it is.

``pybabel extract`` finds the ids through the keywords ``msg`` and ``plural_msg:1,2``
(``babel.cfg``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class Text(str):
    """A message: English ``str`` value plus ``msgid`` / ``plural`` / ``quantity`` / ``params``."""

    msgid: str
    plural: str | None
    quantity: int | None
    params: Mapping[str, Any]

    def __new__(
        cls,
        msgid: str,
        *,
        plural: str | None = None,
        count: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> Text:
        values = dict(params or {})
        template = plural if plural is not None and count != 1 else msgid
        english = template.format(**values) if values or count is not None else template
        self = super().__new__(cls, english)
        self.msgid = msgid
        self.plural = plural
        self.quantity = count
        self.params = values
        return self

    def __reduce__(self) -> tuple[Any, ...]:  # pickling keeps the message, not just the str
        return (_rebuild, (self.msgid, self.plural, self.quantity, dict(self.params)))


def _rebuild(msgid: str, plural: str | None, count: int | None, params: dict[str, Any]) -> Text:
    return Text(msgid, plural=plural, count=count, params=params)


def msg(msgid: str, /, **params: Any) -> Text:
    """A message whose English text is ``msgid.format(**params)``."""
    return Text(msgid, params=params)


def plural_msg(singular: str, plural: str, count: int, /, **params: Any) -> Text:
    """A message with a count: ``singular`` when ``count`` is 1 in English, the locale's
    plural rule otherwise (``{count}`` is available in both forms)."""
    return Text(singular, plural=plural, count=count, params={"count": count, **params})


def N_(msgid: str) -> str:
    """Mark a constant for the catalog; the UI translates it where it is shown."""
    return msgid
