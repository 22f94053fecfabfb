"""Phone numbers compared as one number whatever their spelling, with ``phonenumbers``.

MiiTel's numbers and the numbers an org stores are parsed as Japanese first (a number without
a country is a Japanese one; ``010`` dials abroad from Japan) and compared in E.164:
``03-1234-5678``, ``0312345678``, ``+81 3 1234 5678``, ``(03) 1234-5678`` and
``０３－１２３４－５６７８`` are all ``+81312345678``; ``+1 415-555-0123`` and
``010 1 415 555 0123`` are both ``+14155550123``. A string that is not a possible phone number
but holds digits (an extension, a short code) is compared by those digits alone.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Final

import phonenumbers
from phonenumbers import Leniency, NumberParseException, PhoneNumber, PhoneNumberFormat

#: Where a number written without a country is.
HOME_REGION: Final = "JP"
_JAPAN: Final = 81
#: Japan's international call prefix: ``010 1 415 …`` is a call to +1 415 ….
_JAPAN_INTERNATIONAL_PREFIX: Final = "010"


def _parsed(number: str) -> PhoneNumber | None:
    text = unicodedata.normalize("NFKC", number).strip()
    if not text:
        return None
    try:
        parsed = phonenumbers.parse(text, HOME_REGION)
    except NumberParseException:
        return None
    return parsed if phonenumbers.is_possible_number(parsed) else None


def _digits(number: str) -> str:
    text = unicodedata.normalize("NFKC", number)
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


@lru_cache(maxsize=16_384)
def phone_key(number: str) -> str:
    """The number in E.164 (``+81312345678``), also when words surround it
    (``03-1234-5678（代表）``); the plain digits when it is not one possible phone number; ""
    when it holds no digits."""
    parsed = _parsed(number)
    if parsed is not None:
        return phonenumbers.format_number(parsed, PhoneNumberFormat.E164)
    found = _found_in(number)
    if len(found) == 1:
        return next(iter(found))
    return _digits(number)


def _found_in(text: str) -> frozenset[str]:
    """The E.164 forms of the possible phone numbers written in ``text``."""
    normalized = unicodedata.normalize("NFKC", text)
    matcher = phonenumbers.PhoneNumberMatcher(normalized, HOME_REGION, leniency=Leniency.POSSIBLE)
    return frozenset(
        phonenumbers.format_number(match.number, PhoneNumberFormat.E164) for match in matcher
    )


@lru_cache(maxsize=16_384)
def stored_keys(value: str) -> frozenset[str]:
    """The keys of every number a stored phone field holds (``03-1234-5678 / 090-…`` holds
    two); a value that is one number, or no recognisable number, has the one key."""
    parsed = _parsed(value)
    if parsed is not None:
        return frozenset({phonenumbers.format_number(parsed, PhoneNumberFormat.E164)})
    found = _found_in(value)
    if found:
        return found
    digits = _digits(value)
    return frozenset({digits} if digits else ())


def search_terms(key: str) -> tuple[str, ...]:
    """What to search for a key (:func:`phone_key`), as Salesforce's phone search reads
    numbers: its national form in digits (``0312345678``) and its E.164 form for a Japanese
    number; for a foreign one its E.164 form and the way it is dialled from Japan
    (``01014155550123``); a key of plain digits as it is. Terms hold only digits and ``+``."""
    if not key.startswith("+"):
        return (key,) if key else ()
    parsed = phonenumbers.parse(key)
    if parsed.country_code == _JAPAN:
        national = "0" + phonenumbers.national_significant_number(parsed)
        return (national, key)
    return (key, _JAPAN_INTERNATIONAL_PREFIX + key[1:])


def hyphenated(digits: str) -> str | None:
    """The usual hyphenated form of a Japanese number (``03-1234-5678``, ``0466-12-3456``,
    ``0120-123-456``), or None when ``digits`` is not a valid Japanese number."""
    parsed = _parsed(digits)
    if parsed is None or parsed.country_code != _JAPAN or not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, PhoneNumberFormat.NATIONAL)


def national_digits(number: str) -> str:
    """A Japanese number's digits as dialled in Japan (``+81 3-1234-5678`` → ``0312345678``);
    any other number's digits."""
    parsed = _parsed(number)
    if parsed is not None and parsed.country_code == _JAPAN:
        return "0" + phonenumbers.national_significant_number(parsed)
    return _digits(number)


def phone_variants(number: str) -> tuple[str, ...]:
    """Exact spellings to look ``number`` up in with SOQL ``IN``: as given (when only digits
    and hyphens), its plain national digits and its usual hyphenated form, without repeats.
    Every form holds only digits and hyphens."""
    digits = national_digits(number)
    if not digits:
        return ()
    given = unicodedata.normalize("NFKC", number).strip()
    forms: list[str] = []
    if given.replace("-", "").isdigit() and given.isascii():
        forms.append(given)
    forms.append(digits)
    usual = hyphenated(digits)
    if usual is not None:
        forms.append(usual)
    return tuple(dict.fromkeys(forms))


def other_form(number: str) -> str:
    """``number`` in its other common form: plain if hyphenated, hyphenated if plain (when it
    is a valid Japanese number; otherwise unchanged)."""
    if "-" in number:
        return national_digits(number)
    return hyphenated(number) or number
