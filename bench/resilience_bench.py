"""Crash safety, the long run: "Remove integration", "Restore" and a sync batch, each killed
(SIGKILL) hundreds of times at random moments and before every I/O boundary of its run, then
reopened and checked (``tests/resilience/harness/crash.py`` has the invariants).

``python -m bench.resilience_bench`` prints one Markdown row per procedure: trials, how the
kills fell (nothing committed / committed with the follow-up cut off / finished), and how many
broke an invariant. ``--trials`` and ``--sync-trials`` set the random kills. ``make bench``
runs a shorter campaign through :func:`measures` (invariants held in N of N trials).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.common import Measure
from mock_salesforce import ThreadedMockServer
from tests.resilience.harness.crash import (
    BOUNDARY_TRIALS,
    RANDOM_TRIALS,
    CampaignResult,
    CrashLab,
    Phase,
    Procedure,
    TrialResult,
)

#: Random kills per procedure in the long run (the README's figures; the same as
#: ``RESILIENCE_SIZE=long`` of tests/resilience/test_resilience_crash.py).
LONG_TRIALS = RANDOM_TRIALS[Procedure.REMOVE][1]
LONG_SYNC_TRIALS = RANDOM_TRIALS[Procedure.SYNC][1]


@dataclass(frozen=True)
class CampaignPlan:
    procedure: Procedure
    random_trials: int
    boundary_trials: int | None


def long_plan(
    *, trials: int = LONG_TRIALS, sync_trials: int = LONG_SYNC_TRIALS
) -> list[CampaignPlan]:
    """Every boundary of Remove and Restore, some spread over a sync batch's hundreds."""
    return [
        CampaignPlan(Procedure.REMOVE, trials, BOUNDARY_TRIALS[Procedure.REMOVE][1]),
        CampaignPlan(Procedure.RESTORE, trials, BOUNDARY_TRIALS[Procedure.RESTORE][1]),
        CampaignPlan(Procedure.SYNC, sync_trials, BOUNDARY_TRIALS[Procedure.SYNC][1]),
    ]


class _Progress:
    """Tells stderr about every 25th trial and every trial that broke an invariant."""

    def __init__(self, procedure: Procedure, *, verbose: bool) -> None:
        self.procedure = procedure
        self.verbose = verbose
        self.done = 0

    def __call__(self, trial: TrialResult) -> None:
        self.done += 1
        if self.verbose and (self.done % 25 == 0 or not trial.ok):
            state = "ok" if trial.ok else "BROKE: " + "; ".join(trial.violations)
            print(
                f"{self.procedure.value}: trial {self.done} ({trial.kill.label}) {state}",
                file=sys.stderr,
                flush=True,
            )


def run_campaigns(plans: Sequence[CampaignPlan], *, verbose: bool = True) -> list[CampaignResult]:
    """Each plan against one mock org in this process (a fresh DuckDB file per trial)."""
    results = []
    with ThreadedMockServer() as server, tempfile.TemporaryDirectory(prefix="crash-") as tmp:
        lab = CrashLab(server=server, workdir=Path(tmp))
        for plan in plans:
            started = time.perf_counter()
            progress = _Progress(plan.procedure, verbose=verbose)
            result = lab.campaign(
                plan.procedure,
                random_trials=plan.random_trials,
                boundary_trials=plan.boundary_trials,
                on_trial=progress,
            )
            if verbose:
                print(
                    f"{plan.procedure.value}: {result.trials} trials in "
                    f"{time.perf_counter() - started:.0f} s",
                    file=sys.stderr,
                    flush=True,
                )
            results.append(result)
    return results


def table(results: Sequence[CampaignResult]) -> str:
    """One Markdown row per procedure."""
    lines = [
        "| crash point | trials | random kills | boundary kills (of per run) | nothing committed "
        "| committed, follow-up cut off | finished | invariants broken |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        lines.append(
            f"| {r.procedure.value} | {r.trials} | {r.random_trials} | {r.boundary_trials} "
            f"({r.boundaries_per_run}) | {r.phases[Phase.BEFORE]} | {r.phases[Phase.PARTIAL]} "
            f"| {r.phases[Phase.FINISHED]} | {len(r.failures)} |"
        )
    return "\n".join(lines)


def measures() -> list[Measure]:
    """``make bench``: a shorter campaign; the figure is the trials whose invariants held,
    the anchor the trials run (goal: all of them)."""
    plans = [
        CampaignPlan(Procedure.REMOVE, 30, None),
        CampaignPlan(Procedure.RESTORE, 30, None),
        CampaignPlan(Procedure.SYNC, 10, 15),
    ]
    return [
        Measure(
            name=f"SIGKILL during {r.procedure.value}: trials with invariants held",
            figure=float(r.trials - len(r.failures)),
            unit="trials",
            anchor_name="trials run",
            anchor=float(r.trials),
            goal="= 1.00x",
            met=r.ok,
        )
        for r in run_campaigns(plans, verbose=False)
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.resilience_bench", description=__doc__)
    parser.add_argument(
        "--trials", type=int, default=LONG_TRIALS, help="random kills of Remove and Restore"
    )
    parser.add_argument(
        "--sync-trials", type=int, default=LONG_SYNC_TRIALS, help="random kills of a sync batch"
    )
    args = parser.parse_args(argv)
    results = run_campaigns(long_plan(trials=args.trials, sync_trials=args.sync_trials))
    print(table(results))
    for result in results:
        for failure in result.failures:
            print(
                f"{result.procedure.value}, {failure.kill.label}: " + "; ".join(failure.violations),
                file=sys.stderr,
            )
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
