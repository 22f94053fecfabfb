"""The error log's seek paging and grouped summaries answer exactly as the LIMIT/OFFSET paging
and NOT IN query they replaced, row for row, on a generated log with many rows on the same
timestamp and rows that arrived out of time order, in the DuckDB file and on PostgreSQL. The
replaced implementation lives only here, as the oracle."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from itertools import pairwise
from pathlib import Path
from typing import Any, cast
from zoneinfo import ZoneInfo

import pytest

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database, to_db_time
from portal.adapters.duckdb_logs import DuckDbIntegrationErrorRepository
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.postgres_storage import PostgresPortalStorage
from portal.adapters.storage import DuckDbPortalStorage
from portal.domain.integration_errors import DayCount, ErrorLogFilter, ErrorSource
from portal.domain.local_days import every_day, local_day, midnights_within
from portal.domain.tenancy import HOME_COMPANY
from portal.services.context import ServiceContext
from portal.services.error_tables import ErrorTablesService
from tests.postgres_server import PostgresServer

BASE = datetime(2026, 3, 1, tzinfo=UTC)
CODES = ("INVALID_FIELD", "REQUIRED_FIELD_MISSING", "ENTITY_IS_DELETED", "UNABLE_TO_LOCK_ROW")
ZONES: tuple[tzinfo, ...] = (
    UTC,
    ZoneInfo("Asia/Tokyo"),
    ZoneInfo("Asia/Kolkata"),
    ZoneInfo("Asia/Kathmandu"),
    ZoneInfo("America/New_York"),  # a DST change on 2026-03-08
    timezone(timedelta(minutes=7)),  # midnights inside a time bucket
)


Logged = DuckDbPortalStorage | PostgresPortalStorage


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def logged(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Logged]:
    storage: Logged
    url = None
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        url = server.new_database()
        storage = PostgresPortalStorage(
            database=PostgresDatabase(company_id=HOME_COMPANY, url=url),
            cipher=TokenCipher(generate_key()),
            clock=FixedClock(BASE),
        )
    else:
        path: Path = tmp_path_factory.mktemp("errors") / "portal.duckdb"
        storage = DuckDbPortalStorage(
            database=Database(path=path),
            cipher=TokenCipher(generate_key()),
            clock=FixedClock(BASE),
        )
    rng = random.Random(13)
    # 60 distinct instants over 20 days for 3,000 rows: every instant is shared ~50 times, and
    # rows are inserted in random order, so ids do not follow time.
    instants = [BASE + timedelta(seconds=rng.randrange(20 * 86400)) for _ in range(60)]
    instants += [BASE + timedelta(days=d, hours=15) for d in range(3)]  # Tokyo midnights
    rows = []
    for n in range(3000):
        code = rng.choice(CODES[:3]) if n < 2500 else CODES[3]
        at = rng.choice(instants)
        if code == CODES[3]:
            at = BASE + timedelta(days=15, seconds=rng.randrange(5 * 86400))
        rows.append(
            (
                to_db_time(at),
                rng.choice(list(ErrorSource)).value,
                f"rec-{n}",
                rng.choice(("Task", "Event", "Contact")),
                "create",
                code,
                rng.choice(("Bad value", "Required field missing", "=HYPERLINK(x)")),
                ["Subject"],
                None,
            )
        )
    rng.shuffle(rows)
    database = storage.database
    for row in rows:
        database.execute(
            """INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,
               operation, status_code, message, fields, org_id) VALUES (?,?,?,?,?,?,?,?,?)""",
            list(row),
        )
    yield storage
    storage.close()
    if url is not None:
        server.drop_database(url)


def _repository(storage: Logged) -> DuckDbIntegrationErrorRepository:
    return cast(DuckDbIntegrationErrorRepository, storage.repositories.integration_errors)


def _service(storage: Logged) -> ErrorTablesService:
    return ErrorTablesService(
        ServiceContext(storage=storage, clock=FixedClock(BASE), salesforce=cast(Any, None))
    )


FILTERS = (
    None,
    ErrorLogFilter(status_code="INVALID_FIELD"),
    ErrorLogFilter(source=ErrorSource.VIDEO, sobject="Event"),
    ErrorLogFilter(since=BASE + timedelta(days=3, hours=15), until=BASE + timedelta(days=9)),
    ErrorLogFilter(since=BASE + timedelta(days=15)),
    ErrorLogFilter(text="hyperlink", until=BASE + timedelta(days=12, minutes=7)),
    ErrorLogFilter(status_code="NO_SUCH_CODE"),
)


# --- the oracle: the implementation the seek paging replaced -------------------------------
def _old_page(
    repository: DuckDbIntegrationErrorRepository,
    filter: ErrorLogFilter | None,
    page: int,
    size: int,
) -> tuple[int, list[int]]:
    old = repository.page(filter=filter, limit=size, offset=(page - 1) * size)
    return old.total, [entry.id or 0 for entry in old.entries]


def _old_new_codes(storage: Logged, since: datetime) -> list[str]:
    at = to_db_time(since)
    rows = storage.database.execute(
        """SELECT DISTINCT status_code FROM integration_errors
           WHERE occurred_at >= ?
             AND status_code NOT IN (
                 SELECT status_code FROM integration_errors WHERE occurred_at < ?)
           ORDER BY status_code""",
        [at, at],
    )
    return [code for (code,) in rows]


def _old_utc_days(storage: Logged, filter: ErrorLogFilter | None) -> list[DayCount]:
    where, params = _repository(storage)._where(filter)
    rows = storage.database.execute(
        f"SELECT CAST(occurred_at AS DATE) AS day, count(*) FROM integration_errors {where} "
        "GROUP BY day ORDER BY day",
        params,
    )
    return [DayCount(day=day, count=int(n)) for day, n in rows]


def _old_counts_by_day(
    storage: Logged, filters: ErrorLogFilter | None, zone: tzinfo
) -> list[DayCount]:
    def between(since: datetime, until: datetime) -> int:
        base = filters or ErrorLogFilter()
        since = max(since, base.since) if base.since else since
        until = min(until, base.until) if base.until else until
        if since >= until:
            return 0
        narrowed = replace(base, since=since, until=until)
        return sum(day.count for day in _old_utc_days(storage, narrowed))

    counts: Counter[date] = Counter()
    for utc_day in _old_utc_days(storage, filters):
        start = datetime.combine(utc_day.day, time.min, tzinfo=UTC)
        edges = [start, *midnights_within(start, start + timedelta(days=1), zone)]
        left = utc_day.count
        for since, until in pairwise(edges):
            part = between(since, until)
            counts[local_day(since, zone)] += part
            left -= part
        counts[local_day(edges[-1], zone)] += left
    days = sorted(day for day, n in counts.items() if n)
    if not days:
        return []
    picked_since = filters.since if filters else None
    picked_until = filters.until if filters else None
    first = local_day(picked_since, zone) if picked_since else days[0]
    last = local_day(picked_until - timedelta(microseconds=1), zone) if picked_until else days[-1]
    return every_day(counts, first=min(first, days[0]), last=max(last, days[-1]))


# --- the comparisons -----------------------------------------------------------------------
@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("size", [50, 7, 1000])
def test_every_page_holds_the_same_rows_in_the_same_order(
    logged: Logged, filters: ErrorLogFilter | None, size: int
) -> None:
    service = _service(logged)
    repository = _repository(logged)
    total, _ = _old_page(repository, filters, 1, size)
    pages = max(1, -(-total // size))
    for number in [*range(1, pages + 1), pages + 1]:
        new = service.page(filters=filters, page=number, page_size=size)
        assert (new.total, [e.id for e in new.entries]) == _old_page(
            repository, filters, number, size
        ), f"page {number}"


@pytest.mark.parametrize("filters", FILTERS)
@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_counts_by_day_are_the_same_in_every_zone(
    logged: Logged, filters: ErrorLogFilter | None, zone: tzinfo
) -> None:
    new = _service(logged).counts_by_day(filters=filters, zone=zone)
    assert new == _old_counts_by_day(logged, filters, zone)


def test_new_codes_are_the_same_at_any_time(logged: Logged) -> None:
    repository = _repository(logged)
    for days in (0, 5, 14.5, 15, 16, 30):
        since = BASE + timedelta(days=days)
        assert repository.new_codes_since(since) == _old_new_codes(logged, since)
    assert repository.new_codes_since(BASE + timedelta(days=15)) == ["UNABLE_TO_LOCK_ROW"]


def test_summaries_follow_an_append(logged: Logged) -> None:
    service = _service(logged)
    before = service.counts_by_code()
    logged.database.execute(
        """INSERT INTO integration_errors (occurred_at, source, miitel_record_id, sobject,
           operation, status_code, message, fields, org_id)
           VALUES (?, 'activity', 'late', 'Task', 'create', 'BRAND_NEW', 'x', ?, NULL)""",
        [to_db_time(BASE), ["Subject"]],
    )
    after = service.counts_by_code()
    assert "BRAND_NEW" not in {c.status_code for c in before}
    assert "BRAND_NEW" in {c.status_code for c in after}
    assert service.page(page=1).total == sum(c.count for c in after)
