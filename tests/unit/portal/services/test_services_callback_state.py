"""Issue 11.3 (RFC 6749 §10.12): a callback is Salesforce's answer only for a ``state`` this
portal issued and has not used or let expire. Any other callback, carrying ``code`` or
``error``, is refused as not the portal's: nothing is written to the authentication history,
the audit log or the procedure's progress, and the result claims nothing Salesforce said."""

from __future__ import annotations

from datetime import timedelta

import pytest
from service_fakes import ADMIN, World

from portal.domain.gateway_errors import OAuthFailure
from portal.domain.history import AuthEvent
from portal.services.integration import CallbackKind, SignInPurpose

#: What Salesforce's refusals say; a callback that is not the portal's must say none of it.
SALESFORCE_WORDS = ("denied", "Allow", "blocked", "Unblock", "installed", "callback URL")


def _records(world: World) -> tuple[object, ...]:
    repos = world.storage.repositories
    return (
        [(e.event, e.detail) for e in repos.authentication_history.recent()],
        [(e.action, e.outcome, e.detail) for e in repos.audit.recent()],
        repos.progress.all(),
        repos.tokens.load(),
    )


def _assert_not_ours(outcome: object) -> None:
    assert getattr(outcome, "kind", None) is CallbackKind.FAILED
    assert getattr(outcome, "failure", None) is OAuthFailure.STATE_MISMATCH
    assert getattr(outcome, "purpose", "?") is None
    message = str(outcome.result.message)  # type: ignore[attr-defined]
    assert "does not belong to a sign-in the portal started" in message
    assert not [word for word in SALESFORCE_WORDS if word in message]


@pytest.mark.parametrize(
    "params",
    [
        {"error": "access_denied", "state": "forged"},
        {"error": "OAUTH_APP_BLOCKED", "error_description": "blocked by admin", "state": "x"},
        {"error": "access_denied"},
        {"code": "aPrx-made-up", "state": "forged"},
        {"code": "aPrx-made-up"},
    ],
    ids=["denied-forged", "blocked-forged", "denied-no-state", "code-forged", "code-no-state"],
)
def test_a_callback_for_a_state_never_issued_writes_nothing_and_claims_nothing(
    world: World, params: dict[str, str]
) -> None:
    world.integrate()
    world.portal.integration.start(actor=ADMIN)  # a genuine sign-in is pending meanwhile
    before = _records(world)

    outcome = world.portal.integration.complete(actor=ADMIN, query_params=params)

    _assert_not_ours(outcome)
    assert _records(world) == before


def test_an_error_callback_for_a_used_state_writes_nothing(world: World) -> None:
    world.portal.integration.start(actor=ADMIN)
    request = world.salesforce.oauth.started[-1]
    params = world.salesforce.oauth.approve(request, org=world.acme, user_id="005000000000001AAA")
    assert world.portal.integration.complete(actor=ADMIN, query_params=params).succeeded
    before = _records(world)

    replayed = world.portal.integration.complete(actor=ADMIN, query_params=params)
    denied = world.portal.integration.complete(
        actor=ADMIN, query_params={"error": "access_denied", "state": request.state}
    )

    _assert_not_ours(replayed)
    _assert_not_ours(denied)
    assert _records(world) == before
    latest = world.storage.repositories.authentication_history.latest()
    assert latest is not None and latest.event is AuthEvent.INTEGRATED


@pytest.mark.parametrize("purpose", list(SignInPurpose), ids=lambda p: p.value)
def test_an_error_callback_for_an_expired_state_writes_nothing(
    world: World, purpose: SignInPurpose
) -> None:
    world.portal.integration.start(actor=ADMIN, purpose=purpose)
    state = world.salesforce.oauth.started[-1].state
    world.clock.advance(timedelta(minutes=10, seconds=1))
    before = _records(world)

    outcome = world.portal.integration.complete(
        actor=ADMIN, query_params={"error": "access_denied", "state": state}
    )

    _assert_not_ours(outcome)
    assert _records(world) == before


def test_an_error_callback_for_a_state_the_portal_issued_is_salesforces_answer(
    world: World,
) -> None:
    world.portal.integration.start(actor=ADMIN)
    state = world.salesforce.oauth.started[-1].state

    outcome = world.portal.integration.complete(
        query_params={"error": "access_denied", "error_description": "denied", "state": state}
    )

    assert outcome.failure is OAuthFailure.ACCESS_DENIED
    assert outcome.purpose is SignInPurpose.INTEGRATION
    latest = world.storage.repositories.authentication_history.latest()
    assert latest is not None and latest.event is AuthEvent.FAILED
    assert world.storage.repositories.audit.recent()[0].actor == ADMIN.username
