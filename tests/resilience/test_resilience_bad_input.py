"""Bad input to the portal: random strings in the settings tabs (field names, Subject templates,
usernames), random CSV files, a damaged or hand-edited backup row in DuckDB, and tampered OAuth
callbacks (wrong or replayed ``state``, a missing or foreign ``code``, another org).

Each gets a specific message (a typed result or a ``PortalError``, never another exception)
and changes nothing it should not: a refused Save leaves the settings as they were, a refused
import queues nothing, a refused restore writes nothing, a refused callback keeps the
integration as it was.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mock_salesforce import ThreadedMockServer
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg
from portal.adapters.storage import DuckDbPortalStorage
from portal.bootstrap import Portal, build_portal
from portal.domain.audit import AuditAction, AuditOutcome
from portal.domain.calls import CALL_CSV_COLUMNS, ActivityKind
from portal.domain.config import PortalConfig
from portal.domain.gateway_errors import OAuthFailure
from portal.domain.restore import restore_from_backup
from portal.domain.settings import (
    ActivityHistorySettings,
    ActivityTiming,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    MeetingDataItem,
    TaskStatus,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)
from portal.domain.steps import StepStatus
from portal.domain.validation import validate_settings
from portal.services.errors import PortalError
from portal.services.integration import CallbackKind, WrongOrgPolicy
from portal.services.settings import SaveResult
from portal.services.sync.service import CsvImportResult
from tests.portal_over_mock import MockEndpoint, guarded_server, portal_config
from tests.resilience.harness.answers import Answer, ask, unclear
from tests.resilience.harness.figures import FigureBook, sized
from tests.resilience.harness.world import (
    ADMIN,
    SEED,
    authorize_params,
    configured_settings,
    edited_settings,
    integrate,
)

#: What people paste into a form when they try to break out of a SOQL string or a template.
INJECTIONS: Final = (
    "' OR Name != '",
    "x' OR Username LIKE '%",
    "\\' OR 1=1 --",
    "a@b.co' OR IsActive = false OR Username = '",
    "%",
    "_",
    "\\",
    "'; DELETE FROM Task; --",
    "{__class__.__mro__}",
    "\x00",
    "😀",
    "Ｎａｍｅ",
    "x" * 300,
)


def _fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


@dataclass(frozen=True)
class World:
    server: ThreadedMockServer
    endpoint: MockEndpoint
    orgs: list[SeededOrg]


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with guarded_server() as server:
        orgs = reset_world(server.backend, seed=SEED, scenario="second-org", size=SMALL_SIZE)
        yield World(server=server, endpoint=MockEndpoint.of(server), orgs=orgs)


def open_portal(
    world: World,
    directory: Path,
    *,
    integrated: bool,
    policy: WrongOrgPolicy = WrongOrgPolicy.CONFIRM,
) -> tuple[Portal, PortalConfig]:
    config = portal_config(mock=world.endpoint, data_dir=directory)
    portal = build_portal(config=config, wrong_org_policy=policy)
    if integrated:
        outcome = integrate(portal=portal, config=config, user=world.orgs[0].integration_user)
        assert outcome.succeeded, outcome.result.message
    return portal, config


# --- settings tabs --------------------------------------------------------------------------

_REAL_FIELDS = ("Description", "CallType", "CallDurationInSeconds", "MiiTel_Memo__c")
_FIELD_NAMES = st.one_of(
    st.sampled_from([*_REAL_FIELDS, *INJECTIONS, "", " ", "Id", "OwnerId", "Owner.Name"]),
    st.text(max_size=50),
)
_SUBJECT_PARTS = st.sampled_from(
    ["{direction}", "{counterpart}", "{user}", "{title}", "{host}", "{", "}", "{0}", "{}",
     "{direction!r}", "{direction:>999999999}", "{user.__class__}", "{{", "}}", "call ",
     "{evil}", "\x00", "\n", *INJECTIONS]
)  # fmt: skip
_SUBJECTS = st.one_of(st.text(max_size=80), st.lists(_SUBJECT_PARTS, max_size=6).map("".join))


def _usernames(org: SeededOrg) -> st.SearchStrategy[str]:
    known = [u.username for u in org.users]
    return st.one_of(
        st.sampled_from([*known, *INJECTIONS, "", "a@b", "ＡＢＣ@例え.jp", "inactive@x.example"]),
        st.emails(),
        st.text(max_size=40),
    )


def _activity_settings() -> st.SearchStrategy[ActivityHistorySettings]:
    return st.builds(
        lambda enabled, timing, subject, status, mappings: ActivityHistorySettings(
            enabled=enabled,
            timing=timing,
            todo=TodoObjectSettings(
                subject=subject, status=status, field_mappings=FieldMappings.of(mappings)
            ),
        ),
        st.booleans(),
        st.sampled_from(list(ActivityTiming)),
        _SUBJECTS,
        st.sampled_from(list(TaskStatus)),
        st.dictionaries(st.sampled_from(list(CallDataItem)), _FIELD_NAMES, max_size=4),
    )


def _video_settings() -> st.SearchStrategy[VideoHistorySettings]:
    return st.builds(
        lambda enabled, subject, mappings: VideoHistorySettings(
            enabled=enabled, subject=subject, field_mappings=FieldMappings.of(mappings)
        ),
        st.booleans(),
        _SUBJECTS,
        st.dictionaries(st.sampled_from(list(MeetingDataItem)), _FIELD_NAMES, max_size=4),
    )


def _assignee_settings(org: SeededOrg) -> st.SearchStrategy[AssigneeSettings]:
    miitel_users = st.one_of(st.emails(), st.sampled_from(["", " ", *INJECTIONS]))
    return st.builds(
        lambda mappings, default, rule: AssigneeSettings.from_mapping(
            user_mappings=mappings, default_owner_username=default, unmapped_rule=rule
        ),
        st.dictionaries(miitel_users, _usernames(org), max_size=3),
        st.none() | _usernames(org),
        st.sampled_from(list(UnmappedRule)),
    )


_AREAS: Final = ("activity_history", "video_history", "assignee")


def _check_save(portal: Portal, area: str, value: object) -> Answer:
    """Save one tab: saved exactly as given with nothing else changed, or refused with each
    problem named and nothing changed at all."""
    before = portal.settings.current()
    save = getattr(portal.settings, f"save_{area}")
    answer = ask(f"Save {area}", lambda: save(actor=ADMIN, settings=value))
    assert not answer.refused, answer.message
    result = answer.value
    assert isinstance(result, SaveResult)
    after = portal.settings.current()
    if result.saved:
        assert not result.problems
        assert getattr(after, area) == value
        assert replace(after, **{area: getattr(before, area)}) == before
    else:
        assert result.problems, "refused without saying why"
        assert after == before, "a refused Save changed the settings"
        for problem in result.problems:
            assert problem.area.value == area and problem.setting and problem.message
    assert unclear(answer) is None, unclear(answer)
    return answer


@pytest.mark.slow
@pytest.mark.parametrize("integrated", [False, True], ids=["not-integrated", "integrated"])
def test_random_settings_are_saved_exactly_or_refused_with_nothing_changed(
    world: World, tmp_path: Path, integrated: bool, figures: FigureBook
) -> None:
    portal, _ = open_portal(world, tmp_path, integrated=integrated)
    org = world.orgs[0]
    counts = {"saved": 0, "refused": 0}
    values = st.one_of(
        st.tuples(st.just("activity_history"), _activity_settings()),
        st.tuples(st.just("video_history"), _video_settings()),
        st.tuples(st.just("assignee"), _assignee_settings(org)),
    )
    try:

        @_fuzz_settings(sized(40, 600) if not integrated else sized(15, 200))
        @given(choice=values)
        def check(choice: tuple[str, object]) -> None:
            area, value = choice
            answer = _check_save(portal, area, value)
            saved = isinstance(answer.value, SaveResult) and answer.value.saved
            counts["saved" if saved else "refused"] += 1

        check()
    finally:
        portal.close()
    assert counts["saved"] and counts["refused"], counts  # both branches were exercised
    figures.add(
        area="fuzz",
        name="portal: random field names, Subject templates and usernames saved through the "
        + ("services, checked against the org" if integrated else "services (not integrated)"),
        count=sum(counts.values()),
        unit="Saves",
        observed=f"{counts['saved']} saved exactly, {counts['refused']} refused per field with "
        "nothing changed",
    )


# --- CSV import -----------------------------------------------------------------------------

_CSV_VALUES: Final[dict[str, st.SearchStrategy[str]]] = {
    "call_id": st.from_regex(r"[a-z0-9-]{1,14}", fullmatch=True) | st.text(max_size=10),
    "direction": st.sampled_from(["inbound", "outbound", "着信", "発信", "IN", "sideways", ""]),
    "result": st.sampled_from(["connected", "missed", "voicemail", "応答", "不在", "x", ""]),
    "started_at": st.one_of(
        st.datetimes(
            min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
        ).map(lambda d: d.isoformat()),
        st.sampled_from(["2024-01-01 09:00", "2024-02-30 10:00", "yesterday", "", "0"]),
    ),
    "ended_at": st.sampled_from(
        ["2024-01-01 09:05", "2023-12-31 23:00", "2024-01-01T00:10:00+09:00", "", "soon"]
    ),
    "miitel_user": st.emails() | st.sampled_from(["", *INJECTIONS]),
    "counterpart_number": st.sampled_from(
        ["03-1234-5678", "+81 90 1234 5678", "０３１２３４５６７８", "", "abc", "1" * 40]
    )
    | st.text(max_size=15),
    "call_url": st.sampled_from(
        ["https://miitel.example/c/1", "javascript:alert(1)", "ftp://x", ""]
    ),
    "memo": st.text(max_size=60),
    "transcript": st.text(max_size=60),
}
_HEADER_NAMES = [c.name for c in CALL_CSV_COLUMNS]


@st.composite
def _valid_row(draw: st.DrawFn) -> dict[str, str]:
    started = draw(
        st.datetimes(
            min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC)
        )
    )
    return {
        "call_id": draw(st.uuids()).hex,
        "direction": draw(st.sampled_from(["inbound", "outbound", "着信", "発信"])),
        "result": draw(st.sampled_from(["connected", "missed", "voicemail"])),
        "started_at": started.isoformat(),
        "ended_at": (started + timedelta(seconds=draw(st.integers(0, 7200)))).isoformat(),
        "miitel_user": draw(st.emails()),
        "counterpart_number": draw(st.sampled_from(["03-1234-5678", "+81 90 1234 5678"])),
        "memo": draw(st.text(max_size=40)),
    }


@st.composite
def _csv_files(draw: st.DrawFn) -> tuple[bytes, int]:
    """A CSV file (bytes) and how many data rows it has: often all valid, often partly
    wrong, sometimes not a CSV file at all."""
    # Hypothesis favours small choices: the small choice is always the well-formed one.
    if draw(st.integers(0, 9)) == 9:
        return draw(st.binary(max_size=300)), 0
    if not draw(st.booleans()):
        columns = [*_HEADER_NAMES[:7], "memo"]
    else:
        columns = draw(
            st.lists(
                st.sampled_from([*_HEADER_NAMES, "extra", "CALL_ID", " started_at "]),
                min_size=1,
                max_size=12,
            )
        )
    rows = draw(st.integers(0, 12))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    for _ in range(rows):
        valid = draw(_valid_row())
        cells = [
            valid[c]
            if c in valid and draw(st.integers(0, 19)) < 19
            else draw(_CSV_VALUES.get(c.strip().lower(), st.text(max_size=10)))
            for c in columns
        ]
        if draw(st.integers(0, 7)) == 7:
            kept = draw(st.integers(0, len(cells)))
            cells = cells[:kept] + ["surplus"] * draw(st.integers(0, 2))
        writer.writerow(cells)
    encoding = draw(st.sampled_from(["utf-8", "utf-8-sig", "cp932"]))
    return out.getvalue().encode(encoding, errors="replace"), rows


def _queued(portal: Portal) -> int:
    calls = portal.sync.status().calls
    return calls.pending + calls.sending + calls.written + calls.failed


@pytest.mark.slow
def test_random_csv_files_import_exactly_the_valid_rows_or_nothing(
    world: World, tmp_path: Path, figures: FigureBook
) -> None:
    portal, _ = open_portal(world, tmp_path, integrated=False)
    outcomes = {"imported": 0, "refused": 0, "empty": 0}
    try:

        @_fuzz_settings(sized(60, 1500))
        @given(file=_csv_files(), partial=st.booleans())
        def check(file: tuple[bytes, int], partial: bool) -> None:
            data, rows = file
            before = _queued(portal)
            answer = ask(
                "import",
                lambda: portal.sync.import_csv(
                    actor=ADMIN, kind=ActivityKind.CALL, data=data, partial=partial
                ),
            )
            assert unclear(answer) is None, unclear(answer)
            if answer.refused:
                assert _queued(portal) == before
                outcomes["refused"] += 1
                return
            result = answer.value
            assert isinstance(result, CsvImportResult)
            assert _queued(portal) - before == result.imported
            if result.problems and not partial:
                assert result.imported == 0, "a file with bad rows imported some of them"
            assert result.imported + len(result.already_known) <= result.rows_read
            for problem in result.problems:
                assert problem.message
                assert 1 <= problem.line <= rows + 2, (problem, rows)
            kind = "imported" if result.imported else "refused" if result.problems else "empty"
            outcomes[kind] += 1

        check()
    finally:
        portal.close()
    assert outcomes["imported"] and outcomes["refused"], outcomes
    figures.add(
        area="fuzz",
        name="portal: random CSV files imported (headers, values, encodings, garbage bytes)",
        count=sum(outcomes.values()),
        unit="files",
        observed=f"{outcomes['imported']} imported exactly their valid rows, "
        f"{outcomes['refused']} refused with a message per row and nothing queued, "
        f"{outcomes['empty']} without rows",
    )


# --- damaged or hand-edited backups ---------------------------------------------------------


@dataclass
class BackupBench:
    """A removed portal: its one backup row, and the settings edited since."""

    portal: Portal
    backup_id: int
    payload: str
    settings: IntegrationSettings

    @property
    def storage(self) -> DuckDbPortalStorage:
        storage = self.portal.storage
        assert isinstance(storage, DuckDbPortalStorage)
        return storage

    def store(self, payload: str) -> None:
        """Hand-edit the backup row, and put the settings back to the edited ones."""
        self.storage.database.execute(
            "UPDATE backups SET payload = ? WHERE id = ?", [payload, self.backup_id]
        )
        self.portal.storage.repositories.settings.save(self.settings)

    def row(self) -> str:
        [(payload,)] = self.storage.database.execute(
            "SELECT payload FROM backups WHERE id = ?", [self.backup_id]
        )
        return str(payload)

    def restores(self) -> int:
        return sum(
            1
            for e in self.portal.audit.recent(limit=500)
            if e.action is AuditAction.RESTORE_SETTINGS and e.outcome is AuditOutcome.SUCCEEDED
        )


@pytest.fixture
def backup_bench(world: World, tmp_path: Path) -> Iterator[BackupBench]:
    portal, _ = open_portal(world, tmp_path, integrated=True)
    org = world.orgs[0]
    portal.storage.repositories.settings.save(configured_settings(org))
    removed = portal.removal.remove(actor=ADMIN)
    assert removed.backup is not None
    portal.storage.repositories.settings.save(edited_settings(org))
    bench = BackupBench(
        portal=portal,
        backup_id=removed.backup.id,
        payload=BackupBench(portal, removed.backup.id, "", edited_settings(org)).row(),
        settings=portal.settings.current(),
    )
    yield bench
    portal.close()


def _edit(payload: str, change: Any) -> str:
    document = json.loads(payload)
    change(document)
    return json.dumps(document)


def _set(path: tuple[str, ...], value: object) -> Any:
    def change(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _drop(path: tuple[str, ...]) -> Any:
    def change(document: dict[str, Any]) -> None:
        target = document
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return change


AH = ("settings", "activity_history")
DAMAGES: Final[dict[str, tuple[Any, str]]] = {
    "not JSON": (lambda p: "garbage{", "not valid JSON"),
    "truncated": (lambda p: p[: len(p) // 2], "not valid JSON"),
    "empty": (lambda p: "", "not valid JSON"),
    "JSON but not a backup": (lambda p: "[1, 2, 3]", "not a complete backup"),
    "newer format version": (lambda p: _edit(p, _set(("format_version",), 99)), "version 99"),
    "unknown format": (lambda p: _edit(p, _set(("format",), "other")), "not a complete backup"),
    "area missing": (lambda p: _edit(p, _drop(("settings", "assignee"))), "assignee"),
    "unknown status": (
        lambda p: _edit(p, _set((*AH, "todo", "status"), "finished")),
        '"finished"',
    ),
    "wrong type": (lambda p: _edit(p, _set((*AH, "enabled"), "yes")), "true or false"),
    "taken_at without zone": (
        lambda p: _edit(p, _set(("taken_at",), "2024-01-01T00:00:00")),
        "time zone",
    ),
    "hand-edited Subject with unknown placeholders": (
        lambda p: _edit(p, _set((*AH, "todo", "subject"), "{evil} {__class__}")),
        "unknown placeholders",
    ),
    "hand-edited field name": (
        lambda p: _edit(p, _set((*AH, "todo", "field_mappings", "memo"), "Memo'; DROP")),
        "not a field API name",
    ),
    "hand-edited owner username": (
        lambda p: _edit(
            p, _set(("settings", "assignee", "default_owner_username"), "' OR Name != '")
        ),
        "not a Salesforce username",
    ),
}


@pytest.mark.parametrize("damage", list(DAMAGES), ids=lambda d: d.replace(" ", "-"))
def test_a_damaged_or_hand_edited_backup_is_refused_with_a_specific_message(
    backup_bench: BackupBench, damage: str
) -> None:
    corrupt, says = DAMAGES[damage]
    payload = corrupt(backup_bench.payload)
    backup_bench.store(payload)
    portal = backup_bench.portal

    restored = ask(
        "Restore",
        lambda: portal.restore.restore(actor=ADMIN, expected_backup_id=backup_bench.backup_id),
    )
    step7 = ask("step 7 check", lambda: portal.procedure.check(step=7))

    assert restored.refused, restored.message
    assert says in restored.message, restored.message
    assert "nothing was restored" in restored.message.lower() or "backup" in restored.message
    assert unclear(restored) is None, unclear(restored)
    assert portal.settings.current() == backup_bench.settings
    assert backup_bench.row() == payload, "refusing a restore changed the backup"
    assert backup_bench.restores() == 0
    # The wizard says so at step 7 too (a result to show, not a failure of the page).
    assert not step7.refused or step7.message
    if not step7.refused:
        assert step7.status in (StepStatus.ERROR, StepStatus.ACTION_NEEDED)


@pytest.mark.slow
def test_randomly_edited_backups_restore_valid_settings_or_nothing(
    backup_bench: BackupBench, figures: FigureBook
) -> None:
    genuine = json.loads(backup_bench.payload)
    leaves = list(_leaf_paths(genuine))
    outcomes = {"restored": 0, "refused": 0}
    portal = backup_bench.portal
    # Plausible edits (what a person would type) as often as plain damage.
    plausible = st.sampled_from(
        ["Description", "CallType", "MiiTel_Memo__c", "{direction} call", "[MiiTel] {title}",
         "admin@acme-japan.example", "after_call_end", "open", "completed", True, False]
    )  # fmt: skip
    values = st.one_of(
        plausible, plausible, st.none(), st.booleans(), st.integers(), st.text(max_size=30),
        st.sampled_from(list(INJECTIONS)), st.lists(st.text(max_size=5), max_size=2),
        st.dictionaries(st.text(max_size=5), st.text(max_size=5), max_size=2),
    )  # fmt: skip

    @_fuzz_settings(sized(40, 800))
    @given(
        edits=st.lists(
            st.tuples(st.sampled_from(leaves), st.sampled_from(["set", "drop"]), values),
            min_size=1,
            max_size=3,
        )
    )
    def check(edits: list[tuple[tuple[str, ...], str, object]]) -> None:
        document = json.loads(backup_bench.payload)
        for path, how, value in edits:
            try:
                (_set(path, value) if how == "set" else _drop(path))(document)
            except (KeyError, TypeError):
                assume(False)  # an earlier edit removed or replaced the parent
        payload = json.dumps(document)
        backup_bench.store(payload)
        before = backup_bench.restores()
        answer = ask(
            "Restore",
            lambda: portal.restore.restore(actor=ADMIN, expected_backup_id=backup_bench.backup_id),
        )
        assert unclear(answer) is None, unclear(answer)
        assert backup_bench.row() == payload
        if answer.refused:
            assert portal.settings.current() == backup_bench.settings
            assert backup_bench.restores() == before
            outcomes["refused"] += 1
            return
        restored = portal.settings.current()
        assert not validate_settings(restored), "a restore wrote settings Save would refuse"
        latest = portal.backups.latest()
        assert latest is not None
        expected = restore_from_backup(current=backup_bench.settings, backup=latest.snapshot)
        assert restored == expected.settings
        assert backup_bench.restores() == before + 1
        outcomes["restored"] += 1

    check()
    assert outcomes["refused"], outcomes
    figures.add(
        area="fuzz",
        name="portal: randomly edited backup rows in DuckDB restored",
        count=sum(outcomes.values()),
        unit="edited backups",
        observed=f"{outcomes['refused']} refused with a specific message and nothing changed, "
        f"{outcomes['restored']} still-valid edits restored exactly",
    )


def _leaf_paths(node: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    if isinstance(node, dict) and node:
        for key, value in node.items():
            yield from _leaf_paths(value, (*path, key))
    else:
        yield path


# --- tampered OAuth callbacks -----------------------------------------------------------------


@dataclass(frozen=True)
class Held:
    """What a refused callback must leave as it was."""

    access_token: str | None
    settings: IntegrationSettings
    backups: tuple[int, ...]


def held(portal: Portal) -> Held:
    tokens = portal.storage.repositories.tokens.load()
    return Held(
        access_token=tokens.access_token.get_secret_value() if tokens else None,
        settings=portal.settings.current(),
        backups=tuple(b.id for b in portal.backups.history()),
    )


@pytest.fixture
def callback_bench(world: World, tmp_path: Path) -> Iterator[tuple[Portal, PortalConfig]]:
    portal, config = open_portal(world, tmp_path, integrated=True)
    portal.storage.repositories.settings.save(configured_settings(world.orgs[0]))
    yield portal, config
    portal.close()


def _tamper(
    world: World, portal: Portal, config: PortalConfig, how: str
) -> tuple[dict[str, str], OAuthFailure | None]:
    """Callback parameters tampered ``how``, and the failure the portal should name."""
    user = world.orgs[0].integration_user
    genuine = authorize_params(portal=portal, config=config, user=user)
    if how == "wrong state":
        return {**genuine, "state": "forged-state"}, OAuthFailure.STATE_MISMATCH
    if how == "missing state":
        # Without a state it cannot be the portal's sign-in (RFC 6749 §10.12).
        return {"code": genuine["code"]}, OAuthFailure.STATE_MISMATCH
    if how == "missing code":
        return {"state": genuine["state"]}, OAuthFailure.CALLBACK_INVALID
    if how == "forged code":
        return {**genuine, "code": "aPrx" + "A" * 40}, OAuthFailure.INVALID_GRANT
    if how == "code of another sign-in":
        other = authorize_params(portal=portal, config=config, user=user)
        # The code is bound to the other request's PKCE verifier.
        return {"code": other["code"], "state": genuine["state"]}, OAuthFailure.INVALID_GRANT
    if how == "code and error together":
        return {**genuine, "error": "access_denied"}, OAuthFailure.CALLBACK_INVALID
    if how == "unexpected parameter":
        return {**genuine, "redirect": "https://evil.example"}, OAuthFailure.CALLBACK_INVALID
    if how == "error with a forged state":
        return {"error": "access_denied", "state": "forged"}, None
    raise AssertionError(how)


TAMPERINGS: Final = (
    "wrong state",
    "missing state",
    "missing code",
    "forged code",
    "code of another sign-in",
    "code and error together",
    "unexpected parameter",
    "error with a forged state",
)


@pytest.mark.parametrize("how", TAMPERINGS, ids=lambda h: h.replace(" ", "-"))
def test_a_tampered_callback_is_refused_and_changes_nothing(
    world: World, callback_bench: tuple[Portal, PortalConfig], how: str
) -> None:
    portal, config = callback_bench
    params, failure = _tamper(world, portal, config, how)
    before = held(portal)

    answer = ask("callback", lambda: portal.integration.complete(query_params=params))

    assert not answer.refused, answer.message
    outcome = answer.value
    assert outcome is not None and getattr(outcome, "kind", None) is CallbackKind.FAILED
    if failure is not None:
        assert getattr(outcome, "failure", None) is failure, answer.message
    assert unclear(answer) is None, unclear(answer)
    assert held(portal) == before


def test_a_replayed_callback_is_refused_after_the_first_succeeded(
    world: World, callback_bench: tuple[Portal, PortalConfig]
) -> None:
    portal, config = callback_bench
    params = authorize_params(portal=portal, config=config, user=world.orgs[0].integration_user)
    first = portal.integration.complete(query_params=params)
    assert first.kind is CallbackKind.INTEGRATED
    after_first = held(portal)

    replay = ask("replayed callback", lambda: portal.integration.complete(query_params=params))

    assert getattr(replay.value, "kind", None) is CallbackKind.FAILED
    assert getattr(replay.value, "failure", None) is OAuthFailure.STATE_MISMATCH
    assert unclear(replay) is None
    assert held(portal) == after_first


@pytest.mark.parametrize("policy", list(WrongOrgPolicy), ids=lambda p: p.name.lower())
def test_a_callback_from_a_foreign_org_never_replaces_the_integration_unasked(
    world: World, tmp_path: Path, policy: WrongOrgPolicy
) -> None:
    portal, config = open_portal(world, tmp_path, integrated=True, policy=policy)
    try:
        before = held(portal)
        foreign = world.orgs[1].integration_user
        params = authorize_params(portal=portal, config=config, user=foreign)

        answer = ask("callback", lambda: portal.integration.complete(query_params=params))

        outcome = answer.value
        assert not answer.refused and outcome is not None
        assert unclear(answer) is None
        assert held(portal) == before
        if policy is WrongOrgPolicy.REFUSE:
            assert getattr(outcome, "kind", None) is CallbackKind.FAILED
            assert getattr(outcome, "failure", None) is OAuthFailure.WRONG_ORG
        else:
            assert getattr(outcome, "kind", None) is CallbackKind.CONFIRM_OTHER_ORG
            assert world.orgs[0].name in answer.message
            portal.integration.cancel_other_org(actor=ADMIN)
            assert held(portal) == before
            assert portal.integration.pending_other_org() is None
    finally:
        portal.close()


@pytest.mark.slow
def test_random_callback_parameters_change_nothing(
    world: World, callback_bench: tuple[Portal, PortalConfig], figures: FigureBook
) -> None:
    portal, _ = callback_bench
    before = held(portal)
    seen = {"count": 0}
    keys = st.sampled_from(
        ["code", "state", "error", "error_description", "sfdc_community_url", "x", ""]
    )
    values = st.text(max_size=40) | st.sampled_from(["access_denied", "OAUTH_APP_BLOCKED", ""])

    @_fuzz_settings(sized(50, 1000))
    @given(params=st.dictionaries(keys, values, max_size=4))
    def check(params: dict[str, str]) -> None:
        try:
            outcome = portal.integration.complete(query_params=params)
        except PortalError as exc:
            assert exc.user_message
        else:
            assert outcome.kind is CallbackKind.FAILED
            assert outcome.result.message
        assert held(portal) == before
        seen["count"] += 1

    check()
    figures.add(
        area="fuzz",
        name="portal: random OAuth callback parameters (code, state, error, extras)",
        count=seen["count"],
        unit="callbacks",
        observed="every one refused with a specific message, the integration unchanged",
    )
