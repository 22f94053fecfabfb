"""The portal's configuration: ``.streamlit/secrets.toml``, overridden by environment variables,
and in mock mode completed from the mock org's READY file.

Every missing or bad value is collected into one :class:`ConfigError` whose message names each
key and what to do, so a person fixes the configuration in one pass. Each problem's message is a
:class:`~portal.domain.text.Text` (English here; the start-up page shows it in the person's
language), with keys, paths, values and commands as parameters.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from portal.adapters.crypto import generate_key, is_valid_key
from portal.adapters.file_modes import PRIVATE_FILE_MODE, make_owned_dir_private, make_private_file
from portal.adapters.salesforce.versions import is_version
from portal.domain.client_address import IpNetwork, ProxyHeader, parse_networks
from portal.domain.config import (
    SECRETS_FILE,
    ConfigError,
    ConfigProblem,
    PortalConfig,
    PortalMode,
    PortalRole,
    PortalUser,
)
from portal.domain.secret import SecretStr
from portal.domain.tenancy import slug_problem
from portal.domain.text import Text, msg

READY_FILE: Final = Path("mock") / "ready.json"
GENERATED_KEY_FILE: Final = Path("portal") / "encryption.key"
_BCRYPT_HASH: Final = re.compile(r"\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}")
_LOOPBACK_HOSTS: Final = frozenset({"localhost", "127.0.0.1", "::1"})
_HASH_COMMAND: Final = (
    'python -c "import bcrypt, getpass; print(bcrypt.hashpw(getpass.getpass().encode(), '
    'bcrypt.gensalt()).decode())"'
)


@dataclass(frozen=True)
class _Key:
    env: str
    section: str
    name: str
    ready_key: str | None = None

    @property
    def secrets_key(self) -> str:
        return f"[{self.section}] {self.name}"

    @property
    def where(self) -> Text:
        return msg(
            "{env} or {key} in {file}", env=self.env, key=self.secrets_key, file=SECRETS_FILE
        )


MODE = _Key("PORTAL_MODE", "portal", "mode")
LOGIN_URL = _Key("SALESFORCE_LOGIN_URL", "salesforce", "login_url", "login_url")
CLIENT_ID = _Key("SALESFORCE_CLIENT_ID", "salesforce", "client_id", "client_id")
CLIENT_SECRET = _Key("SALESFORCE_CLIENT_SECRET", "salesforce", "client_secret", "client_secret")
REDIRECT_URI = _Key("SALESFORCE_REDIRECT_URI", "salesforce", "redirect_uri")
CA_BUNDLE = _Key("SALESFORCE_CA_BUNDLE", "salesforce", "ca_bundle", "ca_bundle")
DB_PATH = _Key("PORTAL_DB_PATH", "portal", "db_path")
DATABASE_URL = _Key("PORTAL_DATABASE_URL", "portal", "database_url")
ENCRYPTION_KEY = _Key("PORTAL_ENCRYPTION_KEY", "portal", "encryption_key")
USERS = _Key("PORTAL_USERS", "portal", "users")
API_VERSION = _Key("SALESFORCE_API_VERSION", "salesforce", "api_version")
API_VERSION_CEILING = _Key("SALESFORCE_API_VERSION_CEILING", "salesforce", "api_version_ceiling")
TRUSTED_PROXIES = _Key("PORTAL_TRUSTED_PROXIES", "portal", "trusted_proxies")
PROXY_HEADER = _Key("PORTAL_PROXY_HEADER", "portal", "proxy_header")
DATA_DIR_ENV: Final = "DATA_DIR"


class _Collector:
    """Reads values by precedence (environment, secrets, READY file) and collects problems."""

    def __init__(
        self,
        *,
        secrets: Mapping[str, Any],
        environ: Mapping[str, str],
        ready: Mapping[str, Any],
    ) -> None:
        self.secrets = secrets
        self.environ = environ
        self.ready = ready
        self.problems: list[ConfigProblem] = []

    def has_problem(self, key: _Key) -> bool:
        return any(problem.key == key.env for problem in self.problems)

    def problem(self, key: _Key | str, message: str) -> None:
        self.problems.append(ConfigProblem(key.env if isinstance(key, _Key) else key, message))

    def raw(self, key: _Key, *, use_ready: bool = False) -> object | None:
        env_value = self.environ.get(key.env)
        if env_value is not None and env_value.strip() != "":
            return env_value.strip()
        section = self.secrets.get(key.section)
        if isinstance(section, Mapping):
            value = section.get(key.name)
            if value is not None and value != "":
                return value
        if use_ready and key.ready_key is not None:
            value = self.ready.get(key.ready_key)
            if value is not None and value != "":
                return value
        return None

    def text(self, key: _Key, *, use_ready: bool = False) -> str | None:
        value = self.raw(key, use_ready=use_ready)
        if value is None:
            return None
        if not isinstance(value, str):
            self.problem(
                key,
                msg(
                    "must be text, not {kind}; set {where}.",
                    kind=type(value).__name__,
                    where=key.where,
                ),
            )
            return None
        return value.strip()


def load_config(
    *, secrets: Mapping[str, Any], environ: Mapping[str, str], data_dir: Path
) -> PortalConfig:
    """The validated configuration, or :class:`ConfigError` listing every problem.

    Precedence: environment variables, then ``secrets`` (the parsed secrets.toml), then, in
    mock mode, the mock org's READY file ``DATA_DIR/mock/ready.json``. In mock mode a missing
    encryption key is generated once and kept in ``DATA_DIR/portal/encryption.key`` (mode 0600).
    """
    env_data_dir = environ.get(DATA_DIR_ENV, "").strip()
    data_dir = Path(env_data_dir) if env_data_dir else Path(data_dir)
    values = _Collector(secrets=secrets, environ=environ, ready={})
    mode = _mode(values)
    mock = mode is PortalMode.MOCK
    # With an unknown mode, values that are set are still checked; missing ones depend on it.
    report_missing = mode is not None
    ready_path = data_dir / READY_FILE
    if mock:
        values.ready = _read_ready(values, ready_path)
    ready_hint = _ReadyHint(ready_path, data_dir) if mock else None

    def required(key: _Key, what: Text) -> str:
        value = values.text(key, use_ready=mock)
        if value:
            return value
        if report_missing and not values.has_problem(key):
            hint = ready_hint if key.ready_key else None
            values.problem(key, _not_set(key, what, hint))
        return ""

    login_url = required(
        LOGIN_URL,
        msg("the Salesforce login URL ({example})", example="https://login.salesforce.com"),
    )
    if login_url:
        _check_login_url(values, login_url)
    client_id = required(CLIENT_ID, msg("the connected app's Consumer Key"))
    client_secret = required(CLIENT_SECRET, msg("the connected app's Consumer Secret"))
    redirect_uri = _redirect_uri(values, mock=mock, hint=ready_hint, report_missing=report_missing)
    if redirect_uri:
        _check_redirect_uri(values, redirect_uri)
    ca_bundle = _ca_bundle(values, mock=mock, hint=ready_hint) if mode else None
    db_path = _db_path(values, data_dir=data_dir)
    database_url = _database_url(values)
    encryption_key = _encryption_key(
        values, mock=mock, data_dir=data_dir, report_missing=report_missing
    )
    users = _users(values)
    api_version = _api_version(values, API_VERSION)
    api_version_ceiling = _api_version(values, API_VERSION_CEILING)
    trusted_proxies = _trusted_proxies(values)
    proxy_header = _proxy_header(values)
    http_url = values.ready.get("http_url")

    if values.problems or mode is None:
        raise ConfigError(tuple(values.problems))
    return PortalConfig(
        mode=mode,
        salesforce_login_url=login_url.rstrip("/"),
        client_id=client_id,
        client_secret=SecretStr(client_secret),
        redirect_uri=redirect_uri,
        ca_bundle=ca_bundle,
        db_path=db_path,
        encryption_key=encryption_key,
        users=users,
        data_dir=data_dir,
        mock_http_url=http_url if isinstance(http_url, str) and http_url else None,
        api_version=api_version,
        api_version_ceiling=api_version_ceiling,
        trusted_proxies=trusted_proxies,
        proxy_header=proxy_header,
        database_url=database_url,
    )


def _api_version(values: _Collector, key: _Key) -> str | None:
    value = values.text(key)
    if value and not is_version(value.removeprefix("v")):
        values.problem(
            key,
            msg(
                '"{value}" is not an API version: set {where} to one such as {example}, or '
                "leave it out to use the newest the org offers.",
                where=key.where,
                example="62.0",
                value=value,
            ),
        )
        return None
    return value.removeprefix("v") if value else None


@dataclass(frozen=True)
class _ReadyHint:
    """Where mock mode takes a missing value from: the mock org's READY file."""

    ready_path: Path
    data_dir: Path


