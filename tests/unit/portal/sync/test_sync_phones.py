"""Phone numbers as an org may store them, in any country, compared as one number (E.164)."""

from __future__ import annotations

import pytest

from portal.domain.sync.phones import (
    hyphenated,
    other_form,
    phone_key,
    phone_variants,
    search_terms,
    stored_keys,
)

TOKYO = "+81312345678"


@pytest.mark.parametrize(
    ("number", "key"),
    [
        ("03-1234-5678", TOKYO),
        ("0312345678", TOKYO),
        ("+81 3 1234 5678", TOKYO),
        ("+81-3-1234-5678", TOKYO),
        ("+81 (0)3 1234 5678", TOKYO),
        ("(03) 1234-5678", TOKYO),
        ("03 1234 5678", TOKYO),
        ("０３－１２３４－５６７８", TOKYO),  # full-width, as typed in Japanese
        ("  03.1234.5678 ", TOKYO),
        ("090-1234-5678", "+819012345678"),
        ("+81 90 1234 5678", "+819012345678"),
        ("0120-123-456", "+81120123456"),
        ("0800-123-4567", "+818001234567"),
        ("0466-12-3456", "+81466123456"),
        ("+1 415-555-0123", "+14155550123"),
        ("010 1 415 555 0123", "+14155550123"),  # dialled abroad from Japan
        ("+44 20 7946 0958", "+442079460958"),
        ("010-44-20-7946-0958", "+442079460958"),
        ("03-1234-5678（代表）", TOKYO),  # words around it
        ("TEL 03-1234-5678", TOKYO),
        ("12345", "12345"),  # not a possible number: its digits
        ("no digits", ""),
        ("", ""),
    ],
)
def test_phone_key_is_the_number_in_e164_japan_first(number: str, key: str) -> None:
    assert phone_key(number) == key


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("03-1234-5678", "06-1234-5678"),  # same last digits, another city
        ("03-1234-5678", "+1 312 345 678"),  # the same digits in another country
        ("03-1234-5678", "03-1234-5679"),
        ("090-1234-5678", "080-1234-5678"),
        ("+1 415-555-0123", "(415) 555-0123"),  # without a country it is a Japanese number
    ],
)
def test_different_numbers_have_different_keys(one: str, other: str) -> None:
    assert phone_key(one) != phone_key(other)


def test_a_stored_field_holding_two_numbers_has_both_keys() -> None:
    assert stored_keys("03-1234-5678 / 090-1111-2222") == {TOKYO, "+819011112222"}
    assert stored_keys("(03) 1234-5678") == {TOKYO}
    assert stored_keys("03-1234-5678 内線12") == {TOKYO}
    assert stored_keys("ext. 12") == {"12"}
    assert stored_keys("none") == frozenset()


def test_search_terms_are_the_national_and_international_forms() -> None:
    assert search_terms(TOKYO) == ("0312345678", TOKYO)
    assert search_terms("+14155550123") == ("+14155550123", "01014155550123")
    assert search_terms("12345") == ("12345",)
    assert search_terms("") == ()
    # Only digits and "+": nothing a search statement could read as syntax.
    for number in ("03-1234-5678'} RETURNING User", "+81 (3) 1234-5678", "a OR b"):
        for term in search_terms(phone_key(number)):
            assert set(term) <= set("+0123456789")


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
        ("0997123456", "0997-12-3456"),  # Amami: an area code no hand-made table listed
        ("12345", None),
        ("031234567", None),
    ],
)
def test_hyphenated_follows_the_japanese_numbering_plan(digits: str, form: str | None) -> None:
    assert hyphenated(digits) == form


def test_variants_hold_the_given_plain_and_usual_forms_once_each() -> None:
    assert phone_variants("0312345678") == ("0312345678", "03-1234-5678")
    assert phone_variants("03-1234-5678") == ("03-1234-5678", "0312345678")
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
