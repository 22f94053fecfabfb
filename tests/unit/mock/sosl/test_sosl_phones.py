"""Phone numbers as SOSL compares them: digits, without international or trunk prefixes."""

from __future__ import annotations

import pytest

from mock_salesforce.sosl.phones import PhoneKey, country_of_locale, phone_key

TOKYO = PhoneKey("81", "312345678")


@pytest.mark.parametrize(
    ("written", "key"),
    [
        ("03-1234-5678", TOKYO),
        ("0312345678", TOKYO),
        ("(03) 1234-5678", TOKYO),
        ("03.1234.5678", TOKYO),
        ("+81 3 1234 5678", TOKYO),
        ("+81-3-1234-5678", TOKYO),
        ("+81 (0)3 1234 5678", TOKYO),
        ("0081 3 1234 5678", TOKYO),
        ("090-1234-5678", PhoneKey("81", "9012345678")),
        ("+1 (415) 555-1212", PhoneKey("1", "4155551212")),
        ("+44 20 7946 0958", PhoneKey("44", "2079460958")),
        ("+33 1 23 45 67 89", PhoneKey("33", "123456789")),
        ("1234", None),
    ],
)
def test_written_forms_reduce_to_one_key(written: str, key: PhoneKey | None) -> None:
    assert phone_key(written) == key


def test_a_number_without_country_is_in_the_callers_region() -> None:
    assert phone_key("(415) 555-1212", default_country=country_of_locale("en_US")) == PhoneKey(
        "1", "4155551212"
    )
    assert country_of_locale("ja_JP") == "81"
    assert country_of_locale(None) == "81"
    assert country_of_locale("fr_FR") == "33"
