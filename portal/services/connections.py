"""The portal's Salesforce sessions: the integrated connection, the check sign-in, and tokens
parked until Salesforce has revoked them.

Refreshed tokens are saved (encrypted) as soon as the gateway hands them over, so a reload
never goes back to a dead access token.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Final

from portal.domain.gateway_errors import SalesforceGatewayError
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.oauth import RevokeOutcome, TokenSet
from portal.domain.ports import Repositories
from portal.domain.text import msg
from portal.services.context import ServiceContext
from portal.services.salesforce import OrgGateway

log = logging.getLogger(__name__)

# Token slots besides the integrated connection's (see ``TokenSlotRepository``):
#: The check sign-in's tokens (steps 3, 4 and 6 after the integration was removed).
CHECK_SLOT: Final = "check"
#: Tokens of a sign-in to another org than step 1's, kept until the admin confirms or cancels.
OTHER_ORG_SLOT: Final = "other_org"
#: Prefix of slots holding tokens that still have to be revoked at Salesforce.
REVOKE_PREFIX: Final = "revoke:"


@dataclass(frozen=True)
class RevokeReport:
    """What happened when parked tokens were revoked at Salesforce."""

    org_id: str
    revoked: bool
    #: Salesforce no longer knew the tokens (already revoked or expired).
    already_invalid: bool = False
    #: Why revoking failed (the tokens were still forgotten locally).
    problem: str | None = None


@dataclass(frozen=True)
class IntegratedAs:
    """Who the integrated connection is, from the newest "integrated" history line."""

    org_id: str
    org_name: str
    username: str
    instance_url: str


class Connections:
    def __init__(self, context: ServiceContext) -> None:
        self._context = context

    # --- who is integrated ------------------------------------------------------------------

    def integrated_as(self, repositories: Repositories | None = None) -> IntegratedAs | None:
        """The org and user of the newest integration in the authentication history."""
        repos = repositories or self._context.repositories
        entry = repos.authentication_history.latest(event=AuthEvent.INTEGRATED)
        if entry is None or entry.org_id is None:
            return None
        return IntegratedAs(
            org_id=entry.org_id,
            org_name=entry.org_name or "",
            username=entry.username or "",
            instance_url=entry.instance_url or "",
        )

    # --- gateways ---------------------------------------------------------------------------

    def integration(self) -> OrgGateway | None:
        """The gateway of the integrated connection, or None when not integrated."""
        tokens = self._context.repositories.tokens.load()
        if tokens is None:
            return None
        return self._context.salesforce.connect(tokens=tokens, on_refresh=self._saved_refresh)

    def check(self) -> OrgGateway | None:
        """The gateway of the check sign-in, or None when there is none."""
        tokens = self._context.repositories.token_slots.load(CHECK_SLOT)
        if tokens is None:
            return None
        return self._context.salesforce.connect(tokens=tokens, on_refresh=self._saved_check_refresh)

    def for_tokens(self, tokens: TokenSet) -> OrgGateway:
        """A gateway for tokens not stored yet (a sign-in being completed)."""
        return self._context.salesforce.connect(tokens=tokens, on_refresh=lambda _fresh: None)

    def _saved_refresh(self, fresh: TokenSet) -> None:
        repos = self._context.repositories
        current = repos.tokens.load()
        if current is None or (current.org_id, current.user_id) != (fresh.org_id, fresh.user_id):
            return  # removed meanwhile: never bring a removed connection back
        repos.tokens.save(fresh)
        who = self.integrated_as()
        repos.authentication_history.append(
            AuthenticationHistoryEntry(
                occurred_at=self._context.clock.now(),
                event=AuthEvent.REFRESHED,
                org_id=fresh.org_id,
                org_name=who.org_name if who else None,
                username=who.username if who else None,
                instance_url=fresh.instance_url,
                detail=msg("The Salesforce session expired; the portal renewed it."),
            )
        )

    def _saved_check_refresh(self, fresh: TokenSet) -> None:
        slots = self._context.repositories.token_slots
        if slots.load(CHECK_SLOT) is not None:
            slots.save(CHECK_SLOT, fresh)

    # --- revocation -------------------------------------------------------------------------

    @staticmethod
    def park(repositories: Repositories, tokens: TokenSet) -> str:
        """Keep ``tokens`` (in the caller's transaction) until :meth:`revoke_parked` ends them
        at Salesforce; returns the slot. A crash in between loses nothing: the next run
        revokes them."""
        slot = f"{REVOKE_PREFIX}{uuid.uuid4().hex}"
        repositories.token_slots.save(slot, tokens)
        return slot

    def revoke_parked(self) -> list[RevokeReport]:
        """Revoke every parked token set at Salesforce and forget it locally, also when
        Salesforce refuses or cannot be reached (the report says so)."""
        slots = self._context.repositories.token_slots
        reports: list[RevokeReport] = []
        for slot in slots.slots(prefix=REVOKE_PREFIX):
            tokens = slots.load(slot)
            if tokens is None:
                continue
            reports.append(self._revoke(tokens))
            slots.clear(slot)
        return reports

    def _revoke(self, tokens: TokenSet) -> RevokeReport:
        # Revoking the refresh token ends every access token issued from it as well.
        token = tokens.refresh_token or tokens.access_token
        try:
            outcome = self._context.salesforce.oauth.revoke(token)
        except SalesforceGatewayError as exc:
            log.warning("Revoking tokens of org %s failed: %s", tokens.org_id, exc.error_code)
            return RevokeReport(org_id=tokens.org_id, revoked=False, problem=exc.user_message)
        return RevokeReport(
            org_id=tokens.org_id,
            revoked=True,
            already_invalid=outcome is RevokeOutcome.ALREADY_INVALID,
        )
