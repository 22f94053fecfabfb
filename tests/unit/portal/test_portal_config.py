"""Configuration: precedence, the mock org's READY file, the generated key, and every problem."""

from __future__ import annotations

import json
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

import bcrypt
import pytest

from portal.adapters.config import GENERATED_KEY_FILE, load_config
from portal.adapters.crypto import generate_key
from portal.domain.config import ConfigError, PortalMode, PortalRole

REPO = Path(__file__).resolve().parents[3]
HASH = bcrypt.hashpw(b"correct horse", bcrypt.gensalt(rounds=4)).decode()
USERS = [
    {"username": "admin", "password_hash": HASH, "role": "admin"},
    {"username": "viewer", "password_hash": HASH, "role": "viewer"},
]
KEY = generate_key().get_secret_value()


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    path = tmp_path / "data"
    path.mkdir()
    return path


@pytest.fixture
def ca_file(tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return path


def write_ready(data_dir: Path, ca_file: Path, **overrides: Any) -> dict[str, Any]:
    ready = {
        "login_url": "https://127.0.0.1:8443",
        "instance_url": "https://127.0.0.1:8443",
        "http_url": "http://127.0.0.1:8080",
        "ca_bundle": str(ca_file),
        "client_id": "mock-client-id",
        "client_secret": "mock-client-secret",
        "redirect_uris": ["http://localhost:8501/", "http://127.0.0.1:8501/"],
        "users": [{"username": "admin@mock.example.com", "password": "x", "org_id": "00D"}],
    }
    ready.update(overrides)
    (data_dir / "mock").mkdir(exist_ok=True)
    (data_dir / "mock" / "ready.json").write_text(json.dumps(ready))
    return ready


def real_secrets(**salesforce: Any) -> dict[str, Any]:
    section = {
        "login_url": "https://login.salesforce.com",
        "client_id": "3MVG9-real",
        "client_secret": "real-secret",
        "redirect_uri": "https://portal.example.com/",
    }
    section.update(salesforce)
    return {
        "portal": {"mode": "real", "encryption_key": KEY, "users": USERS},
        "salesforce": section,
    }


def problems_of(raised: pytest.ExceptionInfo[ConfigError]) -> dict[str, str]:
    found: dict[str, str] = {}
    for problem in raised.value.problems:
        found[problem.key] = found.get(problem.key, "") + problem.message
    return found


class TestMockMode:
    def test_salesforce_values_come_from_the_ready_file(
        self, data_dir: Path, ca_file: Path
    ) -> None:
        write_ready(data_dir, ca_file)

        config = load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        assert config.mode is PortalMode.MOCK
        assert config.salesforce_login_url == "https://127.0.0.1:8443"
        assert config.client_id == "mock-client-id"
        assert config.client_secret.get_secret_value() == "mock-client-secret"
        assert config.redirect_uri == "http://localhost:8501/"
        assert config.ca_bundle == ca_file
        assert config.mock_http_url == "http://127.0.0.1:8080"
        assert config.db_path == data_dir / "portal.duckdb"
        assert [u.role for u in config.users] == [PortalRole.ADMIN, PortalRole.VIEWER]
        assert config.user("viewer") is not None and config.user("nobody") is None

    def test_a_missing_key_is_generated_once_with_mode_0600(
        self, data_dir: Path, ca_file: Path
    ) -> None:
        write_ready(data_dir, ca_file)

        first = load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)
        second = load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        key_file = data_dir / GENERATED_KEY_FILE
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert first.encryption_key == second.encryption_key
        assert key_file.read_text().strip() == first.encryption_key.get_secret_value()

    def test_a_damaged_generated_key_is_reported(self, data_dir: Path, ca_file: Path) -> None:
        write_ready(data_dir, ca_file)
        (data_dir / GENERATED_KEY_FILE).parent.mkdir(parents=True)
        (data_dir / GENERATED_KEY_FILE).write_text("not a key")

        with pytest.raises(ConfigError) as raised:
            load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        assert "is damaged. Delete it" in problems_of(raised)["PORTAL_ENCRYPTION_KEY"]

    def test_without_the_ready_file_every_missing_value_is_named_at_once(
        self, data_dir: Path
    ) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(secrets={}, environ={}, data_dir=data_dir)

        problems = problems_of(raised)
        assert set(problems) == {
            "SALESFORCE_LOGIN_URL",
            "SALESFORCE_CLIENT_ID",
            "SALESFORCE_CLIENT_SECRET",
            "SALESFORCE_REDIRECT_URI",
            "SALESFORCE_CA_BUNDLE",
            "PORTAL_USERS",
        }
        assert "python -m mock_salesforce serve" in problems["SALESFORCE_CLIENT_ID"]
        assert "[salesforce] client_id" in problems["SALESFORCE_CLIENT_ID"]
        message = str(raised.value)
        assert "6 configuration values are missing or wrong" in message
        for key in problems:
            assert f"- {key}:" in message

    def test_a_broken_ready_file_is_reported(self, data_dir: Path) -> None:
        (data_dir / "mock").mkdir()
        (data_dir / "mock" / "ready.json").write_text("{truncated")

        with pytest.raises(ConfigError) as raised:
            load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        assert "cannot be read" in problems_of(raised)["DATA_DIR"]

    def test_a_ready_file_that_is_not_an_object_is_reported(self, data_dir: Path) -> None:
        (data_dir / "mock").mkdir()
        (data_dir / "mock" / "ready.json").write_text("[]")

        with pytest.raises(ConfigError) as raised:
            load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        assert "not a JSON object" in problems_of(raised)["DATA_DIR"]

    def test_a_ca_bundle_that_does_not_exist_is_reported(
        self, data_dir: Path, ca_file: Path
    ) -> None:
        write_ready(data_dir, ca_file, ca_bundle=str(data_dir / "missing.pem"))

        with pytest.raises(ConfigError) as raised:
            load_config(secrets={"portal": {"users": USERS}}, environ={}, data_dir=data_dir)

        assert "does not exist" in problems_of(raised)["SALESFORCE_CA_BUNDLE"]


