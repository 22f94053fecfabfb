"""Resilience tests (issue 7): crashes, concurrency, faults from the mock, bad input, security.

Every test here carries the ``resilience`` marker. They run in the default test run at a short
size; ``RESILIENCE_SIZE=long`` runs the long versions whose figures the README reports
(``scripts/resilience_report.py`` does that and prints the table).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.portal_over_mock import guarded_server
from tests.postgres_server import PostgresServer
from tests.resilience.harness.crash import CrashLab
from tests.resilience.harness.figures import RESULTS_ENV, FigureBook, write

HERE = Path(__file__).resolve().parent
_BOOK = pytest.StashKey[FigureBook]()


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "resilience: crash, concurrency, fault, fuzz and security tests (tests/resilience); "
        "RESILIENCE_SIZE=long runs the long versions",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).resolve().parents:
            item.add_marker(pytest.mark.resilience)


@pytest.fixture
def figures(request: pytest.FixtureRequest) -> FigureBook:
    """Where a test records the figures it earned (written out only with its outcome)."""
    book = FigureBook()
    request.node.stash[_BOOK] = book
    return book


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    made = yield
    report: pytest.TestReport = made.get_result()  # type: ignore[attr-defined]
    target = os.environ.get(RESULTS_ENV)
    if report.when != "call" or not target or _BOOK not in item.stash:
        return
    # An expected failure (a known defect) is reported as such, never as held.
    result = "xfailed" if hasattr(report, "wasxfail") else report.outcome
    write(path=Path(target), test=item.nodeid, outcome=result, figures=item.stash[_BOOK].figures)


@pytest.fixture(scope="module")
def crash_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CrashLab]:
    """A mock org in this process and the templates crash trials start from."""
    with guarded_server() as server:
        yield CrashLab(server=server, workdir=tmp_path_factory.mktemp("crash"))


@pytest.fixture(scope="module")
def postgres_crash_lab(
    tmp_path_factory: pytest.TempPathFactory, postgres_server: PostgresServer
) -> Iterator[CrashLab]:
    """The crash lab with each trial's portal in a PostgreSQL database of its own."""
    with guarded_server() as server:
        yield CrashLab(
            server=server, workdir=tmp_path_factory.mktemp("crash-pg"), postgres=postgres_server
        )
