"""The re-integration as a person does it in the browser, in either language: shared by the
browser journeys (``test_portal_journeys.py``) and the benchmark (``bench/browser_bench.py``).

:class:`Words` gives what the portal shows for an English text in the journey's language, from
the portal's own catalogs, so the same journey runs in English and in Japanese.
"""

from __future__ import annotations

import re
from typing import Final

from language_check import english_left
from playwright.sync_api import BrowserContext, Page, expect
from portal_stack import (
    PORTAL_USERS,
    WAIT_MS,
    Shots,
    Stack,
    back_at_portal,
    click,
    log_in_to_portal,
    main,
    new_profile,
    open_step,
    setup_page,
    sign_in_at_salesforce,
)

from mock_salesforce.scenarios import scenario_names
from portal.adapters import catalogs

LOCALES: Final = {"en": "en-US", "ja": "ja-JP"}
_PLACEHOLDER: Final = re.compile(r"\{[^}]*\}")


class Words:
    """The portal's words in one language."""

    def __init__(self, language: str) -> None:
        self.language = language
        self._translations = catalogs.load(language)
        self._catalog = catalogs.merged(language) if language != "en" else None

    def __call__(self, english: str, **params: object) -> str:
        """The whole text for the English catalog id ``english``."""
        text = self._translations.gettext(english)
        return text.format(**params) if params else text

    def part(self, fragment: str) -> str | re.Pattern[str]:
        """What to look for on the page for the message containing the English ``fragment``:
        the longest fixed piece of its translation (between placeholders); when several
        messages contain the fragment, any of their pieces."""
        if self._catalog is None:
            return fragment
        candidates = [
            m
            for m in self._catalog
            if isinstance(m.id, str) and m.id and fragment in m.id and isinstance(m.string, str)
        ]
        exact = [m for m in candidates if m.id == fragment]
        if exact:
            return str(exact[0].string)
        pieces = [_longest_piece(str(m.string)) for m in candidates]
        if len(pieces) == 1:
            return pieces[0]
        return re.compile("|".join(re.escape(p) for p in sorted(set(pieces), key=len)))


def _longest_piece(translation: str) -> str:
    pieces = _PLACEHOLDER.split(translation)
    return max((p.strip(' 。、「」“”"') for p in pieces), key=len)


def url(stack: Stack, words: Words, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in {"lang": words.language, **params}.items())
    return f"{stack.portal_url}?{query}"


def shows(page: Page, text: str | re.Pattern[str]) -> None:
    expect(main(page).get_by_text(text).first).to_be_visible(timeout=WAIT_MS)


_VISIBLE_WORDS: Final = """
(root) => {
  // The text a person reads: Material icons are ligatures (their names are not words).
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const parts = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || !element.offsetParent && element.tagName !== 'BODY') continue;
    const style = getComputedStyle(element);
    // Text drawn at size 0 is not read (the portal replaces a Streamlit label that way).
    if (style.fontFamily.includes('Material') || style.fontSize === '0px') continue;
    parts.push(node.textContent);
  }
  return parts.join(' ');
}
"""


def speaks_one_language(page: Page, stack: Stack, words: Words) -> None:
    """On a Japanese page, no English apart from names, IDs and API names (the mock org's
    profile names among them) and the language selector, labelled in both languages."""
    if words.language != "ja":
        return
    page.wait_for_load_state("networkidle")
    shown = "\n".join(
        page.get_by_test_id(part).evaluate(_VISIBLE_WORDS) for part in ("stMain", "stSidebar")
    )
    shown = shown.replace("Language / 言語", " ").replace("English", " ")
    profiles = {str(user["profile"]) for user in stack.ready["users"]}
    left = english_left(shown, data=(*profiles, *scenario_names(), *PORTAL_USERS))
    assert not left, f"English on the Japanese page {page.url}: {sorted(set(left))}"


def next_step(page: Page, words: Words, number: int) -> None:
    click(page, page.get_by_role("button", name=words("Next: step {number}", number=number)))
    expect(page.get_by_role("heading", name=f"{number}. ", exact=False).first).to_be_visible(
        timeout=WAIT_MS
    )


def remove_integration(page: Page, words: Words) -> None:
    click(page, main(page).get_by_role("button", name=words("Remove integration")))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(words.part("It replaces the previous backup"))
    click(page, dialog.get_by_role("button", name=words("Remove integration")))
    expect(dialog).to_be_hidden(timeout=WAIT_MS)


def check_sign_in(page: Page, stack: Stack, words: Words) -> None:
    """Steps 3/4 after removal: a System Administrator signs in through MiiTel to check."""
    page.get_by_role("button", name=words("Sign in to check")).click()
    sign_in_at_salesforce(page, stack, stack.mock_user("admin"))
    back_at_portal(page, stack)