def _not_set(key: _Key, what: Text, hint: _ReadyHint | None) -> Text:
    if hint is None:
        return msg("is not set. Set {where} to {what}.", where=key.where, what=what)
    command = f"python -m mock_salesforce serve --data-dir {hint.data_dir}"
    return msg(
        "is not set. Set {where} to {what}; in mock mode it comes from the mock org's READY "
        "file {ready}, so start the mock org ({command}).",
        where=key.where,
        what=what,
        ready=str(hint.ready_path),
        command=command,
    )


def changed_key_problem(db_path: Path | str) -> ConfigProblem:
    """The problem to report when the configured key no longer decrypts the stored tokens."""
    return ConfigProblem(
        ENCRYPTION_KEY.env,
        msg(
            "does not decrypt the Salesforce tokens stored in {path}: the key changed since they "
            'were saved. Set {where} back to the key in use when "Integrate" was clicked. If '
            "that key is lost, the stored connection cannot be used again: revoke MiiTel in "
            "Salesforce (Setup > Connected Apps OAuth Usage), then set {db_key} to a new file "
            "and integrate afresh (the old file keeps the backups and history).",
            path=str(db_path),
            where=ENCRYPTION_KEY.where,
            db_key=DB_PATH.env,
        ),
    )


def _mode(values: _Collector) -> PortalMode | None:
    text = values.text(MODE)
    if text is None:
        return PortalMode.MOCK
    try:
        return PortalMode(text.lower())
    except ValueError:
        values.problem(
            MODE,
            msg(
                '"{value}" is not a mode: set {where} to "mock" (the bundled mock org) or '
                '"real" (a Salesforce org).',
                value=text,
                where=MODE.where,
            ),
        )
        return None


