"""The sync worker's policies: the API allowance share, a company's next turn, and the
settings from ``PORTAL_WORKER_*``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from portal.domain.config import ConfigError
from portal.domain.gateway_errors import ApiUsage
from portal.services.sync.engine import SyncSummary
from portal.worker.allowance import AllowancePolicy
from portal.worker.fairness import NextTurn, after_batch
from portal.worker.settings import WorkerSettings, worker_settings

SEEN = datetime(2025, 5, 2, tzinfo=UTC)
PAUSE = timedelta(minutes=15)


def usage(used: int, maximum: int = 1000) -> ApiUsage:
    return ApiUsage(used=used, maximum=maximum, seen_at=SEEN)


@pytest.mark.parametrize(
    ("used", "wait"), [(0, None), (799, None), (800, PAUSE), (950, PAUSE), (1000, PAUSE)]
)
def test_an_org_is_sent_to_until_it_has_used_the_workers_share(
    used: int, wait: timedelta | None
) -> None:
    policy = AllowancePolicy(share=0.8, pause=PAUSE)
    assert policy.ceiling(usage(used)) == 800
    assert policy.wait_before_sending(usage(used)) == wait


def test_an_org_whose_usage_is_unknown_is_sent_to() -> None:
    policy = AllowancePolicy(share=0.5, pause=PAUSE)
    assert policy.wait_before_sending(None) is None
    assert policy.wait_before_sending(usage(0, maximum=0)) is None


@pytest.mark.parametrize("share", [0, -0.1, 1.01])
def test_a_share_outside_zero_to_one_is_refused(share: float) -> None:
    with pytest.raises(ValueError, match="share"):
        AllowancePolicy(share=share, pause=PAUSE)


def test_the_next_turn_comes_at_once_while_more_is_due_and_not_otherwise() -> None:
    more = SyncSummary(written=200, failed_by_code={}, queued=500, more_due=True)
    done = SyncSummary(written=12, failed_by_code={}, queued=3, more_due=False)
    assert after_batch(more) == NextTurn(after=timedelta(0))
    assert after_batch(done) is None  # what waits for a retry time is the sweep's


def test_the_settings_default_to_production_values() -> None:
    settings = worker_settings({})
    assert settings == WorkerSettings()
    assert (settings.batch, settings.api_share, settings.concurrency) == (200, 0.8, 2)
    assert settings.sweep_cron == "*/1 * * * *"
    assert settings.heartbeat == timedelta(seconds=10)


def test_the_settings_come_from_the_environment() -> None:
    settings = worker_settings(
        {
            "PORTAL_WORKER_BATCH": "50",
            "PORTAL_WORKER_API_SHARE": "0.5",
            "PORTAL_WORKER_API_PAUSE_SECONDS": "120",
            "PORTAL_WORKER_SWEEP_SECONDS": "15",
            "PORTAL_WORKER_CONCURRENCY": "4",
            "PORTAL_WORKER_STALLED_SECONDS": "60",
        }
    )
    assert settings == WorkerSettings(
        batch=50,
        api_share=0.5,
        api_pause=timedelta(minutes=2),
        sweep=timedelta(seconds=15),
        concurrency=4,
        stalled_after=timedelta(minutes=1),
    )
    assert settings.sweep_cron == "* * * * * */15"
    assert worker_settings({"PORTAL_WORKER_SWEEP_SECONDS": "300"}).sweep_cron == "*/5 * * * *"


def test_every_bad_setting_is_named() -> None:
    with pytest.raises(ConfigError) as caught:
        worker_settings(
            {
                "PORTAL_WORKER_BATCH": "0",
                "PORTAL_WORKER_API_SHARE": "most",
                "PORTAL_WORKER_SWEEP_SECONDS": "7",
            }
        )
    assert [p.key for p in caught.value.problems] == [
        "PORTAL_WORKER_BATCH",
        "PORTAL_WORKER_API_SHARE",
        "PORTAL_WORKER_SWEEP_SECONDS",
    ]
