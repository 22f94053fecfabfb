"""Property: whatever text reaches the SOSL engine — random search terms, or valid statements
with pieces inserted, dropped or swapped — the answer is search records or a Salesforce search
error, never anything else (and never the mock's own failure)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mock_salesforce.backend import MockBackend
from mock_salesforce.errors import SalesforceError
from mock_salesforce.rows import insert
from mock_salesforce.sosl import SoslEngine
from tests.conftest import BareOrg, make_bare_org

VALID = [
    "FIND {03-1234-5678} IN PHONE FIELDS RETURNING Contact(Id, Phone), Lead(Id), Account",
    'FIND {"Joe Smith" OR 山田 AND NOT sm?th*} IN NAME FIELDS RETURNING Contact(Name '
    "WHERE Email != null ORDER BY LastName DESC NULLS LAST LIMIT 3 OFFSET 1)",
    "FIND {acme} RETURNING Account(Name, Owner.Name WHERE Industry = 'Banking'), Task(Subject) "
    "WITH METADATA='LABELS' LIMIT 10",
    "FIND {(0312345678 OR +81 6 1234 5678) AND NOT ヤマダ} IN ALL FIELDS UPDATE TRACKING",
]
PIECES = [
    "FIND", "{", "}", "IN", "FIELDS", "RETURNING", "WHERE", "ORDER", "BY", "LIMIT", "OFFSET",
    "WITH", "METADATA", "=", "'LABELS'", "AND", "OR", "NOT", "(", ")", ",", '"', "*", "?",
    "\\", "Account", "Contact(Name)", "Nope__c", "Profile", "Phone", "03-1234", "+81", "山田",
    "ＡＢＣ", "2000", "-1", "99999999999", "\n", "\ud800",
]  # fmt: skip
TERM_PIECES = [
    *"abcXYZ019 -+()\"'*?\\{}.@&|!^~:山田ヤマダ太郎ＡＢ０１\t",
    " AND ",
    " OR ",
    " AND NOT ",
]
TERMS = st.lists(st.sampled_from(TERM_PIECES), max_size=30).map("".join)
CODES = {"MALFORMED_SEARCH", "INVALID_SEARCH", "INVALID_FIELD", "INVALID_TYPE",
         "INVALID_QUERY_FILTER_OPERATOR", "NUMBER_OUTSIDE_VALID_RANGE"}  # fmt: skip


@pytest.fixture(scope="module")
def org() -> Iterator[tuple[MockBackend, BareOrg]]:
    backend = MockBackend(data_dir=None)
    bare = make_bare_org(backend)
    schema = backend.org_schema(bare.org_id)
    rows = {
        "Contact": [
            {"FirstName": "太郎", "LastName": "山田", "Phone": "03-1234-5678"},
            {"FirstName": "Joe", "LastName": "Smith", "Email": "joe@example.com"},
        ],
        "Lead": [{"LastName": "ヤマダ", "Company": "Acme", "MobilePhone": "+81 6 1234 5678"}],
        "Account": [{"Name": "Acme", "Phone": "(03) 1234-5678", "Industry": "Banking"}],
    }
    for sobject, values in rows.items():
        obj = schema.get(sobject)
        assert obj is not None
        insert(
            backend.store,
            org_id=bare.org_id,
            obj=obj,
            rows=values,
            actor_id=bare.user_id,
            now=backend.clock.now(),
        )
    yield backend, bare
    backend.close()


def _run(org: tuple[MockBackend, BareOrg], sosl: str) -> None:
    backend, bare = org
    try:
        result = SoslEngine(backend.store, backend.clock).search(
            schema=backend.org_schema(bare.org_id),
            org_id=bare.org_id,
            sosl=sosl,
            api_version="59.0",
            user_id=bare.user_id,
        )
    except SalesforceError as exc:
        assert exc.error_code in CODES, (sosl, exc)
        assert "could not run" not in exc.message, (sosl, exc)
        return
    assert isinstance(result.as_json()["searchRecords"], list)


def test_the_valid_statements_run(org: tuple[MockBackend, BareOrg]) -> None:
    for sosl in VALID:
        backend, bare = org
        SoslEngine(backend.store, backend.clock).search(
            schema=backend.org_schema(bare.org_id),
            org_id=bare.org_id,
            sosl=sosl,
            api_version="59.0",
        )


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    TERMS,
    st.sampled_from(["", " IN PHONE FIELDS", " RETURNING Contact(Name), Lead"]),
)
def test_random_search_terms(org: tuple[MockBackend, BareOrg], term: str, tail: str) -> None:
    _run(org, "FIND {" + term + "}" + tail)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 400), st.sampled_from(PIECES), st.booleans()), max_size=3),
)
def test_mutated_statements(
    org: tuple[MockBackend, BareOrg], sosl: str, edits: list[tuple[int, str, bool]]
) -> None:
    for position, piece, drop in edits:
        at = position % (len(sosl) + 1)
        sosl = sosl[:at] + sosl[at + len(piece) :] if drop else sosl[:at] + piece + sosl[at:]
    _run(org, sosl)
