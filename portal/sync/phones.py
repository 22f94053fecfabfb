"""Japanese phone numbers as an org may store them: plain (``0312345678``) or hyphenated
(``03-1234-5678``). A call's number is looked up in every form, and compared by its digits.

Hyphenation follows the Japanese numbering plan: mobile and IP numbers 3-4-4, free dial and
navi dial 4-3-3 (0800: 4-3-4), landlines split after the area code (2 digits for Tokyo and
Osaka, 4 digits for the codes listed below, otherwise 3), then the local exchange, then the
last four digits. Area codes of 5 digits and 4-digit codes not listed here are hyphenated as
3-digit codes; the number as given is always looked up too.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Final

_MOBILE_OR_IP: Final = ("070", "080", "090", "050", "020", "060")
_FOUR_THREE_THREE: Final = ("0120", "0570", "0990")
_TWO_DIGIT_AREAS: Final = ("03", "06")
#: Common 4-digit area codes (Fujisawa, Musashino, Odawara, Toyohashi, Kurashiki, ...).
_FOUR_DIGIT_AREAS: Final = frozenset(
    {
        "0422",
        "0428",
        "0436",
        "0438",
        "0460",
        "0463",
        "0465",
        "0466",
        "0467",
        "0470",
        "0475",
        "0476",
        "0479",
        "0480",
        "0493",
        "0495",
        "0532",
        "0533",
        "0545",
        "0555",
        "0564",
        "0566",
        "0568",
        "0586",
        "0596",
        "0748",
        "0774",
        "0776",
        "0836",
        "0852",
        "0857",
        "0865",
        "0866",
        "0877",
        "0884",
        "0898",
        "0942",
        "0985",
    }
)
_DIGITS_AND_HYPHENS: Final = re.compile(r"^[0-9]+(?:-[0-9]+)*$")


def phone_key(number: str) -> str:
    """The digits that identify ``number`` (``+81`` becomes a leading 0); "" when none."""
    text = unicodedata.normalize("NFKC", number).strip()
    international = text.startswith("+")
    digits = "".join(ch for ch in text if ch.isdigit())
    if international and digits.startswith("81"):
        digits = "0" + digits[2:]
    return digits


def hyphenated(digits: str) -> str | None:
    """The usual hyphenated form of a Japanese number given as digits, or None when the
    number does not have a Japanese layout (wrong length, no leading 0)."""
    if not digits.startswith("0") or not digits.isdigit():
        return None
    if len(digits) == 11:
        # 0800 (free dial) first: it would otherwise pass for an 080 mobile number.
        if digits.startswith("0800"):
            return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
        if digits.startswith(_MOBILE_OR_IP):
            return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
        return None
    if len(digits) != 10:
        return None
    if digits.startswith(_FOUR_THREE_THREE):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if digits.startswith(_TWO_DIGIT_AREAS):
        area = 2
    elif digits[:4] in _FOUR_DIGIT_AREAS:
        area = 4
    else:
        area = 3
    return f"{digits[:area]}-{digits[area:6]}-{digits[6:]}"


def phone_variants(number: str) -> tuple[str, ...]:
    """The forms to look ``number`` up in: as given (when it is only digits and hyphens), its
    plain digits, and its usual hyphenated form; without repeats. Every form holds only
    digits and hyphens, so it is safe inside a query."""
    digits = phone_key(number)
    if not digits:
        return ()
    given = unicodedata.normalize("NFKC", number).strip()
    forms: list[str] = []
    if _DIGITS_AND_HYPHENS.match(given):
        forms.append(given)
    forms.append(digits)
    usual = hyphenated(digits)
    if usual is not None:
        forms.append(usual)
    return tuple(dict.fromkeys(forms))


def other_form(number: str) -> str:
    """``number`` in its other common form: plain if hyphenated, hyphenated if plain (when it
    has a Japanese layout; otherwise unchanged)."""
    if "-" in number:
        return phone_key(number)
    return hyphenated(phone_key(number)) or number
