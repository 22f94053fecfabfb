"""``sf data create|get|update|delete record`` (by id and by ``--where``), ``sf sobject list``
and ``sf sobject describe`` against the mock org."""

from __future__ import annotations

import pytest
import requests
from sf_cli_support import SalesforceCli

from tests.integration.mock.serve.mock_cli_process import MockProcess


@pytest.fixture(scope="module")
def contact_url(mock_org: MockProcess) -> str:
    return f"{mock_org.ready['instance_url']}/services/data/v62.0/sobjects/Contact"


def test_a_record_created_updated_and_deleted_by_id(
    sf: SalesforceCli, api: requests.Session, contact_url: str
) -> None:
    created = sf.run(
        "data",
        "create",
        "record",
        "--sobject",
        "Contact",
        "--values",
        "LastName='山本' FirstName='花子' Phone='03-5555-0123' Title='営業部長'",
    )
    assert created["success"] is True
    record_id = created["id"]

    fetched = sf.run("data", "get", "record", "--sobject", "Contact", "--record-id", record_id)
    assert (fetched["Name"], fetched["Phone"], fetched["Title"]) == (
        "花子 山本",
        "03-5555-0123",
        "営業部長",
    )

    sf.run(
        "data",
        "update",
        "record",
        "--sobject",
        "Contact",
        "--record-id",
        record_id,
        "--values",
        "Title='執行役員' MobilePhone='090-1234-5678'",
    )
    stored = api.get(f"{contact_url}/{record_id}").json()
    assert (stored["Title"], stored["MobilePhone"], stored["Phone"]) == (
        "執行役員",
        "090-1234-5678",
        "03-5555-0123",
    )

    sf.run("data", "delete", "record", "--sobject", "Contact", "--record-id", record_id)
    assert api.get(f"{contact_url}/{record_id}").status_code == 404
    gone = sf.fails("data", "get", "record", "--sobject", "Contact", "--record-id", record_id)
    # In the recycle bin now: Salesforce says so rather than NOT_FOUND.
    assert gone["name"] == "ENTITY_IS_DELETED"


def test_a_record_found_updated_and_deleted_by_where(
    sf: SalesforceCli, api: requests.Session, contact_url: str
) -> None:
    record_id = api.post(
        contact_url, json={"LastName": "条件検索", "FirstName": "一郎", "Department": "CLI"}
    ).json()["id"]
    where = "LastName='条件検索' FirstName='一郎'"

    fetched = sf.run("data", "get", "record", "--sobject", "Contact", "--where", where)
    assert fetched["Id"] == record_id

    sf.run(
        "data",
        "update",
        "record",
        "--sobject",
        "Contact",
        "--where",
        where,
        "--values",
        "Department='情報システム部'",
    )
    assert api.get(f"{contact_url}/{record_id}").json()["Department"] == "情報システム部"

    sf.run("data", "delete", "record", "--sobject", "Contact", "--where", where)
    assert api.get(f"{contact_url}/{record_id}").status_code == 404


def test_a_where_matching_nothing_is_reported(sf: SalesforceCli) -> None:
    error = sf.fails(
        "data", "get", "record", "--sobject", "Contact", "--where", "LastName='誰もいない'"
    )
    assert (error["name"], error["message"]) == (
        "DataRecordGetNoRecord",
        "No matching record found.",
    )


def test_bad_values_get_salesforces_error(sf: SalesforceCli) -> None:
    error = sf.fails("data", "create", "record", "--sobject", "Contact", "--values", "Nope__c='x'")
    assert error["name"] == "INVALID_FIELD"
    assert error["message"] == "No such column 'Nope__c' on sobject of type Contact"


def test_sobject_list_and_describe(
    sf: SalesforceCli, api: requests.Session, mock_org: MockProcess
) -> None:
    every = sf.run("sobject", "list", "--sobject", "all")
    assert {"Account", "Contact", "Lead", "Task", "Event", "Organization", "User"} <= set(every)
    custom = sf.run("sobject", "list", "--sobject", "custom")
    assert custom and all(name.endswith("__c") for name in custom)
    assert set(custom) <= set(every)

    described = sf.run("sobject", "describe", "--sobject", "Contact")
    expected = api.get(
        f"{mock_org.ready['instance_url']}/services/data/v62.0/sobjects/Contact/describe"
    ).json()
    assert described == expected
    fields = {f["name"]: f for f in described["fields"]}
    assert fields["AccountId"]["referenceTo"] == ["Account"]
    assert fields["Phone"]["type"] == "phone"
