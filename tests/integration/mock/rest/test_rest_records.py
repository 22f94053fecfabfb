"""sObject rows by Id through simple-salesforce: CRUD, system fields, and DML validation."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from rest_api_support import Api, SalesforceClient, error_code, first_error
from simple_salesforce.exceptions import (
    SalesforceMalformedRequest,
    SalesforceResourceNotFound,
)

from mock_salesforce import ThreadedMockServer
from mock_salesforce.rows import insert
from tests.conftest import BareOrg

SF_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")


def _inactive_user(server: ThreadedMockServer, org: BareOrg) -> str:
    backend = server.backend
    user = backend.org_schema(org.org_id).get("User")
    assert user is not None
    [user_id] = insert(
        backend.store,
        org_id=org.org_id,
        obj=user,
        actor_id=org.user_id,
        now=backend.clock.now(),
        rows=[
            {
                "Username": "gone@bare.example",
                "LastName": "Gone",
                "Alias": "gone",
                "Email": "gone@bare.example",
                "IsActive": False,
                "ProfileId": None,
            }
        ],
    )
    return user_id


def test_create_returns_201_with_id_and_fills_system_fields(
    sf: SalesforceClient, bare_org: BareOrg
) -> None:
    result = sf.Contact.create({"FirstName": "Taro", "LastName": "Yamada", "Phone": "03-1234-5678"})
    assert result["success"] is True and result["errors"] == []
    assert re.fullmatch(r"003[0-9A-Za-z]{15}", result["id"])
    record = sf.Contact.get(result["id"])
    assert record["attributes"] == {
        "type": "Contact",
        "url": f"/services/data/v59.0/sobjects/Contact/{result['id']}",
    }
    assert record["Name"] == "Taro Yamada"
    assert (
        record["OwnerId"] == record["CreatedById"] == record["LastModifiedById"] == bare_org.user_id
    )
    assert record["IsDeleted"] is False
    for stamp in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        assert SF_DATETIME.match(record[stamp])


def test_create_answers_201(api: Api) -> None:
    response = api("POST", "sobjects/Account", json={"Name": "Status Co"})
    assert response.status_code == 201
    assert response.json()["success"] is True


def test_defaults_are_filled_on_create(sf: SalesforceClient) -> None:
    lead = sf.Lead.get(sf.Lead.create({"LastName": "Sato", "Company": "Sato Inc"})["id"])
    assert lead["Status"] == "Open - Not Contacted"
    assert lead["IsConverted"] is False
    task = sf.Task.get(sf.Task.create({"Subject": "Call"})["id"])
    assert (task["Status"], task["Priority"], task["IsClosed"]) == ("Not Started", "Normal", False)


def test_get_with_fields_returns_only_those(sf: SalesforceClient, api: Api) -> None:
    record_id = sf.Account.create({"Name": "Fields Co", "Phone": "0312345678"})["id"]
    body = api("GET", f"sobjects/Account/{record_id}", params={"fields": "phone,Name"}).json()
    assert list(body) == ["attributes", "Phone", "Name", "Id"]
    assert body["Phone"] == "0312345678"


def test_get_with_unknown_field_is_invalid_field(sf: SalesforceClient, api: Api) -> None:
    record_id = sf.Account.create({"Name": "Fields Co"})["id"]
    response = api("GET", f"sobjects/Account/{record_id}", params={"fields": "Nope__c"})
    assert response.status_code == 400
    assert response.json()[0]["errorCode"] == "INVALID_FIELD"


def test_15_character_id_reads_the_record(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Short Id"})["id"]
    assert sf.Account.get(record_id[:15])["Id"] == record_id


def test_update_is_204_and_changes_values_and_stamps(sf: SalesforceClient) -> None:
    record_id = sf.Contact.create({"FirstName": "Taro", "LastName": "Yamada"})["id"]
    before = sf.Contact.get(record_id)
    assert sf.Contact.update(record_id, {"LastName": "Suzuki", "Title": "CTO"}) == 204
    after = sf.Contact.get(record_id)
    assert (after["Name"], after["Title"]) == ("Taro Suzuki", "CTO")
    assert after["LastModifiedDate"] >= before["LastModifiedDate"]
    assert after["CreatedDate"] == before["CreatedDate"]


def test_delete_is_204_and_the_record_is_then_deleted(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Doomed"})["id"]
    assert sf.Account.delete(record_id) == 204
    for attempt in (
        lambda: sf.Account.get(record_id),
        lambda: sf.Account.update(record_id, {"Name": "Again"}),
        lambda: sf.Account.delete(record_id),
    ):
        with pytest.raises(SalesforceResourceNotFound) as caught:
            attempt()
        assert error_code(caught.value) == "ENTITY_IS_DELETED"


def test_unknown_id_is_not_found(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get("001000000000099AAA")
    assert error_code(caught.value) == "NOT_FOUND"


def test_id_with_bad_checksum_is_malformed(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Checksum"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.update(record_id[:15] + "ZZZ", {"Name": "x"})
    assert error_code(caught.value) == "MALFORMED_ID"


def test_id_of_another_type_is_malformed(sf: SalesforceClient) -> None:
    contact_id = sf.Contact.create({"LastName": "Other"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Account.get(contact_id)
    assert error_code(caught.value) == "MALFORMED_ID"


def test_segment_that_is_no_id_reads_as_missing_external_id_field(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get("not-an-id")
    assert first_error(caught.value)["message"] == (
        "Provided external ID field does not exist or is not accessible: not-an-id"
    )


@pytest.mark.parametrize(
    "given",
    [
        "2024-01-31T00:15:00Z",
        "2024-01-31T00:15:00.000Z",
        "2024-01-31T09:15:00+0900",
        "2024-01-31T09:15:00+09:00",
        "2024-01-31T09:15:00.000+09:00",
        "2024-01-30T19:15:00-05:00",
        "2024-01-31T00:15Z",
    ],
)
def test_datetimes_in_every_accepted_form_are_stored_as_utc(
    sf: SalesforceClient, given: str
) -> None:
    record_id = sf.Event.create(
        {"Subject": "Meeting", "StartDateTime": given, "DurationInMinutes": 30}
    )["id"]
    assert sf.Event.get(record_id)["StartDateTime"] == "2024-01-31T00:15:00.000+0000"


def test_date_and_number_and_boolean_values_round_trip(sf: SalesforceClient) -> None:
    record_id = sf.Contact.create({"LastName": "Types", "Birthdate": "1990-04-01"})["id"]
    assert sf.Contact.get(record_id)["Birthdate"] == "1990-04-01"
    account = sf.Account.create(
        {"Name": "Numbers", "NumberOfEmployees": "42", "AnnualRevenue": 1234.567}
    )["id"]
    got = sf.Account.get(account)
    assert (got["NumberOfEmployees"], got["AnnualRevenue"]) == (42, 1234.57)
    event = sf.Event.create(
        {"Subject": "All day", "IsAllDayEvent": "true", "ActivityDate": "2024-02-01"}
    )["id"]
    assert sf.Event.get(event)["IsAllDayEvent"] is True


def _rejects(sf: SalesforceClient, sobject: str, values: dict[str, Any]) -> dict[str, Any]:
    with pytest.raises(SalesforceMalformedRequest) as caught:
        getattr(sf, sobject).create(values)
    content = caught.value.content
    assert isinstance(content, list)
    return dict(content[0])


@pytest.mark.parametrize(
    ("sobject", "values", "code", "message"),
    [
        (
            "Account",
            {"Name": "A", "Colour__c": "red"},
            "INVALID_FIELD",
            "No such column 'Colour__c' on sobject of type Account",
        ),
        (
            "Contact",
            {"LastName": "A", "Name": "Full"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "Unable to create/update fields: Name. Please check the security settings of this "
            "field "
            "and verify that it is read/write for your profile or permission set.",
        ),
        (
            "Account",
            {"Name": "A", "Id": "001000000000001AAA"},
            "INVALID_FIELD_FOR_INSERT_UPDATE",
            "cannot specify Id in an insert call",
        ),
        (
            "Contact",
            {"FirstName": "NoLast"},
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName]",
        ),
        (
            "Lead",
            {"FirstName": "Nobody"},
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [LastName, Company]",
        ),
        (
            "Contact",
            {"LastName": "x" * 81},
            "STRING_TOO_LONG",
            f"Last Name: data value too large: {'x' * 81} (max length=80)",
        ),
        (
            "Task",
            {"Status": "Finished"},
            "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
            "Status: bad value for restricted picklist field: Finished",
        ),
        (
            "Contact",
            {"LastName": "A", "Email": "not-an-email"},
            "INVALID_EMAIL_ADDRESS",
            "Email: invalid email address: not-an-email",
        ),
        (
            "Account",
            {"Name": "A", "AnnualRevenue": 1e20},
            "NUMBER_OUTSIDE_VALID_RANGE",
            "Annual Revenue: value outside of valid range on numeric field: 1e+20",
        ),
    ],
)
def test_validation_errors_carry_salesforce_codes_and_messages(
    sf: SalesforceClient, sobject: str, values: dict[str, Any], code: str, message: str
) -> None:
    error = _rejects(sf, sobject, values)
    assert (error["errorCode"], error["message"]) == (code, message)


def test_required_fields_are_listed_in_fields(sf: SalesforceClient) -> None:
    error = _rejects(sf, "Lead", {"FirstName": "Nobody"})
    assert error["fields"] == ["LastName", "Company"]


@pytest.mark.parametrize(
    ("sobject", "values", "kind"),
    [
        ("Contact", {"LastName": "A", "Birthdate": "31/01/2024"}, "date"),
        ("Event", {"Subject": "A", "StartDateTime": "tomorrow"}, "datetime"),
        ("Account", {"Name": "A", "NumberOfEmployees": "many"}, "int"),
        ("Account", {"Name": "A", "NumberOfEmployees": 1.5}, "int"),
        ("Account", {"Name": "A", "AnnualRevenue": "lots"}, "currency"),
        ("Event", {"Subject": "A", "IsAllDayEvent": "maybe"}, "boolean"),
        ("Account", {"Name": ["A", "B"]}, "string"),
        ("Account", {"Name": "A", "AnnualRevenue": 10**400}, "currency"),
        ("Event", {"Subject": "A", "StartDateTime": "9999-12-31T23:00:00-05:00"}, "datetime"),
    ],
)
def test_values_of_the_wrong_json_type_are_parser_errors(
    sf: SalesforceClient, sobject: str, values: dict[str, Any], kind: str
) -> None:
    error = _rejects(sf, sobject, values)
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert error["message"].startswith(f"Cannot deserialize instance of {kind} from ")


def test_references_must_be_well_formed_of_the_right_type_and_exist(sf: SalesforceClient) -> None:
    lead_id = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    cases = [
        (
            {"AccountId": "garbage"},
            "MALFORMED_ID",
            "Account ID: id value of incorrect type: garbage",
        ),
        (
            {"AccountId": lead_id},
            "FIELD_INTEGRITY_EXCEPTION",
            f"Account ID: id value of incorrect type: {lead_id}",
        ),
        (
            {"AccountId": "001000000000099AAA"},
            "INVALID_CROSS_REFERENCE_KEY",
            "invalid cross reference id",
        ),
    ]
    for values, code, message in cases:
        error = _rejects(sf, "Contact", {"LastName": "Ref", **values})
        assert (error["errorCode"], error["message"], error["fields"]) == (
            code,
            message,
            ["AccountId"],
        )


def test_polymorphic_reference_accepts_each_allowed_type(sf: SalesforceClient) -> None:
    lead_id = sf.Lead.create({"LastName": "L", "Company": "C"})["id"]
    contact_id = sf.Contact.create({"LastName": "C"})["id"]
    for who in (lead_id, contact_id):
        task_id = sf.Task.create({"Subject": "Call", "WhoId": who[:15]})["id"]
        assert sf.Task.get(task_id)["WhoId"] == who
    account_id = sf.Account.create({"Name": "Not a who"})["id"]
    assert _rejects(sf, "Task", {"WhoId": account_id})["errorCode"] == "FIELD_INTEGRITY_EXCEPTION"


def test_reference_to_a_deleted_record_is_entity_is_deleted(sf: SalesforceClient) -> None:
    account_id = sf.Account.create({"Name": "Gone soon"})["id"]
    sf.Account.delete(account_id)
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.create({"LastName": "Orphan", "AccountId": account_id})
    assert error_code(caught.value) == "ENTITY_IS_DELETED"


def test_owner_must_be_an_active_user(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    inactive = _inactive_user(mock_server, bare_org)
    error = _rejects(sf, "Task", {"Subject": "Call", "OwnerId": inactive})
    assert (error["errorCode"], error["fields"]) == ("INACTIVE_OWNER_OR_USER", ["OwnerId"])
    task_id = sf.Task.create({"Subject": "Call", "OwnerId": bare_org.user_id})["id"]
    assert sf.Task.get(task_id)["OwnerId"] == bare_org.user_id


def test_unique_external_id_refuses_duplicates(sf: SalesforceClient) -> None:
    first = sf.Contact.create({"LastName": "One", "MiiTel_External_Id__c": "EXT-1"})["id"]
    error = _rejects(sf, "Contact", {"LastName": "Two", "MiiTel_External_Id__c": "ext-1"})
    assert error["errorCode"] == "DUPLICATE_VALUE"
    assert error["message"].endswith(f"duplicates value on record with id: {first}")


def test_update_cannot_clear_a_required_field(sf: SalesforceClient) -> None:
    record_id = sf.Contact.create({"LastName": "Keep"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.update(record_id, {"LastName": None})
    assert error_code(caught.value) == "REQUIRED_FIELD_MISSING"
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Contact.update(record_id, {"LastName": ""})
    assert error_code(caught.value) == "REQUIRED_FIELD_MISSING"


def test_update_of_a_non_updateable_field_is_refused(sf: SalesforceClient) -> None:
    task_id = sf.Task.create({"Subject": "Call", "TaskSubtype": "Call"})["id"]
    with pytest.raises(SalesforceMalformedRequest) as caught:
        sf.Task.update(task_id, {"TaskSubtype": "Email"})
    assert error_code(caught.value) == "INVALID_FIELD_FOR_INSERT_UPDATE"


def test_object_that_cannot_be_inserted_is_refused(sf: SalesforceClient) -> None:
    error = _rejects(sf, "Organization", {"Name": "Another org"})
    assert error == {
        "message": "entity type cannot be inserted: Organization",
        "errorCode": "CANNOT_INSERT_UPDATE_ACTIVATE_ENTITY",
        "fields": [],
    }


@pytest.mark.parametrize(
    ("body", "start"),
    [
        (b'{"Name": "broken', "Unexpected character"),
        (b"", "The HTTP entity body is required, but this request has no entity body."),
        (b'["Name"]', "Cannot deserialize instance of Account from START_ARRAY"),
        (b'{"Name": NaN}', "Non-standard token 'NaN'"),
        (b"\xff\xfe", "Invalid UTF-8 start byte"),
        (b'{"Name": "\\ud800"}', "Invalid Unicode surrogate"),
    ],
)
def test_malformed_body_is_json_parser_error(api: Api, body: bytes, start: str) -> None:
    response = api(
        "POST", "sobjects/Account", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    error = response.json()[0]
    assert error["errorCode"] == "JSON_PARSER_ERROR"
    assert error["message"].startswith(start)


def test_parent_can_be_named_by_its_external_id(sf: SalesforceClient) -> None:
    contact_id = sf.Contact.create({"LastName": "Ext", "MiiTel_External_Id__c": "C-9"})["id"]
    log_id = sf.MiiTel_Call_Log__c.create(
        {"Name": "Call 1", "Contact__r": {"MiiTel_External_Id__c": "C-9"}}
    )["id"]
    assert sf.MiiTel_Call_Log__c.get(log_id)["Contact__c"] == contact_id


def test_updated_and_deleted_lists_cover_whole_minutes_up_to_now(
    sf: SalesforceClient, mock_server: ThreadedMockServer
) -> None:
    start = datetime.now(UTC) - timedelta(minutes=5)
    kept = sf.Account.create({"Name": "Kept"})["id"]
    gone = sf.Account.create({"Name": "Gone"})["id"]
    sf.Account.delete(gone)
    end = datetime.now(UTC) + timedelta(minutes=10)
    # Changes of the current minute are reported once that minute is over.
    assert kept not in sf.Account.updated(start, end)["ids"]
    mock_server.backend.clock.advance(timedelta(minutes=2))
    assert kept in sf.Account.updated(start, end)["ids"]
    assert gone not in sf.Account.updated(start, end)["ids"]
    deleted = sf.Account.deleted(start, end)
    assert [d["id"] for d in deleted["deletedRecords"]] == [gone]
    assert SF_DATETIME.match(deleted["latestDateCovered"])


def test_a_parent_named_by_external_id_must_name_one_existing_record(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    contact_id = sf.Contact.create({"LastName": "Ext", "MiiTel_External_Id__c": "C-7"})["id"]
    backend = mock_server.backend
    contact = backend.org_schema(bare_org.org_id).get("Contact")
    assert contact is not None
    for twin in ("TWIN", "TWIN"):
        # Two rows sharing a value can only exist from before the field became unique.
        insert(
            backend.store,
            org_id=bare_org.org_id,
            obj=contact,
            actor_id=bare_org.user_id,
            now=backend.clock.now(),
            rows=[{"LastName": "Twin", "MiiTel_External_Id__c": twin}],
        )
    cases = [
        (
            {"Contact__r": {"attributes": {"type": "Account"}, "MiiTel_External_Id__c": "C-7"}},
            "INVALID_FIELD",
            "The relationship Contact__r on MiiTel_Call_Log__c needs a valid type in its "
            "attributes",
        ),
        (
            {"Contact__r": {"MiiTel_External_Id__c": "C-7", "LastName": "Ext"}},
            "INVALID_FIELD",
            "Foreign key external ID reference on Contact__r must name exactly one external "
            "ID field",
        ),
        (
            {"Contact__r": {"LastName": "Ext"}},
            "INVALID_FIELD",
            "Field LastName is not an external ID field of Contact",
        ),
        (
            {"Contact__r": {"MiiTel_External_Id__c": 404}},
            "INVALID_FIELD",
            "Foreign key external ID: 404 not found for field MiiTel_External_Id__c in entity "
            "Contact",
        ),
        (
            {"Contact__r": {"MiiTel_External_Id__c": "twin"}},
            "DUPLICATE_EXTERNAL_ID",
            "Foreign key external ID: twin matched more than one record for field "
            "MiiTel_External_Id__c in entity Contact",
        ),
        (
            {"Contact__r": "C-7"},
            "INVALID_FIELD",
            "No such column 'Contact__r' on sobject of type MiiTel_Call_Log__c",
        ),
    ]
    for values, code, message in cases:
        error = _rejects(sf, "MiiTel_Call_Log__c", {"Name": "Call", **values})
        assert (error["errorCode"], error["message"]) == (code, message)
    by_id = sf.MiiTel_Call_Log__c.create({"Name": "Call", "Contact__r": {"Id": contact_id}})
    assert sf.MiiTel_Call_Log__c.get(by_id["id"])["Contact__c"] == contact_id
    assert _rejects(sf, "Task", {"Subject": "Call", "Who": {"MiiTel_External_Id__c": "C-7"}})[
        "message"
    ] == ("The relationship Who on Task needs a valid type in its attributes")
    who = {"attributes": {"type": "Contact"}, "MiiTel_External_Id__c": "C-7"}
    task_id = sf.Task.create({"Subject": "Call", "Who": who})["id"]
    assert sf.Task.get(task_id)["WhoId"] == contact_id
