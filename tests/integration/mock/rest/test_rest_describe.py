"""Describe global, basic information and object describe, per org and per user's view."""

from __future__ import annotations

from typing import Any

import requests
from rest_api_support import Api, SalesforceClient
from simple_salesforce import Salesforce

from mock_salesforce import ThreadedMockServer
from tests.conftest import make_bare_org


def _field(describe: dict[str, Any], name: str) -> dict[str, Any]:
    return next(f for f in describe["fields"] if f["name"] == name)


def test_describe_global_lists_the_orgs_objects(sf: SalesforceClient) -> None:
    body = sf.describe()
    assert (body["encoding"], body["maxBatchSize"]) == ("UTF-8", 200)
    objects = {o["name"]: o for o in body["sobjects"]}
    assert {"Account", "Contact", "Lead", "Task", "Event", "User", "Organization"} <= set(objects)
    account = objects["Account"]
    assert (account["keyPrefix"], account["label"], account["labelPlural"]) == (
        "001",
        "Account",
        "Accounts",
    )
    assert account["createable"] and account["queryable"] and not account["custom"]
    assert account["urls"]["describe"] == "/services/data/v59.0/sobjects/Account/describe"
    assert objects["MiiTel_Call_Log__c"]["custom"] is True
    assert objects["Organization"]["createable"] is False


def test_an_org_without_the_custom_schema_lacks_it(
    mock_server: ThreadedMockServer, trusted_session: requests.Session
) -> None:
    second = make_bare_org(
        mock_server.backend, name="Second", profile="second", username="admin@second.example"
    )
    sf: SalesforceClient = Salesforce(
        instance_url=mock_server.https_url,
        session_id=second.token,
        session=trusted_session,
        version="59.0",
    )
    names = {o["name"] for o in sf.describe()["sobjects"]}
    assert "MiiTel_Call_Log__c" not in names
    task_fields = {f["name"] for f in sf.Task.describe()["fields"]}
    assert "MiiTel_Call_URL__c" not in task_fields and "CallDurationInSeconds" in task_fields


def test_basic_information(sf: SalesforceClient) -> None:
    body = sf.Contact.metadata()
    assert body["objectDescribe"]["name"] == "Contact"
    assert body["objectDescribe"]["keyPrefix"] == "003"
    assert body["recentItems"] == []


def test_describe_reports_field_attributes(sf: SalesforceClient) -> None:
    contact = sf.Contact.describe()
    assert (contact["name"], contact["label"], contact["keyPrefix"]) == (
        "Contact",
        "Contact",
        "003",
    )
    last = _field(contact, "LastName")
    assert (
        last["type"],
        last["length"],
        last["nillable"],
        last["createable"],
        last["soapType"],
    ) == ("string", 80, False, True, "xsd:string")
    name = _field(contact, "Name")
    assert name["createable"] is False and name["updateable"] is False
    account_id = _field(contact, "AccountId")
    assert (account_id["type"], account_id["referenceTo"], account_id["relationshipName"]) == (
        "reference",
        ["Account"],
        "Account",
    )
    ext = _field(contact, "MiiTel_External_Id__c")
    assert ext["externalId"] and ext["unique"] and ext["custom"] and ext["idLookup"]


def test_describe_of_task_has_polymorphic_who_and_picklists(sf: SalesforceClient) -> None:
    task = sf.Task.describe()
    who = _field(task, "WhoId")
    assert who["referenceTo"] == ["Contact", "Lead"]
    assert who["polymorphicForeignKey"] is True and who["relationshipName"] == "Who"
    status = _field(task, "Status")
    values = {v["value"]: v for v in status["picklistValues"]}
    assert {"Not Started", "Completed"} <= set(values)
    assert values["Not Started"]["defaultValue"] is True
    assert values["Completed"] == {
        "active": True,
        "defaultValue": False,
        "label": "Completed",
        "validFor": None,
        "value": "Completed",
    }
    assert status["restrictedPicklist"] is True and status["defaultedOnCreate"] is True
    assert _field(task, "CallDurationInSeconds")["type"] == "int"


def test_describe_lists_child_relationships(sf: SalesforceClient) -> None:
    relationships = {
        (r["childSObject"], r["field"]): r["relationshipName"]
        for r in sf.Account.describe()["childRelationships"]
    }
    assert relationships[("Contact", "AccountId")] == "Contacts"
    assert relationships[("Task", "WhatId")] == "Tasks"
    assert relationships[("Event", "WhatId")] == "Events"


def test_describe_is_case_insensitive_and_answers_canonical_names(api: Api) -> None:
    body = api("GET", "sobjects/aCCOUNT/describe/").json()
    assert body["name"] == "Account"
