"""``make bench``: run every ``bench/*_bench.py`` that defines ``measures()`` and print one
Markdown table (``bench.common.markdown_table``) on stdout.

Modules are discovered by file name, so a benchmark that does not exist yet is simply absent;
a benchmark that fails is reported on stderr and makes the exit status non-zero, while the
others still print.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path

from bench.common import Measure, markdown_table

BENCH_DIR = Path(__file__).resolve().parent
SUFFIX = "_bench"


def discover(directory: Path = BENCH_DIR) -> list[str]:
    """Module names (``soql_bench``...) of the benchmark files present, sorted."""
    return sorted(p.stem for p in directory.glob(f"*{SUFFIX}.py"))


def load(name: str) -> Callable[[], Sequence[Measure]] | None:
    """The module's ``measures`` function, or None when it has none."""
    module = importlib.import_module(f"bench.{name}")
    measures = getattr(module, "measures", None)
    return measures if callable(measures) else None


def run(names: Sequence[str]) -> tuple[list[Measure], list[str]]:
    """Every measure of the named modules, and a report per module that failed."""
    results: list[Measure] = []
    failures: list[str] = []
    for name in names:
        started = time.perf_counter()
        try:
            measures = load(name)
            if measures is None:
                print(f"{name}: no measures() function, skipped", file=sys.stderr)
                continue
            got = list(measures())
        except Exception:
            failures.append(f"{name} failed:\n{traceback.format_exc()}")
            continue
        results.extend(got)
        print(
            f"{name}: {len(got)} measure(s) in {time.perf_counter() - started:.1f} s",
            file=sys.stderr,
            flush=True,
        )
    return results, failures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("only", nargs="*", help="run only these modules (e.g. soql_bench)")
    args = parser.parse_args(argv)
    available = discover()
    unknown = [n for n in args.only if n not in available]
    if unknown:
        parser.error(
            f"no benchmark named {', '.join(unknown)}; available: {', '.join(available) or 'none'}"
        )
    names = args.only or available
    if not names:
        print("No benchmarks found (bench/*_bench.py).", file=sys.stderr)
    measures, failures = run(names)
    print(markdown_table(measures))
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
