"""Phone search ignores formatting, as Salesforce's does: a number matches on its digits.

``03-1234-5678``, ``0312345678``, ``(03) 1234-5678``, ``+81 3 1234 5678`` and
``+81-3-1234-5678`` all reduce to the national significant number ``312345678``: digits only,
then an international prefix (``+`` or ``00`` and a country calling code) or a national trunk
``0`` dropped. Two numbers match when those digits and their countries agree; a number
written without a country is in the caller's (their locale's region; Japan by default).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, country_code_for_region

_COUNTRY_CODES = frozenset(str(code) for code in COUNTRY_CODE_TO_REGION_CODE)
_INTERNATIONAL = re.compile(r"^\s*(\+|00(?!0))")
#: Shorter numbers are too ambiguous to match by digits (they still match as text tokens).
MIN_NATIONAL_DIGITS = 6
DEFAULT_COUNTRY = "81"


@dataclass(frozen=True)
class PhoneKey:
    country: str
    national: str


def country_of_locale(locale: str | None) -> str:
    """The calling code of a Salesforce locale's region (``ja_JP`` → ``81``)."""
    region = (locale or "").replace("-", "_").split("_")
    code = country_code_for_region(region[1].upper()) if len(region) > 1 else 0
    return str(code) if code else DEFAULT_COUNTRY


def phone_key(text: str, *, default_country: str = DEFAULT_COUNTRY) -> PhoneKey | None:
    """The comparable form of a phone number, or None when it holds too few digits."""
    digits = "".join(ch for ch in text if ch.isdigit() and ch.isascii())
    country = default_country
    prefix = _INTERNATIONAL.match(text)
    if prefix:
        if prefix.group(1) == "00":
            digits = digits[2:]
        code = next((digits[:n] for n in (1, 2, 3) if digits[:n] in _COUNTRY_CODES), None)
        if code is not None:
            country, digits = code, digits[len(code) :]
    # A national trunk prefix, or the "(0)" some write after the country code.
    if digits.startswith("0"):
        digits = digits[1:]
    if len(digits) < MIN_NATIONAL_DIGITS:
        return None
    return PhoneKey(country, digits)
