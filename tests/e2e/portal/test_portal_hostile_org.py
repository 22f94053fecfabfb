"""Values from Salesforce are data, never markup (issue 11, item 1), proved in Chromium.

An org's admins name the org and its users. Here the mock org (over real HTTPS, in this
process so the test can rename what Salesforce would let its admins rename) has an org name
and users whose names are Markdown, HTML, Streamlit directives, LaTeX and autolinks. The
portal (``streamlit run``, its own process) integrates with it at start, the person removes the
integration and integrates again through the mock's login and "Allow", and every page that
shows the org or its users is read in the browser: the values read exactly as stored, and no
link, image, script, emphasis, colour, icon or formula comes out of them, and the browser
fetches nothing from the hosts they name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pytest
from playwright.sync_api import BrowserContext, Page, Request, expect
from portal_stack import (
    WAIT_MS,
    Shots,
    Stack,
    _stop,
    back_at_portal,
    click,
    free_port,
    log_in_to_portal,
    main,
    open_step,
    sign_in_at_salesforce,
    start_portal,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.backend import MockBackend, MockOptions
from mock_salesforce.cli import ready_info
from mock_salesforce.control import ready_users
from mock_salesforce.scenarios import reset_world
from tests.portal_over_mock import guarded_server

pytestmark = [pytest.mark.e2e, pytest.mark.slow, pytest.mark.timeout(900)]

EVIL: Final = "evil.example"
#: What the org's admins typed: every kind of markup Streamlit's Markdown would act on.
ORG_NAME: Final = (
    "**Acme** _Evil_ [click](https://evil.example/o) <img src=https://evil.example/i.png> "
    "![p](https://evil.example/p.png) :red[red] $x^2$ www.evil.example :material/warning:"
)
FIRST_NAME: Final = "<script>alert(1)</script>"
LAST_NAME: Final = "**Mallory** [me](https://evil.example/u)"
#: Usernames are email addresses: GFM would make each a mailto link.
USERNAME: Final = "mallory@evil.example"
ADMIN_USERNAME: Final = "mallory.admin@evil.example"
#: What no value of the org may become (the portal's own markup has none of these).
_FORBIDDEN: Final = """
(roots) => {
  const found = [];
  for (const root of roots) {
    for (const a of root.querySelectorAll('a[href]')) {
      const href = a.getAttribute('href');
      if (href.includes('evil.example') || href.startsWith('mailto:')) found.push(a.outerHTML);
    }
    for (const img of root.querySelectorAll('img')) {
      if ((img.getAttribute('src') || '').includes('evil.example')) found.push(img.outerHTML);
    }
    for (const e of root.querySelectorAll('.katex, math')) found.push(e.outerHTML);
    for (const e of root.querySelectorAll('script')) {
      if (e.textContent.includes('alert(') || e.closest('[data-testid=stMarkdownContainer]'))
        found.push(e.outerHTML);
    }
    for (const e of root.querySelectorAll('strong, em, del, span')) {
      const text = e.textContent.trim();
      if (['Acme', 'Evil', 'red', 'Mallory'].includes(text)
          && !e.querySelector('*')) found.push(e.outerHTML);
    }
    for (const e of root.querySelectorAll('[role=img]')) {
      if (e.textContent.trim() === 'warning' && e.closest('[data-testid=stMarkdownContainer]')
          && e.parentElement.textContent.includes('www.')) found.push(e.outerHTML);
    }
  }
  return found;
}
"""
_READ: Final = """
(roots) => roots.map(r => r.innerText).join('\\n').replaceAll('\\u2060', '')
"""


@dataclass
class HostileStack:
    stack: Stack
    server: ThreadedMockServer
    remote: list[str]


def rename_org_and_users(backend: MockBackend) -> None:
    """What an org's admins may do in Setup: rename the org and its users."""
    [acme] = [u for u in ready_users(backend) if u["role"] == "integration"][:1]
    org_id = acme["org_id"]
    admin = next(u for u in ready_users(backend) if u["role"] == "admin" and u["org_id"] == org_id)
    store = backend.store
    with store.transaction():
        store.execute("UPDATE _orgs SET name = ? WHERE org_id = ?", [ORG_NAME, org_id])
        store.execute(
            'UPDATE "sobj_organization" SET "Name" = ? WHERE "Id" = ?', [ORG_NAME, org_id]
        )
        for user, username in ((acme, USERNAME), (admin, ADMIN_USERNAME)):
            [(user_id,)] = store.execute(
                "SELECT user_id FROM _seeded_users WHERE username = ?", [user["username"]]
            )
            store.execute(
                'UPDATE "sobj_user" SET "Username" = ?, "FirstName" = ?, "LastName" = ?, '
                '"Name" = ? WHERE "Id" = ?',
                [username, FIRST_NAME, LAST_NAME, f"{FIRST_NAME} {LAST_NAME}", user_id],
            )
            store.execute(
                "UPDATE _credentials SET username = ? WHERE user_id = ?", [username, user_id]
            )
            store.execute(
                "UPDATE _seeded_users SET username = ? WHERE user_id = ?", [username, user_id]
            )
    backend.orgs._cache.clear()  # the org's name is cached once created


