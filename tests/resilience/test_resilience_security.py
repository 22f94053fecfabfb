"""Security: secrets encrypted at rest and never in logs, error tables, exports, backups or
results; SOQL built only with escaping, whatever a user types; every change refused to viewers
in the services; logins rate-limited; XSRF protection on. (The mock's OAuth refusing open
redirects is in ``test_resilience_fuzz_mock.py``.)"""

from __future__ import annotations

import inspect
import logging
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

import bcrypt
import pytest

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import record_counts
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE, SeededOrg
from mock_salesforce.soql.parser import parse
from portal.adapters.clock import FixedClock
from portal.adapters.crypto import TokenCipher
from portal.adapters.storage import DuckDbPortalStorage
from portal.bootstrap import Portal, build_portal
from portal.domain.audit import AuditOutcome
from portal.domain.calls import ActivityKind
from portal.domain.config import PortalConfig, PortalRole, PortalUser
from portal.domain.settings import (
    ActivityHistorySettings,
    AssigneeSettings,
    CallDataItem,
    FieldMappings,
    IntegrationSettings,
    TodoObjectSettings,
    UnmappedRule,
    VideoHistorySettings,
)
from portal.domain.steps import StepStatus
from portal.services.error_tables import ExportFormat
from portal.services.errors import LoginFailed, LoginLocked, NotAllowed
from portal.services.integration import SignInPurpose
from portal.services.sync.engine import STILL_WRITING
from tests.portal_over_mock import MockEndpoint, guarded_server, portal_config
from tests.resilience.harness.figures import FigureBook
from tests.resilience.harness.world import (
    ADMIN,
    SEED,
    VIEWER,
    authorize_params,
    calls_csv,
    configured_settings,
    integrate,
    set_faults,
)

ROOT: Final = Path(__file__).resolve().parents[2]
PASSWORD: Final = "correct horse battery staple"


@dataclass(frozen=True)
class World:
    server: ThreadedMockServer
    endpoint: MockEndpoint
    org: SeededOrg


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with guarded_server() as server:
        [org] = reset_world(server.backend, seed=SEED, scenario="default", size=SMALL_SIZE)
        yield World(server=server, endpoint=MockEndpoint.of(server), org=org)


def _users() -> tuple[PortalUser, ...]:
    hashed = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    return (
        PortalUser(username="alice", password_hash=hashed, role=PortalRole.ADMIN),
        PortalUser(username="victor", password_hash=hashed, role=PortalRole.VIEWER),
    )


def _config(world: World, directory: Path) -> PortalConfig:
    base = portal_config(mock=world.endpoint, data_dir=directory)
    return PortalConfig(
        **{**{f.name: getattr(base, f.name) for f in fields(base)}, "users": _users()}
    )


# --- secrets at rest, in logs, tables, exports and results --------------------------------


class SecretLedger:
    """Every secret the run produced, and every place that must not hold one."""

    def __init__(self, config: PortalConfig) -> None:
        self.config = config
        self.secrets: dict[str, str] = {
            "client secret": config.client_secret.get_secret_value(),
            "encryption key": config.encryption_key.get_secret_value(),
            "portal password": PASSWORD,
        }
        self.outputs: list[tuple[str, bytes]] = []

    def tokens_of(self, portal: Portal, when: str) -> None:
        """Remember every token the portal holds now (current, check, parked...)."""
        repos = portal.storage.repositories
        held = [("current", repos.tokens.load())]
        for prefix in ("check", "other_org", "revoke:"):
            held += [
                (slot, repos.token_slots.load(slot))
                for slot in repos.token_slots.slots(prefix=prefix)
            ]
        for slot, tokens in held:
            if tokens is None:
                continue
            self.secrets[f"{slot} access token ({when})"] = tokens.access_token.get_secret_value()
            if tokens.refresh_token is not None:
                self.secrets[f"{slot} refresh token ({when})"] = (
                    tokens.refresh_token.get_secret_value()
                )

    def verifiers_of(self, portal: Portal) -> None:
        """The PKCE verifiers of pending sign-ins (stored encrypted)."""
        storage = portal.storage
        assert isinstance(storage, DuckDbPortalStorage)
        cipher = TokenCipher(self.config.encryption_key)
        for state, ciphertext in storage.database.execute(
            "SELECT state, code_verifier_ciphertext FROM pending_authorizations"
        ):
            self.secrets[f"PKCE verifier {state[:6]}"] = cipher.decrypt(
                ciphertext
            ).get_secret_value()

    def output(self, where: str, value: object) -> object:
        """Something the portal gave back (a result, an export): it must hold no secret."""
        data = value if isinstance(value, bytes) else repr(value).encode()
        self.outputs.append((where, data))
        return value

    def found_in(self, where: str, data: bytes) -> list[str]:
        return [
            f"{name} in {where}"
            for name, secret in self.secrets.items()
            if len(secret) >= 8 and secret.encode() in data
        ]


