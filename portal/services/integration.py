"""Step 1 (the org and user to re-integrate) and step 5 (Integrate), plus the check sign-in.

"Integrate" and the check sign-in are both Salesforce's OAuth web-server flow with PKCE through
the MiiTel connected app: :meth:`IntegrationService.start` keeps ``state`` and the PKCE verifier
server-side (single use, 10 minutes) and returns the authorize URL; Salesforce sends the browser
back to the portal, whose page hands the query parameters to :meth:`IntegrationService.complete`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum
from typing import Final

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.gateway_errors import (
    OAuthFailure,
    SalesforceAuthError,
    SalesforceGatewayError,
    SalesforceOAuthError,
)
from portal.domain.history import AuthenticationHistoryEntry, AuthEvent
from portal.domain.oauth import AuthorizationRefused, Identity, PendingAuthorization, TokenSet
from portal.domain.ports import Finding
from portal.domain.secret import SecretStr
from portal.domain.steps import StepResult, StepStatus
from portal.domain.text import Text, msg
from portal.services.actors import Actor, Role
from portal.services.connections import CHECK_SLOT, OTHER_ORG_SLOT, Connections
from portal.services.context import ServiceContext
from portal.services.errors import NothingPending
from portal.services.findings import CHECK_USER, CheckRefusal, save_check_refusal

log = logging.getLogger(__name__)

#: How long a started sign-in may take before its ``state`` is refused.
AUTHORIZATION_LIFETIME: Final = timedelta(minutes=10)


class SignInPurpose(Enum):
    """Why the portal sends someone to Salesforce's sign-in."""

    #: Step 5: connect MiiTel ("Integrate").
    INTEGRATION = "integration"
    #: Steps 3, 4 and 6 after removal: a Salesforce admin signs in only so the portal can look.
    CHECK = "check"


class WrongOrgPolicy(Enum):
    """What to do when "Integrate" signs in to another org than step 1's."""

    CONFIRM = "confirm"
    REFUSE = "refuse"


@dataclass(frozen=True)
class IntegrationStatus:
    """Step 1: the org and user, from the authentication history, confirmed live when connected.

    ``live`` is True when Salesforce answered for the connection, False when it no longer
    accepts it, None when not connected or Salesforce could not say; ``problem`` says why.
    """

    connected: bool
    org_id: str | None
    org_name: str | None
    username: str | None
    instance_url: str | None
    integrated_at: datetime | None
    live: bool | None
    problem: str | None = None
    #: The REST API version the portal speaks with the org (known once Salesforce answered).
    api_version: str | None = None


@dataclass(frozen=True)
class CurrentIntegration:
    """Step 1's result and what it found."""

    result: StepResult
    status: IntegrationStatus


@dataclass(frozen=True)
class AuthorizationRedirect:
    """Where to send the browser to sign in to Salesforce."""

    url: str
    purpose: SignInPurpose
    expires_at: datetime
    #: The sign-in's OAuth ``state`` (public: Salesforce sends it back), to bind it to a
    #: browser session.
    state: str = ""


class CallbackKind(Enum):
    INTEGRATED = "integrated"
    CHECK_SIGNED_IN = "check_signed_in"
    #: Signed in to another org than step 1's: :meth:`IntegrationService.confirm_other_org`.
    CONFIRM_OTHER_ORG = "confirm_other_org"
    FAILED = "failed"


@dataclass(frozen=True)
class SignedInAs:
    """The Salesforce org and user a sign-in belongs to."""

    org_id: str
    org_name: str | None
    username: str
    display_name: str
    instance_url: str


@dataclass(frozen=True)
class CallbackOutcome:
    """How Salesforce's redirect back to the portal ended.

    ``result`` is step 5's result for an integration, step 3's for a check sign-in;
    ``failure`` names the OAuth branch when it failed; ``expected_org_*`` is step 1's org
    when the sign-in went to another one.
    """

    kind: CallbackKind
    purpose: SignInPurpose | None
    result: StepResult
    signed_in_as: SignedInAs | None = None
    failure: OAuthFailure | None = None
    expected_org_id: str | None = None
    expected_org_name: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.kind in (CallbackKind.INTEGRATED, CallbackKind.CHECK_SIGNED_IN)


