"""``streamlit run portal/streamlit_app.py`` for ``make demo``, warmed before the first visit.

    python scripts/portal_server.py [--warm-on-stdin] [streamlit run options...]

A plain ``streamlit run`` imports the portal's modules (pandas, altair, simple-salesforce...)
and builds its services on the first browser visit, which then takes seconds. Here the login
page's modules are imported while the server starts (the other pages' right after ``WARM``),
and the services are built (in mock mode: the demo's starting state prepared) before anyone
visits: at once, or with ``--warm-on-stdin``
when a line arrives on stdin (``scripts/demo.py`` sends it once the mock org is ready, since
the portal reads the mock's READY file). When the services are built it prints ``WARM`` on
stdout (``WARM failed`` when they could not be: the first visit then shows why).
"""

from __future__ import annotations

import importlib
import logging
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP = ROOT / "portal" / "streamlit_app.py"
#: What the login page imports: loaded before the server starts, so the first visit is fast.
PRELOAD = ("portal.streamlit_app", "portal.app_pages.login")
#: What the other pages import (pandas, Altair...): loaded once the first page is drawn,
#: while the person types the password, so the login page does not wait for them.
AFTER_WARM = (
    "portal.app_pages.procedure",
    "portal.app_pages.salesforce_integration",
    "portal.app_pages.error_log",
    "portal.app_pages.backups",
    "portal.app_pages.authentication_history",
    "portal.app_pages.demo",
    "pandas",
    "altair",
    "pyarrow.parquet",
)
#: How long the later pages' imports wait for a first visit before loading anyway (seconds).
_FIRST_VISIT_WAIT = 20.0
_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"

log = logging.getLogger("portal.warm")


def preload(names: tuple[str, ...] = PRELOAD) -> None:
    """Import the portal's modules (the slow part of a first visit)."""
    for name in names:
        importlib.import_module(name)


def warm() -> bool:
    """Build the portal's services as the first visit would (same cache); True when built."""
    from portal.ui import container

    # Outside a page run Streamlit warns that there is no ScriptRunContext: expected here.
    quiet = logging.getLogger(_NO_CONTEXT_LOGGER)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        container.portal()
    except Exception as exc:  # the first visit shows the page that says what to fix
        log.warning("The portal's services could not be built yet: %s", type(exc).__name__)
        return False
    finally:
        quiet.setLevel(level)
    return True


def _runtime_started(timeout: float = 120.0) -> bool:
    """Wait for Streamlit's runtime: its options (ours included) are read by then."""
    from streamlit.runtime import Runtime

    deadline = time.monotonic() + timeout
    while not Runtime.exists():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _warm_and_tell(wait_for_stdin: bool) -> None:
    if wait_for_stdin and not sys.stdin.readline():
        return  # stdin closed: the demo is stopping
    built = _runtime_started() and warm()
    print("WARM" if built else "WARM failed", flush=True)
    from portal.ui.first_page import DRAWN

    DRAWN.wait(timeout=_FIRST_VISIT_WAIT)  # the first page alone on the interpreter
    preload(AFTER_WARM)


def main(argv: list[str]) -> int:
    wait_for_stdin = "--warm-on-stdin" in argv
    options = [a for a in argv if a != "--warm-on-stdin"]
    sys.path.insert(0, str(ROOT))
    preload()
    threading.Thread(
        target=_warm_and_tell, args=(wait_for_stdin,), name="portal-warm", daemon=True
    ).start()
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    return int(cli.main(prog_name="streamlit") or 0)


if __name__ == "__main__":
    try:
        raise SystemExit(main(sys.argv[1:]))
    except KeyboardInterrupt:  # Ctrl-C while the modules still load: stop without a traceback
        raise SystemExit(130) from None
