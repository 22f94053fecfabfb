"""What a person waits for, measured in a real browser (Debian's Chromium, headless):

- ``make demo`` (already installed) until the portal's login page is usable: the time from
  starting ``scripts/demo.py`` to a rendered, typeable "Username" field, on a first start (the
  mock seeds its org) and on the next;
- the default scenario's steps 1 to 10 in the browser, from opening the portal to the error
  log, with every Salesforce round trip (the check sign-in and "Integrate"), in English and in
  Japanese; without the demo reset and the call simulation.

``python -m bench.run browser_bench``. The figures are one run each, on whatever machine runs
them; the goals are the product's (30 s and 5 s).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from bench.common import Measure

ROOT: Final = Path(__file__).resolve().parents[1]
E2E: Final = ROOT / "tests" / "e2e" / "portal"
PROCEDURE_GOAL_S: Final = 30.0
DEMO_GOAL_S: Final = 5.0


def _stack_modules():  # the browser journeys' own driver, shared with the e2e tests
    for path in (E2E, ROOT / "tests", ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))
    import journey
    import portal_stack

    return portal_stack, journey


@contextmanager
def _chromium() -> Iterator[Any]:
    """Debian's Chromium, headless, as the browser tests launch it."""
    _stack_modules()
    from tests.e2e.browser_support import launch_chromium

    with launch_chromium() as browser:
        yield browser


def procedure_seconds(language: str) -> float:
    """Steps 1-10 of the default scenario in Chromium, in ``language``."""
    portal_stack, journey = _stack_modules()
    with tempfile.TemporaryDirectory() as tmp, _chromium() as browser:
        context = portal_stack.new_profile(browser, locale=journey.LOCALES[language])
        with portal_stack.running_stack(Path(tmp)) as stack:
            page = context.new_page()
            started = time.perf_counter()
            journey.whole_procedure(page, stack, journey.Words(language))
            return time.perf_counter() - started


def demo_seconds() -> tuple[float, float]:
    """``scripts/demo.py`` started until its login page is usable in Chromium: the first start
    (the mock seeds a new org) and a second start over the same data directory."""
    portal_stack, _journey = _stack_modules()
    with tempfile.TemporaryDirectory() as tmp, _chromium() as browser:
        first = _demo_start(browser, Path(tmp) / "data", portal_stack.free_port())
        again = _demo_start(browser, Path(tmp) / "data", portal_stack.free_port())
    return first, again


def _demo_start(browser: Any, data_dir: Path, port: int) -> float:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PORTAL_", "MOCK_"))},
        "PORTAL_PORT": str(port),
        "MOCK_PORT": "0",
        "MOCK_HTTP_PORT": "0",
        "DATA_DIR": str(data_dir),
    }
    page = browser.new_page()
    started = time.perf_counter()
    demo = subprocess.Popen(
        [sys.executable, "scripts/demo.py"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        for line in demo.stdout:
            if line.startswith("DEMO "):
                url = json.loads(line[len("DEMO ") :])["portal_url"]
                break
        else:
            raise RuntimeError("make demo printed no DEMO line")
        page.goto(url)
        page.get_by_role("textbox").first.wait_for(state="visible", timeout=60_000)
        return time.perf_counter() - started
    finally:
        page.close()
        os.killpg(demo.pid, signal.SIGINT)
        try:
            demo.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(demo.pid, signal.SIGKILL)


def measures() -> list[Measure]:
    rows = []
    for language, name in (("en", "English"), ("ja", "Japanese")):
        seconds = procedure_seconds(language)
        rows.append(
            Measure(
                name=f"steps 1-10 of the default scenario in Chromium ({name})",
                figure=round(seconds, 2),
                unit="s",
                anchor_name="goal",
                anchor=PROCEDURE_GOAL_S,
                goal="<= 1.00x",
                met=seconds <= PROCEDURE_GOAL_S,
            )
        )
    first, again = demo_seconds()
    for label, seconds in (("first start, new org", first), ("next start", again)):
        rows.append(
            Measure(
                name=f"make demo (installed) to a usable login page in Chromium ({label})",
                figure=round(seconds, 2),
                unit="s",
                anchor_name="goal",
                anchor=DEMO_GOAL_S,
                goal="<= 1.00x",
                met=seconds <= DEMO_GOAL_S,
            )
        )
    return rows


if __name__ == "__main__":
    from bench.common import markdown_table

    print(markdown_table(measures()))