class IntegrationService:
    def __init__(
        self,
        context: ServiceContext,
        *,
        connections: Connections,
        wrong_org_policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
    ) -> None:
        self._context = context
        self._connections = connections
        self._wrong_org_policy = wrong_org_policy

    # --- step 1 -----------------------------------------------------------------------------

    def status(self) -> IntegrationStatus:
        """The integration as the portal records it, without asking Salesforce."""
        repos = self._context.repositories
        tokens = repos.tokens.load()
        entry = repos.authentication_history.latest(event=AuthEvent.INTEGRATED)
        return IntegrationStatus(
            connected=tokens is not None,
            org_id=entry.org_id if entry else (tokens.org_id if tokens else None),
            org_name=entry.org_name if entry else None,
            username=entry.username if entry else None,
            instance_url=entry.instance_url if entry else (tokens.instance_url if tokens else None),
            integrated_at=entry.occurred_at if entry else None,
            live=None,
        )

    def current(self) -> CurrentIntegration:
        """Step 1: the org and user to re-integrate, confirmed live with Salesforce's identity
        call when MiiTel is integrated now."""
        status = self.status()
        if not status.connected:
            result = _not_connected_result(status)
            return self._recorded(CurrentIntegration(result=result, status=status))
        return self._recorded(self._confirmed(status))

    def _confirmed(self, status: IntegrationStatus) -> CurrentIntegration:
        """Step 1 while integrated: Salesforce's identity call says whether the connection
        still works, and with whom."""
        gateway = self._connections.integration()
        assert gateway is not None
        try:
            identity = gateway.identity()
        except SalesforceAuthError as exc:
            status = _replace_status(status, live=False, problem=exc.user_message)
            return CurrentIntegration(result=_no_longer_accepted(status, exc), status=status)
        except SalesforceGatewayError as exc:
            status = _replace_status(status, live=None, problem=exc.user_message)
            return CurrentIntegration(result=_not_confirmed(status, exc), status=status)
        status = IntegrationStatus(
            connected=True,
            org_id=identity.org_id,
            org_name=identity.org_name or status.org_name,
            username=identity.username or status.username,
            instance_url=gateway.tokens.instance_url,
            integrated_at=status.integrated_at,
            live=True,
            api_version=gateway.api_version,
        )
        result = StepResult.of(
            step=1,
            status=StepStatus.OK,
            message=msg(
                "MiiTel is integrated with the org {org} as {username}; Salesforce confirms "
                "the connection. Re-integrate with this org and user.",
                org=_org(status),
                username=status.username or "",
            ),
            next_step=2,
        )
        return CurrentIntegration(result=result, status=status)

    def _recorded(self, current: CurrentIntegration) -> CurrentIntegration:
        self._context.record_progress(current.result)
        return current

    def start(
        self, *, actor: Actor, purpose: SignInPurpose = SignInPurpose.INTEGRATION
    ) -> AuthorizationRedirect:
        """A sign-in to Salesforce for ``purpose``: the authorize URL to send the browser to.
        The check sign-in always asks for the login, so an admin can sign in."""
        action = (
            AuditAction.INTEGRATE
            if purpose is SignInPurpose.INTEGRATION
            else (AuditAction.CHECK_STEP)
        )
        self._context.require_admin(actor, action)
        request = self._context.salesforce.oauth.start(force_login=purpose is SignInPurpose.CHECK)
        now = self._context.clock.now()
        pending = PendingAuthorization(
            state=request.state,
            code_verifier=request.code_verifier,
            # The page to return to is the purpose's own page.
            redirect_to=purpose.value,
            created_at=now,
            expires_at=now + AUTHORIZATION_LIFETIME,
            requested_by=actor.username,
        )
        repos = self._context.repositories
        repos.pending_authorizations.purge_expired()
        repos.pending_authorizations.add(pending)
        return AuthorizationRedirect(
            url=request.url, purpose=purpose, expires_at=pending.expires_at, state=request.state
        )

    def complete(
        self, *, query_params: Mapping[str, str], actor: Actor | None = None
    ) -> CallbackOutcome:
        """Finish a sign-in from the query parameters Salesforce redirected back with: take the
        pending request by ``state`` (once), exchange the code, read who signed in, and store
        the tokens encrypted. Every failure is a :class:`CallbackOutcome` saying what to do.

        The redirect back from Salesforce starts a new browser session, so ``actor`` may be
        omitted: the admin who started the sign-in (bound to the single-use ``state``) is then
        the actor. A given ``actor`` must be an admin."""
        if actor is not None:
            self._context.require_admin(actor, AuditAction.INTEGRATE)
        parsed = self._context.salesforce.oauth.parse_callback(query_params)
        pending = self._take_pending(parsed.state)
        purpose = _purpose(pending)
        if pending is None or purpose is None:
            # RFC 6749 §10.12: not the answer to a sign-in this portal started (unknown, used or
            # expired state), whatever it says: nothing is recorded, nothing is believed.
            log.warning("A sign-in callback with an unknown, used or expired state was refused")
            return _not_ours()
        if actor is None:
            actor = Actor(username=pending.requested_by or "(unknown)", role=Role.ADMIN)
        if isinstance(parsed, AuthorizationRefused):
            return self._refused(actor, parsed.error, purpose)
        signed_in = self._sign_in(actor, purpose, code=parsed.code, pending=pending)
        if isinstance(signed_in, CallbackOutcome):
            return signed_in
        tokens, who = signed_in
        if purpose is SignInPurpose.CHECK:
            return self._check_signed_in(actor, tokens, who)
        return self._integration_signed_in(actor, tokens, who)

    def _take_pending(self, state: str | None) -> PendingAuthorization | None:
        """The sign-in this portal started with ``state``, taken (it answers once)."""
        if not state:
            return None
        return self._context.repositories.pending_authorizations.take(state)

    def _sign_in(
        self,
        actor: Actor,
        purpose: SignInPurpose,
        *,
        code: SecretStr,
        pending: PendingAuthorization,
    ) -> tuple[TokenSet, SignedInAs] | CallbackOutcome:
        """Exchange the code for tokens and read who signed in; a failure is its outcome."""
        try:
            tokens = self._context.salesforce.oauth.exchange(
                code=code, code_verifier=pending.code_verifier
            )
        except SalesforceOAuthError as exc:
            return self._refused(actor, exc, purpose)
        except SalesforceGatewayError as exc:
            return self._failed(actor, purpose, message=exc.user_message, detail=exc.error_code)
        try:
            identity = self._connections.for_tokens(tokens).identity()
        except SalesforceGatewayError as exc:
            self._discard(tokens)
            return self._failed(actor, purpose, message=exc.user_message, detail=exc.error_code)
        return tokens, _signed_in_as(identity, tokens)

    def _check_signed_in(
        self, actor: Actor, tokens: TokenSet, signed_in: SignedInAs
    ) -> CallbackOutcome:
        """The check sign-in is kept only for the org confirmed in step 1."""
        expected = self._connections.integrated_as()
        if expected is None or expected.org_id == signed_in.org_id:
            return self._checked_in(actor, tokens, signed_in)
        self._discard(tokens)
        name = expected.org_name or expected.org_id
        return self._failed(
            actor,
            SignInPurpose.CHECK,
            message=msg(
                "You signed in to the org {signed}, but the checks are about the org "
                "confirmed in step 1, {expected}. Sign in to check again with a System "
                "Administrator of {expected}.",
                signed=signed_in.org_name or signed_in.org_id,
                expected=name,
            ),
            detail="check sign-in to another org",
            failure=OAuthFailure.WRONG_ORG,
            org=signed_in,
            expected=(expected.org_id, expected.org_name),
        )

    def _integration_signed_in(
        self, actor: Actor, tokens: TokenSet, signed_in: SignedInAs
    ) -> CallbackOutcome:
        """Integrate, unless the sign-in went to another org than step 1's (then it waits)."""
        expected = self._connections.integrated_as()
        if expected is not None and expected.org_id != signed_in.org_id:
            return self._other_org(
                actor,
                tokens,
                signed_in,
                expected_id=expected.org_id,
                expected_name=expected.org_name,
            )
        return self._integrate(actor, tokens, signed_in)

    def pending_other_org(self) -> SignedInAs | None:
        """The sign-in to another org waiting for :meth:`confirm_other_org`, if any."""
        tokens = self._context.repositories.token_slots.load(OTHER_ORG_SLOT)
        if tokens is None:
            return None
        try:
            identity = self._connections.for_tokens(tokens).identity()
        except SalesforceGatewayError:
            return SignedInAs(
                tokens.org_id, None, tokens.user_id, tokens.user_id, tokens.instance_url
            )
        return _signed_in_as(identity, tokens)

    def confirm_other_org(self, *, actor: Actor) -> CallbackOutcome:
        """Integrate with the other org the last sign-in went to, as the admin confirmed."""
        self._context.require_admin(actor, AuditAction.INTEGRATE)
        tokens = self._context.repositories.token_slots.load(OTHER_ORG_SLOT)
        if tokens is None:
            raise NothingPending(
                msg(
                    "No sign-in to another org is waiting for confirmation. Click "
                    '"Integrate" again.'
                )
            )
        try:
            identity = self._connections.for_tokens(tokens).identity()
        except SalesforceGatewayError as exc:
            self._context.repositories.token_slots.clear(OTHER_ORG_SLOT)
            self._discard(tokens)
            return self._failed(
                actor, SignInPurpose.INTEGRATION, message=exc.user_message, detail=exc.error_code
            )
        return self._integrate(actor, tokens, _signed_in_as(identity, tokens))

    def cancel_other_org(self, *, actor: Actor) -> None:
        """Drop the sign-in to another org (its tokens are revoked at Salesforce)."""
        self._context.require_admin(actor, AuditAction.INTEGRATE)
        with self._context.storage.unit_of_work() as uow:
            tokens = uow.token_slots.load(OTHER_ORG_SLOT)
            if tokens is None:
                return
            uow.token_slots.clear(OTHER_ORG_SLOT)
            Connections.park(uow, tokens)
            self._context.audit(
                actor=actor,
                action=AuditAction.INTEGRATE,
                outcome=AuditOutcome.FAILED,
                detail=f"cancelled: the sign-in went to org {tokens.org_id}, not step 1's org",
                repositories=uow,
            )
            uow.commit()
        self._connections.revoke_parked()

    # --- outcomes ---------------------------------------------------------------------------

    def _integrate(self, actor: Actor, tokens: TokenSet, who: SignedInAs) -> CallbackOutcome:
        result = StepResult.of(
            step=5,
            status=StepStatus.OK,
            message=msg(
                "Integrated: MiiTel is connected to the org {org_name} ({org_id}) as {username}.",
                org_name=who.org_name or who.org_id,
                org_id=who.org_id,
                username=who.username,
            ),
            next_step=6,
        )
        with self._context.storage.unit_of_work() as uow:
            previous = uow.tokens.load()
            if previous is not None:
                Connections.park(uow, previous)
            check = uow.token_slots.load(CHECK_SLOT)
            if check is not None:
                uow.token_slots.clear(CHECK_SLOT)
                Connections.park(uow, check)
            uow.token_slots.clear(OTHER_ORG_SLOT)
            uow.tokens.save(tokens)
            uow.authentication_history.append(
                AuthenticationHistoryEntry(
                    occurred_at=self._context.clock.now(),
                    event=AuthEvent.INTEGRATED,
                    org_id=who.org_id,
                    org_name=who.org_name,
                    username=who.username,
                    instance_url=who.instance_url,
                    detail=msg("Integrated by {username}.", username=actor.username),
                )
            )
            self._context.audit(
                actor=actor,
                action=AuditAction.INTEGRATE,
                outcome=AuditOutcome.SUCCEEDED,
                detail=f"org {who.org_id} as {who.username}",
                repositories=uow,
            )
            self._context.record_progress(
                result, by=actor, repositories=uow, restarts_later_steps=True
            )
            uow.commit()
        self._connections.revoke_parked()
        return CallbackOutcome(
            kind=CallbackKind.INTEGRATED,
            purpose=SignInPurpose.INTEGRATION,
            result=result,
            signed_in_as=who,
        )

    def _checked_in(self, actor: Actor, tokens: TokenSet, who: SignedInAs) -> CallbackOutcome:
        result = StepResult.of(
            step=3,
            status=StepStatus.OK,
            message=msg(
                "Signed in to the org {org} as {username} to check the connected app and "
                "permissions. The portal uses this sign-in only for the checks and ends it when "
                'you click "Finish checks" or integrate.',
                org=who.org_name or who.org_id,
                username=who.username,
            ),
        )
        with self._context.storage.unit_of_work() as uow:
            earlier = uow.token_slots.load(CHECK_SLOT)
            if earlier is not None:
                Connections.park(uow, earlier)
            uow.token_slots.save(CHECK_SLOT, tokens)
            save_check_refusal(uow, None, at=self._context.clock.now())
            uow.findings.put(
                Finding(name=CHECK_USER, value=who.username, recorded_at=self._context.clock.now())
            )
            self._context.audit(
                actor=actor,
                action=AuditAction.CHECK_STEP,
                outcome=AuditOutcome.SUCCEEDED,
                detail=f"check sign-in to org {who.org_id} as {who.username}",
                repositories=uow,
            )
            uow.commit()
        self._connections.revoke_parked()
        return CallbackOutcome(
            kind=CallbackKind.CHECK_SIGNED_IN,
            purpose=SignInPurpose.CHECK,
            result=result,
            signed_in_as=who,
        )

    def _other_org(
        self,
        actor: Actor,
        tokens: TokenSet,
        who: SignedInAs,
        *,
        expected_id: str,
        expected_name: str,
    ) -> CallbackOutcome:
        expected = f"{expected_name} ({expected_id})" if expected_name else expected_id
        signed = f"{who.org_name} ({who.org_id})" if who.org_name else who.org_id
        if self._wrong_org_policy is WrongOrgPolicy.REFUSE:
            self._discard(tokens)
            message = msg(
                "You signed in to the org {signed}, but step 1's org is {expected}. The portal "
                "is set to integrate only with step 1's org, so nothing changed. Click "
                '"Integrate" again and log in with a user of {expected}.',
                signed=signed,
                expected=expected,
            )
            return self._failed(
                actor,
                SignInPurpose.INTEGRATION,
                message=message,
                detail="wrong org",
                failure=OAuthFailure.WRONG_ORG,
                org=who,
                expected=(expected_id, expected_name),
            )
        with self._context.storage.unit_of_work() as uow:
            earlier = uow.token_slots.load(OTHER_ORG_SLOT)
            if earlier is not None:
                Connections.park(uow, earlier)
            uow.token_slots.save(OTHER_ORG_SLOT, tokens)
            self._context.audit(
                actor=actor,
                action=AuditAction.INTEGRATE,
                outcome=AuditOutcome.FAILED,
                detail=f"awaiting confirmation: signed in to org {who.org_id}, step 1's org "
                f"is {expected_id}",
                repositories=uow,
            )
            uow.commit()
        self._connections.revoke_parked()
        result = StepResult.of(
            step=5,
            status=StepStatus.ACTION_NEEDED,
            message=msg(
                "You signed in to the org {signed} as {username}, but the org confirmed in step "
                "1 is {expected}. The backed-up settings were made for {expected}; integrating "
                "with another org may leave fields that do not exist there. Confirm to "
                'integrate with this org anyway, or cancel and click "Integrate" again with a '
                "user of {expected}.",
                signed=signed,
                username=who.username,
                expected=expected,
            ),
        )
        return CallbackOutcome(
            kind=CallbackKind.CONFIRM_OTHER_ORG,
            purpose=SignInPurpose.INTEGRATION,
            result=result,
            signed_in_as=who,
            failure=OAuthFailure.WRONG_ORG,
            expected_org_id=expected_id,
            expected_org_name=expected_name or None,
        )

    def _refused(
        self, actor: Actor, error: SalesforceOAuthError, purpose: SignInPurpose
    ) -> CallbackOutcome:
        if purpose is SignInPurpose.CHECK:
            refusal = CheckRefusal.from_failure(error.reason, detail=error.detail)
            with self._context.storage.unit_of_work() as uow:
                save_check_refusal(uow, refusal, at=self._context.clock.now())
                self._context.audit(
                    actor=actor,
                    action=AuditAction.CHECK_STEP,
                    outcome=AuditOutcome.FAILED,
                    detail=f"check sign-in refused: {error.error_code}",
                    repositories=uow,
                )
                uow.commit()
            result = _check_refused_result(error)
            return CallbackOutcome(
                kind=CallbackKind.FAILED,
                purpose=purpose,
                result=result,
                failure=error.reason,
            )
        return self._failed(
            actor,
            purpose,
            message=error.user_message,
            detail=error.error_code,
            failure=error.reason,
        )

    def _failed(
        self,
        actor: Actor,
        purpose: SignInPurpose,
        *,
        message: str,
        detail: str,
        failure: OAuthFailure | None = None,
        org: SignedInAs | None = None,
        expected: tuple[str, str] | None = None,
    ) -> CallbackOutcome:
        integrating = purpose is SignInPurpose.INTEGRATION
        result = StepResult.of(
            step=5 if integrating else 3, status=StepStatus.ERROR, message=message
        )
        with self._context.storage.unit_of_work() as uow:
            if integrating:
                # Only "Integrate" is authentication history (and step 5's progress).
                uow.authentication_history.append(
                    _failed_entry(self._context.clock.now(), org=org, detail=detail)
                )
                self._context.record_progress(result, by=actor, repositories=uow)
            self._context.audit(
                actor=actor,
                action=AuditAction.INTEGRATE if integrating else AuditAction.CHECK_STEP,
                outcome=AuditOutcome.FAILED,
                detail=detail,
                repositories=uow,
            )
            uow.commit()
        expected_id, expected_name = expected or (None, None)
        return CallbackOutcome(
            kind=CallbackKind.FAILED,
            purpose=purpose,
            result=result,
            signed_in_as=org,
            failure=failure,
            expected_org_id=expected_id,
            expected_org_name=expected_name or None,
        )

    def _discard(self, tokens: TokenSet) -> None:
        """Revoke tokens the portal will not keep."""
        with self._context.storage.unit_of_work() as uow:
            Connections.park(uow, tokens)
            uow.commit()
        self._connections.revoke_parked()


