"""SOSL searches run by the engine on a real (in-memory) mock org: what each kind of term
finds, RETURNING's fields, filters, order and limits, the caller's permissions, and errors."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest

from mock_salesforce.backend import MockBackend
from mock_salesforce.errors import SalesforceError
from mock_salesforce.permissions import READ_ONLY
from mock_salesforce.rows import insert, soft_delete, update
from mock_salesforce.schema import OrgSchema
from mock_salesforce.sessions import Principal
from mock_salesforce.sosl import SoslEngine
from tests.conftest import BareOrg, make_bare_org

PHONE_FORMS = (
    "03-1234-5678",
    "0312345678",
    "(03) 1234-5678",
    "+81 3 1234 5678",
    "+81-3-1234-5678",
    "+81 (0)3 1234 5678",
    "０３－１２３４－５６７８",
)


@dataclass
class Org:
    backend: MockBackend
    bare: BareOrg

    @property
    def schema(self) -> OrgSchema:
        return self.backend.org_schema(self.bare.org_id)

    def insert(self, sobject: str, rows: list[dict[str, Any]]) -> list[str]:
        obj = self.schema.get(sobject)
        assert obj is not None
        return insert(
            self.backend.store,
            org_id=self.bare.org_id,
            obj=obj,
            rows=rows,
            actor_id=self.bare.user_id,
            now=self.backend.clock.now(),
        )

    def search(self, sosl: str, *, schema: OrgSchema | None = None) -> list[dict[str, Any]]:
        result = SoslEngine(self.backend.store, self.backend.clock).search(
            schema=schema or self.schema,
            org_id=self.bare.org_id,
            sosl=sosl,
            api_version="59.0",
            user_id=self.bare.user_id,
        )
        return result.records

    def found(self, sosl: str, **kwargs: Any) -> list[tuple[str, str]]:
        return [(r["attributes"]["type"], r["Id"]) for r in self.search(sosl, **kwargs)]

    def error(self, sosl: str) -> SalesforceError:
        with pytest.raises(SalesforceError) as caught:
            self.search(sosl)
        return caught.value


@pytest.fixture
def org() -> Iterator[Org]:
    backend = MockBackend(data_dir=None)
    yield Org(backend, make_bare_org(backend))
    backend.close()


# -- phone numbers ----------------------------------------------------------------------------
@pytest.mark.parametrize("searched", PHONE_FORMS[:5])
def test_phone_search_finds_every_stored_format(org: Org, searched: str) -> None:
    contacts = org.insert(
        "Contact", [{"LastName": f"C{i}", "Phone": p} for i, p in enumerate(PHONE_FORMS)]
    )
    [lead] = org.insert("Lead", [{"LastName": "L", "Company": "Co", "MobilePhone": "03 1234 5678"}])
    [account] = org.insert("Account", [{"Name": "A", "Phone": "+81312345678"}])
    org.insert("Contact", [{"LastName": "Other", "Phone": "03-1234-5679"}])
    found = org.found(
        f"FIND {{{searched}}} IN PHONE FIELDS "
        "RETURNING Contact(Id, Phone), Lead(Id, Phone), Account(Id, Phone)"
    )
    assert sorted(found) == sorted(
        [("Contact", c) for c in contacts] + [("Lead", lead), ("Account", account)]
    )


def test_one_search_batches_several_numbers_with_or(org: Org) -> None:
    tokyo, osaka, _ = org.insert(
        "Contact",
        [
            {"LastName": "Tokyo", "Phone": "03-1234-5678"},
            {"LastName": "Osaka", "MobilePhone": "+81 6 1234 5678"},
            {"LastName": "Nagoya", "Phone": "052-123-4567"},
        ],
    )
    found = org.found("FIND {0312345678 OR 0612345678} IN PHONE FIELDS RETURNING Contact(Id)")
    assert sorted(found) == sorted([("Contact", tokyo), ("Contact", osaka)])


def test_a_number_of_another_country_is_another_number(org: Org) -> None:
    org.insert("Contact", [{"LastName": "US", "Phone": "+1 312 345 678"}])
    [japan] = org.insert("Contact", [{"LastName": "JP", "Phone": "+81 312 345 678"}])
    assert org.found("FIND {03-1234-5678} IN PHONE FIELDS RETURNING Contact") == [
        ("Contact", japan)
    ]


def test_part_of_a_number_matches_as_a_token(org: Org) -> None:
    [contact] = org.insert("Contact", [{"LastName": "C", "Phone": "03-1234-5678"}])
    assert org.found("FIND {1234-5678} IN PHONE FIELDS RETURNING Contact") == [("Contact", contact)]
    assert org.found("FIND {12345678} IN PHONE FIELDS RETURNING Contact") == []


def test_phone_fields_only_in_phone_search(org: Org) -> None:
    org.insert("Contact", [{"LastName": "C", "Description": "call 03-1234-5678"}])
    assert org.found("FIND {03-1234-5678} IN PHONE FIELDS RETURNING Contact") == []
    assert len(org.found("FIND {03-1234-5678} IN ALL FIELDS RETURNING Contact")) == 1


# -- words, phrases, wildcards, Japanese -----------------------------------------------------
def test_japanese_names_are_found_by_any_part(org: Org) -> None:
    yamada, kana = org.insert(
        "Contact",
        [
            {"LastName": "山田", "FirstName": "太郎"},
            {"LastName": "ヤマダ", "FirstName": "ハナコ"},
        ],
    )
    [account] = org.insert("Account", [{"Name": "株式会社山田商事"}])
    assert sorted(org.found("FIND {山田}")) == sorted([("Account", account), ("Contact", yamada)])
    assert org.found("FIND {山田 太郎} RETURNING Contact") == [("Contact", yamada)]
    assert org.found('FIND {"山田 太郎"} RETURNING Contact') == [("Contact", yamada)]
    assert org.found("FIND {ヤマダ} RETURNING Contact") == [("Contact", kana)]
    assert org.found("FIND {山田商事} RETURNING Account") == [("Account", account)]
    assert org.found("FIND {田太} RETURNING Contact") == []


def test_words_phrases_and_wildcards(org: Org) -> None:
    smith, smyth, _ = org.insert(
        "Contact",
        [
            {"FirstName": "Joe", "LastName": "Smith", "Email": "joe.smith@example.com"},
            {"FirstName": "Joe", "LastName": "Smyth"},
            {"FirstName": "Mary", "LastName": "Smithers"},
        ],
    )
    assert org.found("FIND {joe smith} RETURNING Contact") == [("Contact", smith)]
    assert org.found('FIND {"Joe Smith"} RETURNING Contact') == [("Contact", smith)]
    assert org.found('FIND {"Mary Smith"} RETURNING Contact') == []
    assert sorted(org.found("FIND {Joe Sm?th} RETURNING Contact")) == sorted(
        [("Contact", smith), ("Contact", smyth)]
    )
    assert len(org.found("FIND {smith*} RETURNING Contact")) == 2
    assert org.found("FIND {joe AND NOT smyth} RETURNING Contact") == [("Contact", smith)]
    assert org.found("FIND {ＳＭＩＴＨ} RETURNING Contact") == [("Contact", smith)]
    assert org.found("FIND {joe.smith@example.com} IN EMAIL FIELDS RETURNING Contact") == [
        ("Contact", smith)
    ]
    assert org.found("FIND {smith} IN EMAIL FIELDS RETURNING Contact") == [("Contact", smith)]
    assert org.found("FIND {example} IN NAME FIELDS RETURNING Contact") == []


def test_deleted_records_are_not_found_and_writes_show_at_once(org: Org) -> None:
    obj = org.schema.get("Contact")
    assert obj is not None
    gone, moved = org.insert(
        "Contact", [{"LastName": "Gone", "Phone": "0311112222"}, {"LastName": "Moved"}]
    )
    store, org_id, now = org.backend.store, org.bare.org_id, org.backend.clock.now()
    soft_delete(store, org_id=org_id, obj=obj, record_id=gone, actor_id=None, now=now)
    update(
        store,
        org_id=org_id,
        obj=obj,
        record_id=moved,
        values={"Phone": "03-1111-2222"},
        actor_id=None,
        now=now,
    )
    assert org.found("FIND {0311112222} IN PHONE FIELDS RETURNING Contact") == [("Contact", moved)]


# -- RETURNING --------------------------------------------------------------------------------
def test_returning_shapes_records_like_soql(org: Org) -> None:
    [account] = org.insert("Account", [{"Name": "Acme", "Phone": "03-1234-5678"}])
    [contact] = org.insert("Contact", [{"LastName": "Acme", "AccountId": account}])
    [record] = org.search("FIND {acme} RETURNING Contact(Name, Account.Name)")
    assert record == {
        "attributes": {
            "type": "Contact",
            "url": f"/services/data/v59.0/sobjects/Contact/{contact}",
        },
        "Name": "Acme",
        "Account": {
            "attributes": {
                "type": "Account",
                "url": f"/services/data/v59.0/sobjects/Account/{account}",
            },
            "Name": "Acme",
        },
    }
    [only_id] = org.search("FIND {acme} RETURNING Account")
    assert set(only_id) == {"attributes", "Id"}


def test_returning_filters_orders_and_limits(org: Org) -> None:
    org.insert(
        "Lead",
        [
            {"LastName": f"L{i}", "Company": f"Acme {i}", "Status": s}
            for i, s in enumerate(["Working - Contacted", "Open - Not Contacted"] * 3)
        ],
    )
    companies = [
        r["Company"]
        for r in org.search(
            "FIND {acme} RETURNING Lead(Company WHERE Status = 'Open - Not Contacted' "
            "ORDER BY Company DESC LIMIT 2)"
        )
    ]
    assert companies == ["Acme 5", "Acme 3"]
    offset = org.search("FIND {acme} RETURNING Lead(Company ORDER BY Company LIMIT 2 OFFSET 3)")
    assert [r["Company"] for r in offset] == ["Acme 3", "Acme 4"]


def test_name_matches_come_first_then_the_newest(org: Org) -> None:
    older, by_description = org.insert(
        "Account", [{"Name": "Globex"}, {"Name": "Other", "Description": "globex partner"}]
    )
    org.backend.clock.advance(timedelta(minutes=5))
    [newer] = org.insert("Account", [{"Name": "Globex Japan"}])
    assert org.found("FIND {globex} RETURNING Account") == [
        ("Account", newer),
        ("Account", older),
        ("Account", by_description),
    ]


def test_statement_limit_caps_all_objects_together(org: Org) -> None:
    org.insert("Account", [{"Name": f"Acme {i}"} for i in range(3)])
    org.insert("Contact", [{"LastName": "Acme"} for _ in range(3)])
    found = org.found("FIND {acme} RETURNING Account, Contact LIMIT 4")
    assert [t for t, _ in found] == ["Account"] * 3 + ["Contact"]


def test_at_most_2000_records_are_returned(org: Org) -> None:
    org.insert("Contact", [{"LastName": f"Tanaka {i}"} for i in range(2100)])
    assert len(org.found("FIND {tanaka} RETURNING Contact")) == 2000


def test_metadata_labels_when_asked(org: Org) -> None:
    org.insert("Account", [{"Name": "Acme"}])
    result = SoslEngine(org.backend.store, org.backend.clock).search(
        schema=org.schema,
        org_id=org.bare.org_id,
        sosl="FIND {acme} RETURNING Account(Id, Phone) WITH METADATA='LABELS'",
        api_version="59.0",
    )
    assert result.as_json()["metadata"] == {
        "entityLabelMetadata": [
            {
                "entityName": "Account",
                "entityFieldLabels": [
                    {"name": "Id", "value": "Record ID"},
                    {"name": "Phone", "value": "Phone"},
                ],
            }
        ]
    }


# -- permissions ------------------------------------------------------------------------------
def test_the_callers_view_decides_objects_and_fields(org: Org) -> None:
    backend = org.backend
    profile = backend.permissions.create_profile(
        org_id=org.bare.org_id,
        name="Contacts only",
        permissions={"ApiEnabled"},
        object_access={"Contact": READ_ONLY},
    )
    assert profile.owned_permission_set_id is not None
    backend.permissions.set_field_access(
        org_id=org.bare.org_id,
        permission_set_id=profile.owned_permission_set_id,
        sobject="Contact",
        field_name="MobilePhone",
        read=False,
        edit=False,
    )
    [user] = org.insert(
        "User",
        [
            {
                "Username": "rep@bare.example",
                "LastName": "Rep",
                "Alias": "rep",
                "Email": "rep@bare.example",
                "IsActive": True,
                "ProfileId": profile.profile_id,
                "LocaleSidKey": "ja_JP",
            }
        ],
    )
    backend.permissions.sync_profile_assignments(org_id=org.bare.org_id, user_id=user)
    principal = Principal(org.bare.org_id, user, "session", None, (), None)
    view = backend.schema_for(principal)
    [by_phone, _by_mobile] = org.insert(
        "Contact",
        [{"LastName": "A", "Phone": "0312345678"}, {"LastName": "B", "MobilePhone": "0312345678"}],
    )
    org.insert("Lead", [{"LastName": "L", "Company": "C", "Phone": "0312345678"}])
    assert org.found("FIND {0312345678}", schema=view) == [("Contact", by_phone)]
    assert len(org.found("FIND {0312345678}")) == 3
    with pytest.raises(SalesforceError) as hidden:
        org.search("FIND {0312345678} RETURNING Contact(MobilePhone)", schema=view)
    assert hidden.value.error_code == "INVALID_FIELD"
    with pytest.raises(SalesforceError) as unreadable:
        org.search("FIND {0312345678} RETURNING Lead", schema=view)
    assert unreadable.value.error_code == "INVALID_TYPE"


# -- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sosl", "code", "message"),
    [
        ("FIND {a}", "INVALID_SEARCH", "search term must be longer than one character"),
        ("FIND {a*}", "INVALID_SEARCH", "search term must be longer than one character"),
        ("FIND {}", "INVALID_SEARCH", "search term must be longer than one character"),
        (
            "FIND acme",
            "MALFORMED_SEARCH",
            "No search term found. The search term must be enclosed in braces.",
        ),
        (
            "FIND {acme} RETURNING Profile",
            "INVALID_TYPE",
            "entity type Profile does not support search",
        ),
        (
            "FIND {acme} RETURNING Nope__c",
            "INVALID_TYPE",
            "sObject type 'Nope__c' is not supported.",
        ),
        (
            "FIND {acme} RETURNING Account(Nope)",
            "INVALID_FIELD",
            "No such column 'Nope' on entity 'Account'.",
        ),
        ("FIND {acme} RETURNING", "MALFORMED_SEARCH", "unexpected token: '<EOF>'"),
        ("FIND {acme OR}", "MALFORMED_SEARCH", "unexpected end of search term"),
    ],
)
def test_errors_use_salesforces_codes(org: Org, sosl: str, code: str, message: str) -> None:
    error = org.error(sosl)
    assert error.error_code == code
    assert message in error.message


def test_errors_echo_where_the_statement_went_wrong(org: Org) -> None:
    error = org.error("FIND {acme} RETURNING Account(Nope)")
    assert error.message.startswith(
        "\nFIND {acme} RETURNING Account(Nope)\n" + " " * 30 + "^\nERROR at Row:1:Column:31\n"
    )


def test_a_single_cjk_character_is_a_whole_term(org: Org) -> None:
    [account] = org.insert("Account", [{"Name": "東京"}])
    assert org.found("FIND {東} RETURNING Account") == [("Account", account)]


def test_a_field_with_several_numbers_matches_each(org: Org) -> None:
    [contact] = org.insert("Contact", [{"LastName": "C", "Phone": "03-1234-5678 / 090-1111-2222"}])
    for number in ("0312345678", "+81 90 1111 2222"):
        assert org.found(f"FIND {{{number}}} IN PHONE FIELDS RETURNING Contact") == [
            ("Contact", contact)
        ]