class TestPrecedence:
    def test_environment_beats_secrets_beats_the_ready_file(
        self, data_dir: Path, ca_file: Path, tmp_path: Path
    ) -> None:
        write_ready(data_dir, ca_file)
        secrets = {
            "portal": {"users": USERS, "db_path": str(tmp_path / "from-secrets.duckdb")},
            "salesforce": {"client_id": "from-secrets", "client_secret": "secret-from-secrets"},
        }
        environ = {
            "SALESFORCE_CLIENT_ID": "from-env",
            "PORTAL_DB_PATH": str(tmp_path / "from-env.duckdb"),
            "PORTAL_ENCRYPTION_KEY": KEY,
            "SALESFORCE_REDIRECT_URI": "http://127.0.0.1:9999/",
            "SALESFORCE_LOGIN_URL": "   ",  # blank counts as not set
        }

        config = load_config(secrets=secrets, environ=environ, data_dir=data_dir)

        assert config.client_id == "from-env"
        assert config.client_secret.get_secret_value() == "secret-from-secrets"
        assert config.db_path == tmp_path / "from-env.duckdb"
        assert config.encryption_key.get_secret_value() == KEY
        assert config.redirect_uri == "http://127.0.0.1:9999/"
        assert config.salesforce_login_url == "https://127.0.0.1:8443"
        assert not (data_dir / GENERATED_KEY_FILE).exists()

    def test_data_dir_from_the_environment_wins(
        self, data_dir: Path, ca_file: Path, tmp_path: Path
    ) -> None:
        other = tmp_path / "other"
        other.mkdir()
        write_ready(other, ca_file, client_id="other-org")

        config = load_config(
            secrets={"portal": {"users": USERS}},
            environ={"DATA_DIR": str(other)},
            data_dir=data_dir,
        )

        assert config.data_dir == other
        assert config.client_id == "other-org"
        assert config.db_path == other / "portal.duckdb"

    def test_users_from_the_environment_replace_the_secrets_list(
        self, data_dir: Path, ca_file: Path
    ) -> None:
        write_ready(data_dir, ca_file)
        env_users = [{"username": "ops", "password_hash": HASH, "role": "admin"}]

        config = load_config(
            secrets={"portal": {"users": USERS}},
            environ={"PORTAL_USERS": json.dumps(env_users)},
            data_dir=data_dir,
        )

        assert [u.username for u in config.users] == ["ops"]