def _every_value_in_the_database(storage: DuckDbPortalStorage) -> bytes:
    """Every cell of every table, as text (what a SELECT * of each table shows)."""
    tables = [
        row[0]
        for row in storage.database.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
        )
    ]
    chunks = []
    for table in tables:
        for row in storage.database.execute(f'SELECT * FROM "{table}"'):
            chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks).encode()


MARKER: Final = "MARKER-7f3a9c-visible-setting"


@pytest.mark.slow
def test_secrets_are_encrypted_at_rest_and_never_logged_exported_or_returned(
    world: World, tmp_path: Path, caplog: pytest.LogCaptureFixture, figures: FigureBook
) -> None:
    caplog.set_level(logging.DEBUG)
    config = _config(world, tmp_path)
    ledger = SecretLedger(config)
    org = world.org
    portal = build_portal(config=config)
    out = ledger.output
    try:
        # Logging in, right and wrong.
        admin = portal.access.login(username="alice", password=PASSWORD, client_key="b1")
        out("login", admin)
        with pytest.raises(LoginFailed):
            portal.access.login(username="alice", password=PASSWORD + "x", client_key="b1")
        # Step 5 as a person does it, keeping the code and the PKCE verifier.
        params = authorize_params(portal=portal, config=config, user=org.integration_user)
        ledger.secrets["authorization code"] = params["code"]
        ledger.verifiers_of(portal)
        out("integrate", portal.integration.complete(actor=ADMIN, query_params=params))
        ledger.tokens_of(portal, "integrated")
        # The tabs, with a marker that must be visible where the tokens are not.
        settings = configured_settings(org)
        activity = settings.activity_history
        marked = ActivityHistorySettings(
            enabled=True,
            timing=activity.timing,
            todo=TodoObjectSettings(
                subject=f"{MARKER} {{direction}}",
                status=activity.todo.status,
                field_mappings=activity.todo.field_mappings,
            ),
        )
        out("save", portal.settings.save_activity_history(actor=ADMIN, settings=marked))
        out("save", portal.settings.save_assignee(actor=ADMIN, settings=settings.assignee))
        # The check sign-in (steps 3, 4, 6) and every step's check.
        check = authorize_params(
            portal=portal, config=config, user=org.admin, purpose=SignInPurpose.CHECK
        )
        ledger.secrets["check authorization code"] = check["code"]
        ledger.verifiers_of(portal)
        out("check sign-in", portal.integration.complete(actor=ADMIN, query_params=check))
        ledger.tokens_of(portal, "check sign-in")
        for step in range(1, 11):
            out(f"step {step}", portal.procedure.check(step=step))
        out("finish checks", portal.checks.finish(actor=ADMIN))
        # Calls; then a field the org does not have (saved around the form's check), so
        # Salesforce refuses some and the error log has rows.
        _, data = calls_csv(prefix="sec-", count=6)
        out("import", portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data))
        out("sync", portal.sync.sync_pending(actor=ADMIN))
        portal.storage.repositories.settings.save(_with_missing_field(portal.settings.current()))
        _, data = calls_csv(prefix="sec-refused-", count=3)
        out("import", portal.sync.import_csv(actor=ADMIN, kind=ActivityKind.CALL, data=data))
        out("refused sync", portal.sync.sync_pending(actor=ADMIN))
        out("save", portal.settings.save_activity_history(actor=ADMIN, settings=marked))
        out("simulate", portal.sync.simulate_and_sync(actor=ADMIN, calls=5, meetings=2, seed=3))
        # Salesforce expires the session; the portal renews it.
        set_faults(world.endpoint, expire_sessions=True)
        out("step 1 after expiry", portal.integration.current())
        set_faults(world.endpoint)
        ledger.tokens_of(portal, "refreshed")
        # Everything a person can take away.
        out("error page", portal.error_tables.page())
        out("CSV export", portal.error_tables.export(format=ExportFormat.CSV))
        out("Parquet export", portal.error_tables.export(format=ExportFormat.PARQUET))
        out("audit", portal.audit.recent(limit=500))
        out("history", portal.history.recent(limit=500))
        out("sync log", portal.sync.recent(limit=500))
        # Remove (backup), its JSON, Restore, integrate again.
        removed = out("remove", portal.removal.remove(actor=ADMIN))
        assert getattr(removed, "backup", None) is not None
        backup = portal.backups.latest()
        assert backup is not None
        out("backup JSON", portal.backups.as_json(backup_id=backup.id))
        out("restore", portal.restore.restore(actor=ADMIN, expected_backup_id=backup.id))
        out("integrate again", integrate(portal=portal, config=config, user=org.integration_user))
        ledger.tokens_of(portal, "integrated again")
        portal.access.logout(actor=admin)

        storage = portal.storage
        assert isinstance(storage, DuckDbPortalStorage)
        cells = _every_value_in_the_database(storage)
        error_rows = storage.database.execute("SELECT count(*) FROM integration_errors")[0][0]
    finally:
        portal.close()

    files = sorted(p for p in tmp_path.iterdir() if p.name.startswith("portal.duckdb"))
    raw = b"".join(p.read_bytes() for p in files)
    logged = "\n".join(
        record.getMessage()
        + (logging.Formatter().formatException(record.exc_info) if record.exc_info else "")
        for record in caplog.records
    ).encode()

    # The scans can see plain text: the marker setting is in the tables and the file.
    assert MARKER.encode() in cells and MARKER.encode() in raw
    assert error_rows >= 1, "the run should have written the error log"
    assert len(caplog.records) > 20, "the run should have logged"
    leaks = ledger.found_in("the database's cells", cells)
    leaks += ledger.found_in("the DuckDB file bytes", raw)
    leaks += ledger.found_in("the log", logged)
    for where, given in ledger.outputs:
        leaks += ledger.found_in(where, given)
    assert not leaks, leaks
    figures.add(
        area="security",
        name="secrets (tokens, client secret, key, codes, PKCE verifiers, password) searched "
        "in DuckDB cells and file bytes, DEBUG log, exports, backup JSON and results",
        count=len(ledger.secrets),
        unit=f"secrets x {len(ledger.outputs) + 3} places ({len(caplog.records)} log lines)",
        observed="none found in plain text",
    )


