"""The frame with the browser's login session: the cookie handed over after logging in, a new
Streamlit session (a reload, Salesforce's redirect back) logged in by the cookie, the sign-in
finished only in the browser session that started it and shown on the step it left, the
sidebar right after Integrate, logging out ending the session, and all of it in Japanese."""

from __future__ import annotations

import pytest
from japanese_text import english_left, everything_shown
from page_helpers import ADMIN, PASSWORDS, MockWorld, callback_params, texts
from streamlit.testing.v1 import AppTest

import portal.ui.web_session as web_session
from portal.bootstrap import Portal
from portal.services.errors import LoginLocked
from portal.services.integration import AuthorizationRedirect, SignInPurpose
from portal.services.web_sessions import ReturnTo
from portal.ui import i18n
from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME
from portal.ui.session import ACTOR

ENTRYPOINT = "streamlit_app.py"
SUBMIT = "auth.login.submit"
STEP = "proc.step"


def log_in(app: AppTest, username: str, password: str) -> AppTest:
    app.text_input(key=LOGIN_USERNAME).input(username)
    app.text_input(key=LOGIN_PASSWORD).input(password)
    return app.button(key=SUBMIT).click().run()


def browser_login(portal: Portal, username: str = "admin") -> tuple[str, str]:
    """A login made in some browser: its session key and that browser's cookie."""
    opened, ticket = portal.web_sessions.open(username=username)
    handover = portal.web_sessions.redeem(ticket)
    assert handover is not None
    return opened.key, handover.cookie_value


def with_cookie(monkeypatch: pytest.MonkeyPatch, cookie: str | None) -> None:
    """The browser of the next AppTest sends ``cookie``."""
    monkeypatch.setattr(web_session, "_cookie", lambda: cookie)


def started_sign_in(
    portal: Portal, key: str, purpose: SignInPurpose, *, step: int
) -> AuthorizationRedirect:
    """A sign-in started from step ``step`` in the browser session ``key``."""
    redirect = portal.integration.start(actor=ADMIN, purpose=purpose)
    portal.web_sessions.bind(
        key, state=redirect.state, expires_at=redirect.expires_at, return_to=ReturnTo("", step)
    )
    return redirect


def html_bodies(app: AppTest) -> str:
    return "\n".join(str(element.proto.body) for element in app.get("html"))


def sidebar_text(app: AppTest) -> str:
    return "\n".join(str(m.value) for m in (*app.sidebar.markdown, *app.sidebar.caption))


def test_logging_in_hands_the_browser_its_cookie_once(page_app, absent_portal: Portal):
    app = log_in(page_app(ENTRYPOINT, absent_portal, actor=None).run(), "admin", PASSWORDS["admin"])

    assert not app.exception
    assert '"/portal-session"' in html_bodies(app)
    assert PASSWORDS["admin"] not in html_bodies(app)
    assert absent_portal.web_sessions.is_live(app.session_state[web_session.SESSION_KEY])

    app.run()

    assert "/portal-session" not in html_bodies(app)  # the ticket was handed over once