def _read_ready(values: _Collector, path: Path) -> Mapping[str, Any]:
    if not path.exists():
        return {}
    try:
        ready = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        values.problem(
            "DATA_DIR",
            msg(
                "the mock org's READY file {path} cannot be read ({error}); restart the mock org "
                "so it writes the file again.",
                path=str(path),
                error=str(exc),
            ),
        )
        return {}
    if not isinstance(ready, Mapping):
        values.problem(
            "DATA_DIR",
            msg(
                "the mock org's READY file {path} is not a JSON object; restart the mock org so "
                "it writes the file again.",
                path=str(path),
            ),
        )
        return {}
    return ready


def _check_login_url(values: _Collector, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        values.problem(
            LOGIN_URL,
            msg(
                '"{url}" is not an https URL: set {where} to https://login.salesforce.com, '
                "https://test.salesforce.com or your My Domain URL "
                "(https://<name>.my.salesforce.com).",
                url=url,
                where=LOGIN_URL.where,
            ),
        )
    elif parts.path not in ("", "/") or parts.query or parts.fragment:
        values.problem(
            LOGIN_URL,
            msg(
                '"{url}" has a path or query: set {where} to the bare address, for example '
                "https://login.salesforce.com.",
                url=url,
                where=LOGIN_URL.where,
            ),
        )


def _redirect_uri(
    values: _Collector, *, mock: bool, hint: _ReadyHint | None, report_missing: bool
) -> str:
    value = values.raw(REDIRECT_URI)
    if value is None and mock:
        # The READY file lists every callback URL the mock connected app accepts; use the first.
        listed = values.ready.get("redirect_uris")
        if isinstance(listed, list) and listed and isinstance(listed[0], str):
            value = listed[0]
    if value is None:
        if not report_missing:
            return ""
        what = msg("the portal's OAuth callback URL registered on the connected app")
        values.problem(REDIRECT_URI, _not_set(REDIRECT_URI, what, hint))
        return ""
    if not isinstance(value, str):
        values.problem(REDIRECT_URI, msg("must be text; set {where}.", where=REDIRECT_URI.where))
        return ""
    return value.strip()


def _check_redirect_uri(values: _Collector, uri: str) -> None:
    parts = urlsplit(uri)
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and parts.hostname in _LOOPBACK_HOSTS
    )
    if not parts.hostname or not secure:
        values.problem(
            REDIRECT_URI,
            msg(
                '"{uri}" is not a usable callback URL: Salesforce requires https (plain http only '
                "for localhost). Set {where} to the portal's address, for example "
                "https://portal.example.com/ or http://localhost:8501/.",
                uri=uri,
                where=REDIRECT_URI.where,
            ),
        )