class TestRealMode:
    def test_a_complete_real_configuration_loads(self, data_dir: Path) -> None:
        config = load_config(secrets=real_secrets(), environ={}, data_dir=data_dir)

        assert config.mode is PortalMode.REAL
        assert config.ca_bundle is None
        assert config.mock_http_url is None
        assert config.salesforce_login_url == "https://login.salesforce.com"

    def test_the_ready_file_is_ignored_in_real_mode(self, data_dir: Path, ca_file: Path) -> None:
        write_ready(data_dir, ca_file)
        secrets = real_secrets()
        del secrets["salesforce"]["client_id"]

        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)

        assert set(problems_of(raised)) == {"SALESFORCE_CLIENT_ID"}

    def test_a_missing_key_is_an_error_not_generated(self, data_dir: Path) -> None:
        secrets = real_secrets()
        del secrets["portal"]["encryption_key"]

        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)

        message = problems_of(raised)["PORTAL_ENCRYPTION_KEY"]
        assert "Fernet.generate_key()" in message
        assert not (data_dir / GENERATED_KEY_FILE).exists()

    def test_every_bad_value_is_reported_together(self, data_dir: Path, ca_file: Path) -> None:
        secrets = real_secrets(
            login_url="http://login.salesforce.com",
            redirect_uri="http://portal.example.com/callback",
            ca_bundle=str(ca_file),
            client_id=12345,
        )
        secrets["portal"]["encryption_key"] = "short"

        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)

        problems = problems_of(raised)
        assert "is not an https URL" in problems["SALESFORCE_LOGIN_URL"]
        assert "plain http only for localhost" in problems["SALESFORCE_REDIRECT_URI"]
        assert "only used in mock mode" in problems["SALESFORCE_CA_BUNDLE"]
        assert "must be text, not int" in problems["SALESFORCE_CLIENT_ID"]
        assert "not a valid key" in problems["PORTAL_ENCRYPTION_KEY"]
        assert "short" not in str(raised.value)

    def test_a_login_url_with_a_path_is_refused(self, data_dir: Path) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(
                secrets=real_secrets(login_url="https://login.salesforce.com/services/oauth2"),
                environ={},
                data_dir=data_dir,
            )

        assert "has a path or query" in problems_of(raised)["SALESFORCE_LOGIN_URL"]

    def test_my_domain_and_localhost_callbacks_are_accepted(self, data_dir: Path) -> None:
        config = load_config(
            secrets=real_secrets(
                login_url="https://acme.my.salesforce.com/",
                redirect_uri="http://localhost:8501/",
            ),
            environ={},
            data_dir=data_dir,
        )

        assert config.salesforce_login_url == "https://acme.my.salesforce.com"
        assert config.redirect_uri == "http://localhost:8501/"

    def test_a_database_path_that_is_a_directory_is_refused(
        self, data_dir: Path, tmp_path: Path
    ) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(
                secrets=real_secrets(),
                environ={"PORTAL_DB_PATH": str(tmp_path)},
                data_dir=data_dir,
            )

        assert "is a directory" in problems_of(raised)["PORTAL_DB_PATH"]


