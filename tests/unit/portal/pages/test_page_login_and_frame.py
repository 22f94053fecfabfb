"""The entrypoint and the login page: who gets in, what the frame shows, Salesforce's redirect
back to the portal, and a portal that is not configured."""

from __future__ import annotations

from pathlib import Path

import pytest
from page_helpers import (
    ADMIN,
    PASSWORDS,
    MockWorld,
    callback_params,
    texts,
)
from streamlit.testing.v1 import AppTest

from portal.bootstrap import Portal
from portal.services.integration import SignInPurpose
from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME
from portal.ui.oauth import CALLBACK_PARAMS
from portal.ui.session import ACTOR

ENTRYPOINT = "streamlit_app.py"
SUBMIT = "auth.login.submit"


def log_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key=LOGIN_USERNAME).input(username)
    app.text_input(key=LOGIN_PASSWORD).input(password)
    return app.button(key=SUBMIT).click().run()


def test_logged_out_the_only_thing_shown_is_the_login_form(page_app, absent_portal: Portal):
    app = page_app(ENTRYPOINT, absent_portal, actor=None).run()

    assert not app.exception
    assert [w.label for w in app.text_input] == ["Username", "Password"]
    assert app.button(key=SUBMIT).label == "Log In"
    assert "Remove and re-integrate Salesforce" not in texts(app)
    assert not app.sidebar.button  # no logout, no navigation to other screens


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    page_app, absent_portal: Portal
):
    app = log_in(page_app(ENTRYPOINT, absent_portal, actor=None).run(), "admin", "nope")

    assert not app.exception
    assert "The username or password is not correct" in texts(app)
    assert ACTOR not in app.session_state
    # The typed password does not stay in the session.
    assert app.session_state[LOGIN_PASSWORD] == ""


def test_an_admin_logs_in_and_lands_on_the_procedure_with_the_sidebar(
    page_app, absent_portal: Portal
):
    app = log_in(page_app(ENTRYPOINT, absent_portal, actor=None).run(), "admin", PASSWORDS["admin"])

    assert not app.exception
    assert app.title[0].value == "Remove and re-integrate Salesforce"
    sidebar = "\n".join(str(m.value) for m in app.sidebar.markdown)
    assert "**Portal user:** admin" in sidebar
    assert "Not integrated" in sidebar
    assert "Real org" in sidebar  # this container talks to a real-mode configuration
    assert app.session_state[ACTOR] == ADMIN


def test_a_viewer_is_told_in_the_sidebar_that_they_change_nothing(page_app, absent_portal: Portal):
    app = log_in(
        page_app(ENTRYPOINT, absent_portal, actor=None).run(), "viewer", PASSWORDS["viewer"]
    )

    assert not app.exception
    captions = "\n".join(str(c.value) for c in app.sidebar.caption)
    assert "Viewers can read everything but change nothing" in captions


def test_log_out_forgets_the_session_and_shows_the_login_form(page_app, absent_portal: Portal):
    app = page_app(ENTRYPOINT, absent_portal).run()
    app.sidebar.button(key="sidebar.logout").click().run()

    assert not app.exception
    assert ACTOR not in app.session_state
    assert [w.label for w in app.text_input] == ["Username", "Password"]
    assert "You are logged out." in texts(app)


def test_a_redirect_back_to_a_browser_that_is_not_logged_in_changes_nothing(
    page_app, mock_portal: Portal, mock_world: MockWorld
):
    redirect = mock_portal.integration.start(actor=ADMIN, purpose=SignInPurpose.INTEGRATION)
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")
    app = page_app(ENTRYPOINT, mock_portal, actor=None)
    app.query_params.update(params)
    app.run()

    # The code leaves the address bar at once and is not kept for after the login.
    assert not app.exception
    assert "it is not logged in to the portal here" in texts(app)
    assert CALLBACK_PARAMS not in app.session_state
    assert "code" not in app.query_params and "state" not in app.query_params

    app = log_in(app, "admin", PASSWORDS["admin"])

    assert not app.exception
    assert "Integrated: MiiTel" not in texts(app)
    assert not mock_portal.integration.status().connected


def test_a_redirect_with_an_unknown_state_integrates_nothing(page_app, mock_portal: Portal):
    app = page_app(ENTRYPOINT, mock_portal)
    app.query_params.update({"code": "aPrx-made-up", "state": "not-issued-by-the-portal"})
    app.run()

    assert not app.exception
    assert not mock_portal.integration.status().connected
    shown = "\n".join(str(e.value) for e in app.warning)
    assert "does not belong to a sign-in started in this browser" in shown
    assert "Traceback" not in texts(app)


def test_a_portal_without_users_says_which_setting_to_fix(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
):
    for name in (
        "PORTAL_MODE",
        "PORTAL_USERS",
        "PORTAL_DB_PATH",
        "PORTAL_ENCRYPTION_KEY",
        "SALESFORCE_LOGIN_URL",
        "SALESFORCE_CLIENT_ID",
        "SALESFORCE_CLIENT_SECRET",
        "SALESFORCE_REDIRECT_URI",
        "SALESFORCE_CA_BUNDLE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATA_DIR", str(tmp_path))
    app = AppTest.from_file(str(Path(__file__).resolve().parents[4] / "portal/streamlit_app.py"))
    app.secrets["portal"] = {"mode": "real"}
    app.run(timeout=30)

    assert not app.exception
    shown = texts(app)
    assert "The portal is not configured yet." in shown
    assert "PORTAL_USERS" in shown
    assert "SALESFORCE_CLIENT_ID" in shown