def _ca_bundle(values: _Collector, *, mock: bool, hint: _ReadyHint | None) -> Path | None:
    text = values.text(CA_BUNDLE, use_ready=mock)
    if not mock:
        if text:
            values.problem(
                CA_BUNDLE,
                msg(
                    "is only used in mock mode (the mock org's local CA); real Salesforce orgs "
                    "are verified with the system trust store. Remove {env} and {key}.",
                    env=CA_BUNDLE.env,
                    key=CA_BUNDLE.secrets_key,
                ),
            )
        return None
    if not text:
        if not values.has_problem(CA_BUNDLE):
            what = msg("the mock org's CA certificate file")
            values.problem(CA_BUNDLE, _not_set(CA_BUNDLE, what, hint))
        return None
    path = Path(text)
    if not path.is_file():
        values.problem(
            CA_BUNDLE,
            msg(
                "the mock org's CA certificate {path} does not exist; start the mock org (it "
                "creates the CA on first start), or set {where} to the right file.",
                path=str(path),
                where=CA_BUNDLE.where,
            ),
        )
        return None
    return path


def _database_url(values: _Collector) -> SecretStr | None:
    """``PORTAL_DATABASE_URL``, ``[portal] database_url`` or a top-level ``database_url``."""
    text = values.text(DATABASE_URL)
    top_level = values.secrets.get(DATABASE_URL.name)
    if text is None and isinstance(top_level, str) and top_level.strip():
        text = top_level.strip()
    if not text:
        return None
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme not in ("postgresql", "postgres"):
        values.problem(
            DATABASE_URL,
            msg(
                "is not a PostgreSQL URL: set {where} to one such as {example}, or leave it "
                "out to keep the portal's data in its DuckDB file.",
                where=DATABASE_URL.where,
                example="postgresql://portal@db.example.com:5432/portal",
            ),
        )
        return None
    return SecretStr(text)


def _db_path(values: _Collector, *, data_dir: Path) -> Path:
    text = values.text(DB_PATH)
    path = Path(text) if text else data_dir / "portal.duckdb"
    if path.is_dir():
        values.problem(
            DB_PATH,
            msg(
                "{path} is a directory: set {where} to a file path, for example {example}.",
                path=str(path),
                where=DB_PATH.where,
                example=str(data_dir / "portal.duckdb"),
            ),
        )
    return path


