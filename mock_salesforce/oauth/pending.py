"""Authorize requests in flight between the authorize URL, the login page and the consent page.

A validated request is stored once, bound to the browser that made it; the pages carry only
its id, so nothing the client asked for can be changed on the way.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from datetime import timedelta

from mock_salesforce.clock import Clock, naive_utc
from mock_salesforce.oauth.pkce import ChallengeMethod
from mock_salesforce.store import Store

#: How long a person has to log in and answer the consent page.
PENDING_LIFETIME = timedelta(minutes=30)


@dataclass(frozen=True)
class AuthorizeRequest:
    """What the client asked for, already validated."""

    client_id: str
    app_name: str
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    challenge: str | None
    challenge_method: ChallengeMethod | None
    force_login: bool
    force_consent: bool
    no_prompt: bool  # prompt=none: fail instead of showing a page
    login_hint: str | None = None  # prefills "Username" on the login page


@dataclass(frozen=True)
class PendingRequest:
    request_id: str
    browser_id: str
    request: AuthorizeRequest
    #: The user who logged in for this request (None until then).
    org_id: str | None
    user_id: str | None


class PendingRequests:
    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        store.ensure_table(
            "_oauth_pending",
            "request_id VARCHAR PRIMARY KEY, browser_id VARCHAR NOT NULL, params VARCHAR NOT NULL, "
            "org_id VARCHAR, user_id VARCHAR, created_at TIMESTAMP NOT NULL, "
            "finished BOOLEAN NOT NULL DEFAULT false",
        )

    def start(self, *, browser_id: str, request: AuthorizeRequest) -> str:
        """Store a validated authorize request for this browser; returns its id."""
        request_id = secrets.token_urlsafe(24)
        params = {
            "client_id": request.client_id,
            "app_name": request.app_name,
            "redirect_uri": request.redirect_uri,
            "scopes": list(request.scopes),
            "state": request.state,
            "challenge": request.challenge,
            "challenge_method": request.challenge_method.value
            if request.challenge_method
            else None,
            "force_login": request.force_login,
            "force_consent": request.force_consent,
            "no_prompt": request.no_prompt,
            "login_hint": request.login_hint,
        }
        now = naive_utc(self._clock.now())
        with self._store.transaction():
            self._store.execute(
                "DELETE FROM _oauth_pending WHERE created_at < ?", [now - PENDING_LIFETIME]
            )
            self._store.execute(
                "INSERT INTO _oauth_pending VALUES (?, ?, ?, NULL, NULL, ?, false)",
                [request_id, browser_id, json.dumps(params), now],
            )
        return request_id

    def get(self, *, request_id: str, browser_id: str | None) -> PendingRequest | None:
        """The unfinished, unexpired request with this id made by this browser, else None."""
        if not request_id or not browser_id:
            return None
        rows = self._store.execute(
            "SELECT params, org_id, user_id, created_at FROM _oauth_pending "
            "WHERE request_id = ? AND browser_id = ? AND NOT finished",
            [request_id, browser_id],
        )
        if not rows:
            return None
        params_json, org_id, user_id, created_at = rows[0]
        if naive_utc(self._clock.now()) - created_at > PENDING_LIFETIME:
            return None
        p = json.loads(params_json)
        request = AuthorizeRequest(
            p["client_id"],
            p["app_name"],
            p["redirect_uri"],
            tuple(p["scopes"]),
            p["state"],
            p["challenge"],
            ChallengeMethod(p["challenge_method"]) if p["challenge_method"] else None,
            p["force_login"],
            p["force_consent"],
            p["no_prompt"],
            p.get("login_hint"),
        )
        return PendingRequest(request_id, browser_id, request, org_id, user_id)

    def logged_in(self, *, request_id: str, org_id: str, user_id: str) -> None:
        """Record who logged in for this request."""
        self._store.execute(
            "UPDATE _oauth_pending SET org_id = ?, user_id = ? WHERE request_id = ?",
            [org_id, user_id, request_id],
        )

    def finish(self, request_id: str) -> bool:
        """Close the request (answered); False when it was already closed."""
        rows = self._store.execute(
            "UPDATE _oauth_pending SET finished = true WHERE request_id = ? AND NOT finished "
            "RETURNING request_id",
            [request_id],
        )
        return bool(rows)
