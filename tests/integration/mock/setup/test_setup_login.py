"""Who gets into Setup: the login page, admins only, forms that need their page's token,
Quick Find, and logging out."""

from __future__ import annotations

from collections.abc import Callable

from setup_admin import SetupBrowser, World, page_statuses

from mock_salesforce.seed import UserRole

USAGE = "/setup/connected-apps-oauth-usage"


def test_login_sends_an_admin_to_the_page_they_asked_for(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    browser = SetupBrowser(world.server)

    login = browser.open(USAGE)

    assert login.url.endswith("/setup/login?next=%2Fsetup%2Fconnected-apps-oauth-usage")
    assert login.h1 == "Log in to Setup"
    assert [b for b, _ in login.forms[0].buttons] == ["Log In"]
    wrong = browser.submit(
        login.forms[0], username=world.org.admin.username, password="not-the-password"
    )
    assert wrong.errors == [
        "Please check your username and password. If you still can't log "
        "in, contact your Salesforce administrator."
    ]
    assert wrong.forms[0].inputs["username"] == world.org.admin.username

    landed = browser.submit(wrong.forms[0], password=world.org.admin.password)

    assert landed.h1 == "Connected Apps OAuth Usage"
    assert "MiiTel" in page_statuses(landed)
    cookie = next(c for c in browser.session.cookies if c.name == "sid")
    assert cookie.has_nonstandard_attr("HttpOnly")


def test_a_user_without_setup_permissions_sees_insufficient_privileges(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    rep = next(u for u in world.org.users if u.role is UserRole.REP)
    browser = SetupBrowser(world.server)

    page = browser.log_in(rep, next_path=USAGE)

    assert page.status == 403
    assert page.h1 == "Insufficient Privileges"
    assert "MiiTel" not in page.text
    assert browser.open("/setup/users").status == 403


def test_an_action_without_its_page_token_changes_nothing(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("default")
    browser, _ = world.browser()
    page = browser.open(f"{USAGE}?load=MiiTel")
    form = page.button_form("Block MiiTel")

    forged = browser.submit(form, csrf="forged-token")

    assert forged.errors == ["This page had expired, so nothing was changed. Try again."]
    assert page_statuses(browser.open(USAGE))["MiiTel"] == "Installed"
    # A token works once: replaying the same form is refused too.
    browser.submit(form)
    replay = browser.submit(form)
    assert replay.errors == ["This page had expired, so nothing was changed. Try again."]
    assert page_statuses(browser.open(USAGE))["MiiTel"] == "Installed, Blocked"


def test_quick_find_finds_the_page_by_either_name(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    browser, home = world.browser()
    assert home.h1 == "Setup Home"
    for query in ("OAuth Usage for Connected Apps", "Connected Apps OAuth Usage", "oauth usage"):
        found = browser.open(f"/setup?q={query}")
        results = [text for text, href in found.links if href == USAGE]
        assert "Connected Apps OAuth Usage" in results, query
    nothing = browser.open("/setup?q=payroll")
    assert "No Setup page matches." in nothing.text


def test_logging_out_closes_setup(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    browser, home = world.browser()

    out = browser.click(home, "Log Out")

    assert out.h1 == "Log in to Setup"
    assert "You have logged out." in out.notices
    assert browser.open("/setup/users").h1 == "Log in to Setup"


def test_unknown_records_are_not_found(start_world: Callable[[str], World]) -> None:
    world = start_world("default")
    browser, _ = world.browser()
    for path in (
        "/setup/users/0055g00000000ZZAAA",
        "/setup/profiles/nope",
        "/setup/permission-sets/nope",
        f"{USAGE}/Unknown%20App",
    ):
        page = browser.open(path)
        assert (page.status, page.h1) == (404, "Data Not Available"), path


def test_setup_of_one_org_never_shows_another(start_world: Callable[[str], World]) -> None:
    world = start_world("second-org")
    acme, beta = world.orgs
    browser, _ = world.browser(beta.admin)
    users = browser.open("/setup/users")
    shown = {row["Username"] for row in users.table("All Users").as_dicts()}
    assert shown == {u.username for u in beta.users}
    assert browser.open(f"/setup/users/{acme.admin.user_id}").status == 404


def test_a_setup_login_is_the_browser_login_the_consent_page_uses(
    start_world: Callable[[str], World],
) -> None:
    world = start_world("app-uninstalled")
    app = world.server.backend.connected_apps.definition("MiiTel")
    browser, _ = world.browser()

    consent = browser.open(
        "/services/oauth2/authorize?response_type=code&client_id="
        f"{app.client_id}&redirect_uri={app.callback_urls[0]}&state=s1"
        # The seeded MiiTel app requires PKCE (RFC 7636's example challenge).
        "&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )

    # Already logged in (as in step 5's note): straight to "Allow access?", no login form.
    assert "Allow" in [text for f in consent.forms for text, _ in f.buttons]
    assert "Log In" not in [text for f in consent.forms for text, _ in f.buttons]
    assert world.org.admin.username in consent.text
