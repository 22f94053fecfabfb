"""Which language the portal speaks: ``?lang=``, the browser's language on a first visit, the
sidebar's "Language / 言語" selector, and the choice kept with the portal user."""

from __future__ import annotations

from page_helpers import ADMIN, PASSWORDS, VIEWER

from portal.bootstrap import Portal
from portal.ui.auth import LOGIN_PASSWORD, LOGIN_USERNAME
from portal.ui.language import SELECTOR

ENTRYPOINT = "streamlit_app.py"


def selector_value(app) -> str:
    return str(app.sidebar.selectbox(key=SELECTOR).value)


def test_the_selector_is_labelled_in_both_languages_with_both_options(
    page_app, absent_portal: Portal
):
    app = page_app(ENTRYPOINT, absent_portal, actor=None).run()

    assert not app.exception
    box = app.sidebar.selectbox(key=SELECTOR)
    assert box.label == "Language / 言語"
    assert list(box.options) == ["English", "日本語"]


def test_a_first_visit_follows_a_japanese_browser(page_app, absent_portal: Portal):
    app = page_app(ENTRYPOINT, absent_portal, actor=None)
    app.context = {"locale": "ja-JP"}
    app.run()

    assert selector_value(app) == "ja"
    assert app.query_params["lang"] in ("ja", ["ja"])


def test_a_first_visit_from_another_browser_is_in_english(page_app, absent_portal: Portal):
    app = page_app(ENTRYPOINT, absent_portal, actor=None)
    app.context = {"locale": "de-DE"}
    app.run()

    assert selector_value(app) == "en"


def test_lang_in_the_url_wins_over_the_browser_and_is_kept_for_the_user(
    page_app, absent_portal: Portal
):
    app = page_app(ENTRYPOINT, absent_portal)
    app.context = {"locale": "en-US"}
    app.query_params["lang"] = "ja"
    app.run()

    assert not app.exception
    assert selector_value(app) == "ja"
    assert absent_portal.preferences.language_of(actor=ADMIN) == "ja"


def test_the_choice_is_stored_with_the_user_and_followed_in_a_new_session(
    page_app, absent_portal: Portal
):
    app = page_app(ENTRYPOINT, absent_portal).run()
    app.sidebar.selectbox(key=SELECTOR).select("ja").run()

    assert not app.exception
    assert absent_portal.preferences.language_of(actor=ADMIN) == "ja"
    assert app.query_params["lang"] in ("ja", ["ja"])

    # Another browser (English), the same user: Japanese, as chosen.
    later = page_app(ENTRYPOINT, absent_portal)
    later.context = {"locale": "en-US"}
    later.run()
    assert selector_value(later) == "ja"
    # Another user keeps their own language.
    viewer = page_app(ENTRYPOINT, absent_portal, actor=VIEWER)
    viewer.context = {"locale": "en-US"}
    viewer.run()
    assert selector_value(viewer) == "en"


def test_an_unknown_lang_is_ignored(page_app, absent_portal: Portal):
    app = page_app(ENTRYPOINT, absent_portal, actor=None)
    app.query_params["lang"] = "fr"
    app.run()

    assert not app.exception
    assert selector_value(app) == "en"


def test_logging_in_from_a_plain_address_brings_back_the_users_language(
    page_app, absent_portal: Portal
):
    """The ``?lang=`` the portal writes itself on the login page is no choice of the person's:
    after logging in, their stored language applies (and is not overwritten)."""
    absent_portal.preferences.set_language(actor=ADMIN, language="ja")
    app = page_app(ENTRYPOINT, absent_portal, actor=None)
    app.context = {"locale": "en-US"}
    app.run()
    assert selector_value(app) == "en"

    app.text_input(key=LOGIN_USERNAME).input("admin")
    app.text_input(key=LOGIN_PASSWORD).input(PASSWORDS["admin"])
    app.button(key="auth.login.submit").click().run()
    app.run()

    assert not app.exception
    assert selector_value(app) == "ja"
    assert absent_portal.preferences.language_of(actor=ADMIN) == "ja"
