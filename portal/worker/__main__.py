"""``python -m portal.worker``: run one sync worker (PostgreSQL mode).

It reads the portal's configuration as the portal does (``.streamlit/secrets.toml`` and the
environment: ``PORTAL_DATABASE_URL`` must name the PostgreSQL database) and its own settings
from ``PORTAL_WORKER_*`` (:mod:`portal.worker.settings`), opens the database (migrating it,
procrastinate's schema included, under yoyo's lock: workers and portals starting together
migrate once), and sends queued calls and meetings until SIGINT or SIGTERM (a job in progress
is finished first). Run as many as the load needs, on any hosts that reach the database.

With the DuckDB file (no database URL) it refuses: the sync then runs in the portal's own
process, as the "send" buttons run it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from procrastinate import App

from portal.bootstrap import read_config, translations
from portal.domain.clock import Clock
from portal.domain.config import SECRETS_FILE, ConfigError
from portal.domain.failures import StorageError
from portal.domain.text import Text, msg
from portal.worker.app import build_app
from portal.worker.companies import HostedCompanies
from portal.worker.settings import worker_settings

log = logging.getLogger("portal.worker")

DEFAULT_DATA_DIR: Final = Path("data")


def main(
    argv: Sequence[str] | None = None,
    *,
    environ: Mapping[str, str] = os.environ,
    clock: Clock | None = None,
) -> int:
    """Run a worker until it is stopped; the exit status (2: not configured for workers, 1:
    the database cannot be opened)."""
    argparse.ArgumentParser(
        prog="python -m portal.worker",
        description="Send queued calls and meetings to Salesforce (PostgreSQL mode). "
        "Configured like the portal (PORTAL_DATABASE_URL) and by PORTAL_WORKER_* variables.",
    ).parse_args(argv)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    language = _language(environ)
    try:
        config = read_config(secrets=_secrets(), environ=environ, data_dir=DEFAULT_DATA_DIR)
        settings = worker_settings(environ)
    except ConfigError as exc:
        for problem in exc.problems:
            print(f"- {problem.key}: {_say(problem.message, language)}", file=sys.stderr)
        return 2
    except tomllib.TOMLDecodeError as exc:
        print(f"{SECRETS_FILE}: {exc}", file=sys.stderr)
        return 2
    if config.database_url is None:
        print(
            _say(
                msg(
                    "The sync workers need the portal's PostgreSQL database: set {key} (or "
                    "database_url in secrets.toml) to a postgresql:// URL. With the DuckDB "
                    "file the portal sends calls and meetings itself; no worker is needed.",
                    key="PORTAL_DATABASE_URL",
                ),
                language,
            ),
            file=sys.stderr,
        )
        return 2
    try:
        # Opens (and migrates) the database; each company's portal is built on its first turn.
        companies = HostedCompanies(config=config, clock=clock)
    except ConfigError as exc:  # e.g. an encryption key that does not open the stored tokens
        for problem in exc.problems:
            print(f"- {problem.key}: {_say(problem.message, language)}", file=sys.stderr)
        return 2
    except StorageError as exc:
        said = exc.args[0] if exc.args and isinstance(exc.args[0], str) else str(exc)
        print(_say(said, language), file=sys.stderr)
        return 1
    try:
        app = build_app(
            database_url=config.database_url.get_secret_value(),
            companies=companies,
            settings=settings,
        )
        asyncio.run(_run(app))
    finally:
        companies.close()
    return 0


async def _run(app: App) -> None:
    async with app.open_async():
        log.info("Sync worker ready (pid %s)", os.getpid())
        await app.run_worker_async()
    log.info("Sync worker stopped")


def _secrets() -> Mapping[str, Any]:
    path = Path(SECRETS_FILE)
    if not path.is_file():
        return {}
    with path.open("rb") as file:
        return tomllib.load(file)


def _language(environ: Mapping[str, str]) -> str:
    locale = environ.get("LC_ALL") or environ.get("LC_MESSAGES") or environ.get("LANG") or ""
    return "ja" if locale.lower().startswith("ja") else "en"


def _say(text: str, language: str) -> str:
    """``text`` in ``language`` (a message's catalog entry, its parameters filled in)."""
    if not isinstance(text, Text) or language == "en":
        return str(text)
    return translations(language).gettext(text.msgid).format(**text.params)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
