"""Faults from the mock org (``POST /mock-api/faults``) through the portal's services: latency
beyond the read timeout, 500/503 bursts, sessions expiring mid-procedure (renewable or not), the
API allowance exhausted, and the mock process stopped and started again.

Each fault lands in the middle of the procedure (step 1 was checked, calls are queued). Every
answer is a typed result or a ``PortalError`` with a message a person can act on; a write that
cannot happen waits in the outbox; the backup and settings are never touched. When the fault
ends, the admin carries on: the wizard's current step checks again, every queued call becomes
exactly one Task, "Remove integration" saves a backup equal to the settings and "Restore" brings
them back.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.backend import DB_FILE
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE
from mock_salesforce.store import Store
from portal.adapters.salesforce.http import Timeouts
from portal.adapters.salesforce.retries import RetryPolicy
from portal.bootstrap import Portal, build_portal
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.history import AuthEvent
from portal.domain.settings import IntegrationSettings
from portal.domain.steps import StepStatus
from portal.services.settings import SaveResult
from portal.services.sync.engine import SyncSummary
from tests.portal_over_mock import MockEndpoint, portal_config
from tests.resilience.harness.answers import Answer, ask, unclear
from tests.resilience.harness.figures import FigureBook
from tests.resilience.harness.mock_process import MockProcess, restart_mock, start_mock
from tests.resilience.harness.world import (
    ADMIN,
    SEED,
    OrgPeople,
    calls_csv,
    configured_settings,
    fault_state,
    integrate,
    set_faults,
    tasks_by_call_id,
)

QUEUED_CALLS = 12
#: Short enough that a latency fault costs seconds, long enough for a loaded CI machine.
TIMEOUTS = Timeouts(connect=2.0, read=1.0)


@dataclass(frozen=True)
class Fault:
    """A fault the mock injects, and what the portal should make of it."""

    name: str
    settings: dict[str, Any]
    #: The portal renews the session by itself: nothing fails.
    renewed: bool = False
    #: Words the person is told (in the step's message and the sync's note).
    says: str = ""


FAULTS = [
    Fault(
        "latency beyond the read timeout",
        {"latency_ms": 1600},
        says="did not answer in time",
    ),
    Fault(
        "503 burst",
        {"error_rate": 1.0, "error_status": 503},
        says="not answering properly",
    ),
    Fault(
        "500 burst",
        {"error_rate": 1.0, "error_status": 500},
        says="not answering properly",
    ),
    Fault("API allowance exhausted", {"exhaust_api": True}, says="daily API allowance"),
    Fault("session expiry mid-procedure", {"expire_sessions": True}, renewed=True),
]


@dataclass
class Scene:
    """An integrated, configured portal with calls queued, against a mock org."""

    portal: Portal
    config: PortalConfig
    people: OrgPeople
    endpoint: MockEndpoint
    settings: IntegrationSettings
    call_ids: tuple[str, ...]
    waits: list[float] = field(default_factory=list)
    answers: list[Answer] = field(default_factory=list)

    def ask(self, what: str, call: Callable[[], object]) -> Answer:
        answer = ask(what, call)
        self.answers.append(answer)
        return answer

    def secrets(self) -> list[str]:
        tokens = self.portal.storage.repositories.tokens.load()
        found = [self.config.client_secret.get_secret_value()]
        if tokens is not None:
            found.append(tokens.access_token.get_secret_value())
            if tokens.refresh_token is not None:
                found.append(tokens.refresh_token.get_secret_value())
        return found

    def unclear_answers(self) -> list[str]:
        secrets = self.secrets()
        return [p for a in self.answers if (p := unclear(a, secrets=secrets)) is not None]


def make_scene(*, endpoint: MockEndpoint, people: OrgPeople, data_dir: Path, prefix: str) -> Scene:
    config = portal_config(mock=endpoint, data_dir=data_dir)
    waits: list[float] = []
    portal = build_portal(
        config=config, retry=RetryPolicy(attempts=2, sleep=waits.append), timeouts=TIMEOUTS
    )
    assert integrate(portal=portal, config=config, user=people.integration_user).succeeded
    settings = configured_settings(people)
    portal.storage.repositories.settings.save(settings)
    call_ids, data = calls_csv(prefix=prefix, count=QUEUED_CALLS)
    portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data)
    assert portal.procedure.check(step=1).status is StepStatus.OK
    return Scene(
        portal=portal,
        config=config,
        people=people,
        endpoint=endpoint,
        settings=portal.settings.current(),
        call_ids=call_ids,
        waits=waits,
    )


@pytest.fixture
def scene(mock_server: ThreadedMockServer, tmp_path: Path) -> Iterator[Scene]:
    [org] = reset_world(mock_server.backend, seed=SEED, scenario="default", size=SMALL_SIZE)
    made = make_scene(
        endpoint=MockEndpoint.of(mock_server),
        people=OrgPeople.of(org),
        data_dir=tmp_path,
        prefix="fault-",
    )
    yield made
    made.portal.close()


def run_battery(scene: Scene) -> dict[str, Answer]:
    """The rest of the procedure while the fault holds: steps 8 and 3, a Save, a sync."""
    portal = scene.portal
    asked = [
        scene.ask("step 8 check", lambda: portal.procedure.check(step=8)),
        scene.ask("step 3 check", lambda: portal.procedure.check(step=3)),
        scene.ask(
            'Save on "Activity history assignee"',
            lambda: portal.settings.save_assignee(actor=ADMIN, settings=scene.settings.assignee),
        ),
        scene.ask("sync", lambda: portal.sync.sync_pending(actor=ADMIN)),
    ]
    return {a.what: a for a in asked}


def carry_on(scene: Scene, store_tasks: Callable[[], dict[str, list[str]]] | None) -> None:
    """After the fault: the wizard checks its current step again, the queue drains into one
    Task per call (counted by ``store_tasks`` when given), and the settings are what they
    were."""
    portal = scene.portal
    current = portal.procedure.progress().current_step
    again = scene.ask(f"step {current} check again", lambda: portal.procedure.check(step=current))
    assert not again.refused and again.value is not None
    assert again.status is not StepStatus.ERROR, again.message
    synced = scene.ask("sync after the fault", lambda: portal.sync.sync_pending(actor=ADMIN))
    assert isinstance(synced.value, SyncSummary) and synced.value.queued == 0, synced.message
    if store_tasks is not None:
        tasks = store_tasks()
        assert sorted(tasks) == sorted(scene.call_ids), "a queued call never reached Salesforce"
        assert all(len(ids) == 1 for ids in tasks.values()), "a call was written twice"
    assert portal.settings.current() == scene.settings


def remove_and_restore(scene: Scene) -> None:
    """ "Remove integration" and "Restore" end with the backup equal to the settings."""
    portal = scene.portal
    removed = scene.ask("Remove integration", lambda: portal.removal.remove(actor=ADMIN))
    assert not removed.refused, removed.message
    backup = portal.backups.latest()
    assert backup is not None
    assert (
        backup.snapshot.activity_history,
        backup.snapshot.video_history,
        backup.snapshot.assignee,
    ) == (scene.settings.activity_history, scene.settings.video_history, scene.settings.assignee)
    assert portal.storage.repositories.tokens.load() is None
    restored = scene.ask(
        "Restore", lambda: portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id)
    )
    assert not restored.refused, restored.message
    assert portal.settings.current() == scene.settings


@pytest.mark.slow
@pytest.mark.parametrize("fault", FAULTS, ids=lambda f: f.name.replace(" ", "-"))
def test_a_fault_mid_procedure_ends_in_a_message_or_a_queue_never_in_loss(
    scene: Scene, mock_server: ThreadedMockServer, fault: Fault, figures: FigureBook
) -> None:
    set_faults(scene.endpoint, **fault.settings)
    answers = run_battery(scene)
    injected = fault_state(scene.endpoint)
    set_faults(scene.endpoint)

    sync = answers["sync"].value
    assert isinstance(sync, SyncSummary)
    if fault.renewed:
        assert all(not a.refused for a in answers.values())
        assert answers["step 8 check"].status is StepStatus.OK
        assert sync.written == QUEUED_CALLS
        assert AuthEvent.REFRESHED in [e.event for e in scene.portal.history.recent()]
    else:
        for step in ("step 8 check", "step 3 check"):
            assert answers[step].status is StepStatus.ERROR
            assert fault.says in answers[step].message
        saved = answers['Save on "Activity history assignee"']
        assert isinstance(saved.value, SaveResult) and saved.value.saved
        assert "could not be asked" in saved.message  # saved unchecked, and told so
        assert sync.written == 0 and sync.queued == QUEUED_CALLS
        assert fault.says in answers["sync"].message
    assert scene.portal.settings.current() == scene.settings

    def store_tasks() -> dict[str, list[str]]:
        return tasks_by_call_id(
            store=mock_server.backend.store,
            org_id=scene.people.org_id,
            call_ids=scene.call_ids,
        )

    carry_on(scene, store_tasks)
    remove_and_restore(scene)
    assert not scene.unclear_answers()
    figures.add(
        area="faults",
        name=f"{fault.name} ({', '.join(f'{k}={v}' for k, v in fault.settings.items())})",
        count=max(injected["requests_seen"], injected["sessions_expired"]),
        unit="API requests under the fault"
        if not fault.renewed
        else "sessions expired mid-procedure",
        observed="renewed transparently, every call written once"
        if fault.renewed
        else f"clear message on every step, {QUEUED_CALLS} calls queued then written once",
    )


@pytest.mark.slow
def test_a_session_that_cannot_be_renewed_says_integrate_again_and_keeps_the_queue(
    scene: Scene, mock_server: ThreadedMockServer, figures: FigureBook
) -> None:
    # An admin revokes MiiTel's access in Setup while the procedure is under way.
    revoked = mock_server.backend.oauth.revoke_refresh_tokens(
        org_id=scene.people.org_id, app_name="MiiTel"
    )
    assert revoked >= 1

    answers = run_battery(scene)
    step1 = scene.ask("step 1 check", lambda: scene.portal.procedure.check(step=1))

    assert answers["step 8 check"].status is StepStatus.ERROR
    assert step1.status is StepStatus.ACTION_NEEDED
    for answer in (answers["step 8 check"], step1, answers["sync"]):
        assert '"Integrate"' in answer.message, answer.message
    sync = answers["sync"].value
    assert isinstance(sync, SyncSummary)
    assert sync.written == 0 and sync.queued == QUEUED_CALLS
    assert scene.portal.settings.current() == scene.settings

    # Carrying on means integrating again (step 5); then nothing queued is lost.
    again = integrate(portal=scene.portal, config=scene.config, user=scene.people.integration_user)
    assert again.succeeded, again.result.message

    def store_tasks() -> dict[str, list[str]]:
        return tasks_by_call_id(
            store=mock_server.backend.store,
            org_id=scene.people.org_id,
            call_ids=scene.call_ids,
        )

    carry_on(scene, store_tasks)
    remove_and_restore(scene)
    assert not scene.unclear_answers()
    figures.add(
        area="faults",
        name="session revoked mid-procedure (refresh token revoked in Setup)",
        count=revoked,
        unit="refresh tokens revoked",
        observed=f'"Integrate" asked for, {QUEUED_CALLS} calls queued then written once',
    )


@pytest.mark.slow
def test_the_mock_process_stopped_and_started_again_loses_nothing(
    tmp_path: Path, figures: FigureBook
) -> None:
    mock = start_mock(data_dir=tmp_path / "mock-org", seed=SEED)
    try:
        scene = make_scene(
            endpoint=mock.endpoint,
            people=OrgPeople.from_ready(mock.ready),
            data_dir=tmp_path / "portal",
            prefix="outage-",
        )
        assert mock.stop(sig=signal.SIGTERM) == 0

        down = run_battery(scene)
        step1 = scene.ask("step 1 check", lambda: scene.portal.procedure.check(step=1))

        for step in ("step 8 check", "step 3 check"):
            assert down[step].status is StepStatus.ERROR
        assert step1.status is not StepStatus.OK
        sync = down["sync"].value
        assert isinstance(sync, SyncSummary)
        assert sync.written == 0 and sync.queued == QUEUED_CALLS
        assert scene.portal.settings.current() == scene.settings

        mock = restart_mock(mock, seed=SEED)
        carry_on(scene, None)  # the Tasks are counted in the mock's own database below
        remove_and_restore(scene)
        assert not scene.unclear_answers()
        scene.portal.close()
    finally:
        if mock.running:
            mock.stop()
    tasks = _tasks_in_stopped_mock(mock, scene)
    assert sorted(tasks) == sorted(scene.call_ids)
    assert all(len(ids) == 1 for ids in tasks.values())
    figures.add(
        area="faults",
        name="mock org process stopped (SIGTERM) and started again on the same ports",
        count=1,
        unit="outage",
        observed=f"clear messages while down, {QUEUED_CALLS} calls queued then written once",
    )


def _tasks_in_stopped_mock(mock: MockProcess, scene: Scene) -> dict[str, list[str]]:
    store = Store(mock.data_dir / "mock" / DB_FILE)
    try:
        return tasks_by_call_id(store=store, org_id=scene.people.org_id, call_ids=scene.call_ids)
    finally:
        store.close()