class TestModeAndUsers:
    def test_an_unknown_mode_is_reported_with_the_other_bad_values_but_no_missing_ones(
        self, data_dir: Path
    ) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(
                secrets={"portal": {"mode": "staging", "users": USERS}},
                environ={"SALESFORCE_LOGIN_URL": "ftp://x"},
                data_dir=data_dir,
            )

        problems = problems_of(raised)
        assert set(problems) == {"PORTAL_MODE", "SALESFORCE_LOGIN_URL"}
        assert '"staging" is not a mode' in problems["PORTAL_MODE"]

    def test_the_environment_mode_wins(self, data_dir: Path) -> None:
        secrets = real_secrets()
        secrets["portal"]["mode"] = "mock"

        config = load_config(secrets=secrets, environ={"PORTAL_MODE": "REAL"}, data_dir=data_dir)

        assert config.mode is PortalMode.REAL

    @pytest.mark.parametrize(
        ("users", "fragment"),
        [
            ([], "no portal users are configured"),
            ({"username": "admin"}, "must be a list of users"),
            (["admin"], "user #1 must have username, password_hash and role"),
            ([{"password_hash": HASH, "role": "admin"}], "user #1 has no username"),
            (
                [{"username": "admin", "password_hash": "hunter2", "role": "admin"}],
                'user "admin" has no valid bcrypt password_hash',
            ),
            (
                [{"username": "admin", "password_hash": HASH, "role": "root"}],
                'has role "root"; use "admin" or "viewer"',
            ),
            (
                [
                    {"username": "admin", "password_hash": HASH, "role": "admin"},
                    {"username": "admin", "password_hash": HASH, "role": "viewer"},
                ],
                'the username "admin" appears more than once',
            ),
            (
                [{"username": "viewer", "password_hash": HASH, "role": "viewer"}],
                'no user has the role "admin"',
            ),
        ],
    )
    def test_bad_users_are_explained(self, data_dir: Path, users: Any, fragment: str) -> None:
        secrets = real_secrets()
        secrets["portal"]["users"] = users

        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)

        assert fragment in problems_of(raised)["PORTAL_USERS"]
        assert "hunter2" not in str(raised.value)

    def test_users_from_the_environment_must_be_json(self, data_dir: Path) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(
                secrets=real_secrets(), environ={"PORTAL_USERS": "[{oops"}, data_dir=data_dir
            )

        assert "is not valid JSON" in problems_of(raised)["PORTAL_USERS"]

    def test_role_defaults_to_viewer(self, data_dir: Path) -> None:
        secrets = real_secrets()
        secrets["portal"]["users"] = [
            {"username": "admin", "password_hash": HASH, "role": "admin"},
            {"username": "guest", "password_hash": HASH},
        ]

        config = load_config(secrets=secrets, environ={}, data_dir=data_dir)

        assert config.user("guest") is not None
        assert config.user("guest").role is PortalRole.VIEWER  # type: ignore[union-attr]


def test_secrets_never_show_in_the_config_repr(data_dir: Path) -> None:
    config = load_config(secrets=real_secrets(), environ={}, data_dir=data_dir)

    shown = repr(config) + str(config)
    assert "real-secret" not in shown
    assert KEY not in shown
    assert HASH not in shown


