"""Storage under test: the DuckDB file, the in-memory fake and a real PostgreSQL server,
behind the same fixtures."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from portal_storage_support import START, Storage

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database
from portal.adapters.duckdb_sync import DuckDbSyncStore
from portal.adapters.memory import InMemoryStore, InMemorySyncStore
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.postgres_storage import (
    PostgresSyncStore,
    PostgresUnitOfWork,
    postgres_repositories,
)
from portal.adapters.unit_of_work import (
    DuckDbUnitOfWork,
    InMemoryUnitOfWork,
    duckdb_repositories,
    memory_repositories,
)
from portal.domain.tenancy import HOME_COMPANY


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(START)


@pytest.fixture
def cipher() -> TokenCipher:
    return TokenCipher(generate_key())


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Database]:
    with Database(path=tmp_path / "portal.duckdb") as db:
        yield db


@pytest.fixture(params=["duckdb", "memory", "postgresql"])
def storage(
    request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock, cipher: TokenCipher
) -> Iterator[Storage]:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
        with PostgresDatabase(url=url, max_connections=4) as whole:
            pg = whole.for_company(HOME_COMPANY)  # the contract is a company's storage's
            yield Storage(
                kind="postgresql",
                repos=postgres_repositories(runner=pg, cipher=cipher, clock=clock),
                new_uow=lambda: PostgresUnitOfWork(pg, cipher=cipher, clock=clock),
                sync=PostgresSyncStore(pg),
                clock=clock,
            )
    elif request.param == "duckdb":
        with Database(path=tmp_path / "contract.duckdb") as db:
            yield Storage(
                kind="duckdb",
                repos=duckdb_repositories(runner=db, cipher=cipher, clock=clock),
                new_uow=lambda: DuckDbUnitOfWork(db, cipher=cipher, clock=clock),
                sync=DuckDbSyncStore(db),
                clock=clock,
            )
    else:
        store = InMemoryStore()
        yield Storage(
            kind="memory",
            repos=memory_repositories(store=store, clock=clock),
            new_uow=lambda: InMemoryUnitOfWork(store, clock=clock),
            sync=InMemorySyncStore(store),
            clock=clock,
        )