def _not_ours() -> CallbackOutcome:
    refusal = SalesforceOAuthError(
        reason=OAuthFailure.STATE_MISMATCH,
        error_code="STATE_MISMATCH",
        detail="unknown, used or expired state",
    )
    return CallbackOutcome(
        kind=CallbackKind.FAILED,
        purpose=None,
        result=StepResult.of(step=5, status=StepStatus.ERROR, message=refusal.user_message),
        failure=OAuthFailure.STATE_MISMATCH,
    )


def _purpose(pending: PendingAuthorization | None) -> SignInPurpose | None:
    if pending is None:
        return None
    try:
        return SignInPurpose(pending.redirect_to)
    except ValueError:
        return None


def _signed_in_as(identity: Identity, tokens: TokenSet) -> SignedInAs:
    return SignedInAs(
        org_id=identity.org_id,
        org_name=identity.org_name,
        username=identity.username,
        display_name=identity.display_name,
        instance_url=tokens.instance_url,
    )


def _check_refused_result(error: SalesforceOAuthError) -> StepResult:
    if error.reason is OAuthFailure.APP_BLOCKED:
        return StepResult.of(
            step=3,
            status=StepStatus.ACTION_NEEDED,
            branch="3-2-1",
            message=msg(
                "Salesforce refused the sign-in because MiiTel is blocked in this org: in "
                'Setup > Connected Apps OAuth Usage the action for "MiiTel" is "Unblock". Click '
                '"Unblock", then go on with step 5.'
            ),
        )
    if error.reason is OAuthFailure.APP_NOT_INSTALLED:
        return StepResult.of(
            step=3,
            status=StepStatus.ACTION_NEEDED,
            message=msg(
                "Salesforce refused the sign-in: MiiTel is not installed in this org and the "
                "user who signed in lacks “Approve Uninstalled Connected Apps”. Sign in to check "
                "with a System Administrator who has that permission, or look in Setup > "
                "Connected Apps OAuth Usage yourself."
            ),
            next_step=4,
        )
    return StepResult.of(step=3, status=StepStatus.ERROR, message=error.user_message)