@contextmanager
def hostile_stack(tmp: Path) -> Iterator[HostileStack]:
    """The renamed mock org in this process and the portal (mock mode) over a new data
    directory, integrated with that org at its start as ``make demo`` is."""
    data_dir = tmp / "data"
    (data_dir / "mock").mkdir(parents=True)
    port = free_port()
    uris = (f"http://localhost:{port}/", f"http://127.0.0.1:{port}/")
    server = guarded_server(options=MockOptions(redirect_uris=uris))
    server.start()
    portal = None
    try:
        reset_world(server.backend, seed=42, scenario="default")
        rename_org_and_users(server.backend)
        ready = ready_info(server)
        (data_dir / "mock" / "ready.json").write_text(json.dumps(ready))
        logs = tmp / "logs"
        logs.mkdir()
        portal = start_portal(data_dir=data_dir, port=port, logs=logs)
        stack = Stack(portal_url=f"http://localhost:{port}/", ready=ready, data_dir=data_dir)
        yield HostileStack(stack=stack, server=server, remote=[])
    finally:
        if portal is not None:
            _stop(portal)
        server.stop()


def _watch_requests(page: Page, remote: list[str]) -> None:
    """Record (and refuse) every request for another host than the portal and the mock."""

    def seen(request: Request) -> None:
        host = re.sub(r"^[a-z]+://([^/:]+).*$", r"\1", request.url)
        if request.url.startswith("http") and host not in ("localhost", "127.0.0.1"):
            remote.append(request.url)

    page.on("request", seen)
    page.route(re.compile(r"^https?://(?!localhost|127\.0\.0\.1)"), lambda route: route.abort())


def _roots(page: Page) -> list[object]:
    return [
        page.get_by_test_id("stMain").element_handle(),
        page.get_by_test_id("stSidebar").element_handle(),
        *[d.element_handle() for d in page.get_by_role("dialog").all()],
    ]


def shows_literally(page: Page, *values: str, where: str) -> None:
    """Every value reads exactly as stored, and no markup came out of any of them."""
    page.wait_for_load_state("networkidle")
    roots = _roots(page)
    read = page.evaluate(_READ, roots)
    squashed = re.sub(r"\s+", " ", read)
    for value in values:
        assert value in squashed, f"{where}: {value!r} is not shown as it is"
    made = page.evaluate(_FORBIDDEN, roots)
    assert made == [], f"{where}: markup came out of the org's values: {made}"


