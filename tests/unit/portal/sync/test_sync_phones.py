"""Japanese numbers in every form an org may store them."""

from __future__ import annotations

import pytest

from portal.sync.phones import hyphenated, other_form, phone_key, phone_variants


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("03-1234-5678", "0312345678"),
        ("0312345678", "0312345678"),
        ("+81 3-1234-5678", "0312345678"),
        ("+81-90-1234-5678", "09012345678"),
        ("０３－１２３４－５６７８", "0312345678"),  # full-width, as typed in Japanese
        ("(03) 1234 5678", "0312345678"),
        ("no digits", ""),
    ],
)
def test_phone_key_is_the_digits_with_81_as_a_leading_zero(number: str, key: str) -> None:
    assert phone_key(number) == key


@pytest.mark.parametrize(
    ("digits", "form"),
    [
        ("0312345678", "03-1234-5678"),
        ("0612345678", "06-1234-5678"),
        ("0451234567", "045-123-4567"),
        ("0466123456", "0466-12-3456"),
        ("09012345678", "090-1234-5678"),
        ("05012345678", "050-1234-5678"),
        ("0120123456", "0120-123-456"),
        ("08001234567", "0800-123-4567"),
        ("0570123456", "0570-123-456"),
        ("12345", None),
        ("031234567", None),
    ],
)
def test_hyphenated_follows_the_japanese_numbering_plan(digits: str, form: str | None) -> None:
    assert hyphenated(digits) == form


def test_variants_hold_the_given_plain_and_usual_forms_once_each() -> None:
    assert phone_variants("0312345678") == ("0312345678", "03-1234-5678")
    assert phone_variants("03-1234-5678") == ("03-1234-5678", "0312345678")
    # An unusual hyphenation is looked up as given too.
    assert phone_variants("031-234-5678") == ("031-234-5678", "0312345678", "03-1234-5678")
    assert phone_variants("+81 3 1234 5678") == ("0312345678", "03-1234-5678")
    assert phone_variants("") == ()


def test_every_variant_is_safe_inside_a_query() -> None:
    for number in ("03-1234-5678'; DELETE", "+81 (3) 1234-5678", "090 1234 5678"):
        assert all(set(v) <= set("0123456789-") for v in phone_variants(number))


def test_other_form_swaps_plain_and_hyphenated() -> None:
    assert other_form("03-1234-5678") == "0312345678"
    assert other_form("0312345678") == "03-1234-5678"
    assert other_form("12345") == "12345"
