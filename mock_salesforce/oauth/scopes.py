"""OAuth scopes as Salesforce names them, and the words its consent page uses for them."""

from __future__ import annotations

from collections.abc import Iterable

#: Scope → the line the "Allow access?" page shows for it (Salesforce's own wording).
SCOPE_WORDS: dict[str, str] = {
    "api": "Manage user data via APIs (api)",
    "web": "Manage user data via Web browsers (web)",
    "full": "Full access (full)",
    "id": "Access the identity URL service (id, profile, email, address, phone)",
    "profile": "Access the identity URL service (id, profile, email, address, phone)",
    "email": "Access the identity URL service (id, profile, email, address, phone)",
    "address": "Access the identity URL service (id, profile, email, address, phone)",
    "phone": "Access the identity URL service (id, profile, email, address, phone)",
    "openid": "Access unique user identifiers (openid)",
    "refresh_token": "Perform requests at any time (refresh_token, offline_access)",
    "offline_access": "Perform requests at any time (refresh_token, offline_access)",
}

#: Scopes that make the token endpoint return a refresh token.
REFRESH_SCOPES = frozenset({"refresh_token", "offline_access"})

#: Scopes that open the identity URL and the UserInfo endpoint.
IDENTITY_SCOPES = frozenset({"id", "profile", "email", "address", "phone", "openid", "full"})


class ScopeNotAllowed(ValueError):
    """A requested scope is unknown or not among the connected app's selected scopes."""


def parse_scopes(raw: str | None, *, allowed: Iterable[str]) -> tuple[str, ...]:
    """The requested scopes in request order without repeats; the app's scopes when none
    are requested. Raises :class:`ScopeNotAllowed` for a scope the app may not ask for."""
    permitted = tuple(allowed)
    if raw is None or not raw.strip():
        return permitted
    scopes: list[str] = []
    for scope in raw.split():
        if scope not in SCOPE_WORDS or scope not in permitted:
            raise ScopeNotAllowed(scope)
        if scope not in scopes:
            scopes.append(scope)
    return tuple(scopes)


def consent_lines(scopes: Iterable[str]) -> list[str]:
    """The distinct lines the consent page lists for these scopes, in request order."""
    lines: list[str] = []
    for scope in scopes:
        line = SCOPE_WORDS.get(scope, scope)
        if line not in lines:
            lines.append(line)
    return lines


def without_refresh(scopes: Iterable[str]) -> tuple[str, ...]:
    """The scopes a flow without refresh tokens (password, client credentials) grants."""
    return tuple(s for s in scopes if s not in REFRESH_SCOPES)


def covers(granted: Iterable[str], requested: Iterable[str]) -> bool:
    """True when every requested scope was already granted."""
    return set(requested) <= set(granted)