def _with_missing_field(settings: IntegrationSettings) -> IntegrationSettings:
    todo = settings.activity_history.todo
    mappings = {**todo.field_mappings.as_dict(), CallDataItem.TRANSCRIPT: "No_Such_Field__c"}
    return replace(
        settings,
        activity_history=replace(
            settings.activity_history,
            todo=replace(todo, field_mappings=FieldMappings.of(mappings)),
        ),
    )


# --- SOQL injection -------------------------------------------------------------------------

#: Break-out attempts that still look like a username (so they pass the form's own check).
USERNAME_PAYLOADS: Final = (
    "x'OR'Username'!='@acme-japan.example",
    "o'brien'OR(IsActive=false)OR'x'='y@acme-japan.example",
    "a\\'OR'1'='1@x.example",
)
#: Break-out attempts in values that reach SOQL unvalidated (phone numbers, call ids).
FREE_PAYLOADS: Final = (
    "' OR Name != '",
    "x' OR Phone != '",
    "\\' OR Id != '",
    "%' OR Name LIKE '%",
)


class SoqlRecorder:
    """Every SOQL statement the mock org runs (wrapping its query engine in this process)."""

    def __init__(self, server: ThreadedMockServer) -> None:
        self.statements: list[str] = []
        self._engine = server.backend.queries
        self._original = self._engine.run

    def __enter__(self) -> SoqlRecorder:
        original = self._original

        def run(**kwargs: Any) -> Any:
            self.statements.append(kwargs["soql"])
            return original(**kwargs)

        self._engine.run = run  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        self._engine.run = self._original  # type: ignore[method-assign]


def _string_literals(node: object) -> Iterator[str]:
    if type(node).__name__ == "StringValue":
        yield node.value  # type: ignore[attr-defined]
    if is_dataclass(node):
        for f in fields(node):
            yield from _string_literals(getattr(node, f.name))
    elif isinstance(node, list | tuple):
        for item in node:
            yield from _string_literals(item)


