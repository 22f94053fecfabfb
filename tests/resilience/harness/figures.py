"""The figures the README table reports, recorded by the tests that earn them.

A test asks for the ``figures`` fixture and calls :meth:`FigureBook.add` with what it ran
(trials, sessions, faults, fuzz cases). When ``RESILIENCE_RESULTS`` names a file, each figure is
appended to it as one JSON line together with the test's outcome (passed, failed, or xfailed: a
known defect), so the table can never claim a figure of a test that failed.
``RESILIENCE_SIZE=long`` selects the long runs.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Final, TypeVar

RESULTS_ENV: Final = "RESILIENCE_RESULTS"
SIZE_ENV: Final = "RESILIENCE_SIZE"

T = TypeVar("T")


class Size(Enum):
    """How long the resilience tests run: a handful of cases in the default test run, the
    figures of the README in the long run."""

    SHORT = "short"
    LONG = "long"


def current_size() -> Size:
    value = os.environ.get(SIZE_ENV, Size.SHORT.value).strip().lower()
    try:
        return Size(value)
    except ValueError:
        raise ValueError(f"{SIZE_ENV} must be 'short' or 'long', not {value!r}") from None


def sized(short: T, long: T) -> T:
    """``short`` in the default run, ``long`` with ``RESILIENCE_SIZE=long``."""
    return long if current_size() is Size.LONG else short


@dataclass(frozen=True)
class Figure:
    """One row of the table: in ``area`` (crash, concurrency, faults, fuzz, security), what
    was exercised, how many times, and what was observed."""

    area: str
    name: str
    count: int
    unit: str
    observed: str


@dataclass(frozen=True)
class RecordedFigure:
    figure: Figure
    test: str
    #: "passed", "failed" or "xfailed" (a known defect, the test says which).
    outcome: str


class FigureBook:
    """The figures one test earned."""

    def __init__(self) -> None:
        self.figures: list[Figure] = []

    def add(self, *, area: str, name: str, count: int, unit: str, observed: str) -> None:
        self.figures.append(Figure(area, name, count, unit, observed))


def write(*, path: Path, test: str, outcome: str, figures: list[Figure]) -> None:
    """Append ``figures`` with the test's outcome to ``path`` (JSON lines)."""
    with path.open("a", encoding="utf-8") as handle:
        for figure in figures:
            handle.write(json.dumps({**asdict(figure), "test": test, "outcome": outcome}) + "\n")


def read(path: Path) -> list[RecordedFigure]:
    """Every figure recorded in ``path``, in the order the tests ran."""
    recorded: list[RecordedFigure] = []
    if not path.exists():
        return recorded
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        recorded.append(
            RecordedFigure(
                figure=Figure(
                    area=row["area"],
                    name=row["name"],
                    count=int(row["count"]),
                    unit=row["unit"],
                    observed=row["observed"],
                ),
                test=row["test"],
                outcome=str(row["outcome"]),
            )
        )
    return recorded
