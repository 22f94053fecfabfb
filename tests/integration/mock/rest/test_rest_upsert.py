"""Upsert, read and delete by external id."""

from __future__ import annotations

import pytest
import requests
from rest_api_support import Api, SalesforceClient, error_code
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceMoreThanOneRecord, SalesforceResourceNotFound

from mock_salesforce import ThreadedMockServer
from mock_salesforce.rows import insert
from tests.conftest import BareOrg

EXT = "MiiTel_External_Id__c"


def test_upsert_creates_then_updates(sf: SalesforceClient) -> None:
    created = sf.Contact.upsert(f"{EXT}/CALL-1", {"LastName": "Ito"}, raw_response=True)
    assert created.status_code == 201
    body = created.json()
    assert body["success"] is True and body["created"] is True
    updated = sf.Contact.upsert(f"{EXT}/call-1", {"FirstName": "Ken"}, raw_response=True)
    assert updated.status_code == 200
    assert updated.json() == {"id": body["id"], "success": True, "errors": [], "created": False}
    record = sf.Contact.get_by_custom_id(EXT, "CALL-1")
    assert (record["Id"], record["Name"], record[EXT]) == (body["id"], "Ken Ito", "CALL-1")


def test_before_api_46_an_upsert_update_answers_204(
    sf: SalesforceClient,
    mock_server: ThreadedMockServer,
    bare_org: BareOrg,
    trusted_session: requests.Session,
) -> None:
    sf.Contact.upsert(f"{EXT}/OLD-1", {"LastName": "Old"})
    old: SalesforceClient = Salesforce(
        instance_url=mock_server.https_url,
        session_id=bare_org.token,
        session=trusted_session,
        version="45.0",
    )
    assert old.Contact.upsert(f"{EXT}/OLD-1", {"FirstName": "Very"}) == 204
    created = old.Contact.upsert(f"{EXT}/OLD-2", {"LastName": "New"}, raw_response=True)
    assert created.status_code == 201 and "created" not in created.json()


def test_upsert_validates_like_create(sf: SalesforceClient) -> None:
    with pytest.raises(Exception) as caught:
        sf.Contact.upsert(f"{EXT}/NEW-9", {"FirstName": "No last name"})
    assert error_code(caught.value) == "REQUIRED_FIELD_MISSING"


def test_several_matches_answer_300_with_their_urls(
    sf: SalesforceClient, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    # Two rows sharing a value can only exist from before the field became unique.
    backend = mock_server.backend
    contact = backend.org_schema(bare_org.org_id).get("Contact")
    assert contact is not None
    ids = insert(
        backend.store,
        org_id=bare_org.org_id,
        obj=contact,
        actor_id=bare_org.user_id,
        now=backend.clock.now(),
        rows=[{"LastName": "Twin", EXT: "DUP"}, {"LastName": "Twin", EXT: "DUP"}],
    )
    expected = [f"/services/data/v59.0/sobjects/Contact/{i}" for i in sorted(ids)]
    with pytest.raises(SalesforceMoreThanOneRecord) as caught:
        sf.Contact.upsert(f"{EXT}/DUP", {"FirstName": "Which"})
    assert caught.value.content == expected
    with pytest.raises(SalesforceMoreThanOneRecord):
        sf.Contact.get_by_custom_id(EXT, "DUP")


def test_field_that_is_no_external_id_is_not_found(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.upsert("LastName/Ito", {"FirstName": "Ken"})
    assert caught.value.content == [
        {
            "message": "Provided external ID field does not exist or is not accessible: LastName",
            "errorCode": "NOT_FOUND",
            "fields": [],
        }
    ]


def test_update_only_does_not_create(api: Api) -> None:
    response = api(
        "PATCH",
        f"sobjects/Contact/{EXT}/NOPE",
        params={"updateOnly": "true"},
        json={"LastName": "Never"},
    )
    assert response.status_code == 404
    assert response.json()[0]["errorCode"] == "NOT_FOUND"


def test_unknown_external_value_is_not_found_on_read(sf: SalesforceClient) -> None:
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.get_by_custom_id(EXT, "NOBODY")
    assert error_code(caught.value) == "NOT_FOUND"


def test_upsert_by_id_updates_the_record(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "By Id"})["id"]
    assert sf.Account.upsert(f"Id/{record_id}", {"Phone": "0300000000"}) == 200
    assert sf.Account.get(record_id)["Phone"] == "0300000000"


def test_post_to_the_id_field_creates(api: Api) -> None:
    response = api("POST", "sobjects/Account/Id", json={"Name": "Posted"})
    assert response.status_code == 201
    assert response.json()["success"] is True


def test_delete_by_external_id(sf: SalesforceClient, api: Api) -> None:
    record_id = sf.Contact.create({"LastName": "Ext", EXT: "DEL-1"})["id"]
    assert api("DELETE", f"sobjects/Contact/{EXT}/DEL-1").status_code == 204
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Contact.get(record_id)
    assert error_code(caught.value) == "ENTITY_IS_DELETED"
