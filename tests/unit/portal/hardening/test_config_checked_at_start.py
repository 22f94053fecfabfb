"""Issue 4, configuration validated at start "with a clear message for each missing or bad
value": each value a real org needs, missing alone, is named alone with where to set it; an
encryption key that does not decrypt the stored tokens stops the start with what to do; and
the authorize URL follows the configured login URL (production, sandbox or My Domain)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import bcrypt
import pytest

from portal.adapters.config import load_config
from portal.adapters.crypto import generate_key
from portal.adapters.salesforce import OAuthClient, Timeouts, Trust, build_session
from portal.bootstrap import build_portal
from portal.domain.config import ConfigError, PortalConfig, PortalMode
from portal.domain.oauth import TokenSet
from portal.domain.secret import SecretStr
from portal.services.actors import Actor, Role

HASH = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()
KEY = generate_key().get_secret_value()
ADMIN = Actor(username="alice", role=Role.ADMIN)

# (environment variable, [section] key): what a real org needs.
REQUIRED_IN_REAL_MODE = [
    ("SALESFORCE_LOGIN_URL", ("salesforce", "login_url")),
    ("SALESFORCE_CLIENT_ID", ("salesforce", "client_id")),
    ("SALESFORCE_CLIENT_SECRET", ("salesforce", "client_secret")),
    ("SALESFORCE_REDIRECT_URI", ("salesforce", "redirect_uri")),
    ("PORTAL_ENCRYPTION_KEY", ("portal", "encryption_key")),
    ("PORTAL_USERS", ("portal", "users")),
]


def _real_secrets() -> dict[str, dict[str, Any]]:
    return {
        "portal": {
            "mode": "real",
            "encryption_key": KEY,
            "users": [{"username": "admin", "password_hash": HASH, "role": "admin"}],
        },
        "salesforce": {
            "login_url": "https://login.salesforce.com",
            "client_id": "3MVG9-real",
            "client_secret": "real-client-secret",
            "redirect_uri": "https://portal.example.com/",
        },
    }


@pytest.mark.parametrize(("env", "secrets_key"), REQUIRED_IN_REAL_MODE, ids=lambda v: str(v))
def test_each_missing_value_is_named_alone_with_where_to_set_it(
    env: str, secrets_key: tuple[str, str], tmp_path: Path
) -> None:
    secrets = _real_secrets()
    section, name = secrets_key
    del secrets[section][name]

    with pytest.raises(ConfigError) as raised:
        load_config(secrets=secrets, environ={}, data_dir=tmp_path)

    assert [p.key for p in raised.value.problems] == [env]
    message = raised.value.problems[0].message
    assert env in message or "PORTAL_USERS" in message
    assert f"[{section}]" in message or f"{section}.{name}" in message
    assert "real-client-secret" not in str(raised.value) and KEY not in str(raised.value)


@pytest.mark.parametrize(
    ("env", "value", "fragment"),
    [
        ("PORTAL_MODE", "staging", "is not a mode"),
        ("SALESFORCE_LOGIN_URL", "http://login.salesforce.com", "is not an https URL"),
        ("SALESFORCE_LOGIN_URL", "https://login.salesforce.com/x", "has a path or query"),
        ("SALESFORCE_REDIRECT_URI", "http://portal.example.com/", "plain http only"),
        ("SALESFORCE_CA_BUNDLE", "/tmp/ca.pem", "only used in mock mode"),
        ("PORTAL_ENCRYPTION_KEY", "not-a-key", "not a valid key"),
        ("PORTAL_USERS", "[{oops", "not valid JSON"),
    ],
)
def test_each_bad_value_is_named_with_what_is_wrong(
    env: str, value: str, fragment: str, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(secrets=_real_secrets(), environ={env: value}, data_dir=tmp_path)

    problems = {p.key: p.message for p in raised.value.problems}
    assert list(problems) == [env]
    assert fragment in problems[env]


def _config(tmp_path: Path, *, key: SecretStr, login_url: str) -> PortalConfig:
    return PortalConfig(
        mode=PortalMode.REAL,
        salesforce_login_url=login_url,
        client_id="3MVG9-real",
        client_secret=SecretStr("real-client-secret"),
        redirect_uri="https://portal.example.com/",
        ca_bundle=None,
        db_path=tmp_path / "portal.duckdb",
        encryption_key=key,
        users=(),
        data_dir=tmp_path,
    )


def test_a_key_that_does_not_decrypt_the_stored_tokens_stops_the_start(tmp_path: Path) -> None:
    first_key = generate_key()
    config = _config(tmp_path, key=first_key, login_url="https://login.salesforce.com")
    portal = build_portal(config=config)
    portal.storage.repositories.tokens.save(
        TokenSet(
            access_token=SecretStr("00Daccess-token-value"),
            refresh_token=SecretStr("5Aep-refresh-token-value"),
            instance_url="https://acme.my.salesforce.com",
            org_id="00D000000000001EAA",
            user_id="005000000000001AAA",
            issued_at=datetime(2025, 4, 1, tzinfo=UTC),
        )
    )
    portal.close()

    other_key = generate_key()
    with pytest.raises(ConfigError) as raised:
        build_portal(config=_config(tmp_path, key=other_key, login_url=config.salesforce_login_url))

    [problem] = raised.value.problems
    assert problem.key == "PORTAL_ENCRYPTION_KEY"
    assert "does not decrypt the Salesforce tokens" in problem.message
    assert '"Integrate"' in problem.message
    assert other_key.get_secret_value() not in str(raised.value)
    assert first_key.get_secret_value() not in str(raised.value)

    # The database file was released, and the right key opens it with the tokens intact.
    reopened = build_portal(config=config)
    try:
        tokens = reopened.storage.repositories.tokens.load()
        assert tokens is not None
        assert tokens.access_token.get_secret_value() == "00Daccess-token-value"
    finally:
        reopened.close()


@pytest.mark.parametrize(
    "login_url",
    [
        "https://login.salesforce.com",
        "https://test.salesforce.com",
        "https://acme.my.salesforce.com",
    ],
)
def test_the_authorize_url_follows_the_configured_login_url(login_url: str, tmp_path: Path) -> None:
    config = load_config(
        secrets=_real_secrets(),
        environ={"SALESFORCE_LOGIN_URL": login_url + "/"},
        data_dir=tmp_path,
    )
    portal = build_portal(config=config)
    try:
        redirect = portal.integration.start(actor=ADMIN)
    finally:
        portal.close()

    url = urlsplit(redirect.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == f"{login_url}/services/oauth2/authorize"
    query = parse_qs(url.query)
    assert query["client_id"] == ["3MVG9-real"]
    assert query["redirect_uri"] == ["https://portal.example.com/"]
    assert query["code_challenge_method"] == ["S256"]
    # The code exchange, refresh and revoke go to the same login URL.
    with build_session(trust=Trust.system(), timeout=Timeouts()) as session:
        oauth = OAuthClient(
            login_url=config.salesforce_login_url,
            client_id=config.client_id,
            client_secret=config.client_secret,
            redirect_uri=config.redirect_uri,
            session=session,
        )
    assert oauth.token_url == f"{login_url}/services/oauth2/token"
    assert oauth.revoke_url == f"{login_url}/services/oauth2/revoke"