def _failed_entry(
    now: datetime, *, org: SignedInAs | None, detail: str
) -> AuthenticationHistoryEntry:
    """The authentication history's line for a failed "Integrate" (to ``org``, if known)."""
    return AuthenticationHistoryEntry(
        occurred_at=now,
        event=AuthEvent.FAILED,
        org_id=org.org_id if org else None,
        org_name=org.org_name if org else None,
        username=org.username if org else None,
        instance_url=org.instance_url if org else None,
        detail=msg("Integrate failed ({detail}).", detail=detail),
    )


def _not_connected_result(status: IntegrationStatus) -> StepResult:
    """Step 1 while not integrated: the org last integrated, or nothing ever integrated."""
    if status.org_id is None:
        return StepResult.of(
            step=1,
            status=StepStatus.ACTION_NEEDED,
            message=msg(
                "No Salesforce org has been integrated with MiiTel yet, so there is "
                "nothing to re-integrate. If this is your first time integrating with "
                "Salesforce, follow Integrate Salesforce and MiiTel: click "
                '"Integrate" on the Basic settings tab.'
            ),
            next_step=5,
        )
    return StepResult.of(
        step=1,
        status=StepStatus.OK,
        message=_not_integrated_now(status),
        next_step=2,
    )


def _no_longer_accepted(status: IntegrationStatus, error: SalesforceAuthError) -> StepResult:
    """Step 1 when Salesforce refuses the stored connection."""
    return StepResult.of(
        step=1,
        status=StepStatus.ACTION_NEEDED,
        message=msg(
            "Authentication history shows the org {org} and the user {username}, but "
            "Salesforce no longer accepts the connection: {problem} Note the org and "
            "user, then go on with step 2.",
            org=_org(status),
            username=status.username or "",
            problem=error.user_message,
        ),
        next_step=2,
    )


