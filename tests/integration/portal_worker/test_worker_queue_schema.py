"""The job queue's schema: procrastinate's own, applied by the portal's migrations (0004), so
several workers (and portals) starting together on an empty database create it once."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from procrastinate.schema import SchemaManager
from worker_support import jobs, start_worker, worker_env

from portal.adapters.postgres import MIGRATIONS_DIR
from portal.domain.config import PortalConfig
from tests.postgres_server import PostgresServer

pytestmark = pytest.mark.slow


def test_the_migration_is_the_installed_procrastinates_schema() -> None:
    """A procrastinate upgrade that changes its schema needs migrations here (see 0004)."""
    migration = (MIGRATIONS_DIR / "0004.sync-job-queue.sql").read_text(encoding="utf-8")
    assert migration.endswith(SchemaManager.get_schema())


def test_workers_starting_together_on_an_empty_database_migrate_it_once(
    config: PortalConfig, postgres_server: PostgresServer, tmp_path: Path
) -> None:
    url = postgres_server.new_empty_database()
    env = worker_env(config, url)
    workers = [start_worker(env, tmp_path / f"worker-{n}.log") for n in range(3)]
    try:
        for worker in workers:
            worker.wait_ready(timeout=120)
        assert jobs(url) is not None  # the queue's tables are there
        migrations = sorted(p.stem for p in MIGRATIONS_DIR.glob("*.sql"))
        with psycopg.connect(url, autocommit=True) as connection:
            applied = [
                row[0]
                for row in connection.execute(
                    "SELECT migration_id FROM _yoyo_migration ORDER BY migration_id"
                )
            ]
        assert applied == migrations
    finally:
        codes = [worker.stop() for worker in workers]
        postgres_server.drop_database(url)
    assert codes == [0, 0, 0], [w.text() for w in workers]
