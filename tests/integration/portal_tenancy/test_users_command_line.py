"""Issue 15: ``python -m portal companies …`` and ``python -m portal users …`` manage the
directory an operator's shell reaches (the DuckDB file of ``DATA_DIR``, or PostgreSQL with
``PORTAL_DATABASE_URL``): a user made there can log in to their company at once, a disabled
one cannot, a new password replaces the old; users from the configuration are left to it.
Run as a real process, as an operator would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from tenancy_support import PASSWORD, USERS

from portal.adapters.clock import ShiftedClock
from portal.bootstrap import build_hosting
from portal.domain.config import PortalConfig
from portal.services.errors import LoginFailed

ROOT = Path(__file__).resolve().parents[3]
NEW_PASSWORD = "correct-horse-battery"


@dataclass(frozen=True)
class Done:
    code: int
    out: str
    err: str


@pytest.fixture
def run(hosted_config: PortalConfig, tmp_path: Path, clock: ShiftedClock) -> Callable[..., Done]:
    """``run(*args, stdin="")``: the command line in a child process, configured through the
    environment as the portal is (the same data directory, key, database and users), after
    the portal has started once (which applies the configured users)."""
    build_hosting(config=hosted_config, clock=clock).close()
    env = {
        **os.environ,
        "DATA_DIR": str(hosted_config.data_dir),
        "PORTAL_MODE": "real",
        "SALESFORCE_LOGIN_URL": hosted_config.salesforce_login_url,
        "SALESFORCE_CLIENT_ID": hosted_config.client_id,
        "SALESFORCE_CLIENT_SECRET": hosted_config.client_secret.get_secret_value(),
        "SALESFORCE_REDIRECT_URI": hosted_config.redirect_uri,
        "PORTAL_ENCRYPTION_KEY": hosted_config.encryption_key.get_secret_value(),
        "PORTAL_USERS": json.dumps(
            [
                {"username": u.username, "password_hash": u.password_hash, "role": u.role.value}
                | ({"company": u.company, "company_name": u.company_name} if u.company else {})
                for u in USERS
            ]
        ),
    }
    if hosted_config.database_url is not None:
        env["PORTAL_DATABASE_URL"] = hosted_config.database_url.get_secret_value()

    def call(*args: str, stdin: str = "", configured_users: bool = True) -> Done:
        done = subprocess.run(
            [sys.executable, "-m", "portal", *args],
            input=stdin,
            capture_output=True,
            text=True,
            env=env if configured_users else {k: v for k, v in env.items() if k != "PORTAL_USERS"},
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        return Done(done.returncode, done.stdout, done.stderr)

    return call


def _can_log_in(config: PortalConfig, clock: ShiftedClock, username: str, password: str) -> bool:
    hosting = build_hosting(config=config, clock=clock)
    try:
        hosting.access.login(username=username, password=password, client_key="10.0.0.9")
    except LoginFailed:
        return False
    finally:
        hosting.close()
    return True


def test_an_operator_adds_a_company_and_its_admin_who_can_log_in(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    made = run("companies", "create", "gamma", "Gamma 株式会社")
    assert made.code == 0, made.err
    listed = run("companies", "list")
    assert "gamma" in listed.out and "Gamma 株式会社" in listed.out and "beta-co" in listed.out
    created = run(
        "users",
        "create",
        "gina",
        "--company",
        "gamma",
        "--role",
        "admin",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    assert created.code == 0, created.err
    assert NEW_PASSWORD not in created.out, "a typed password is never echoed"
    users = run("users", "list", "--company", "gamma").out.splitlines()
    assert users[1].split() == ["gina", "gamma", "admin", "active", "database"]
    assert _can_log_in(hosted_config, clock, "gina", NEW_PASSWORD)


def test_a_disabled_user_cannot_log_in_and_an_enabled_one_can_again(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    created = run(
        "users",
        "create",
        "dan",
        "--company",
        "beta-co",
        "--role",
        "viewer",
        "--generate-password",
    )
    assert created.code == 0, created.err
    password = created.out.split("Password (shown once): ")[1].strip()
    assert run("users", "disable", "dan").code == 0
    assert "disabled" in run("users", "list").out
    assert not _can_log_in(hosted_config, clock, "dan", password)
    hosting = build_hosting(config=hosted_config, clock=clock)
    try:
        beta = next(c for c in hosting.companies() if c.slug == "beta-co")
        refused = [e for e in hosting.portal_for(beta.id).audit.recent() if e.actor == "dan"]
    finally:
        hosting.close()
    assert refused[0].detail == "the user is disabled", "said in the company's audit log"
    assert run("users", "enable", "dan").code == 0
    assert _can_log_in(hosted_config, clock, "dan", password)


def test_a_reset_password_replaces_the_old_one(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    run(
        "users",
        "create",
        "rex",
        "--company",
        "beta-co",
        "--role",
        "admin",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
    )
    reset = run("users", "reset-password", "rex", "--password-stdin", stdin="another-long-one\n")
    assert reset.code == 0, reset.err
    assert not _can_log_in(hosted_config, clock, "rex", NEW_PASSWORD)
    assert _can_log_in(hosted_config, clock, "rex", "another-long-one")


def test_an_operator_names_the_home_company_and_its_users_see_the_name(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    renamed = run("companies", "rename", "default", "MiiTel 本社")
    assert renamed.code == 0, renamed.err
    assert "MiiTel 本社" in run("companies", "list").out
    hosting = build_hosting(config=hosted_config, clock=clock)
    try:
        admin = hosting.access.login(username="admin", password=PASSWORD, client_key="10.0.0.8")
        assert hosting.access.company_name(admin) == "MiiTel 本社"
        audit = hosting.portal_for(admin.company_id).audit.recent()
    finally:
        hosting.close()
    assert any("renamed" in e.detail and e.actor == "(operator)" for e in audit)
    assert run("companies", "rename", "nope", "X").code == 1


@pytest.mark.parametrize(
    ("args", "stdin", "said"),
    [
        (("users", "disable", "admin"), "", "configured in secrets or PORTAL_USERS"),
        (
            ("users", "create", "x", "--company", "nope", "--role", "admin", "--password-stdin"),
            NEW_PASSWORD,
            "No company has the slug nope",
        ),
        (
            (
                "users",
                "create",
                "admin-b",
                "--company",
                "default",
                "--role",
                "admin",
                "--password-stdin",
            ),
            NEW_PASSWORD,
            "is taken",
        ),
        (
            ("users", "create", "y", "--company", "default", "--role", "admin", "--password-stdin"),
            "short",
            "at least 12 characters",
        ),
        (
            ("users", "create", "z", "--company", "default", "--role", "admin"),
            "",
            "--password-stdin or --generate-password",
        ),
        (("companies", "create", "Bad Slug", "Name"), "", "cannot name a company"),
        (("companies", "create", "beta-co", "Again"), "", "exists already"),
        (("users", "enable", "ghost"), "", "No portal user is called ghost"),
    ],
)
def test_a_refused_change_says_why_and_changes_nothing(
    run: Callable[..., Done], args: tuple[str, ...], stdin: str, said: str
) -> None:
    before = run("users", "list").out
    refused = run(*args, stdin=stdin)
    assert refused.code == 1
    assert said in refused.err and "Traceback" not in refused.err
    assert run("users", "list").out == before
    assert "admin" in run("users", "list").out


def test_the_audit_log_of_the_users_company_records_the_change(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    run("users", "create", "ann", "--company", "beta-co", "--role", "viewer", "--generate-password")
    hosting = build_hosting(config=hosted_config, clock=clock)
    try:
        beta = next(c for c in hosting.companies() if c.slug == "beta-co")
        lines = hosting.portal_for(beta.id).audit.recent()
        home_lines = hosting.portal_for(hosting.companies()[0].id).audit.recent()
    finally:
        hosting.close()
    assert any(e.actor == "(operator)" and "ann" in e.detail for e in lines)
    assert not any("ann" in e.detail for e in home_lines)


def test_on_postgresql_the_first_admin_can_be_made_on_the_command_line(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    if hosted_config.database_url is None:
        pytest.skip("embedded (DuckDB): the first admin comes from the configuration")
    created = run(
        "users",
        "create",
        "first",
        "--company",
        "default",
        "--role",
        "admin",
        "--password-stdin",
        stdin=NEW_PASSWORD + "\n",
        configured_users=False,
    )
    assert created.code == 0, created.err
    unconfigured = replace(hosted_config, users=())
    assert _can_log_in(unconfigured, clock, "first", NEW_PASSWORD)


def test_the_command_line_leaves_the_configured_users_to_the_portal(
    run: Callable[..., Done], hosted_config: PortalConfig, clock: ShiftedClock
) -> None:
    assert _can_log_in(hosted_config, clock, "admin-b", PASSWORD)  # the portal applied them
    if hosted_config.database_url is not None:
        assert run("users", "list", configured_users=False).code == 0  # no PORTAL_USERS here
    listed = run("users", "list").out
    assert "admin-b" in listed and "configuration" in listed, "still there after the CLI ran"
