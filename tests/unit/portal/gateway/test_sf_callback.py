"""Reading Salesforce's redirect back to the portal: every branch an admin can meet."""

from __future__ import annotations

import pytest

from portal.adapters.salesforce import parse_callback
from portal.domain.gateway_errors import OAuthFailure
from portal.domain.oauth import AuthorizationCode, AuthorizationRefused


def refused(params: dict[str, str | list[str]], **kw: object) -> AuthorizationRefused:
    result = parse_callback(params, **kw)  # type: ignore[arg-type]
    assert isinstance(result, AuthorizationRefused)
    return result


def test_code_and_state_are_a_grant_and_the_code_is_masked() -> None:
    result = parse_callback({"code": "aPrx-secret-code", "state": "s1"})
    assert isinstance(result, AuthorizationCode)
    assert result.state == "s1"
    assert result.code.get_secret_value() == "aPrx-secret-code"
    assert "aPrx-secret-code" not in repr(result) and "aPrx-secret-code" not in str(result)


def test_single_values_given_as_lists_are_accepted() -> None:
    result = parse_callback({"code": ["c"], "state": ["s"]})
    assert isinstance(result, AuthorizationCode) and result.state == "s"


@pytest.mark.parametrize(
    ("error", "description", "reason", "phrase"),
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
            "OAUTH_APPROVAL_ERROR_GENERIC",
            "app must be installed into org",
            OAuthFailure.APP_NOT_INSTALLED,
            "Install",
        ),
        (
            "invalid_app_access",
            "user is not admin approved to access this app",
            OAuthFailure.USER_NOT_APPROVED,
            "admin-approved",
        ),
        (
            "OAUTH_APP_ACCESS_DENIED",
            "user is not admin approved to access this app",
            OAuthFailure.USER_NOT_APPROVED,
            "Manage Connected Apps",
        ),
        (
            "redirect_uri_mismatch",
            "redirect_uri must match configuration",
            OAuthFailure.REDIRECT_URI_MISMATCH,
            "callback URL",
        ),
        (
            "invalid_client_id",
            "client identifier invalid",
            OAuthFailure.INVALID_CLIENT,
            "client id",
        ),
        ("inactive_user", "user is inactive", OAuthFailure.INACTIVE_USER, "inactive"),
        ("something_new", "who knows", OAuthFailure.UNKNOWN, "Integrate"),
    ],
)
def test_each_salesforce_error_redirect_has_its_own_remedy(
    error: str, description: str, reason: OAuthFailure, phrase: str
) -> None:
    result = refused({"error": error, "error_description": description, "state": "s1"})
    assert result.state == "s1"
    assert result.error.reason is reason
    assert result.error.error_code == error
    assert result.error.detail == description
    assert phrase in result.error.user_message


def test_blocked_app_points_at_step_3_and_unblock() -> None:
    result = refused({"error": "OAUTH_APP_BLOCKED", "state": "s"})
    assert result.error.user_message.startswith("MiiTel is blocked in this org")
    assert "Connected Apps OAuth Usage" in result.error.user_message
    assert "step 3" in result.error.user_message


def test_wrong_client_secret_is_not_mistaken_for_an_uninstalled_app() -> None:
    result = refused(
        {"error": "invalid_client", "error_description": "invalid client credentials", "state": "s"}
    )
    assert result.error.reason is OAuthFailure.INVALID_CLIENT


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({}, "no code and no error"),
        ({"state": "s"}, "no code and no error"),
        ({"code": "c"}, "code without state"),
        ({"code": "", "state": "s"}, "no code and no error"),
        ({"code": "c", "state": "s", "error": "access_denied"}, "both code and error"),
        ({"code": ["c1", "c2"], "state": "s"}, "code given more than once"),
        ({"code": "c", "state": "s", "next": "/evil"}, "unexpected parameters: next"),
    ],
)
def test_missing_repeated_or_extra_parameters_make_the_callback_invalid(
    params: dict[str, str | list[str]], detail: str
) -> None:
    result = refused(params)
    assert result.error.reason is OAuthFailure.CALLBACK_INVALID
    assert detail in result.error.detail
    assert "Integrate" in result.error.user_message


def test_parameters_the_portal_declares_its_own_are_ignored() -> None:
    result = parse_callback({"code": "c", "state": "s", "page": "basic"}, allow_extra={"page"})
    assert isinstance(result, AuthorizationCode)


def test_salesforce_community_parameters_are_tolerated() -> None:
    result = parse_callback(
        {"code": "c", "state": "s", "sfdc_community_url": "https://x", "sfdc_community_id": "0DB"}
    )
    assert isinstance(result, AuthorizationCode)