def test_org_and_user_names_are_shown_as_text_on_every_page(
    context: BrowserContext, tmp_path: Path
):
    shots = Shots("hostile-org")
    with hostile_stack(tmp_path) as world:
        stack = world.stack
        page = context.new_page()
        _watch_requests(page, world.remote)
        page.goto(stack.portal_url + "?lang=en&step=1")
        log_in_to_portal(page)

        # Step 1 and the sidebar: the org and user MiiTel is integrated with.
        expect(main(page)).to_contain_text("Salesforce confirms the connection", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, USERNAME, where="step 1 and the sidebar")
        shots.take(page, "step-1")

        # Step 2: the confirmation dialog names the org and the user, then the backup.
        open_step(page, 2)
        click(page, main(page).get_by_role("button", name="Remove integration"))
        dialog = page.get_by_role("dialog")
        expect(dialog).to_contain_text("Remove MiiTel's integration with")
        shows_literally(page, ORG_NAME, USERNAME, where="the Remove integration dialog")
        shots.take(page, "step-2-dialog", top=False)
        click(page, dialog.get_by_role("button", name="Remove integration"))
        expect(dialog).to_be_hidden(timeout=WAIT_MS)
        expect(main(page)).to_contain_text("Latest backup #", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, where="step 2 after the removal")
        shots.take(page, "step-2-removed")

        # Step 3: the org's admin signs in to check; the panel names them.
        open_step(page, 3)
        page.get_by_role("button", name="Sign in to check").click()
        admin = {"username": ADMIN_USERNAME, "password": _password(world, "admin")}
        sign_in_at_salesforce(page, stack, admin)
        back_at_portal(page, stack)
        expect(main(page)).to_contain_text("Checking as", timeout=WAIT_MS)
        shows_literally(page, ADMIN_USERNAME, where="step 3's check sign-in")
        shots.take(page, "step-3")

        # Step 4: the step-1 user's permission, checked through that sign-in.
        open_step(page, 4)
        expect(main(page)).to_contain_text("Approve Uninstalled Connected Apps", timeout=WAIT_MS)
        shows_literally(page, USERNAME, where="step 4")

        # Step 5: Integrate again through the mock's login and "Allow".
        open_step(page, 5)
        page.get_by_role("button", name="Integrate", exact=True).click()
        user = {"username": USERNAME, "password": _password(world, "integration")}
        sign_in_at_salesforce(page, stack, user)
        back_at_portal(page, stack)
        expect(main(page)).to_contain_text("MiiTel is integrated with the org", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, USERNAME, where="step 5 after Integrate")
        shots.take(page, "step-5")

        # Step 7: the preview of "Restore" names the backup's org and user.
        open_step(page, 7)
        click(
            page,
            main(page).get_by_role(
                "button", name="Restore the settings prior to integration removal"
            ),
        )
        expect(main(page)).to_contain_text("Backup #", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, USERNAME, where="step 7's restore preview")
        shots.take(page, "step-7")

        # The Salesforce integration page's Basic settings, the backups, the history.
        page.goto(stack.portal_url + "salesforce_integration?lang=en")
        expect(main(page)).to_contain_text("Integrated with", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, USERNAME, where="Basic settings")
        shots.take(page, "basic-settings")

        page.goto(stack.portal_url + "backups?lang=en")
        expect(main(page)).to_contain_text("Latest backup", timeout=WAIT_MS)
        shows_literally(page, ORG_NAME, USERNAME, where="Backups")
        shots.take(page, "backups")

        page.goto(stack.portal_url + "authentication_history?lang=en")
        expect(main(page).get_by_test_id("stDataFrame").first).to_be_visible(timeout=WAIT_MS)
        shows_literally(page, where="Authentication history")

        # (Streamlit itself fetches the page's Material icon as a favicon from Google's fonts.)
        asked = [url for url in world.remote if EVIL in url]
        assert asked == [], f"the org's values made the browser fetch: {asked}"


def _password(world: HostileStack, role: str) -> str:
    return next(u["password"] for u in world.stack.ready["users"] if u["role"] == role)
