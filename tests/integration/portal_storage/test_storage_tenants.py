"""Issue 15, tenancy below the services: the directory (companies and users) behaves the same
on every storage, and each company's storage holds its own rows only: on DuckDB a file per
company, on PostgreSQL row-level security that binds even a statement the repositories never
wrote, in memory a store per company. Upserts (settings, preferences, progress) keep one row
per company, not one row for all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from portal_storage_support import sample_backup, sample_settings

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database, DatabaseUnavailableError
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.storage import DuckDbPortalStorage
from portal.adapters.tenants import DuckDbTenants, InMemoryTenants, PostgresTenants
from portal.domain.config import PortalRole
from portal.domain.failures import WriteConflictError
from portal.domain.ports import Tenants
from portal.domain.tenancy import (
    HOME_COMPANY,
    CompanyId,
    DirectoryUser,
    UnknownCompanyError,
    UserSource,
)
from tests.postgres_server import SUPERUSER, PostgresServer

NOW = datetime(2026, 12, 6, 9, tzinfo=UTC)


@pytest.fixture(params=["duckdb", "memory", "postgresql"])
def tenants(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Tenants]:
    cipher = TokenCipher(generate_key())
    clock = FixedClock(NOW)
    built: Tenants
    if request.param == "duckdb":
        home = DuckDbPortalStorage(
            database=Database(path=tmp_path / "portal.duckdb"), cipher=cipher, clock=clock
        )
        built = DuckDbTenants(home=home, cipher=cipher, clock=clock)
    elif request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        built = PostgresTenants(database=PostgresDatabase(url=url), cipher=cipher, clock=clock)
    else:
        built = InMemoryTenants(clock=clock)
    yield built
    built.close()


def _user(name: str, company: CompanyId, role: PortalRole = PortalRole.ADMIN) -> DirectoryUser:
    return DirectoryUser(username=name, company_id=company, role=role, password_hash="$2b$x")


class TestDirectory:
    def test_the_home_company_is_there_from_the_start(self, tenants: Tenants) -> None:
        companies = tenants.directory.companies()
        assert [(c.id, c.slug) for c in companies] == [(HOME_COMPANY, "default")]

    def test_companies_are_added_with_a_unique_slug(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta 株式会社")
        assert beta.id != HOME_COMPANY
        assert tenants.directory.company(beta.id) == beta
        assert tenants.directory.company_by_slug("beta") == beta
        with pytest.raises(WriteConflictError):
            tenants.directory.add_company(slug="beta", name="Another")
        assert [c.slug for c in tenants.directory.companies()] == ["default", "beta"]

    def test_a_company_is_renamed_and_keeps_its_id_and_slug(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta")
        tenants.directory.rename_company(beta.id, name="ベータ株式会社")
        assert tenants.directory.company_by_slug("beta") == replace(beta, name="ベータ株式会社")
        home = tenants.directory.company(HOME_COMPANY)
        assert home is not None and home.name == "Default company", "the others untouched"

    def test_users_are_saved_replaced_listed_by_company_and_removed(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta")
        directory = tenants.directory
        directory.save_user(_user("zed", HOME_COMPANY), at=NOW)
        directory.save_user(_user("amy", beta.id, PortalRole.VIEWER), at=NOW)
        disabled = DirectoryUser(
            username="zed",
            company_id=HOME_COMPANY,
            role=PortalRole.VIEWER,
            password_hash="$2b$y",
            disabled=True,
            source=UserSource.CONFIG,
        )
        directory.save_user(disabled, at=NOW)
        assert directory.user("zed") == disabled
        assert [u.username for u in directory.users()] == ["amy", "zed"]
        assert [u.username for u in directory.users(beta.id)] == ["amy"]
        directory.remove_user("amy")
        assert directory.user("amy") is None

    def test_an_unknown_company_has_no_storage(self, tenants: Tenants) -> None:
        with pytest.raises(UnknownCompanyError):
            tenants.for_company(CompanyId(99))


class TestEachCompanyHoldsItsOwnRows:
    def test_what_one_company_stores_the_other_never_sees(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta").id
        home = tenants.for_company(HOME_COMPANY).repositories
        other = tenants.for_company(beta).repositories
        home.settings.save(sample_settings(tag="home"))
        home.backups.save_latest(sample_backup(tag="home"))
        home.preferences.set_language("admin", "ja", at=NOW)
        assert other.backups.latest() is None
        assert other.settings.load() != home.settings.load()
        assert other.preferences.language_of("admin") is None

    def test_the_same_key_in_two_companies_is_two_rows(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta").id
        home = tenants.for_company(HOME_COMPANY).repositories
        other = tenants.for_company(beta).repositories
        home.settings.save(sample_settings(tag="home"))
        other.settings.save(sample_settings(tag="beta"))
        home.preferences.set_language("admin", "ja", at=NOW)
        other.preferences.set_language("admin", "en", at=NOW)
        assert home.settings.load() == sample_settings(tag="home")
        assert other.settings.load() == sample_settings(tag="beta")
        assert home.preferences.language_of("admin") == "ja"
        assert other.preferences.language_of("admin") == "en"

    def test_a_wipe_empties_one_company_only(self, tenants: Tenants) -> None:
        beta = tenants.directory.add_company(slug="beta", name="Beta").id
        tenants.for_company(HOME_COMPANY).repositories.backups.save_latest(sample_backup())
        tenants.for_company(beta).repositories.backups.save_latest(sample_backup())
        tenants.for_company(beta).wipe()
        assert tenants.for_company(beta).repositories.backups.latest() is None
        assert tenants.for_company(HOME_COMPANY).repositories.backups.latest() is not None
        assert [c.slug for c in tenants.directory.companies()] == ["default", "beta"]


def test_on_duckdb_each_company_has_its_own_file(tmp_path: Path) -> None:
    cipher = TokenCipher(generate_key())
    clock = FixedClock(NOW)
    home = DuckDbPortalStorage(
        database=Database(path=tmp_path / "portal.duckdb"), cipher=cipher, clock=clock
    )
    tenants = DuckDbTenants(home=home, cipher=cipher, clock=clock)
    try:
        beta = tenants.directory.add_company(slug="beta", name="Beta").id
        tenants.for_company(beta).repositories.backups.save_latest(sample_backup())
    finally:
        tenants.close()
    assert (tmp_path / "companies" / f"{beta}.duckdb").exists()


class TestRowLevelSecurityOnPostgres:
    def test_a_companys_connection_reads_and_writes_only_its_rows_whatever_the_sql(
        self, postgres_url: str
    ) -> None:
        with PostgresDatabase(url=postgres_url) as whole:
            beta = whole.execute(
                "INSERT INTO companies (slug, name) VALUES ('beta', 'Beta') RETURNING id"
            )[0][0]
            home = whole.for_company(HOME_COMPANY)
            other = whole.for_company(beta)
            home.execute(
                "INSERT INTO audit_log (occurred_at, actor, action, outcome, detail) "
                "VALUES (now(), 'admin', 'sign_in', 'succeeded', '')"
            )
            assert home.execute("SELECT count(*) FROM audit_log") == [(1,)]
            assert other.execute("SELECT count(*) FROM audit_log") == [(0,)]
            assert other.execute("DELETE FROM audit_log RETURNING id") == []
            assert whole.execute("SELECT count(*) FROM audit_log") == [(0,)], (
                "a connection of no company sees no company's rows"
            )
            with pytest.raises(Exception, match=r"row-level security|null value"):
                whole.execute(
                    "INSERT INTO audit_log (occurred_at, actor, action, outcome, detail) "
                    "VALUES (now(), 'x', 'sign_in', 'succeeded', '')"
                )
            with pytest.raises(Exception, match="row-level security"):
                other.execute(
                    "INSERT INTO audit_log (company_id, occurred_at, actor, action, outcome, "
                    "detail) VALUES (?, now(), 'x', 'sign_in', 'succeeded', '')",
                    [int(HOME_COMPANY)],
                )
            assert home.execute("SELECT count(*) FROM audit_log") == [(1,)]

    def test_a_pooled_connection_forgets_its_company_when_it_comes_back(
        self, postgres_url: str
    ) -> None:
        with PostgresDatabase(url=postgres_url, max_connections=1) as whole:
            home = whole.for_company(HOME_COMPANY)
            home.execute(
                "INSERT INTO check_findings (name, value, recorded_at) VALUES ('a', 'b', now())"
            )
            # The one connection served the home company; now it serves nobody.
            assert whole.execute("SELECT count(*) FROM check_findings") == [(0,)]
            assert home.execute("SELECT count(*) FROM check_findings") == [(1,)]

    def test_a_superuser_role_is_refused_with_what_to_do(
        self, postgres_server: PostgresServer, postgres_url: str
    ) -> None:
        database = postgres_url.split("?")[0].rsplit("/", 1)[1]
        superuser = postgres_server.url(database, role=SUPERUSER)
        with pytest.raises(DatabaseUnavailableError) as raised:
            PostgresDatabase(url=superuser)
        message = str(raised.value)
        assert "superuser" in message and "PORTAL_DATABASE_URL" in message
        with psycopg.connect(postgres_url) as connection:
            assert connection.execute("SELECT 1").fetchone() == (1,)
