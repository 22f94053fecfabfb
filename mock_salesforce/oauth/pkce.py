"""PKCE (RFC 7636): the challenge an authorize request carries and the verifier that redeems it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from enum import StrEnum

# RFC 7636 section 4.1: 43 to 128 unreserved characters (an S256 challenge is 43 of them).
_UNRESERVED = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")


class ChallengeMethod(StrEnum):
    S256 = "S256"
    PLAIN = "plain"


class InvalidChallenge(ValueError):
    """The authorize request's ``code_challenge`` or its method is malformed."""


def parse_challenge(
    challenge: str | None, method: str | None
) -> tuple[str, ChallengeMethod] | None:
    """The (challenge, method) of an authorize request, or None without PKCE.

    S256 is assumed when a challenge comes without a method, as Salesforce does.
    """
    if not challenge:
        if method:
            raise InvalidChallenge("missing required code challenge")
        return None
    try:
        parsed = ChallengeMethod(method or ChallengeMethod.S256)
    except ValueError:
        raise InvalidChallenge("invalid code challenge method") from None
    if not _UNRESERVED.match(challenge):
        raise InvalidChallenge("invalid code challenge")
    return challenge, parsed


def s256(verifier: str) -> str:
    """The S256 challenge of a verifier: unpadded base64url of its SHA-256."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def verifier_matches(*, verifier: str | None, challenge: str, method: ChallengeMethod) -> bool:
    """True when ``verifier`` is well formed and produces ``challenge`` under ``method``."""
    if not verifier or not _UNRESERVED.match(verifier):
        return False
    expected = s256(verifier) if method is ChallengeMethod.S256 else verifier
    return hmac.compare_digest(expected.encode(), challenge.encode())
