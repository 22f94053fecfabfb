"""The bundled mock org as the demo sees it: what its READY file says (its users, scenarios
and addresses), how signing in through its pages can end, and what the demo asks of it
(:class:`MockOrgAccess`; the real one is the mock-org adapter's ``MockOrg``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Final, Protocol

DEFAULT_SCENARIO: Final = "default"


class Consent(Enum):
    ALLOW = "allow"
    DENY = "deny"


class MockSignInError(Exception):
    """The mock's pages did not lead back to the portal (wrong password, an OAuth error page)."""


class MockOrgUnavailable(Exception):
    """The mock org's READY file cannot be read, or its control plane does not answer or
    refuses; the message says what to do."""


@dataclass(frozen=True)
class MockUser:
    username: str
    # A demo password the READY file publishes; still kept out of reprs and logs.
    password: str = field(repr=False)
    org_id: str
    org_name: str
    profile: str
    role: str
    #: The scenario the user's org exists in, when only one has it (None: every scenario).
    only_in_scenario: str | None = None


@dataclass(frozen=True)
class MockInfo:
    """What the mock org's READY file says."""

    login_url: str
    http_url: str
    setup_url: str
    control_url: str
    scenario: str
    scenarios: tuple[str, ...]
    users: tuple[MockUser, ...]
    #: The users of every org of every scenario (the current world's ``users`` first).
    logins: tuple[MockUser, ...] = ()
    #: What the control plane requires in ``X-Mock-Token`` (None: nothing); never shown.
    control_token: str | None = field(default=None, repr=False)

    def user(self, role: str, *, org_id: str | None = None) -> MockUser | None:
        for user in self.users:
            if user.role == role and (org_id is None or user.org_id == org_id):
                return user
        return None


class MockOrgAccess(Protocol):
    """The mock org's READY file, control plane and sign-in pages, as the demo drives them.
    Failures are :class:`MockOrgUnavailable` and :class:`MockSignInError`."""

    def info(self) -> MockInfo:
        """The READY file, read afresh (the mock may have restarted)."""
        ...

    def current_scenario(self) -> str: ...

    def reset(self, *, scenario: str) -> None:
        """Reset the mock org (same seed) into ``scenario``."""
        ...

    def app_usable(self, *, org_id: str, app_name: str) -> bool:
        """Whether the connected app ``app_name`` is installed and not blocked in the org."""
        ...

    def sign_in(
        self,
        *,
        authorize_url: str,
        redirect_uri: str,
        username: str,
        password: str,
        consent: Consent = Consent.ALLOW,
    ) -> dict[str, str]:
        """Go through the login and consent pages from ``authorize_url``; the query parameters
        of the redirect back to ``redirect_uri`` (``code`` and ``state``, or ``error``)."""
        ...
