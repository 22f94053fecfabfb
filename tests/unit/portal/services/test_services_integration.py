"""Step 1 (the org and user to re-integrate) and step 5 ("Integrate"): the OAuth callback's
every branch, state handling, wrong org, and the check sign-in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_fakes import ADMIN, VIEWER, World, make_world

from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.gateway_errors import OAuthFailure, SalesforceLimitError, SalesforceOAuthError
from portal.domain.history import AuthEvent
from portal.domain.steps import StepStatus
from portal.services.connections import CHECK_SLOT, OTHER_ORG_SLOT, REVOKE_PREFIX
from portal.services.errors import NotAllowed, NothingPending
from portal.services.integration import CallbackKind, SignInPurpose, WrongOrgPolicy


def test_integrate_stores_tokens_and_records_history_audit_and_progress(world: World) -> None:
    outcome = world.integrate()

    assert outcome.kind is CallbackKind.INTEGRATED
    assert outcome.result.step == 5 and outcome.result.status is StepStatus.OK
    assert outcome.signed_in_as.org_name == "Acme Japan"
    assert outcome.signed_in_as.username == "miitel@acme.example"
    repos = world.storage.repositories
    tokens = repos.tokens.load()
    assert tokens is not None and tokens.org_id == world.acme.org_id
    entry = repos.authentication_history.latest()
    assert entry is not None and entry.event is AuthEvent.INTEGRATED
    assert (entry.org_name, entry.username) == ("Acme Japan", "miitel@acme.example")
    audit = repos.audit.recent(limit=1)[0]
    assert (audit.action, audit.outcome, audit.actor) == (
        AuditAction.INTEGRATE,
        AuditOutcome.SUCCEEDED,
        "alice",
    )
    assert world.portal.procedure.progress().steps[4].status is StepStatus.OK


def test_the_result_never_carries_a_token(world: World) -> None:
    outcome = world.integrate()
    tokens = world.storage.repositories.tokens.load()
    assert tokens is not None
    text = repr(outcome)
    assert tokens.access_token.get_secret_value() not in text
    assert tokens.refresh_token is not None
    assert tokens.refresh_token.get_secret_value() not in text


def test_a_state_is_usable_once(world: World) -> None:
    world.portal.integration.start(actor=ADMIN)
    request = world.salesforce.oauth.started[-1]
    params = world.salesforce.oauth.approve(request, org=world.acme, user_id="005000000000001AAA")
    assert world.portal.integration.complete(actor=ADMIN, query_params=params).succeeded

    replay = world.portal.integration.complete(actor=ADMIN, query_params=params)

    assert replay.kind is CallbackKind.FAILED
    assert replay.failure is OAuthFailure.STATE_MISMATCH
    assert 'Click "Integrate" again' in replay.result.message
    # A replay is not Salesforce's answer (RFC 6749 §10.12): nothing is written for it.
    latest = world.storage.repositories.authentication_history.latest()
    assert latest is not None and latest.event is AuthEvent.INTEGRATED


def test_a_state_expires_after_ten_minutes(world: World) -> None:
    world.portal.integration.start(actor=ADMIN)
    request = world.salesforce.oauth.started[-1]
    params = world.salesforce.oauth.approve(request, org=world.acme, user_id="005000000000001AAA")
    world.clock.advance(timedelta(minutes=10, seconds=1))

    outcome = world.portal.integration.complete(actor=ADMIN, query_params=params)

    assert outcome.failure is OAuthFailure.STATE_MISMATCH
    assert world.storage.repositories.tokens.load() is None


def test_a_state_the_portal_never_issued_is_refused(world: World) -> None:
    outcome = world.portal.integration.complete(
        actor=ADMIN, query_params={"code": "forged", "state": "made-up"}
    )
    assert outcome.failure is OAuthFailure.STATE_MISMATCH
    assert world.storage.repositories.tokens.load() is None


@pytest.mark.parametrize(
    "params",
    [{}, {"code": "abc"}, {"state": "s"}, {"code": "abc", "state": "s", "error": "x"}],
    ids=["nothing", "code-without-state", "state-only", "code-and-error"],
)
def test_a_malformed_callback_is_explained(world: World, params: dict[str, str]) -> None:
    outcome = world.portal.integration.complete(actor=ADMIN, query_params=params)
    assert outcome.kind is CallbackKind.FAILED
    assert outcome.failure in (OAuthFailure.CALLBACK_INVALID, OAuthFailure.STATE_MISMATCH)
    assert outcome.result.status is StepStatus.ERROR


@pytest.mark.parametrize(
    ("error", "description", "failure", "words"),
    [
        ("access_denied", "end-user denied authorization", OAuthFailure.ACCESS_DENIED, "Allow"),
        ("OAUTH_APP_BLOCKED", "this app is blocked by admin", OAuthFailure.APP_BLOCKED, "Unblock"),
        (
            "invalid_client",
            "app must be installed into org",
            OAuthFailure.APP_NOT_INSTALLED,
            "Approve Uninstalled Connected Apps",
        ),
        (
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
            OAuthFailure.REDIRECT_URI_MISMATCH,
            "callback URL",
        ),
    ],
)
def test_each_refusal_says_what_to_do(
    world: World, error: str, description: str, failure: OAuthFailure, words: str
) -> None:
    world.portal.integration.start(actor=ADMIN)
    state = world.salesforce.oauth.started[-1].state

    outcome = world.portal.integration.complete(
        actor=ADMIN,
        query_params={"error": error, "error_description": description, "state": state},
    )

    assert outcome.kind is CallbackKind.FAILED
    assert outcome.failure is failure
    assert outcome.purpose is SignInPurpose.INTEGRATION
    assert words in outcome.result.message
    history = world.storage.repositories.authentication_history.latest()
    assert history is not None and history.event is AuthEvent.FAILED
    assert world.storage.repositories.tokens.load() is None


def test_a_failed_code_exchange_is_reported(world: World) -> None:
    world.salesforce.oauth.exchange_error = SalesforceOAuthError(
        reason=OAuthFailure.REDIRECT_URI_MISMATCH, error_code="redirect_uri_mismatch"
    )
    outcome = world.integrate()
    assert outcome.failure is OAuthFailure.REDIRECT_URI_MISMATCH
    assert world.storage.repositories.tokens.load() is None


def test_viewers_cannot_integrate_and_the_refusal_is_audited(world: World) -> None:
    with pytest.raises(NotAllowed) as raised:
        world.portal.integration.start(actor=VIEWER)
    assert "ask an admin" in raised.value.user_message
    entry = world.storage.repositories.audit.recent(limit=1)[0]
    assert (entry.actor, entry.outcome) == ("victor", AuditOutcome.DENIED)


def _integrated_then_removed(world: World) -> None:
    world.integrate()
    world.portal.removal.remove(actor=ADMIN)


def test_another_org_than_step_1s_asks_for_confirmation(world: World) -> None:
    _integrated_then_removed(world)

    outcome = world.integrate(org=world.beta, user_id="005000000000009BBB")

    assert outcome.kind is CallbackKind.CONFIRM_OTHER_ORG
    assert outcome.failure is OAuthFailure.WRONG_ORG
    assert outcome.expected_org_name == "Acme Japan"
    assert "Beta Trading" in outcome.result.message and "Acme Japan" in outcome.result.message
    assert world.storage.repositories.tokens.load() is None
    pending = world.portal.integration.pending_other_org()
    assert pending is not None and pending.org_name == "Beta Trading"

    confirmed = world.portal.integration.confirm_other_org(actor=ADMIN)

    assert confirmed.kind is CallbackKind.INTEGRATED
    tokens = world.storage.repositories.tokens.load()
    assert tokens is not None and tokens.org_id == world.beta.org_id
    assert world.storage.repositories.token_slots.load(OTHER_ORG_SLOT) is None


def test_cancelling_another_org_revokes_its_tokens(world: World) -> None:
    _integrated_then_removed(world)
    world.integrate(org=world.beta, user_id="005000000000009BBB")
    waiting = world.storage.repositories.token_slots.load(OTHER_ORG_SLOT)
    assert waiting is not None and waiting.refresh_token is not None

    world.portal.integration.cancel_other_org(actor=ADMIN)

    assert world.storage.repositories.token_slots.load(OTHER_ORG_SLOT) is None
    assert waiting.refresh_token.get_secret_value() in world.salesforce.oauth.revoked
    assert world.storage.repositories.tokens.load() is None
    with pytest.raises(NothingPending):
        world.portal.integration.confirm_other_org(actor=ADMIN)


def test_the_refuse_policy_refuses_another_org() -> None:
    world = make_world(wrong_org_policy=WrongOrgPolicy.REFUSE)
    _integrated_then_removed(world)

    outcome = world.integrate(org=world.beta, user_id="005000000000009BBB")

    assert outcome.kind is CallbackKind.FAILED
    assert outcome.failure is OAuthFailure.WRONG_ORG
    assert "Acme Japan" in outcome.result.message
    assert world.storage.repositories.tokens.load() is None
    assert world.storage.repositories.token_slots.slots(prefix=REVOKE_PREFIX) == []
    assert len(world.salesforce.oauth.revoked) == 2  # the removed integration and this one


def test_re_integrating_the_same_org_needs_no_confirmation(world: World) -> None:
    _integrated_then_removed(world)
    assert world.integrate().kind is CallbackKind.INTEGRATED


def test_the_check_sign_in_is_kept_apart_from_the_integration(world: World) -> None:
    outcome = world.check_sign_in()

    assert outcome.kind is CallbackKind.CHECK_SIGNED_IN
    assert outcome.purpose is SignInPurpose.CHECK
    assert outcome.signed_in_as.username == "admin@acme.example"
    repos = world.storage.repositories
    assert repos.tokens.load() is None
    assert repos.token_slots.load(CHECK_SLOT) is not None
    assert repos.authentication_history.latest() is None
    assert "prompt=login" in world.salesforce.oauth.started[-1].url


def test_integrating_ends_the_check_sign_in(world: World) -> None:
    world.check_sign_in()
    check = world.storage.repositories.token_slots.load(CHECK_SLOT)
    assert check is not None and check.refresh_token is not None

    world.integrate()

    assert world.storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert check.refresh_token.get_secret_value() in world.salesforce.oauth.revoked


def test_a_refused_check_sign_in_is_remembered_for_step_3(world: World) -> None:
    world.portal.integration.start(actor=ADMIN, purpose=SignInPurpose.CHECK)
    state = world.salesforce.oauth.started[-1].state

    outcome = world.portal.integration.complete(
        actor=ADMIN, query_params={"error": "OAUTH_APP_BLOCKED", "state": state}
    )

    assert outcome.purpose is SignInPurpose.CHECK
    assert outcome.result.step == 3 and outcome.result.branch == "3-2-1"
    assert world.portal.checks.connected_app().result.branch == "3-2-1"


# --- step 1 -----------------------------------------------------------------------------------


def test_step_1_first_time_points_to_the_first_integration(world: World) -> None:
    current = world.portal.integration.current()
    assert current.result.status is StepStatus.ACTION_NEEDED
    assert "first time" in current.result.message
    assert current.status.connected is False and current.status.org_id is None


def test_step_1_confirms_the_integration_live(world: World) -> None:
    world.integrate()

    current = world.portal.integration.current()

    assert current.result.status is StepStatus.OK
    assert current.status.live is True
    assert (current.status.org_name, current.status.username) == (
        "Acme Japan",
        "miitel@acme.example",
    )
    assert "identity" in world.salesforce.calls


def test_step_1_after_removal_names_the_org_and_user_from_history(world: World) -> None:
    _integrated_then_removed(world)

    current = world.portal.integration.current()

    assert current.result.status is StepStatus.OK
    assert current.status.connected is False and current.status.live is None
    assert (
        "Acme Japan" in current.result.message and "miitel@acme.example" in current.result.message
    )


def test_step_1_refreshes_an_expired_session_and_keeps_the_new_token(world: World) -> None:
    world.integrate()
    old = world.storage.repositories.tokens.load()
    assert old is not None
    world.salesforce.expire(old)

    current = world.portal.integration.current()

    assert current.status.live is True
    new = world.storage.repositories.tokens.load()
    assert new is not None and new.access_token != old.access_token
    assert new.refresh_token == old.refresh_token
    history = world.portal.history.recent()
    assert history[0].event is AuthEvent.REFRESHED


def test_step_1_with_a_revoked_connection_says_it_is_not_live(world: World) -> None:
    world.integrate()
    tokens = world.storage.repositories.tokens.load()
    assert tokens is not None
    world.salesforce.dead_access.add(tokens.access_token.get_secret_value())

    current = world.portal.integration.current()

    assert current.status.live is False
    assert current.result.status is StepStatus.ACTION_NEEDED
    assert "no longer accepts" in current.result.message


def test_step_1_with_the_api_limit_spent_is_a_clear_error(world: World) -> None:
    world.integrate()
    world.salesforce.failures["identity"] = SalesforceLimitError(
        error_code="REQUEST_LIMIT_EXCEEDED",
        user_message="This Salesforce org has used up its API request allowance for now.",
    )

    current = world.portal.integration.current()

    assert current.result.status is StepStatus.ERROR
    assert current.status.live is None
    assert "API request allowance" in current.result.message


def test_the_callback_in_a_new_browser_session_acts_for_who_started_it(world: World) -> None:
    world.portal.integration.start(actor=ADMIN)
    request = world.salesforce.oauth.started[-1]
    params = world.salesforce.oauth.approve(request, org=world.acme, user_id="005000000000001AAA")

    outcome = world.portal.integration.complete(query_params=params)

    assert outcome.kind is CallbackKind.INTEGRATED
    entry = world.storage.repositories.audit.recent(limit=1)[0]
    assert (entry.actor, entry.action) == ("alice", AuditAction.INTEGRATE)


def test_a_viewer_cannot_complete_a_sign_in(world: World) -> None:
    world.portal.integration.start(actor=ADMIN)
    request = world.salesforce.oauth.started[-1]
    params = world.salesforce.oauth.approve(request, org=world.acme, user_id="005000000000001AAA")
    with pytest.raises(NotAllowed):
        world.portal.integration.complete(actor=VIEWER, query_params=params)
    assert world.storage.repositories.tokens.load() is None


def test_a_check_sign_in_to_another_org_is_refused(world: World) -> None:
    _integrated_then_removed(world)

    outcome = world.check_sign_in(org=world.beta, user_id="005000000000009BBB")

    assert outcome.kind is CallbackKind.FAILED and outcome.failure is OAuthFailure.WRONG_ORG
    assert "Acme Japan" in outcome.result.message
    assert world.storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert world.portal.checks.session() is None