class TestDatabaseUrl:
    def test_unset_means_the_duckdb_file(self, data_dir: Path) -> None:
        config = load_config(secrets=real_secrets(), environ={}, data_dir=data_dir)

        assert config.database_url is None
        assert config.db_path == data_dir / "portal.duckdb"

    def test_the_environment_names_a_postgresql_server_and_its_password_stays_hidden(
        self, data_dir: Path
    ) -> None:
        url = "postgresql://portal:hunter2@db.example.com:5432/portal"
        config = load_config(
            secrets=real_secrets(), environ={"PORTAL_DATABASE_URL": url}, data_dir=data_dir
        )

        assert config.database_url is not None
        assert config.database_url.get_secret_value() == url
        assert "hunter2" not in repr(config) + str(config)

    @pytest.mark.parametrize("place", ["portal", "top"])
    def test_secrets_may_name_it(self, data_dir: Path, place: str) -> None:
        secrets = real_secrets()
        url = "postgres://db.example.com/portal"
        if place == "portal":
            secrets["portal"]["database_url"] = url
        else:
            secrets["database_url"] = url

        config = load_config(secrets=secrets, environ={}, data_dir=data_dir)

        assert config.database_url is not None
        assert config.database_url.get_secret_value() == url

    def test_another_kind_of_url_is_refused(self, data_dir: Path) -> None:
        with pytest.raises(ConfigError) as raised:
            load_config(
                secrets=real_secrets(),
                environ={"PORTAL_DATABASE_URL": "mysql://db.example.com/portal"},
                data_dir=data_dir,
            )

        assert "PostgreSQL" in problems_of(raised)["PORTAL_DATABASE_URL"]

    def test_with_postgresql_the_users_may_all_live_in_the_database(self, data_dir: Path) -> None:
        secrets = real_secrets()
        del secrets["portal"]["users"]
        url = "postgresql://portal@db.example.com/portal"
        config = load_config(
            secrets=secrets, environ={"PORTAL_DATABASE_URL": url}, data_dir=data_dir
        )
        assert config.users == ()
        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)
        assert "no portal users are configured" in problems_of(raised)["PORTAL_USERS"]

    def test_the_pool_size_is_ten_unless_set_between_1_and_100(self, data_dir: Path) -> None:
        url = {"PORTAL_DATABASE_URL": "postgresql://db.example.com/portal"}
        assert (
            load_config(secrets=real_secrets(), environ=url, data_dir=data_dir).database_pool_size
            == 10
        )
        sized = load_config(
            secrets=real_secrets(),
            environ={**url, "PORTAL_DATABASE_POOL_SIZE": "40"},
            data_dir=data_dir,
        )
        assert sized.database_pool_size == 40
        for bad in ("0", "101", "many"):
            with pytest.raises(ConfigError) as raised:
                load_config(
                    secrets=real_secrets(),
                    environ={**url, "PORTAL_DATABASE_POOL_SIZE": bad},
                    data_dir=data_dir,
                )
            assert "from 1 to 100" in problems_of(raised)["PORTAL_DATABASE_POOL_SIZE"]


class TestExampleFile:
    example = REPO / ".streamlit" / "secrets.toml.example"

    def test_it_documents_every_environment_variable(self) -> None:
        text = self.example.read_text()

        for name in (
            "PORTAL_MODE",
            "SALESFORCE_LOGIN_URL",
            "SALESFORCE_CLIENT_ID",
            "SALESFORCE_CLIENT_SECRET",
            "SALESFORCE_REDIRECT_URI",
            "SALESFORCE_CA_BUNDLE",
            "PORTAL_DB_PATH",
            "PORTAL_DATABASE_URL",
            "PORTAL_DATABASE_POOL_SIZE",
            "PORTAL_ENCRYPTION_KEY",
            "PORTAL_USERS",
            "DATA_DIR",
        ):
            assert name in text, name

    def test_it_names_every_key_the_loader_reads(self) -> None:
        text = self.example.read_text()
        keys = set(re.findall(r"^#?\s*(\w+) = ", text, flags=re.MULTILINE))

        assert {"mode", "db_path", "database_url", "database_pool_size", "encryption_key"} <= keys
        assert {"username", "password_hash", "role"} <= keys
        assert {"login_url", "client_id", "client_secret", "redirect_uri", "ca_bundle"} <= keys

    def test_copied_as_is_it_only_asks_for_real_password_hashes(
        self, data_dir: Path, ca_file: Path
    ) -> None:
        write_ready(data_dir, ca_file)
        secrets = tomllib.loads(self.example.read_text())

        with pytest.raises(ConfigError) as raised:
            load_config(secrets=secrets, environ={}, data_dir=data_dir)

        problems = problems_of(raised)
        assert set(problems) == {"PORTAL_USERS"}
        assert "bcrypt" in problems["PORTAL_USERS"]
