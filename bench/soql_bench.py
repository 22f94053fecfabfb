"""SOQL on 1M Tasks against the same query written by hand in DuckDB SQL, in the same run.

Both sides run on the same connection and rows; the SOQL side goes through the whole engine
(parse with an empty parse cache, type checks, compile, page query, record shaping), the raw
side runs the SQL a person would write for the same result (org filter and live rows included,
since the tables hold every org's rows).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from bench.common import Measure, markdown_table
from mock_salesforce.backend import MockBackend
from mock_salesforce.rows import insert
from mock_salesforce.schema.standard import TASK_STATUSES
from mock_salesforce.soql.parser import _parse_cached

GOAL = 1.5
RUNS = 9
OWNERS = 25
SEED = 20240131

FILTER_SOQL = (
    "SELECT Id, Subject, Status FROM Task WHERE Status = 'Completed' AND "
    "CallDurationInSeconds > 60 ORDER BY CreatedDate DESC LIMIT 200"
)
FILTER_SQL = (
    'SELECT "Id", "Subject", "Status" FROM "sobj_task" WHERE _org_id = ? AND NOT "IsDeleted" '
    'AND "Status" = \'Completed\' AND "CallDurationInSeconds" > 60 '
    'ORDER BY "CreatedDate" DESC LIMIT 200'
)
GROUP_SOQL = "SELECT OwnerId, COUNT(Id) FROM Task GROUP BY OwnerId"
GROUP_SQL = (
    'SELECT "OwnerId", count("Id") FROM "sobj_task" WHERE _org_id = ? AND NOT "IsDeleted" '
    'GROUP BY "OwnerId"'
)


def _owners(backend: MockBackend, org_id: str) -> list[str]:
    schema = backend.org_schema(org_id)
    profile, user = schema.get("Profile"), schema.get("User")
    assert profile is not None and user is not None
    now = backend.clock.now()
    [profile_id] = insert(
        backend.store,
        org_id=org_id,
        obj=profile,
        actor_id=None,
        now=now,
        rows=[{"Name": "Standard User", "UserType": "Standard"}],
    )
    return insert(
        backend.store,
        org_id=org_id,
        obj=user,
        actor_id=None,
        now=now,
        rows=[
            {
                "Username": f"rep{i}@bench.example",
                "FirstName": "Rep",
                "LastName": f"{i:02d}",
                "Alias": f"rep{i}",
                "Email": f"rep{i}@bench.example",
                "IsActive": True,
                "ProfileId": profile_id,
                "TimeZoneSidKey": "Asia/Tokyo",
                "LocaleSidKey": "ja_JP",
                "LanguageLocaleKey": "ja",
                "EmailEncodingKey": "UTF-8",
            }
            for i in range(OWNERS)
        ],
    )


def load_tasks(backend: MockBackend, org_id: str, rows: int) -> None:
    """``rows`` Tasks with a seeded mix of statuses, owners, dates and call durations."""
    rng = np.random.default_rng(SEED)
    owners = np.array(_owners(backend, org_id))
    statuses = np.array(TASK_STATUSES)
    status = statuses[rng.choice(len(statuses), rows, p=[0.15, 0.10, 0.60, 0.05, 0.10])]
    is_call = rng.random(rows) < 0.7
    duration = np.where(is_call, np.round(rng.lognormal(4.5, 1.0, rows)), np.nan)
    start = datetime(2023, 1, 1)
    created = pd.to_datetime(start) + pd.to_timedelta(
        rng.integers(0, 2 * 365 * 86400, rows), unit="s"
    )
    activity = (created + pd.to_timedelta(rng.integers(0, 14, rows), unit="D")).normalize()
    subjects = np.array(["Call", "Follow-up call", "Email", "Meeting prep", "Demo"])
    frame = pd.DataFrame(
        {
            "_org_id": org_id,
            "Id": backend.store.next_ids("00T", rows),
            "IsDeleted": rng.random(rows) < 0.01,
            "CreatedDate": created,
            "CreatedById": owners[0],
            "LastModifiedDate": created,
            "LastModifiedById": owners[0],
            "SystemModstamp": created,
            "OwnerId": owners[rng.integers(0, len(owners), rows)],
            "Subject": subjects[rng.integers(0, len(subjects), rows)],
            "Status": status,
            "Priority": np.array(["High", "Normal", "Low"])[rng.integers(0, 3, rows)],
            "IsClosed": status == "Completed",
            "ActivityDate": activity.date,
            "CallDurationInSeconds": pd.array(duration, dtype="Int64"),
            "CallType": pd.Series("Outbound", index=range(rows), dtype="string").where(is_call),
            "TaskSubtype": np.where(is_call, "Call", "Task"),
        }
    )
    backend.store.insert_arrow('"sobj_task"', frame)


def _best_pair_ms(
    first: Callable[[], object], second: Callable[[], object], runs: int = RUNS
) -> tuple[float, float]:
    """Best times of two actions run alternately, so load on the machine hits both alike."""
    first(), second()  # warm up
    best = [float("inf"), float("inf")]
    for _ in range(runs):
        for i, action in enumerate((first, second)):
            started = time.perf_counter()
            action()
            best[i] = min(best[i], time.perf_counter() - started)
    return best[0] * 1000, best[1] * 1000


def measures(*, rows: int = 1_000_000) -> list[Measure]:
    """SOQL/raw-SQL time ratios for filter+order+limit and GROUP BY on ``rows`` Tasks."""
    backend = MockBackend(data_dir=None)
    try:
        org = backend.orgs.create(name="Bench Org", schema_profile="acme")
        load_tasks(backend, org.org_id, rows)
        schema = backend.org_schema(org.org_id)
        conn = backend.store.raw_connection()

        def soql(text: str, expected: int) -> Callable[[], object]:
            def run() -> object:
                _parse_cached.cache_clear()
                page = backend.queries.run(
                    schema=schema, org_id=org.org_id, soql=text, include_deleted=False
                )
                assert len(page.records) == expected, len(page.records)
                return page

            return run

        def raw(sql: str) -> Callable[[], object]:
            def run() -> object:
                with backend.store.lock:
                    return conn.execute(sql, [org.org_id]).fetchall()

            return run

        results = []
        for name, text, sql, expected in (
            (f"SOQL filter+order+limit on {rows:,} Tasks", FILTER_SOQL, FILTER_SQL, 200),
            (f"SOQL GROUP BY OwnerId on {rows:,} Tasks", GROUP_SOQL, GROUP_SQL, OWNERS),
        ):
            figure, anchor = _best_pair_ms(soql(text, expected), raw(sql))
            results.append(
                Measure(
                    name=name,
                    figure=figure,
                    unit="ms",
                    anchor_name="raw DuckDB SQL",
                    anchor=anchor,
                    goal=f"<= {GOAL}x",
                    met=figure <= GOAL * anchor,
                )
            )
        return results
    finally:
        backend.close()


if __name__ == "__main__":
    started = datetime.now(UTC)
    table = markdown_table(measures())
    print(table)
    print(f"\n(run took {(datetime.now(UTC) - started) / timedelta(seconds=1):.0f} s)")
