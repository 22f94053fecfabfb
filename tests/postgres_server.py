"""A throwaway PostgreSQL server for the tests: ``initdb`` and ``pg_ctl`` (Debian's
``postgresql``) in a temporary directory, reached only over a unix socket in that directory,
with one template database holding the portal's schema so each test's database is a fast copy.

PostgreSQL refuses to run as root; as root (CI, this project's machines) the server runs as
the unprivileged ``nobody`` (``setpriv``). The tests connect over the socket (trust
authentication: nothing but this machine can reach it) as ``portal``, an ordinary role owning
its databases, as a hosted portal would: row-level security binds it (a superuser would pass
through the company policies, and the portal refuses one); the superuser only makes databases.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import psycopg

SUPERUSER = "postgres"
#: The role the portal connects as: no superuser, no BYPASSRLS.
APP_ROLE = "portal"
TEMPLATE = "portal_template"
_RUN_AS = os.environ.get("PORTAL_TEST_POSTGRES_USER", "nobody")
_PORT = 5432  # the socket lives in our own directory, so any port is free


def postgres_bin_dir() -> Path | None:
    """Where ``initdb`` and ``pg_ctl`` are: on PATH, else Debian's newest version directory."""
    on_path = shutil.which("pg_ctl")
    if on_path and shutil.which("initdb"):
        return Path(on_path).resolve().parent
    versions = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    return versions[-1].parent if versions else None


@dataclass
class PostgresServer:
    """One running server; :meth:`new_database` gives a fresh copy of the template."""

    bin_dir: Path
    # In /tmp as root: the unprivileged server user must reach it (TMPDIR may be root's own).
    root: Path = field(
        default_factory=lambda: Path(
            tempfile.mkdtemp(prefix="portal-pg-", dir="/tmp" if os.geteuid() == 0 else None)
        )
    )
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    def url(self, database: str, *, role: str = APP_ROLE) -> str:
        return f"postgresql://{role}@/{database}?host={self.root}&port={_PORT}"

    def start(self) -> None:
        prefix: list[str] = []
        if os.geteuid() == 0:
            user = pwd.getpwnam(_RUN_AS)
            os.chown(self.root, user.pw_uid, user.pw_gid)
            prefix = [
                "setpriv",
                f"--reuid={user.pw_uid}",
                f"--regid={user.pw_gid}",
                "--clear-groups",
                "--",
            ]
        env = {**os.environ, "LC_ALL": "C.UTF-8", "HOME": str(self.root)}
        subprocess.run(
            [
                *prefix,
                str(self.bin_dir / "initdb"),
                "-D",
                str(self.data_dir),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--no-sync",
            ],
            check=True,
            capture_output=True,
            env=env,
        )
        options = (
            f"-k {self.root} -p {_PORT} -c listen_addresses='' -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
        )
        subprocess.run(
            [
                *prefix,
                str(self.bin_dir / "pg_ctl"),
                "start",
                "-w",
                "-D",
                str(self.data_dir),
                "-l",
                str(self.root / "server.log"),
                "-o",
                options,
            ],
            check=True,
            capture_output=True,
            env=env,
        )

    def create_template(self) -> None:
        """The template database, migrated by the portal itself."""
        from portal.adapters.postgres import PostgresDatabase

        self._admin(f"CREATE ROLE {APP_ROLE} LOGIN")
        self._admin(f"CREATE DATABASE {TEMPLATE} OWNER {APP_ROLE}")
        PostgresDatabase(url=self.url(TEMPLATE)).close()

    def new_database(self) -> str:
        """A fresh database with the portal's schema; returns its URL."""
        name = f"test_{os.getpid()}_{next(self._counter)}"
        self._admin(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE} OWNER {APP_ROLE}")
        return self.url(name)

    def copy_database(self, url: str) -> str:
        """A fresh copy of the database at ``url`` (nobody may be connected to it)."""
        name = f"copy_{os.getpid()}_{next(self._counter)}"
        source = urlsplit(url).path.lstrip("/")
        self._admin(f"CREATE DATABASE {name} TEMPLATE {source} OWNER {APP_ROLE}")
        return self.url(name)

    def new_empty_database(self) -> str:
        """A fresh database without the portal's schema; returns its URL."""
        name = f"empty_{os.getpid()}_{next(self._counter)}"
        self._admin(f"CREATE DATABASE {name} OWNER {APP_ROLE}")
        return self.url(name)

    def drop_database(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        self._admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def stop(self) -> None:
        try:
            prefix = (
                [
                    "setpriv",
                    f"--reuid={self.root.stat().st_uid}",
                    f"--regid={self.root.stat().st_gid}",
                    "--clear-groups",
                    "--",
                ]
                if os.geteuid() == 0
                else []
            )
            subprocess.run(
                [
                    *prefix,
                    str(self.bin_dir / "pg_ctl"),
                    "stop",
                    "-m",
                    "immediate",
                    "-D",
                    str(self.data_dir),
                ],
                check=False,
                capture_output=True,
            )
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _admin(self, sql: str) -> None:
        url = self.url("postgres", role=SUPERUSER)
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute(sql)
