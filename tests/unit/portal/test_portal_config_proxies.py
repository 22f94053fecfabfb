"""The ``trusted_proxies`` and ``proxy_header`` settings (issue 11.2): unset, forwarding headers
are ignored; set, they are checked like every other value and named in the example file."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from portal.adapters.config import load_config
from portal.adapters.crypto import generate_key
from portal.domain.client_address import ProxyHeader
from portal.domain.config import ConfigError

REPO = Path(__file__).resolve().parents[3]
HASH = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()


def secrets(**portal: Any) -> dict[str, Any]:
    return {
        "portal": {
            "mode": "real",
            "encryption_key": generate_key().get_secret_value(),
            "users": [{"username": "admin", "password_hash": HASH, "role": "admin"}],
            **portal,
        },
        "salesforce": {
            "login_url": "https://login.salesforce.com",
            "client_id": "3MVG9-real",
            "client_secret": "real-secret",
            "redirect_uri": "https://portal.example.com/",
        },
    }


def test_by_default_no_proxy_is_trusted(tmp_path: Path) -> None:
    config = load_config(secrets=secrets(), environ={}, data_dir=tmp_path)
    assert config.trusted_proxies == ()
    assert config.proxy_header is ProxyHeader.X_FORWARDED_FOR


def test_proxies_from_the_secrets_file_and_from_the_environment(tmp_path: Path) -> None:
    from_file = load_config(
        secrets=secrets(trusted_proxies=["127.0.0.1", "10.0.0.0/8"], proxy_header="Forwarded"),
        environ={},
        data_dir=tmp_path,
    )
    from_env = load_config(
        secrets=secrets(trusted_proxies=["192.0.2.1"]),
        environ={"PORTAL_TRUSTED_PROXIES": "::1, 10.1.2.3"},
        data_dir=tmp_path,
    )

    assert from_file.trusted_proxies == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.0.0.0/8"),
    )
    assert from_file.proxy_header is ProxyHeader.FORWARDED
    assert from_env.trusted_proxies == (
        ipaddress.ip_network("::1/128"),
        ipaddress.ip_network("10.1.2.3/32"),
    )


@pytest.mark.parametrize(
    ("portal", "key", "words"),
    [
        ({"trusted_proxies": ["10.0.0.0/33"]}, "PORTAL_TRUSTED_PROXIES", "10.0.0.0/33"),
        ({"trusted_proxies": ["proxy.example.com"]}, "PORTAL_TRUSTED_PROXIES", "proxy.example"),
        ({"trusted_proxies": 5}, "PORTAL_TRUSTED_PROXIES", "must be a list"),
        ({"proxy_header": "X-Real-IP"}, "PORTAL_PROXY_HEADER", '"X-Real-IP" is not'),
    ],
)
def test_a_bad_value_is_named_with_what_to_do(
    tmp_path: Path, portal: dict[str, Any], key: str, words: str
) -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(secrets=secrets(**portal), environ={}, data_dir=tmp_path)

    problems = {p.key: p.message for p in raised.value.problems}
    assert words in problems[key]


def test_the_example_file_documents_both_settings() -> None:
    text = (REPO / ".streamlit" / "secrets.toml.example").read_text()
    for name in (
        "PORTAL_TRUSTED_PROXIES",
        "PORTAL_PROXY_HEADER",
        "trusted_proxies = ",
        "proxy_header = ",
    ):
        assert name in text, name
