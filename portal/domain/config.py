"""The portal's configuration as the services and pages read it: which Salesforce, where the
data lives, who may log in, which proxies are trusted; and what is wrong with it when the
portal cannot start. The configuration adapter reads it from ``.streamlit/secrets.toml`` and
the environment."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import TYPE_CHECKING, Final

from portal.domain.client_address import IpNetwork, ProxyHeader
from portal.domain.secret import SecretStr

if TYPE_CHECKING:  # a type only: the domain names paths, the adapters open them
    from pathlib import Path

SECRETS_FILE: Final = ".streamlit/secrets.toml"


class PortalMode(Enum):
    """Which Salesforce the portal talks to."""

    MOCK = "mock"
    REAL = "real"


class PortalRole(Enum):
    """What a portal user may do: admins change things, viewers only look."""

    ADMIN = "admin"
    VIEWER = "viewer"


@dataclass(frozen=True)
class PortalUser:
    """A person who may log in to the portal; the password is kept only as a bcrypt hash."""

    username: str
    password_hash: str = field(repr=False)
    role: PortalRole = PortalRole.VIEWER
    #: The company's slug (made at start with ``company_name`` when new); None: the home
    #: company.
    company: str | None = None
    company_name: str | None = None


@dataclass(frozen=True)
class PortalConfig:
    """Everything the portal needs to start; secrets are masked in repr and str."""

    mode: PortalMode
    salesforce_login_url: str
    client_id: str
    client_secret: SecretStr
    redirect_uri: str
    # The mock org's local CA (mock mode only); real orgs are verified with the system store.
    ca_bundle: Path | None
    db_path: Path
    encryption_key: SecretStr
    users: tuple[PortalUser, ...]
    data_dir: Path
    # The mock org's plain-HTTP address for pages shown in a browser (mock mode only).
    mock_http_url: str | None = None
    # A REST API version to use instead of the newest the org offers, and the newest to use.
    api_version: str | None = None
    api_version_ceiling: str | None = None
    # Proxies whose forwarding header names the client (for the login limit); empty: none.
    trusted_proxies: tuple[IpNetwork, ...] = ()
    proxy_header: ProxyHeader = ProxyHeader.X_FORWARDED_FOR
    # A postgresql:// URL (it may hold a password): PostgreSQL instead of the file at db_path.
    database_url: SecretStr | None = None

    def user(self, username: str) -> PortalUser | None:
        for candidate in self.users:
            if candidate.username == username:
                return candidate
        return None


@dataclass(frozen=True)
class ConfigProblem:
    """One missing or bad value: the key (environment variable name) and what to do (a
    :class:`~portal.domain.text.Text`)."""

    key: str
    message: str


class ConfigError(Exception):
    """The configuration is incomplete or wrong; ``problems`` lists every value to fix."""

    def __init__(self, problems: tuple[ConfigProblem, ...]) -> None:
        self.problems = problems
        lines = "\n".join(f"- {problem.key}: {problem.message}" for problem in problems)
        super().__init__(
            f"The portal cannot start: {len(problems)} configuration value"
            f"{'s are' if len(problems) != 1 else ' is'} missing or wrong.\n{lines}\n"
            f"Set them in {SECRETS_FILE} (see .streamlit/secrets.toml.example) or as "
            "environment variables."
        )
