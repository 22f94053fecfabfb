"""``python -m portal``: manage the hosted portal's companies and users from a shell.

    python -m portal companies list
    python -m portal companies create SLUG "NAME"
    python -m portal companies rename SLUG "NAME"
    python -m portal users list [--company SLUG]
    python -m portal users create USERNAME --company SLUG --role admin|viewer
                                  [--password-stdin | --generate-password]
    python -m portal users disable USERNAME
    python -m portal users enable USERNAME
    python -m portal users reset-password USERNAME [--password-stdin | --generate-password]

It opens the storage the portal's configuration names (``.streamlit/secrets.toml`` and the
environment, as the portal does): PostgreSQL with ``PORTAL_DATABASE_URL``, else the DuckDB file
in ``DATA_DIR`` (which a running portal holds: stop it first). The configured users are the
portal's to apply at its start; the command line never adds or removes them. Passwords are
typed twice at a terminal, read from stdin, or generated and shown once; they are never taken
as arguments (a shell's history and ``ps`` would keep them). Exit status 0 on success, 1 when
the change was refused (the reason on stderr), 2 for a usage error.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import Final, TextIO

from portal.bootstrap import Hosting, build_hosting, read_config
from portal.domain.config import SECRETS_FILE, ConfigError, PortalRole
from portal.domain.failures import StorageError
from portal.domain.tenancy import CompanyId, DirectoryUser, UserSource
from portal.services.errors import PortalError

DEFAULT_DATA_DIR: Final = Path("data")
_GENERATED_BYTES: Final = 12


class Refused(Exception):
    """The command cannot be done; the message says why and what to do."""


def main(argv: Sequence[str] | None = None, *, stdin: TextIO | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        hosting = _open()
    except Refused as exc:
        print(str(exc), file=sys.stderr)
        return 1
    try:
        args.run(hosting, args, stdin or sys.stdin)
    except (PortalError, Refused) as exc:
        print(str(getattr(exc, "user_message", exc)), file=sys.stderr)
        return 1
    finally:
        hosting.close()
    return 0


def _open() -> Hosting:
    secrets_file = Path(SECRETS_FILE)
    try:
        values = tomllib.loads(secrets_file.read_text("utf-8")) if secrets_file.exists() else {}
        config = read_config(secrets=values, environ=os.environ, data_dir=DEFAULT_DATA_DIR)
        return build_hosting(config=config, apply_configured_users=False)
    except ConfigError as exc:
        raise Refused(
            "The portal is not configured:\n"
            + "\n".join(f"- {problem.key}: {problem.message}" for problem in exc.problems)
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise Refused(f"{SECRETS_FILE} is not valid TOML: {exc}") from None
    except StorageError as exc:
        raise Refused(str(exc)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m portal", description=__doc__.split("\n")[0])
    nouns = parser.add_subparsers(required=True, metavar="{companies,users}")

    companies = nouns.add_parser("companies", help="MiiTel companies served by this portal")
    verbs = companies.add_subparsers(required=True)
    verbs.add_parser("list", help="every company").set_defaults(run=_companies_list)
    create = verbs.add_parser("create", help="a new company")
    create.add_argument("slug", help="short name in lowercase letters, digits and hyphens")
    create.add_argument("name", help="the company's name as people read it")
    create.set_defaults(run=_companies_create)
    rename = verbs.add_parser("rename", help="give a company a new name")
    rename.add_argument("slug")
    rename.add_argument("name")
    rename.set_defaults(run=_companies_rename)

    users = nouns.add_parser("users", help="portal users and their roles")
    verbs = users.add_subparsers(required=True)
    listing = verbs.add_parser("list", help="every portal user (or one company's)")
    listing.add_argument("--company", help="a company's slug")
    listing.set_defaults(run=_users_list)
    create = verbs.add_parser("create", help="a new portal user")
    create.add_argument("username")
    create.add_argument("--company", required=True, help="the company's slug")
    create.add_argument("--role", required=True, choices=[r.value for r in PortalRole])
    _password_options(create)
    create.set_defaults(run=_users_create)
    for verb, disabled in (("disable", True), ("enable", False)):
        toggle = verbs.add_parser(verb, help=f"{verb} a portal user's login")
        toggle.add_argument("username")
        toggle.set_defaults(run=_users_toggle, disabled=disabled)
    reset = verbs.add_parser("reset-password", help="give a portal user a new password")
    reset.add_argument("username")
    _password_options(reset)
    reset.set_defaults(run=_users_reset)
    return parser


def _password_options(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--password-stdin", action="store_true", help="read it from stdin")
    source.add_argument(
        "--generate-password", action="store_true", help="make one and print it once"
    )


def _password(args: argparse.Namespace, stdin: TextIO) -> tuple[str, bool]:
    """The new password, and whether it was generated (then it is printed)."""
    if args.password_stdin:
        return stdin.readline().rstrip("\r\n"), False
    if args.generate_password:
        return secrets.token_urlsafe(_GENERATED_BYTES), True
    if not stdin.isatty():
        raise Refused("Give the password with --password-stdin or --generate-password.")
    first = getpass.getpass("New password: ")
    if getpass.getpass("Again: ") != first:
        raise Refused("The two passwords differ; nothing was changed.")
    return first, False


def _companies_list(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    del args, stdin
    rows = [(str(c.id), c.slug, c.name) for c in hosting.directory.companies()]
    _table(("ID", "SLUG", "NAME"), rows)


def _companies_create(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    del stdin
    company = hosting.directory.add_company(slug=args.slug, name=args.name)
    print(f"Created company {company.slug} (id {company.id}): {company.name}")


def _companies_rename(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    del stdin
    company = hosting.directory.rename_company(args.slug, name=args.name)
    print(f"Company {company.slug} is now called {company.name}")


def _users_list(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    del stdin
    slugs = {c.id: c.slug for c in hosting.directory.companies()}
    _table(
        ("USERNAME", "COMPANY", "ROLE", "STATUS", "MANAGED IN"),
        [_user_row(user, slugs) for user in hosting.directory.users(args.company)],
    )


def _user_row(user: DirectoryUser, slugs: dict[CompanyId, str]) -> tuple[str, ...]:
    return (
        user.username,
        slugs.get(user.company_id, str(user.company_id)),
        user.role.value,
        "disabled" if user.disabled else "active",
        "configuration" if user.source is UserSource.CONFIG else "database",
    )


def _users_create(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    password, generated = _password(args, stdin)
    user = hosting.directory.create_user(
        company=args.company, username=args.username, role=PortalRole(args.role), password=password
    )
    print(f"Created {user.role.value} {user.username} in {args.company}.")
    if generated:
        print(f"Password (shown once): {password}")


def _users_toggle(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    del stdin
    hosting.directory.set_disabled(args.username, disabled=args.disabled)
    print(f"{args.username} is {'disabled' if args.disabled else 'enabled'}.")


def _users_reset(hosting: Hosting, args: argparse.Namespace, stdin: TextIO) -> None:
    password, generated = _password(args, stdin)
    hosting.directory.reset_password(args.username, password=password)
    print(f"{args.username} has a new password.")
    if generated:
        print(f"Password (shown once): {password}")


def _table(header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print(
            "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        )