_LITERAL: Final = re.compile(r"'(?:[^'\\]|\\.)*'")


def _shape(statement: str) -> str:
    """The statement with every string literal a ``?`` and literal lists one ``?``: what the
    portal's template made of it, whatever the values were."""
    return re.sub(r"\?(\s*,\s*\?)+", "?", _LITERAL.sub("?", statement))


def _literals(statements: list[str]) -> set[str]:
    """Every string literal of every statement, as the mock's SOQL grammar reads it."""
    return {value for statement in statements for value in _string_literals(parse(statement))}


def _run_both(
    server: ThreadedMockServer, benign: Callable[[], object], hostile: Callable[[], object]
) -> tuple[list[str], list[str]]:
    with SoqlRecorder(server) as benign_run:
        benign()
    with SoqlRecorder(server) as hostile_run:
        hostile()
    return benign_run.statements, hostile_run.statements


def _assert_escaped(
    benign: list[str], hostile: list[str], payload: str, *, normalised: bool = False
) -> None:
    """The payload reached Salesforce only inside a string literal (or, ``normalised``, the
    portal reduced it to a harmless form first), and the statements have the shape the same
    path gives for a harmless value: nothing broke out of a literal."""
    if not normalised:
        assert payload in _literals(hostile), (payload, hostile)
    assert {_shape(s) for s in hostile} <= {_shape(s) for s in benign}, (benign, hostile)


@pytest.mark.slow
def test_user_values_reach_soql_only_as_escaped_literals(
    world: World, tmp_path: Path, figures: FigureBook
) -> None:
    config = _config(world, tmp_path)
    portal = build_portal(config=config)
    org = world.org
    counts_before = record_counts(world.server.backend, org_id=org.org_id)
    checked = 0
    storage = portal.storage
    assert isinstance(storage, DuckDbPortalStorage)
    try:
        assert integrate(portal=portal, config=config, user=org.integration_user).succeeded
        good = configured_settings(org)

        def assignee_path(username: str) -> Callable[[], object]:
            assignee = AssigneeSettings.from_mapping(
                user_mappings={"rep1@miitel.example": username},
                default_owner_username=username,
                unmapped_rule=UnmappedRule.DEFAULT_OWNER,
            )

            def run() -> object:
                saved = portal.settings.save_assignee(actor=ADMIN, settings=assignee)
                portal.storage.repositories.settings.save(replace(good, assignee=assignee))
                report = portal.validation.validate()
                # Found nowhere: an injected OR would have matched every user.
                assert not saved.saved and any(username in p.message for p in saved.problems)
                assert any(username in p.message for p in report.problems)
                return report

            return run

        for payload in USERNAME_PAYLOADS:
            benign, hostile = _run_both(
                world.server, assignee_path("nobody@acme-japan.example"), assignee_path(payload)
            )
            _assert_escaped(benign, hostile, payload)
            checked += 1

        portal.storage.repositories.settings.save(good)

        def call_path(call_id: str, number: str) -> Callable[[], object]:
            def run() -> object:
                line = (
                    f'"{call_id}",outbound,connected,2024-01-01T00:00:00+00:00,'
                    f'2024-01-01T00:01:00+00:00,rep1@miitel.example,"{number}",x'
                )
                header = calls_csv(prefix="", count=0)[1]
                imported = portal.sync.import_csv(
                    actor=ADMIN, kind=ActivityKind.CALL, data=header + line + "\n"
                )
                assert imported.imported == 1, imported.message
                # As if a sync had been interrupted long enough ago: the call is then looked
                # up by its id.
                with storage.sync.transaction() as tx:
                    sent = datetime.now(UTC) - STILL_WRITING
                    tx.outbox.claim(
                        ActivityKind.CALL,
                        [call_id],
                        org_id=org.org_id,
                        now=sent,
                        look_up_after=sent + STILL_WRITING,
                    )
                    tx.commit()
                summary = portal.sync.sync_pending(actor=ADMIN)
                assert summary.written == 1, summary.message
                task = world.server.backend.store.execute(
                    'SELECT "WhoId", "WhatId" FROM sobj_task '
                    'WHERE _org_id = ? AND "CallObject" = ?',
                    [org.org_id, call_id],
                )
                # Linked to nobody: an injected OR would have matched (and linked) a record.
                assert task == [(None, None)], task
                return summary

            return run

        for n, payload in enumerate(FREE_PAYLOADS):
            benign, hostile = _run_both(
                world.server,
                call_path(f"plain{n}", f"03-1111-{n:04d}"),
                call_path(f"inj{n}-{payload}", f"03-1111-{n:04d}{payload}"),
            )
            _assert_escaped(benign, hostile, f"inj{n}-{payload}")
            # Phone numbers are searched by their digits and formatted forms only.
            _assert_escaped(benign, hostile, f"03-1111-{n:04d}{payload}", normalised=True)
            checked += 2
        # Field names never reach SOQL: the form refuses anything but an API name.
        for payload in FREE_PAYLOADS:
            bad = ActivityHistorySettings(
                enabled=True,
                todo=TodoObjectSettings(
                    field_mappings=FieldMappings.of({CallDataItem.MEMO: "Description" + payload})
                ),
            )
            with SoqlRecorder(world.server) as recorder:
                refused = portal.settings.save_activity_history(actor=ADMIN, settings=bad)
            assert not refused.saved and not recorder.statements
            checked += 1
    finally:
        portal.close()
    after = record_counts(world.server.backend, org_id=org.org_id)
    changed = {k: (counts_before[k], v) for k, v in after.items() if counts_before.get(k) != v}
    assert set(changed) <= {"Task"}, f"injection attempts changed the org: {changed}"
    figures.add(
        area="security",
        name="SOQL injection through assignee usernames, default owner, phone numbers, call "
        "ids and field names",
        count=checked,
        unit="payloads x paths",
        observed="each value one quoted literal (parsed by the mock's SOQL grammar), statements "
        "shaped as for a harmless value; nothing matched, linked or changed",
    )


