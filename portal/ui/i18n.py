"""The portal's languages: Japanese and English, from gettext catalogs (Babel).

Every word on a page goes through this module: :func:`_` for the page's own literals,
:func:`t` for the typed messages services return (:class:`portal.domain.text.Text`),
:func:`ngettext` for counts, and :func:`number` / :func:`when` / :func:`day` for numbers and
times in the locale's format and the person's time zone. English is the catalog ids themselves;
Japanese is ``portal/locales/ja/LC_MESSAGES/messages.po``, compiled at install (``make
install``) and, when the compiled file is missing or older than the catalog, in memory at
first use.

The language of a session: ``?lang=ja|en`` when given, else the choice made in this session,
else the logged-in user's stored choice, else the browser's language (``st.context.locale``).
"""

from __future__ import annotations

import gettext as gettext_module
import string
import threading
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import streamlit as st
from babel import Locale
from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

from portal import bootstrap
from portal.domain.text import Text
from portal.ui.markup import literal, literal_code

ENGLISH: Final = "en"
JAPANESE: Final = "ja"
#: The selector's options, each in its own language (a fixed interface).
LANGUAGES: Final[Mapping[str, str]] = {ENGLISH: "English", JAPANESE: "日本語"}
SELECTOR_LABEL: Final = "Language / 言語"
#: The session's language, and whether the person chose it (URL or selector) in this session.
LANGUAGE: Final = "ui.language"
LANGUAGE_CHOSEN: Final = "ui.language.chosen"
QUERY_PARAM: Final = "lang"
TOKYO: Final = "Asia/Tokyo"

_catalogs: dict[str, gettext_module.NullTranslations] = {}
_catalogs_lock = threading.Lock()
_ENGLISH_CATALOG: Final = gettext_module.NullTranslations()


def catalog(language: str) -> gettext_module.NullTranslations:
    """The compiled catalog of ``language`` (English: the ids themselves), loaded once."""
    if language == ENGLISH:
        return _ENGLISH_CATALOG
    loaded = _catalogs.get(language)  # every word of every page passes here: no lock once loaded
    if loaded is not None:
        return loaded
    with _catalogs_lock:
        loaded = _catalogs.get(language)
        if loaded is None:
            loaded = bootstrap.translations(language)
            _catalogs[language] = loaded
        return loaded


def language() -> str:
    """This session's language (``en`` outside a browser session)."""
    try:
        chosen = st.session_state.get(LANGUAGE)
    except Exception:  # no Streamlit session (a script, a unit test)
        return ENGLISH
    return chosen if isinstance(chosen, str) and chosen in LANGUAGES else browser_language()


def browser_language() -> str:
    """Japanese when the browser asks for Japanese, English otherwise."""
    try:
        locale = st.context.locale
    except Exception:
        locale = None
    return JAPANESE if isinstance(locale, str) and locale.lower().startswith("ja") else ENGLISH


def requested_language() -> str | None:
    """The language ``?lang=`` names, if it names one."""
    value = st.query_params.get(QUERY_PARAM)
    return value if isinstance(value, str) and value in LANGUAGES else None


def choose(value: str, *, chosen: bool = True) -> None:
    """Make ``value`` this session's language (``chosen``: by the person, not a default)."""
    if value not in LANGUAGES:
        return
    st.session_state[LANGUAGE] = value
    if chosen:
        st.session_state[LANGUAGE_CHOSEN] = True


def was_chosen() -> bool:
    return bool(st.session_state.get(LANGUAGE_CHOSEN))


def _(message: str) -> str:
    """``message`` (a literal of the page, or a marked constant) in this session's language."""
    return catalog(language()).gettext(message)


def ngettext(singular: str, plural: str, count: int, /, **params: Any) -> str:
    """The form of ``singular``/``plural`` for ``count``, formatted (``{count}`` included);
    data parameters as literal text (see :func:`t`)."""
    template = catalog(language()).ngettext(singular, plural, count)
    return _filled(template, {"count": number(count), **_rendered(params)})