def _not_confirmed(status: IntegrationStatus, error: SalesforceGatewayError) -> StepResult:
    """Step 1 when Salesforce could not be asked."""
    return StepResult.of(
        step=1,
        status=StepStatus.ERROR,
        message=msg(
            "Authentication history shows the org {org} and the user {username}, but "
            "the portal could not confirm it with Salesforce: {problem}",
            org=_org(status),
            username=status.username or "",
            problem=error.user_message,
        ),
    )


def _org(status: IntegrationStatus) -> str:
    if status.org_name:
        return f"{status.org_name} ({status.org_id})"
    return status.org_id or msg("(unknown org)")


def _not_integrated_now(status: IntegrationStatus) -> Text:
    if status.integrated_at is None:
        return msg(
            "MiiTel is not integrated now. Re-integrate with the org {org} as {username}, as "
            "last integrated.",
            org=_org(status),
            username=status.username or "",
        )
    return msg(
        "MiiTel is not integrated now. Re-integrate with the org {org} as {username}, as last "
        "integrated on {integrated_at}.",
        org=_org(status),
        username=status.username or "",
        integrated_at=status.integrated_at,
    )


def _replace_status(
    status: IntegrationStatus, *, live: bool | None, problem: str
) -> IntegrationStatus:
    return IntegrationStatus(
        connected=status.connected,
        org_id=status.org_id,
        org_name=status.org_name,
        username=status.username,
        instance_url=status.instance_url,
        integrated_at=status.integrated_at,
        live=live,
        problem=problem,
    )