# --- viewers --------------------------------------------------------------------------------

#: Methods that take ``actor`` but change nothing a viewer may not: logging oneself out,
#: filtering the audit log by actor, recording one's own unexpected error.
_VIEWER_MAY: Final = {
    ("access", "logout"),
    ("access", "company_name"),
    ("audit", "recent"),
    ("audit", "record_unexpected"),
    # Everyone chooses the language the portal speaks to them (their own row only).
    ("preferences", "language_of"),
    ("preferences", "set_language"),
}


def _arguments(service: str, method: str, parameter: str, world: World) -> object:
    values: dict[str, object] = {
        "settings": {
            "save_activity_history": ActivityHistorySettings.default(),
            "save_video_history": VideoHistorySettings.default(),
            "save_assignee": AssigneeSettings.default(),
        }.get(method),
        "turn_off": True,
        "expected_backup_id": None,
        "step": 1,
        "status": StepStatus.OK,
        "message": "",
        "purpose": SignInPurpose.INTEGRATION,
        "query_params": {"code": "x", "state": "y"},
        "kind": ActivityKind.CALL,
        "data": calls_csv(prefix="viewer-", count=2)[1],
        "partial": False,
        "calls": 1,
        "meetings": 0,
        "seed": 1,
        "progress": None,
        "scenario": "default",
    }
    if parameter not in values or (values[parameter] is None and parameter == "settings"):
        raise AssertionError(
            f"{service}.{method} takes {parameter!r}: add a value for it to this test"
        )
    return values[parameter]


def _mutating_methods(portal: Portal) -> Iterator[tuple[str, str, Callable[..., object]]]:
    for field in fields(portal):
        service = getattr(portal, field.name)
        if service is None or field.name in ("storage", "company_id", "closer"):
            continue
        for name, method in inspect.getmembers(service, inspect.ismethod):
            if name.startswith("_") or (field.name, name) in _VIEWER_MAY:
                continue
            if "actor" in inspect.signature(method).parameters:
                yield field.name, name, method


def _portal_state(portal: Portal) -> dict[str, list[tuple[Any, ...]]]:
    storage = portal.storage
    assert isinstance(storage, DuckDbPortalStorage)
    tables = [
        row[0]
        for row in storage.database.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' "
            "AND table_name <> 'audit_log'"
        )
    ]
    return {t: storage.database.execute(f'SELECT * FROM "{t}" ORDER BY ALL') for t in tables}