def t(value: str) -> str:
    """A service's message (or any string) in this session's language, as Markdown.
    Parameters that are messages are translated; data parameters (an org name, a username, a
    Salesforce message) read exactly as they are: never a link, image, HTML or emphasis
    (:func:`literal`). For widgets that show text as it is (tables, select boxes' options,
    charts, downloads) use :func:`plain`."""
    return _translated(value, markdown=True)


def plain(value: str) -> str:
    """:func:`t` for widgets that show text as it is: data parameters as they are, no escapes."""
    return _translated(value, markdown=False)


def _translated(value: str, *, markdown: bool) -> str:
    if not isinstance(value, Text):
        return _(value) if value else value
    translations = catalog(language())
    if value.plural is not None and value.quantity is not None:
        template = translations.ngettext(value.msgid, value.plural, value.quantity)
    else:
        template = translations.gettext(value.msgid)
    if not value.params:
        return template
    if not markdown:
        return template.format(**_rendered(value.params, markdown=False))
    return _filled(template, _rendered(value.params))


class _Data(str):
    """A data parameter made literal Markdown (its ``str``), keeping the value itself."""

    value: str

    def __new__(cls, value: object) -> _Data:
        shown = format(value, "")  # as str.format would show it (an enum's value, say)
        made = super().__new__(cls, literal(shown))
        made.value = shown
        return made


def _rendered(params: Mapping[str, Any], *, markdown: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, raw in params.items():
        if isinstance(raw, Text):
            out[key] = _translated(raw, markdown=markdown)
        elif isinstance(raw, bool):
            out[key] = raw
        elif isinstance(raw, int | float):
            out[key] = number(raw)
        elif isinstance(raw, datetime):
            out[key] = when(raw)
        elif isinstance(raw, date):
            out[key] = day(raw)
        elif raw is None:
            out[key] = ""
        elif markdown:
            out[key] = _Data(raw)
        else:
            out[key] = raw
    return out


def _filled(template: str, values: Mapping[str, Any]) -> str:
    """``template.format(**values)``, except that a data value the template puts alone in a
    code span (`` `{name}` ``) becomes a code span of its own that holds it exactly."""
    parts: list[str] = []
    pieces = list(_FORMATTER.parse(template))
    for index, (text, field, spec, conversion) in enumerate(pieces):
        parts.append(text)
        if field is None:
            continue
        value = _FORMATTER.convert_field(_FORMATTER.get_field(field, (), values)[0], conversion)
        following = pieces[index + 1][0] if index + 1 < len(pieces) else ""
        if isinstance(value, _Data) and text.endswith("`") and following.startswith("`"):
            parts[-1] = text[:-1]
            parts.append(literal_code(value.value))
            pieces[index + 1] = (following[1:], *pieces[index + 1][1:])
            continue
        parts.append(_FORMATTER.format_field(value, spec or ""))
    return "".join(parts)


_FORMATTER: Final = string.Formatter()


def locale() -> Locale:
    return Locale.parse(language())


def number(value: float) -> str:
    """``value`` with the locale's grouping (1,234 in both languages)."""
    return format_decimal(value, locale=locale())


def time_zone() -> ZoneInfo:
    """Where this person's times are shown: Tokyo in Japanese; in English the browser's zone,
    or UTC when the browser does not say."""
    if language() == JAPANESE:
        return ZoneInfo(TOKYO)
    try:
        name = st.context.timezone
    except Exception:
        name = None
    if isinstance(name, str) and name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return ZoneInfo("UTC")


def local(moment: datetime) -> datetime:
    """A stored (UTC) time in this person's zone."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(time_zone())


def when(moment: datetime | None, *, style: str = "medium") -> str:
    """A time as this person reads it: their zone, the locale's format, the zone's name."""
    if moment is None:
        return "—"
    shown = local(moment)
    pattern = "yyyy/MM/dd HH:mm:ss zzz" if style == "medium" else "yyyy/MM/dd HH:mm zzz"
    return format_datetime(shown, pattern, tzinfo=shown.tzinfo, locale=locale())


def day(value: date) -> str:
    return format_date(value, "medium", locale=locale())


def zone_label() -> str:
    """The zone's short name for captions ("JST", "UTC")."""
    now = datetime.now(UTC).astimezone(time_zone())
    return now.tzname() or str(time_zone())