def _encryption_key(
    values: _Collector, *, mock: bool, data_dir: Path, report_missing: bool
) -> SecretStr:
    text = values.text(ENCRYPTION_KEY)
    generate_hint = (
        'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
    if text:
        if is_valid_key(text):
            return SecretStr(text)
        values.problem(
            ENCRYPTION_KEY,
            msg(
                "is not a valid key (it must be 32 random bytes in URL-safe base64, 44 "
                "characters). Create one with {command} and set {where}.",
                command=generate_hint,
                where=ENCRYPTION_KEY.where,
            ),
        )
        return SecretStr("")
    if not report_missing:
        return SecretStr("")
    if not mock:
        values.problem(
            ENCRYPTION_KEY,
            msg(
                "is not set; it encrypts the Salesforce tokens at rest. Create one with {command} "
                "and set {where}; keep it, since tokens stored with it cannot be read without it.",
                command=generate_hint,
                where=ENCRYPTION_KEY.where,
            ),
        )
        return SecretStr("")
    return _generated_key(values, data_dir / GENERATED_KEY_FILE)


def _generated_key(values: _Collector, path: Path) -> SecretStr:
    """The mock-mode key kept in ``path``: created once (mode 0600 in a 0700 directory,
    whatever the umask), then reused."""
    try:
        make_owned_dir_private(path.parent)
        key = generate_key()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except FileExistsError:
            make_private_file(path)  # a key file written with a looser mode (older portal)
            existing = path.read_text(encoding="ascii").strip()
            if is_valid_key(existing):
                return SecretStr(existing)
            values.problem(
                ENCRYPTION_KEY,
                msg(
                    "the generated key file {path} is damaged. Delete it (the portal then "
                    "creates a new key and you must click Integrate again), or set {where}.",
                    path=str(path),
                    where=ENCRYPTION_KEY.where,
                ),
            )
            return SecretStr("")
        # The mode given to open() is only what the umask leaves of it: set it explicitly.
        os.fchmod(fd, PRIVATE_FILE_MODE)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(key.get_secret_value() + "\n")
        return key
    except (OSError, UnicodeDecodeError) as exc:
        values.problem(
            ENCRYPTION_KEY,
            msg(
                "is not set and the key file {path} cannot be created or read ({error}). Make "
                "{folder} writable, or set {where}.",
                path=str(path),
                error=str(exc),
                folder=str(path.parent),
                where=ENCRYPTION_KEY.where,
            ),
        )
        return SecretStr("")


def _trusted_proxies(values: _Collector) -> tuple[IpNetwork, ...]:
    raw = values.raw(TRUSTED_PROXIES)
    if raw is None:
        return ()
    items = raw.split(",") if isinstance(raw, str) else raw
    example = '["127.0.0.1", "10.0.0.0/8"]'
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        values.problem(
            TRUSTED_PROXIES,
            msg(
                "must be a list of the addresses or networks of the proxies in front of the "
                "portal, for example {example}; set {where}.",
                example=example,
                where=TRUSTED_PROXIES.where,
            ),
        )
        return ()
    try:
        return parse_networks([item for item in items if item.strip()])
    except ValueError as exc:
        values.problem(
            TRUSTED_PROXIES,
            msg(
                "{error}: list only the addresses or networks of the proxies in front of the "
                "portal, for example {example}; set {where}.",
                error=str(exc),
                example=example,
                where=TRUSTED_PROXIES.where,
            ),
        )
        return ()


def _proxy_header(values: _Collector) -> ProxyHeader:
    text = values.text(PROXY_HEADER)
    if text is None:
        return ProxyHeader.X_FORWARDED_FOR
    try:
        return ProxyHeader(text.lower())
    except ValueError:
        values.problem(
            PROXY_HEADER,
            msg(
                '"{value}" is not a forwarding header: set {where} to "X-Forwarded-For" or '
                '"Forwarded" (the one your proxy sets).',
                value=text,
                where=PROXY_HEADER.where,
            ),
        )
        return ProxyHeader.X_FORWARDED_FOR


def _users(values: _Collector) -> tuple[PortalUser, ...]:
    raw: object
    env_users = values.environ.get(USERS.env, "").strip()
    if env_users:
        try:
            raw = json.loads(env_users)
        except json.JSONDecodeError:
            values.problem(
                USERS,
                msg(
                    "is not valid JSON: set it to a list like {example}.",
                    example='[{"username": "admin", "password_hash": "$2b$12$...", '
                    '"role": "admin"}]',
                ),
            )
            return ()
    else:
        section = values.secrets.get(USERS.section)
        raw = section.get(USERS.name) if isinstance(section, Mapping) else None
    how = msg(
        "add a [[portal.users]] table (username, password_hash, role) to {file} or set {env} to "
        "a JSON list of them; make a password hash with {command}",
        file=SECRETS_FILE,
        env=USERS.env,
        command=_HASH_COMMAND,
    )
    if not raw:
        values.problem(USERS, msg("no portal users are configured: {how}.", how=how))
        return ()
    if not isinstance(raw, list):
        values.problem(USERS, msg("must be a list of users: {how}.", how=how))
        return ()
    users: list[PortalUser] = []
    for number, item in enumerate(raw, start=1):
        user = _user(values, number, item)
        if user is not None:
            users.append(user)
    names = [user.username for user in users]
    for name in sorted({n for n in names if names.count(n) > 1}):
        values.problem(
            USERS, msg('the username "{name}" appears more than once; keep one entry.', name=name)
        )
    if users and len(users) == len(raw) and not any(u.role is PortalRole.ADMIN for u in users):
        values.problem(
            USERS,
            msg('no user has the role "admin", so nobody could change anything: make one admin.'),
        )
    return tuple(users)


def _user(values: _Collector, number: int, item: object) -> PortalUser | None:
    where = msg("user #{number}", number=number)
    if not isinstance(item, Mapping):
        values.problem(USERS, msg("{user} must have username, password_hash and role.", user=where))
        return None
    username = item.get("username")
    password_hash = item.get("password_hash")
    role_text = item.get("role", PortalRole.VIEWER.value)
    ok = True
    if not isinstance(username, str) or not username.strip():
        values.problem(USERS, msg("{user} has no username; set username.", user=where))
        ok = False
    else:
        where = msg('user "{name}"', name=username)
    if not isinstance(password_hash, str) or not _BCRYPT_HASH.fullmatch(password_hash):
        values.problem(
            USERS,
            msg(
                "{user} has no valid bcrypt password_hash (never a plain password); make one "
                "with {command}.",
                user=where,
                command=_HASH_COMMAND,
            ),
        )
        ok = False
    role: PortalRole | None = None
    if isinstance(role_text, str):
        try:
            role = PortalRole(role_text.strip().lower())
        except ValueError:
            role = None
    if role is None:
        values.problem(
            USERS,
            msg('{user} has role "{role}"; use "admin" or "viewer".', user=where, role=role_text),
        )
        ok = False
    company = item.get("company")
    company_name = item.get("company_name")
    if company is not None and (not isinstance(company, str) or slug_problem(company)):
        values.problem(
            USERS,
            msg(
                '{user} has company "{company}"; a company is named by its slug: lowercase '
                "letters, digits and hyphens.",
                user=where,
                company=company,
            ),
        )
        ok = False
    if not ok:
        return None
    assert isinstance(username, str) and isinstance(password_hash, str) and role is not None
    return PortalUser(
        username=username.strip(),
        password_hash=password_hash,
        role=role,
        company=company if isinstance(company, str) else None,
        company_name=company_name.strip() if isinstance(company_name, str) else None,
    )