def test_every_change_is_refused_to_a_viewer_and_audited(
    world: World, tmp_path: Path, figures: FigureBook
) -> None:
    config = _config(world, tmp_path)
    portal = build_portal(config=config)
    try:
        assert integrate(portal=portal, config=config, user=world.org.integration_user).succeeded
        portal.storage.repositories.settings.save(configured_settings(world.org))
        before = _portal_state(portal)
        counts = record_counts(world.server.backend, org_id=world.org.org_id)
        refused = []
        for service, name, method in _mutating_methods(portal):
            parameters = [p for p in inspect.signature(method).parameters if p != "actor"]
            kwargs = {p: _arguments(service, name, p, world) for p in parameters}
            with pytest.raises(NotAllowed) as raised:
                method(actor=VIEWER, **kwargs)
            assert raised.value.user_message.startswith("Viewers can read everything")
            refused.append(f"{service}.{name}")
        denied = [
            e
            for e in portal.audit.recent(limit=500)
            if e.actor == VIEWER.username and e.outcome is AuditOutcome.DENIED
        ]
        after = _portal_state(portal)
    finally:
        portal.close()
    assert len(refused) >= 18, refused  # every use case that changes something
    assert {"removal.remove", "restore.restore", "settings.save_assignee", "sync.sync_pending",
            "integration.start", "demo.reset"} <= set(refused)  # fmt: skip
    assert after == before, "a refused viewer changed the portal's data"
    assert record_counts(world.server.backend, org_id=world.org.org_id) == counts
    assert len(denied) == len(refused), "each refusal leaves a DENIED audit line"
    figures.add(
        area="security",
        name="every service method taking actor= called by a viewer",
        count=len(refused),
        unit="methods",
        observed="all refused (NotAllowed), audited DENIED, no data changed",
    )


# --- logins ---------------------------------------------------------------------------------


def test_login_delays_slow_attackers_and_never_lock_out_the_admin(
    world: World, tmp_path: Path, figures: FigureBook
) -> None:
    """Issue 11.2 on the real DuckDB file: growing delays per username and client and per
    client; another browser's failures never slow the admin's own."""
    clock = FixedClock(datetime(2025, 5, 1, 9, 0, tzinfo=UTC))
    portal = build_portal(config=_config(world, tmp_path), clock=clock)
    try:
        messages = set()
        waits: list[int] = []
        failures = 0
        while failures < 12:  # an attacker guessing alice's password from b1
            try:
                portal.access.login(username="alice", password=f"guess{failures}", client_key="b1")
            except LoginFailed as failed:
                messages.add(failed.user_message)
                failures += 1
            except LoginLocked as locked:
                assert "Wait" in locked.user_message
                waits.append(locked.wait_seconds)
                clock.advance(timedelta(seconds=locked.wait_seconds))
        with pytest.raises(LoginFailed) as unknown:
            portal.access.login(username="nobody", password="x", client_key="b9")
        # The same message for a wrong password and an unknown user: it never says which.
        assert messages == {unknown.value.user_message}
        # Growing, bounded delays for the attacker's browser only.
        assert waits == sorted(waits) and waits[0] == 2 and max(waits) <= 300
        with pytest.raises(LoginLocked):
            portal.access.login(username="alice", password=PASSWORD, client_key="b1")
        actor = portal.access.login(username="alice", password=PASSWORD, client_key="b2")
        assert actor.role is PortalRole.ADMIN
        # One browser spraying usernames is slowed too, and others are not.
        sprayed = 0
        for n in range(12):
            try:
                portal.access.login(username=f"user{n}", password="x", client_key="b3")
            except LoginFailed:
                sprayed += 1
            except LoginLocked:
                break
        assert sprayed == 10
        assert portal.access.login(username="victor", password=PASSWORD, client_key="b4")
    finally:
        portal.close()
    figures.add(
        area="security",
        name="login attempts: delays per username and browser, per browser",
        count=len(waits),
        unit="growing delays (2 s doubling, at most 5 min)",
        observed="the admin's own browser logs in at once while another is delayed; same "
        "message for unknown user and wrong password",
    )


# --- XSRF -----------------------------------------------------------------------------------


def test_streamlit_keeps_xsrf_protection_on_and_error_details_off() -> None:
    path = ROOT / ".streamlit" / "config.toml"
    if not path.exists():
        pytest.skip(".streamlit/config.toml is not there")
    config = tomllib.loads(path.read_text(encoding="utf-8"))
    assert config["server"].get("enableXsrfProtection", True) is True
    assert config.get("client", {}).get("showErrorDetails") in ("none", False)