def test_a_reload_with_the_cookie_is_logged_in_without_the_form(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    _, cookie = browser_login(absent_portal)
    with_cookie(monkeypatch, cookie)

    app = page_app(ENTRYPOINT, absent_portal, actor=None).run()

    assert not app.exception
    assert not app.text_input  # no login form
    assert app.session_state[ACTOR] == ADMIN
    assert "**Portal user:** admin" in sidebar_text(app)


def test_a_forged_cookie_shows_the_login_form(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    _, cookie = browser_login(absent_portal)
    with_cookie(monkeypatch, cookie.split(".")[0] + ".forged")

    app = page_app(ENTRYPOINT, absent_portal, actor=None).run()

    assert [w.label for w in app.text_input] == ["Username", "Password"]
    assert ACTOR not in app.session_state


def test_logging_out_ends_the_session_for_the_cookie_and_other_tabs(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    key, cookie = browser_login(absent_portal)
    with_cookie(monkeypatch, cookie)
    tab = page_app(ENTRYPOINT, absent_portal, actor=None).run()
    other_tab = page_app(ENTRYPOINT, absent_portal, actor=None).run()
    assert not tab.text_input and not other_tab.text_input

    tab.sidebar.button(key="sidebar.logout").click().run()

    assert [w.label for w in tab.text_input] == ["Username", "Password"]
    assert "/portal-session/end" in html_bodies(tab)  # the browser drops the cookie
    assert not absent_portal.web_sessions.is_live(key)
    other_tab.run()
    assert [w.label for w in other_tab.text_input] == ["Username", "Password"]
    reloaded = page_app(ENTRYPOINT, absent_portal, actor=None).run()  # same cookie, F5
    assert [w.label for w in reloaded.text_input] == ["Username", "Password"]


def test_integrate_comes_back_logged_in_on_its_step_with_the_sidebar_integrated(
    page_app, mock_portal: Portal, mock_world: MockWorld, monkeypatch: pytest.MonkeyPatch
):
    key, cookie = browser_login(mock_portal)
    redirect = started_sign_in(mock_portal, key, SignInPurpose.INTEGRATION, step=5)
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")
    with_cookie(monkeypatch, cookie)
    app = page_app(ENTRYPOINT, mock_portal, actor=None)
    app.query_params.update(params)
    app.run()

    assert not app.exception
    assert not app.text_input  # no second login
    assert app.session_state[STEP] == 5
    assert "MiiTel is integrated with the org Acme Japan" in texts(app)  # step 5's check
    assert "code" not in app.query_params and "state" not in app.query_params
    # The sidebar is drawn after the action: it already says integrated.
    sidebar = sidebar_text(app)
    assert "Integrated with **Acme Japan**" in sidebar
    assert "Not integrated" not in sidebar
    assert mock_portal.integration.status().connected


def test_a_check_sign_in_comes_back_to_the_step_it_was_started_on(
    page_app, mock_portal: Portal, mock_world: MockWorld, monkeypatch: pytest.MonkeyPatch
):
    key, cookie = browser_login(mock_portal)
    redirect = started_sign_in(mock_portal, key, SignInPurpose.CHECK, step=4)
    params = callback_params(mock_portal, mock_world, redirect.url, role="admin")
    with_cookie(monkeypatch, cookie)
    app = page_app(ENTRYPOINT, mock_portal, actor=None)
    app.query_params.update(params)
    app.run()

    assert not app.exception
    assert app.session_state[STEP] == 4
    assert "Checking as" in texts(app)  # step 4 looks with the check sign-in


def test_a_callback_of_another_browser_changes_nothing_and_stays_theirs(
    page_app, mock_portal: Portal, mock_world: MockWorld, monkeypatch: pytest.MonkeyPatch
):
    starter, starter_cookie = browser_login(mock_portal)
    redirect = started_sign_in(mock_portal, starter, SignInPurpose.INTEGRATION, step=5)
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")

    _, other_cookie = browser_login(mock_portal)  # someone else, logged in to the portal too
    with_cookie(monkeypatch, other_cookie)
    stranger = page_app(ENTRYPOINT, mock_portal, actor=None)
    stranger.query_params.update(params)
    stranger.run()

    assert not stranger.exception
    assert "does not belong to a sign-in started in this browser" in texts(stranger)
    assert not mock_portal.integration.status().connected
    assert mock_portal.integration.status().org_id is None  # no history line either

    # The browser that started it finishes it, once.
    with_cookie(monkeypatch, starter_cookie)
    mine = page_app(ENTRYPOINT, mock_portal, actor=None)
    mine.query_params.update(params)
    mine.run()
    assert mock_portal.integration.status().connected
    integrated_at = mock_portal.integration.status().integrated_at

    replayed = page_app(ENTRYPOINT, mock_portal, actor=None)
    replayed.query_params.update(params)
    replayed.run()
    assert "does not belong to a sign-in started in this browser" in texts(replayed)
    assert mock_portal.integration.status().integrated_at == integrated_at  # nothing new


# --- in Japanese ----------------------------------------------------------------------------


def japanese(app: AppTest) -> AppTest:
    app.session_state[i18n.LANGUAGE] = "ja"
    return app


def test_the_login_page_speaks_japanese(page_app, absent_portal: Portal):
    app = japanese(page_app(ENTRYPOINT, absent_portal, actor=None)).run()

    assert not app.exception
    assert [w.label for w in app.text_input] == ["ユーザー名", "パスワード"]
    assert app.button(key=SUBMIT).label == "ログイン"
    assert "Salesforce連携ポータル" in texts(app)
    assert not english_left(everything_shown(app))

    app = log_in(app, "admin", "nope")

    assert "ユーザー名またはパスワードが正しくありません。" in texts(app)
    assert not english_left(everything_shown(app))


def test_a_locked_login_says_how_long_to_wait_in_japanese(
    page_app, absent_portal: Portal, monkeypatch: pytest.MonkeyPatch
):
    def locked(**_: object) -> None:
        raise LoginLocked(wait_seconds=250)

    monkeypatch.setattr(absent_portal.access, "login", locked)
    app = log_in(japanese(page_app(ENTRYPOINT, absent_portal, actor=None)).run(), "admin", "x")

    assert "4分10秒待ってから" in texts(app)
    assert not english_left(everything_shown(app))


def test_a_callback_without_login_is_explained_in_japanese(
    page_app, mock_portal: Portal, mock_world: MockWorld
):
    redirect = mock_portal.integration.start(actor=ADMIN, purpose=SignInPurpose.INTEGRATION)
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")
    app = japanese(page_app(ENTRYPOINT, mock_portal, actor=None))
    app.query_params.update(params)
    app.run()

    assert "このブラウザーではポータルにログインしていない" in texts(app)
    assert not english_left(everything_shown(app))
    assert not mock_portal.integration.status().connected


def test_the_sidebar_speaks_japanese_after_integrate(
    page_app, mock_portal: Portal, mock_world: MockWorld, monkeypatch: pytest.MonkeyPatch
):
    key, cookie = browser_login(mock_portal)
    redirect = started_sign_in(mock_portal, key, SignInPurpose.INTEGRATION, step=5)
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")
    with_cookie(monkeypatch, cookie)
    app = japanese(page_app(ENTRYPOINT, mock_portal, actor=None))
    app.query_params.update(params)
    app.run()

    assert not app.exception
    sidebar = sidebar_text(app)
    assert "連携先: **Acme Japan**" in sidebar
    assert "**ポータルユーザー:** admin" in sidebar
    assert [b.label for b in app.sidebar.button] == ["ログアウト"]
    badges = "\n".join(str(m.value) for m in app.sidebar.markdown)
    assert "管理者" in badges
    sidebar_texts = [str(m.value) for m in (*app.sidebar.markdown, *app.sidebar.caption)]
    assert not english_left(sidebar_texts, data=("admin", "Acme Japan"))


def test_a_viewer_sidebar_in_japanese_says_they_change_nothing(page_app, absent_portal: Portal):
    app = log_in(
        japanese(page_app(ENTRYPOINT, absent_portal, actor=None)).run(),
        "viewer",
        PASSWORDS["viewer"],
    )

    assert not app.exception
    sidebar = sidebar_text(app)
    assert "閲覧者はすべての内容を確認できますが、変更はできません。" in sidebar
    assert "未連携" in sidebar
    assert "実際の組織" in sidebar


def test_integrate_started_on_the_salesforce_integration_page_comes_back_there(
    page_app, mock_portal: Portal, mock_world: MockWorld, monkeypatch: pytest.MonkeyPatch
):
    key, cookie = browser_login(mock_portal)
    redirect = mock_portal.integration.start(actor=ADMIN, purpose=SignInPurpose.INTEGRATION)
    mock_portal.web_sessions.bind(
        key,
        state=redirect.state,
        expires_at=redirect.expires_at,
        return_to=ReturnTo(page="salesforce_integration", step=None),
    )
    params = callback_params(mock_portal, mock_world, redirect.url, role="integration")
    with_cookie(monkeypatch, cookie)
    app = page_app(ENTRYPOINT, mock_portal, actor=None)
    app.query_params.update(params)
    app.run()

    assert not app.exception
    assert [title.value for title in app.title] == ["Salesforce integration"]
    assert mock_portal.integration.status().connected
