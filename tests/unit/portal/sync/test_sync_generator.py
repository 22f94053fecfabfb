"""Simulated calls and meetings: realistic, Japanese, the same for the same seed."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time

from portal.domain.calls import JST, Activity, CallResult
from portal.domain.sync.phones import phone_key
from portal.services.sync.simulation import MiitelUser, SimulatedActivities, simulate

NOW = datetime(2025, 5, 7, 3, 0, tzinfo=UTC)  # 12:00 in Japan
KNOWN = ("03-1234-5678", "0451234567", "090-1111-2222", "0612345678")


def _run(seed: int = 1, calls: int = 400, meetings: int = 40) -> SimulatedActivities:
    return simulate(
        seed=seed,
        calls=calls,
        meetings=meetings,
        now=NOW,
        known_numbers=KNOWN,
        users=(MiitelUser("sato@miitel.example", ""), MiitelUser("suzuki@miitel.example", "鈴木")),
    )


def test_the_same_seed_gives_the_same_activities_and_another_seed_new_ids() -> None:
    assert _run(seed=1) == _run(seed=1)
    first, other = _run(seed=1), _run(seed=2)
    assert not {c.call_id for c in first.calls} & {c.call_id for c in other.calls}
    assert len({c.call_id for c in first.calls}) == 400
    assert len({m.meeting_id for m in first.meetings}) == 40


def test_calls_vary_like_a_sales_teams() -> None:
    calls = _run().calls
    results = Counter(c.result for c in calls)
    assert all(results[r] > 10 for r in CallResult)
    assert len({c.direction for c in calls}) == 2
    connected = [c for c in calls if c.result is CallResult.CONNECTED]
    assert all(20 <= c.duration_seconds <= 1800 for c in connected)
    assert all(c.transcript and c.summary for c in connected)
    missed = [c for c in calls if c.result is CallResult.MISSED]
    assert all(c.duration_seconds <= 40 and not c.transcript for c in missed)
    assert all(c.call_url.endswith(c.call_id) for c in calls)


def test_everything_happened_in_japanese_business_hours_before_now() -> None:
    activity = _run()
    items: list[Activity] = [*activity.calls, *activity.meetings]
    for item in items:
        assert item.ended_at <= NOW
        local = item.started_at.astimezone(JST).time()
        assert time(9) <= local < time(19)


def test_about_two_thirds_reach_known_numbers_in_either_form() -> None:
    calls = _run().calls
    known_keys = {phone_key(n) for n in KNOWN}
    reaching = [c for c in calls if phone_key(c.counterpart_number) in known_keys]
    assert 0.55 <= len(reaching) / len(calls) <= 0.75
    forms = {c.counterpart_number for c in reaching}
    assert {"03-1234-5678", "0312345678"} <= forms  # the org's form and the other one


def test_mapped_users_call_and_two_unmapped_users_too() -> None:
    users = Counter(c.miitel_user for c in _run().calls)
    assert {"sato@miitel.example", "suzuki@miitel.example"} <= set(users)
    assert len(users) == 4
    names = {c.miitel_user: c.user_name for c in _run().calls}
    assert names["suzuki@miitel.example"] == "鈴木"
    assert names["sato@miitel.example"]  # a made-up name for a user given without one


def test_meetings_have_hosts_participants_and_recordings() -> None:
    for meeting in _run().meetings:
        assert meeting.host_name in meeting.participants
        assert 2 <= len(meeting.participants) <= 5
        assert meeting.recording_url.endswith(f"{meeting.meeting_id}/recording")
        assert 15 <= (meeting.ended_at - meeting.started_at).total_seconds() // 60 <= 90


def test_without_known_numbers_every_call_is_to_a_stranger() -> None:
    activity = simulate(seed=3, calls=50, meetings=0, now=NOW)
    assert all(
        phone_key(c.counterpart_number) not in {phone_key(n) for n in KNOWN} for c in activity.calls
    )
