"""Issue 15: the pages show the signed-in user's company only. Through the real container
(the hosting picks the services of the actor's company): a second company's admin logs in
with the form, sees their company in the sidebar and none of the first company's backups or
authentication history; a user disabled on the command line is logged out at their next page;
an export's download link is of no use to another company's user."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import bcrypt
import pytest
from page_helpers import absent_config, texts
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest
from test_page_login_session import ENTRYPOINT, browser_login, log_in, with_cookie

import portal.ui.container as ui_container
import portal.ui.web_session as web_session
from portal.bootstrap import Hosting, build_hosting
from portal.domain.backup import BackupSnapshot
from portal.domain.config import PortalRole, PortalUser
from portal.domain.settings import IntegrationSettings
from portal.domain.tenancy import HOME_COMPANY
from portal.services.actors import Actor, Role
from portal.ui import export_files
from portal.ui.session import ACTOR

PASSWORD = "a-long-enough-password"
PAGES = Path(__file__).resolve().parents[4] / "portal" / "app_pages"


def _user(name: str, role: PortalRole, company: str | None = None) -> PortalUser:
    digest = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
    return PortalUser(name, digest, role, company=company, company_name="Beta Co")


@pytest.fixture
def hosting(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Hosting]:
    config = absent_config(
        data_dir,
        users=(_user("admin", PortalRole.ADMIN), _user("admin-b", PortalRole.ADMIN, "beta-co")),
    )
    built = build_hosting(config=config)
    home = built.portal_for(HOME_COMPANY)
    home.storage.repositories.backups.save_latest(
        BackupSnapshot.capture(
            settings=IntegrationSettings.default(),
            taken_at=datetime(2026, 4, 1, 8, 30, tzinfo=UTC),
            org_id="00D000000000001AAA",
            org_name="Home Org 本社",
            username="miitel@home.example",
            instance_url="https://home.example",
        )
    )
    monkeypatch.setattr(ui_container, "hosting", lambda: built)
    yield built
    built.close()


def _beta(hosting: Hosting) -> Actor:
    company = next(c for c in hosting.companies() if c.slug == "beta-co")
    return Actor(username="admin-b", role=Role.ADMIN, company_id=company.id)


def _page(file: str, actor: Actor) -> AppTest:
    app = AppTest.from_file(str(PAGES / file), default_timeout=60)
    app.session_state[ACTOR] = actor
    return app


def test_a_second_companys_admin_logs_in_and_sees_their_company(hosting: Hosting) -> None:
    app = AppTest.from_file(str(PAGES.parent / ENTRYPOINT), default_timeout=60).run()
    app = log_in(app, "admin-b", PASSWORD)
    assert not app.exception
    assert app.session_state[ACTOR] == _beta(hosting)
    sidebar = "\n".join(str(c.value) for c in app.sidebar.caption)
    assert "Company: Beta Co" in sidebar


def test_the_backups_page_shows_only_the_users_company(hosting: Hosting) -> None:
    home = _page("backups.py", Actor(username="admin", role=Role.ADMIN)).run()
    assert "Home Org 本社" in texts(home)
    second = _page("backups.py", _beta(hosting)).run()
    assert not second.exception
    assert "Home Org 本社" not in texts(second)
    assert 'There is no backup yet. "Remove integration" takes one' in texts(second)


def test_a_user_disabled_meanwhile_is_logged_out_at_the_next_page(
    hosting: Hosting, monkeypatch: pytest.MonkeyPatch
) -> None:
    hosting.directory.create_user(
        company="beta-co", username="spare", role=PortalRole.VIEWER, password=PASSWORD
    )
    _, cookie = browser_login(hosting.portal_for(HOME_COMPANY), "spare")
    with_cookie(monkeypatch, cookie)
    app = AppTest.from_file(str(PAGES.parent / ENTRYPOINT), default_timeout=60).run()
    assert app.session_state[ACTOR].username == "spare"
    hosting.directory.set_disabled("spare", disabled=True)  # python -m portal users disable
    app.run()
    assert ACTOR not in app.session_state
    assert [w.label for w in app.text_input] == ["Username", "Password"]


def test_an_export_link_is_of_no_use_to_another_companys_user(hosting: Hosting) -> None:
    home = hosting.portal_for(HOME_COMPANY)
    job = export_files.prepared().start(
        make=lambda path, control: home.error_tables.export_to(path, control=control),
        file_name="errors.csv",
        mime="text/csv",
        owner="admin",
    )
    deadline = time.monotonic() + 30
    while job.state is export_files.JobState.RUNNING and time.monotonic() < deadline:
        time.sleep(0.05)
    client = TestClient(Starlette(routes=export_files.routes()))
    _, other = browser_login(home, "admin-b")
    refused = client.get(job.url, cookies={web_session.COOKIE_NAME: other})
    assert refused.status_code == 404
    _, own = browser_login(home, "admin")
    served = client.get(job.url, cookies={web_session.COOKIE_NAME: own})
    assert served.status_code == 200


def test_a_hosted_portal_without_any_user_says_how_to_make_the_first_admin(
    data_dir: Path, postgres_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = absent_config(data_dir, users=(), database_url=postgres_url)
    monkeypatch.setattr(ui_container, "portal_config", lambda: config)
    app = AppTest.from_file(str(PAGES.parent / ENTRYPOINT), default_timeout=60).run()
    assert not app.exception
    shown = texts(app)
    assert "The portal is not configured yet." in shown
    assert "python -m portal users create NAME --company default --role admin" in shown
    assert not app.text_input, "no login form while nobody could log in"