def integrate(page: Page, stack: Stack, words: Words, user: dict[str, str]) -> None:
    page.get_by_role("button", name=words("Integrate"), exact=True).click()
    sign_in_at_salesforce(page, stack, user)
    back_at_portal(page, stack)


def restore(page: Page, words: Words) -> None:
    click(
        page,
        page.get_by_role("button", name=words("Restore the settings prior to integration removal")),
    )
    shows(page, words.part("at the time of backup are applied"))
    click(page, main(page).get_by_role("button", name=words("Restore"), exact=True))
    dialog = page.get_by_role("dialog")
    expect(dialog).to_contain_text(
        words.part("will all be overwritten with the state at the time of backup")
    )
    click(page, dialog.get_by_role("button", name=words("Restore"), exact=True))
    expect(dialog).to_be_hidden(timeout=WAIT_MS)


def admin_elsewhere(context: BrowserContext) -> Page:
    """A Salesforce admin's own browser (its own cookies), for the Setup pages."""
    assert context.browser is not None
    return new_profile(context.browser).new_page()


def install_in_setup(page: Page, stack: Stack, shots: Shots | None = None) -> None:
    """Step 6 in the mock's Setup: MiiTel installed (Install when it is not yet)."""
    setup = admin_elsewhere(page.context)
    setup_page(setup, stack, stack.mock_user("admin"))
    setup.get_by_role("button", name="Load Action MiiTel").click()
    action = setup.get_by_role("button", name=re.compile(r"^(Install|Uninstall) MiiTel$"))
    expect(action).to_be_visible()
    if action.inner_text() == "Install":
        action.click()
        expect(setup.get_by_role("status")).to_contain_text("MiiTel was installed")
    expect(setup.get_by_role("button", name="Uninstall MiiTel")).to_be_visible()
    if shots is not None:
        shots.take(setup, "step-6-setup-oauth-usage")
    setup.context.close()


def whole_procedure(page: Page, stack: Stack, words: Words, shots: Shots | None = None) -> None:
    """Steps 1 to 10 of the default scenario, from the login page to the error log."""

    def shot(name: str) -> None:
        if shots is not None:
            shots.take(page, name)

    page.goto(url(stack, words))
    shot("login")
    log_in_to_portal(page, words=words)

    # 1. The org and user to re-integrate, confirmed with Salesforce.
    open_step(page, 1)
    shows(page, words.part("Salesforce confirms the connection"))
    expect(main(page)).to_contain_text("Acme Japan")
    expect(main(page)).to_contain_text(stack.mock_user("integration")["username"])
    speaks_one_language(page, stack, words)
    shot("step-1-org-and-user")

    # 2. Remove integration: a backup is taken first.
    next_step(page, words, 2)
    remove_integration(page, words)
    shows(page, words.part("were saved as backup data (backup #"))
    speaks_one_language(page, stack, words)
    shot("step-2-removed")

    # 3. The connected app, through a check sign-in of the org's admin.
    next_step(page, words, 3)
    check_sign_in(page, stack, words)
    expect(main(page)).to_contain_text("3-2-2", timeout=WAIT_MS)
    speaks_one_language(page, stack, words)
    shot("step-3-connected-app")

    # 4. The step-1 user's "Approve Uninstalled Connected Apps".
    open_step(page, 4)
    shows(page, words.part("has “Approve Uninstalled Connected Apps” through"))
    shot("step-4-permission")

    # 5. Integrate: the mock's login and "Allow"; the browser comes back on step 5.
    open_step(page, 5)
    integrate(page, stack, words, stack.mock_user("integration"))
    shows(page, words.part("MiiTel is integrated with the org"))
    expect(page.get_by_test_id("stSidebar")).to_contain_text("Acme Japan")
    speaks_one_language(page, stack, words)
    shot("step-5-integrated")

    # 6. MiiTel installed, confirmed in the mock's Setup page.
    install_in_setup(page, stack, shots)
    open_step(page, 6)
    click(page, page.get_by_role("button", name=words("Check again")))
    shows(page, words.part("no action is required"))

    # 7. Restore the settings prior to integration removal.
    next_step(page, words, 7)
    restore(page, words)
    speaks_one_language(page, stack, words)
    shot("step-7-restored")

    # 8. The three tabs checked against the org: clean.
    next_step(page, words, 8)
    shows(page, words.part("exists in the integrated org and is usable by the integrated user"))
    speaks_one_language(page, stack, words)
    shot("step-8-clean")

    # 9 and 10, then the error log.
    next_step(page, words, 9)
    next_step(page, words, 10)
    shot("step-10")
    page.get_by_role("link", name=words("Open the Third-party integration error log")).click()
    expect(
        page.get_by_role("heading", name=words("Third-party integration error log"))
    ).to_be_visible(timeout=WAIT_MS)
    speaks_one_language(page, stack, words)
    shot("error-log")
