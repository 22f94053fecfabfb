"""The README's resilience table, from one command: run ``tests/resilience`` at the long size
(``RESILIENCE_SIZE=long``: hundreds of crash trials, thousands of fuzz cases, dozens of
concurrent sessions) and print one Markdown row per figure the tests earned — crash trials per
crash point, concurrent sessions held, faults injected, fuzz cases run — with the result of each.
A figure is only ever reported with the outcome of the test that earned it.

    python scripts/resilience_report.py                 # long run, table on stdout
    python scripts/resilience_report.py --size short    # the default test run's sizes
    python scripts/resilience_report.py --write README.md   # also replace the table there

``--write`` replaces the text between ``<!-- resilience-table:start -->`` and
``<!-- resilience-table:end -->`` in the given file. Exit status 0 when every test passed (an
expected failure of a known defect counts as passing, and its row says so).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Final

ROOT: Final = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.resilience.harness.figures import (  # noqa: E402 (after the path is set)
    RESULTS_ENV,
    SIZE_ENV,
    RecordedFigure,
    Size,
    read,
)

START: Final = "<!-- resilience-table:start -->"
END: Final = "<!-- resilience-table:end -->"
AREAS: Final = ("crash", "concurrency", "faults", "fuzz", "security")
_RESULT_WORDS: Final = {"passed": "held", "failed": "**FAILED**", "xfailed": "**known defect**"}


def run_tests(*, size: Size, results: Path, extra: Sequence[str]) -> tuple[int, str]:
    """pytest over tests/resilience (the Playwright test included); its exit status and
    summary line."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/resilience",
        "-q",
        "-p",
        "no:randomly",
        *extra,
    ]
    env = {**os.environ, SIZE_ENV: size.value, RESULTS_ENV: str(results)}
    process = subprocess.run(
        command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=None, text=True, check=False
    )
    sys.stderr.write(process.stdout)
    summary = next(
        (line.strip("= ") for line in reversed(process.stdout.splitlines()) if " in " in line),
        "",
    )
    return process.returncode, summary


def table(recorded: Sequence[RecordedFigure]) -> str:
    """One row per figure, grouped by area in the README's order."""
    lines = ["| area | exercised | count | result |", "| --- | --- | ---: | --- |"]
    ordered = sorted(
        recorded,
        key=lambda r: AREAS.index(r.figure.area) if r.figure.area in AREAS else len(AREAS),
    )
    for row in ordered:
        figure = row.figure
        verdict = _RESULT_WORDS.get(row.outcome, row.outcome)
        lines.append(
            f"| {figure.area} | {_cell(figure.name)} | {figure.count:,} {_cell(figure.unit)} "
            f"| {verdict}: {_cell(figure.observed)} |"
        )
    return "\n".join(lines)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def write_into(path: Path, text: str) -> None:
    """Replace the table between the markers in ``path`` (appended with them when absent)."""
    block = f"{START}\n{text}\n{END}"
    current = path.read_text(encoding="utf-8") if path.exists() else ""
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _match: block, current)
    else:
        updated = current.rstrip() + ("\n\n" if current else "") + block + "\n"
    path.write_text(updated, encoding="utf-8")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/resilience_report.py", description=__doc__)
    parser.add_argument("--size", choices=[s.value for s in Size], default=Size.LONG.value)
    parser.add_argument("--write", type=Path, help="Markdown file whose table to replace")
    parser.add_argument("pytest_args", nargs="*", help="more pytest arguments (e.g. -k crash)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="resilience-") as tmp:
        results = Path(tmp) / "figures.jsonl"
        status, summary = run_tests(size=Size(args.size), results=results, extra=args.pytest_args)
        recorded = read(results)
    minutes = (time.perf_counter() - started) / 60
    text = (
        table(recorded)
        + f"\n\n`python scripts/resilience_report.py --size {args.size}`: {summary} "
        f"({minutes:.0f} min on this machine)."
    )
    print(text)
    if args.write is not None:
        write_into(args.write, text)
    return status


if __name__ == "__main__":
    sys.exit(main())
