"""The portal storage as the services use it (token slots, procedure progress, check findings,
login failures, units of work over all of them, the wipe of everything the sync holds too), in
memory and in a DuckDB file."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from portal_storage_support import START

from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher, generate_key
from portal.adapters.db import Database
from portal.adapters.postgres import PostgresDatabase
from portal.adapters.postgres_storage import PostgresPortalStorage
from portal.adapters.storage import DuckDbPortalStorage, InMemoryPortalStorage
from portal.domain.oauth import TokenSet
from portal.domain.ports import Finding, PortalStorage, ProgressEntry
from portal.domain.secret import SecretStr
from portal.domain.settings import BasicSettings, IntegrationSettings
from portal.domain.steps import StepStatus
from portal.domain.tenancy import HOME_COMPANY
from portal.services.sync.simulation import simulate

# Any slot names but the integrated connection's; these are the ones the services use.
CHECK_SLOT = "check"
REVOKE_PREFIX = "revoke:"


@pytest.fixture(params=["memory", "duckdb", "postgresql"])
def portal_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[PortalStorage]:
    clock = FixedClock(START)
    if request.param == "memory":
        yield InMemoryPortalStorage(clock=clock)
        return
    if request.param == "postgresql":
        postgres = PostgresPortalStorage(
            database=PostgresDatabase(
                company_id=HOME_COMPANY, url=request.getfixturevalue("postgres_url")
            ),
            cipher=TokenCipher(generate_key()),
            clock=clock,
        )
        yield postgres
        postgres.close()
        return
    store = DuckDbPortalStorage(
        database=Database(path=tmp_path / "portal.duckdb"),
        cipher=TokenCipher(generate_key()),
        clock=clock,
    )
    yield store
    store.close()


def _tokens(n: int, *, minutes: int = 0) -> TokenSet:
    return TokenSet(
        access_token=SecretStr(f"access-{n}"),
        refresh_token=SecretStr(f"refresh-{n}"),
        instance_url="https://acme.my.salesforce.com",
        org_id="00D000000000001AAA",
        user_id="005000000000001AAA",
        issued_at=START + timedelta(minutes=minutes),
    )


def test_token_slots_hold_tokens_apart_from_the_integration(portal_storage: PortalStorage) -> None:
    slots = portal_storage.repositories.token_slots
    slots.save(CHECK_SLOT, _tokens(1))
    slots.save(f"{REVOKE_PREFIX}b", _tokens(3, minutes=2))
    slots.save(f"{REVOKE_PREFIX}a", _tokens(2, minutes=1))

    assert slots.load(CHECK_SLOT) == _tokens(1)
    assert portal_storage.repositories.tokens.load() is None
    assert slots.slots(prefix=REVOKE_PREFIX) == [f"{REVOKE_PREFIX}a", f"{REVOKE_PREFIX}b"]
    assert slots.clear(CHECK_SLOT) is True and slots.clear(CHECK_SLOT) is False
    with pytest.raises(ValueError):
        slots.save("current", _tokens(4))


def test_tokens_in_slots_are_encrypted_at_rest(tmp_path: Path) -> None:
    path = tmp_path / "portal.duckdb"
    store = DuckDbPortalStorage(
        database=Database(path=path), cipher=TokenCipher(generate_key()), clock=FixedClock(START)
    )
    store.repositories.token_slots.save(CHECK_SLOT, _tokens(7))
    store.database.checkpoint()
    store.close()
    raw = path.read_bytes()
    assert b"access-7" not in raw and b"refresh-7" not in raw


def test_progress_is_kept_per_step_and_cleared_after_a_step(portal_storage: PortalStorage) -> None:
    progress = portal_storage.repositories.progress
    for step in (1, 2, 5):
        progress.record(
            ProgressEntry(
                step=step,
                status=StepStatus.OK,
                message=f"step {step}",
                updated_at=START,
                updated_by="alice",
                branch="3-1" if step == 2 else None,
                next_step=step + 1,
            )
        )
    progress.record(
        ProgressEntry(
            step=1, status=StepStatus.ERROR, message="again", updated_at=START, updated_by=""
        )
    )
    assert progress.all()[1].status is StepStatus.ERROR
    assert progress.all()[2].branch == "3-1"
    progress.clear(after=2)
    assert sorted(progress.all()) == [1, 2]
    progress.clear()
    assert progress.all() == {}


def test_findings_and_login_failures(portal_storage: PortalStorage) -> None:
    repos = portal_storage.repositories
    repos.findings.put(Finding("check_refusal", '{"kind": "app_blocked"}', START))
    found = repos.findings.get("check_refusal")
    assert found is not None and found.value == '{"kind": "app_blocked"}'
    assert repos.findings.delete("check_refusal") and repos.findings.get("check_refusal") is None

    failures = repos.login_failures
    failures.add(username="alice", client_key="c1", at=START)
    failures.add(username="bob", client_key="c1", at=START + timedelta(minutes=1))
    assert failures.times_since(since=START, client_key="c1") == [
        START,
        START + timedelta(minutes=1),
    ]
    assert failures.times_since(since=START + timedelta(seconds=1), username="alice") == []
    failures.forget(username="alice")
    assert failures.times_since(since=START, username="alice") == []


def test_a_unit_of_work_is_all_or_nothing_for_every_table(portal_storage: PortalStorage) -> None:
    changed = IntegrationSettings(basic=BasicSettings(turn_off_contact_retrieval=True))
    with portal_storage.unit_of_work() as uow:
        uow.settings.save(changed)
        uow.token_slots.save(CHECK_SLOT, _tokens(1))
        uow.findings.put(Finding("x", "y", START))
        # left without commit: everything is undone

    assert portal_storage.repositories.settings.load() == IntegrationSettings.default()
    assert portal_storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert portal_storage.repositories.findings.get("x") is None

    with portal_storage.unit_of_work() as uow:
        uow.settings.save(changed)
        uow.token_slots.save(CHECK_SLOT, _tokens(1))
        uow.commit()
    assert portal_storage.repositories.settings.load() == changed
    assert portal_storage.repositories.token_slots.load(CHECK_SLOT) == _tokens(1)


def test_wipe_empties_everything(portal_storage: PortalStorage) -> None:
    portal_storage.repositories.settings.save(
        IntegrationSettings(basic=BasicSettings(turn_off_contact_retrieval=True))
    )
    portal_storage.repositories.tokens.save(_tokens(1))
    portal_storage.repositories.token_slots.save(CHECK_SLOT, _tokens(2))
    activity = simulate(seed=1, calls=2, meetings=1, now=START)
    portal_storage.sync.enqueue([*activity.calls, *activity.meetings], now=START)
    portal_storage.wipe()
    assert portal_storage.repositories.settings.load() == IntegrationSettings.default()
    assert portal_storage.repositories.tokens.load() is None
    assert portal_storage.repositories.token_slots.load(CHECK_SLOT) is None
    assert portal_storage.sync.inbox_size() == 0
    assert portal_storage.sync.counts() == []


def test_wipe_keeps_each_users_language(portal_storage: PortalStorage) -> None:
    """A demo reset returns the org and the procedure to the start, not the people's choices."""
    portal_storage.repositories.preferences.set_language("admin", "ja", at=START)
    portal_storage.wipe()
    assert portal_storage.repositories.preferences.language_of("admin") == "ja"
