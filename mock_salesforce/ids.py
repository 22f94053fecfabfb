"""Salesforce record Ids: 15-character ids with key prefixes; the 18-character case-safe form."""

from __future__ import annotations

import string

KEY_PREFIXES: dict[str, str] = {
    "Account": "001",
    "Contact": "003",
    "Lead": "00Q",
    "Task": "00T",
    "Event": "00U",
    "User": "005",
    "Organization": "00D",
    "Profile": "00e",
    "PermissionSet": "0PS",
    "PermissionSetAssignment": "0Pa",
    "ObjectPermissions": "110",
    "FieldPermissions": "01k",
    "OauthToken": "0CQ",
    "ConnectedApplication": "0H4",
    "AppMenuItem": "0DS",
    "UserRole": "00E",
}

_BASE62 = string.digits + string.ascii_uppercase + string.ascii_lowercase
_CHECKSUM_ALPHABET = string.ascii_uppercase + "012345"


def checksum_suffix(id15: str) -> str:
    """The three characters Salesforce appends to make a 15-character id case-insensitive."""
    suffix = ""
    for chunk in (id15[0:5], id15[5:10], id15[10:15]):
        bits = sum(1 << i for i, ch in enumerate(chunk) if ch.isupper())
        suffix += _CHECKSUM_ALPHABET[bits]
    return suffix


def to18(id15: str) -> str:
    if len(id15) == 18:
        return id15
    if len(id15) != 15:
        raise ValueError(f"not a Salesforce id: {id15!r}")
    return id15 + checksum_suffix(id15)


def is_valid_id(value: str) -> bool:
    """True when ``value`` is a well-formed 15- or 18-character id (checksum verified)."""
    if len(value) not in (15, 18) or not all(c in _BASE62 for c in value):
        return False
    return len(value) == 15 or checksum_suffix(value[:15]).lower() == value[15:].lower()


def normalize_id(value: str) -> str:
    """An 18-character id from a 15- or 18-character one (checksum case repaired)."""
    return to18(value[:15])


def make_id(prefix: str, number: int, *, pod: str = "5g") -> str:
    """The 18-character id for the ``number``-th record with key ``prefix``.

    Layout as Salesforce's: 3-character key prefix, 2-character pod, 10 base-62 digits.
    """
    if len(prefix) != 3:
        raise ValueError("key prefix must be 3 characters")
    digits = ""
    n = number
    for _ in range(10):
        n, r = divmod(n, 62)
        digits = _BASE62[r] + digits
    return to18(prefix + pod + digits)
