"""Crash safety: the portal process SIGKILLed during "Remove integration", "Restore" and a sync
batch, at random moments and just before chosen I/O boundaries; reopened, the DuckDB file (or
the PostgreSQL database) holds the old state or the new one (never a mix), nothing is lost or
written twice, the audit log says what happened, and the admin can carry on to the state an
uninterrupted run gives.

The invariants are in :mod:`tests.resilience.harness.crash`. The default run does a handful of
trials per procedure; ``RESILIENCE_SIZE=long`` (``bench/resilience_bench.py``) does hundreds.
"""

from __future__ import annotations

import pytest

from tests.resilience.harness.crash import (
    BOUNDARY_TRIALS,
    RANDOM_TRIALS,
    CampaignResult,
    CrashLab,
    Kill,
    Phase,
    Procedure,
)
from tests.resilience.harness.figures import FigureBook, sized


def describe(result: CampaignResult) -> str:
    return "\n".join(
        f"{failure.kill.label}: " + "; ".join(failure.violations) for failure in result.failures
    )


def observed(result: CampaignResult) -> str:
    phases = ", ".join(f"{count} {phase.value}" for phase, count in result.phases.items())
    return f"invariants held in all {result.trials} ({phases})"


@pytest.mark.slow
@pytest.mark.timeout(sized(300, 3600))
@pytest.mark.parametrize("engine", ["duckdb", "postgresql"])
@pytest.mark.parametrize("procedure", list(Procedure), ids=lambda p: p.name.lower())
def test_a_killed_procedure_leaves_old_or_new_state_and_can_be_finished(
    procedure: Procedure, engine: str, figures: FigureBook, request: pytest.FixtureRequest
) -> None:
    lab: CrashLab = request.getfixturevalue(
        "crash_lab" if engine == "duckdb" else "postgres_crash_lab"
    )
    result = lab.campaign(
        procedure,
        random_trials=sized(*RANDOM_TRIALS[procedure]),
        boundary_trials=sized(*BOUNDARY_TRIALS[procedure]),
    )

    assert result.ok, describe(result)
    # The first boundary is before any write and the last after the procedure returned: the
    # kills landed on both sides of the commit, so both halves of each invariant were checked.
    assert result.phases[Phase.BEFORE] >= 1
    assert result.phases[Phase.PARTIAL] + result.phases[Phase.FINISHED] >= 1
    figures.add(
        area="crash",
        name=f"{procedure.value} ({engine}): SIGKILL at random moments / before I/O "
        f"boundaries ({result.boundaries_per_run} per run)",
        count=result.trials,
        unit=f"trials ({result.random_trials} random, {result.boundary_trials} at boundaries)",
        observed=observed(result),
    )


@pytest.mark.slow
def test_a_restart_racing_salesforce_still_writing_sends_nothing_twice(
    crash_lab: CrashLab, figures: FigureBook
) -> None:
    with crash_lab.hold_first_write():
        result = crash_lab.trial(Procedure.SYNC, Kill(on_held_write=True), restart_at_once=True)

    figures.add(
        area="crash",
        name="Sync batch: killed while Salesforce is still writing its batch, portal restarted "
        "at once",
        count=1,
        unit="trial",
        observed="; ".join(result.violations[1:]) or "nothing written twice",
    )
    assert result.killed
    assert result.ok, "; ".join(result.violations)
