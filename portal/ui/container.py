"""The services container for every page: one :class:`Hosting` per process and
configuration, and of it the :class:`Portal` of the signed-in user's company (a page never
holds another company's services).

The configuration comes from ``.streamlit/secrets.toml`` and environment variables
(:func:`portal.bootstrap.read_config`); in mock mode the mock org's READY file completes
it, and the first start over an empty database brings the demo to its starting state.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import streamlit as st

from portal.bootstrap import Hosting, Portal, build_hosting, read_config
from portal.domain.config import SECRETS_FILE, ConfigError, ConfigProblem, PortalConfig, PortalMode
from portal.domain.tenancy import HOME_COMPANY
from portal.services.errors import PortalError
from portal.ui import session
from portal.ui.i18n import _, t

log = logging.getLogger(__name__)

DEFAULT_DATA_DIR: Final = Path("data")


def portal_config() -> PortalConfig:
    """The validated configuration; :class:`ConfigError` lists every value to fix."""
    return read_config(secrets=_secrets(), environ=os.environ, data_dir=DEFAULT_DATA_DIR)


def hosting() -> Hosting:
    """Every company's services for the current configuration (built once per process)."""
    config = portal_config()
    return _open_hosting(config, _config_key(config))


def portal() -> Portal:
    """The services of the signed-in user's company; before a login, the home company's
    (whose only use then is the login itself, shared by every company)."""
    actor = session.current_actor()
    return hosting().portal_for(actor.company_id if actor is not None else HOME_COMPANY)


def portal_or_stop() -> Portal:
    """The services, or a page that says which configuration values to fix (and stops). The
    page speaks the person's language (``?lang=``, the selector, else the browser's)."""
    try:
        with st.spinner(_("Opening the portal…")):
            return portal()
    except ConfigError as exc:
        _language_first()
        st.error(_("The portal is not configured yet."), icon=":material/settings:")
        st.markdown("\n".join(_problem_line(p) for p in exc.problems))
        st.caption(
            _(
                "Set them in {secrets} (see {example}) or as environment variables, then "
                "reload this page."
            ).format(secrets=SECRETS_FILE, example=f"{SECRETS_FILE}.example")
        )
        st.stop()
    except Exception:
        log.exception("The portal could not start")
        _language_first()
        st.error(
            _(
                "The portal could not open its database or reach its configuration. The detail "
                "is in the portal's server log; check that no other portal uses the same data "
                "directory, then reload this page."
            ),
            icon=":material/error:",
        )
        st.stop()
    raise AssertionError("unreachable")  # st.stop() raises


def _problem_line(problem: ConfigProblem) -> str:
    # The message's data (a bcrypt hash's "$", a URL) is literal text: t() escapes it.
    return f"- `{problem.key}`: {t(problem.message)}"


def _language_first() -> None:
    """Settle the language and draw its selector, as the frame does once the portal is up."""
    from portal.ui import language  # the frame's module imports this one

    language.settle(None, None)
    language.selector(None, None)


# The spinner is drawn by portal_or_stop, in the person's language.
@st.cache_resource(show_spinner=False, max_entries=1, on_release=lambda h: h.close())
def _open_hosting(_config: PortalConfig, key: str) -> Hosting:
    hosting = build_hosting(config=_config)
    opened = hosting.portal_for(HOME_COMPANY)
    if _config.mode is PortalMode.MOCK and opened.demo is not None:
        # `make demo` starts where a customer stands before step 2: integrated, with history.
        try:
            state = opened.demo.bootstrap_if_empty()
        except PortalError as exc:
            log.warning("The demo starting state could not be prepared: %s", exc.user_message)
        except Exception:
            log.exception("The demo starting state could not be prepared")
        else:
            if state is not None:
                log.info("Demo starting state: %s", state.message)
    return hosting


def _secrets() -> Mapping[str, Any]:
    try:
        return st.secrets.to_dict()
    except FileNotFoundError:  # no secrets.toml: environment variables and the READY file only
        return {}


def _config_key(config: PortalConfig) -> str:
    """What makes two configurations need different containers (secrets only as a digest)."""
    digest = hashlib.sha256()
    for part in (
        config.mode.value,
        str(config.db_path.resolve()),
        config.database_url.get_secret_value() if config.database_url else "",
        config.salesforce_login_url,
        config.client_id,
        config.client_secret.get_secret_value(),
        config.redirect_uri,
        str(config.ca_bundle or ""),
        config.encryption_key.get_secret_value(),
        config.mock_http_url or "",
        str(config.data_dir.resolve()),
        *(f"{u.username}:{u.role.value}:{u.password_hash}:{u.company}" for u in config.users),
    ):
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()
