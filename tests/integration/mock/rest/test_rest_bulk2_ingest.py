"""Bulk API 2.0 ingest jobs over real HTTPS: simple-salesforce's ``sf.bulk2`` and raw calls."""

from __future__ import annotations

from bulk2_support import csv_rows, ingest_job, wait_until_finished
from rest_api_support import Api, SalesforceClient

from mock_salesforce import ThreadedMockServer
from mock_salesforce.permissions import READ_ONLY
from tests.conftest import BareOrg

EXT = "MiiTel_External_Id__c"


def test_insert_reports_each_record_in_successful_and_failed_results(sf: SalesforceClient) -> None:
    [result] = sf.bulk2.Contact.insert(
        records=[
            {"LastName": "佐藤", "FirstName": "花子", "Email": "hanako@example.jp"},
            {"LastName": "", "FirstName": "NoLastName", "Email": "x@example.jp"},
            {"LastName": "Bad mail", "FirstName": "", "Email": "not-an-email"},
        ],
        wait=0.05,
    )
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (3, 1 + 1)
    job_id = result["job_id"]
    ok = csv_rows(sf.bulk2.Contact.get_successful_records(job_id))
    assert [(r["sf__Created"], r["LastName"], r["FirstName"]) for r in ok] == [
        ("true", "佐藤", "花子")
    ]
    stored = sf.Contact.get(ok[0]["sf__Id"])
    assert (stored["Name"], stored["Email"]) == ("花子 佐藤", "hanako@example.jp")
    failed = csv_rows(sf.bulk2.Contact.get_failed_records(job_id))
    assert [r["sf__Error"] for r in failed] == [
        "REQUIRED_FIELD_MISSING:Required fields are missing: [LastName]:LastName --",
        "INVALID_EMAIL_ADDRESS:Email: invalid email address: not-an-email:Email --",
    ]
    assert [(r["sf__Id"], r["FirstName"]) for r in failed] == [("", "NoLastName"), ("", "")]
    assert csv_rows(sf.bulk2.Contact.get_unprocessed_records(job_id)) == []


def test_upsert_by_external_id_creates_then_updates(sf: SalesforceClient) -> None:
    [first] = sf.bulk2.Contact.upsert(
        records=[{EXT: "C-1", "LastName": "Ito"}, {EXT: "C-2", "LastName": "Kato"}],
        external_id_field=EXT,
        wait=0.05,
    )
    [second] = sf.bulk2.Contact.upsert(
        records=[
            {EXT: "c-1", "LastName": "Ito", "Phone": "03-1111-2222"},
            {EXT: "C-3", "LastName": "Mori"},
        ],
        external_id_field=EXT,
        wait=0.05,
    )
    assert first["numberRecordsFailed"] == second["numberRecordsFailed"] == 0
    rows = csv_rows(sf.bulk2.Contact.get_successful_records(second["job_id"]))
    created = {r[EXT]: r["sf__Created"] for r in rows}
    assert created == {"c-1": "false", "C-3": "true"}
    ito = sf.Contact.get_by_custom_id(EXT, "C-1")
    assert ito["Phone"] == "03-1111-2222"
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == 3


def test_update_leaves_empty_values_and_nulls_na(sf: SalesforceClient) -> None:
    contact = sf.Contact.create(
        {"LastName": "Ueda", "Phone": "03-0000-0000", "Title": "Manager", "Email": "u@example.jp"}
    )["id"]
    [result] = sf.bulk2.Contact.update(
        records=[
            {"Id": contact, "Phone": "", "Title": "#N/A", "Email": "new@example.jp"},
            {"Id": "003000000000000AAA", "Phone": "1", "Title": "", "Email": ""},
        ],
        wait=0.05,
    )
    assert result["numberRecordsFailed"] == 1
    stored = sf.Contact.get(contact)
    assert (stored["Phone"], stored["Title"], stored["Email"]) == (
        "03-0000-0000",
        None,
        "new@example.jp",
    )
    [failed] = csv_rows(sf.bulk2.Contact.get_failed_records(result["job_id"]))
    assert failed["sf__Id"] == "003000000000000AAA"
    assert failed["sf__Error"].startswith("INVALID_CROSS_REFERENCE_KEY:")


def test_delete_moves_records_to_the_recycle_bin(sf: SalesforceClient) -> None:
    ids = [sf.Lead.create({"LastName": f"L{i}", "Company": "Acme"})["id"] for i in range(3)]
    [result] = sf.bulk2.Lead.delete(records=[{"Id": i} for i in ids[:2]], wait=0.05)
    assert (result["numberRecordsProcessed"], result["numberRecordsFailed"]) == (2, 0)
    assert [r["Id"] for r in sf.query("SELECT Id FROM Lead")["records"]] == [ids[2]]
    deleted = sf.query_all("SELECT Id FROM Lead WHERE IsDeleted = true", include_deleted=True)[
        "records"
    ]
    assert sorted(r["Id"] for r in deleted) == sorted(ids[:2])
    rows = csv_rows(sf.bulk2.Lead.get_successful_records(result["job_id"]))
    assert sorted((r["sf__Id"], r["sf__Created"]) for r in rows) == sorted(
        (i, "false") for i in ids[:2]
    )


def test_parent_named_by_its_external_id_in_a_relationship_column(
    sf: SalesforceClient, api: Api
) -> None:
    contact = sf.Contact.create({"LastName": "Parent", EXT: "P-1"})["id"]
    job_id = ingest_job(
        api,
        {"object": "MiiTel_Call_Log__c", "operation": "insert"},
        f"Name,Contact__r.{EXT}\nCall 1,P-1\nCall 2,P-404\n",
    )
    info = wait_until_finished(api, "ingest", job_id)
    assert (info["state"], info["numberRecordsProcessed"], info["numberRecordsFailed"]) == (
        "JobComplete",
        2,
        1,
    )
    logs = sf.query("SELECT Name, Contact__c FROM MiiTel_Call_Log__c")["records"]
    assert [(r["Name"], r["Contact__c"]) for r in logs] == [("Call 1", contact)]


def test_unknown_column_fails_the_job_and_leaves_every_record_unprocessed(api: Api) -> None:
    job_id = ingest_job(
        api, {"object": "Account", "operation": "insert"}, "Name,Nope__c\nA,1\nB,2\n"
    )
    info = wait_until_finished(api, "ingest", job_id)
    assert info["state"] == "Failed"
    assert info["errorMessage"] == "InvalidBatch : Field name not found : Nope__c"
    assert info["numberRecordsProcessed"] == 0
    unprocessed = api("GET", f"jobs/ingest/{job_id}/unprocessedrecords")
    assert unprocessed.headers["Content-Type"].startswith("text/csv")
    assert csv_rows(unprocessed.text) == [
        {"Name": "A", "Nope__c": "1"},
        {"Name": "B", "Nope__c": "2"},
    ]


def test_data_must_use_the_jobs_line_ending_and_delimiter(api: Api, sf: SalesforceClient) -> None:
    crlf_data_lf_job = ingest_job(
        api, {"object": "Account", "operation": "insert"}, "Name\r\nA\r\n"
    )
    info = wait_until_finished(api, "ingest", crlf_data_lf_job)
    assert info["state"] == "Failed"
    assert info["errorMessage"].startswith("ClientInputError : LineEnding is invalid")
    piped = ingest_job(
        api,
        {
            "object": "Account",
            "operation": "insert",
            "columnDelimiter": "PIPE",
            "lineEnding": "CRLF",
        },
        'Name|Phone\r\n"Tokyo, Inc."|03-1234-5678\r\n',
    )
    assert wait_until_finished(api, "ingest", piped)["state"] == "JobComplete"
    results = api("GET", f"jobs/ingest/{piped}/successfulResults").text
    [row] = csv_rows(results, delimiter="|")
    assert (row["Name"], row["Phone"]) == ("Tokyo, Inc.", "03-1234-5678")
    assert results.endswith("\r\n")
    assert sf.query("SELECT Name FROM Account")["records"][0]["Name"] == "Tokyo, Inc."


def test_open_job_state_machine(api: Api) -> None:
    created = api("POST", "jobs/ingest", json={"object": "Account", "operation": "insert"})
    job = created.json()
    assert job["state"] == "Open"
    assert job["contentUrl"] == f"services/data/v59.0/jobs/ingest/{job['id']}/batches"
    job_id = job["id"]
    # No results until the job has finished; an Open job cannot be deleted.
    assert api("GET", f"jobs/ingest/{job_id}/successfulResults").status_code == 409
    assert api("DELETE", f"jobs/ingest/{job_id}").status_code == 409
    aborted = api("PATCH", f"jobs/ingest/{job_id}", json={"state": "Aborted"})
    assert aborted.status_code == 200 and aborted.json()["state"] == "Aborted"
    close = api("PATCH", f"jobs/ingest/{job_id}", json={"state": "UploadComplete"})
    assert close.status_code == 409 and close.json()[0]["errorCode"] == "INVALIDJOBSTATE"
    upload = api(
        "PUT",
        f"jobs/ingest/{job_id}/batches",
        data=b"Name\nA\n",
        headers={"Content-Type": "text/csv"},
    )
    assert upload.status_code == 409
    assert api("GET", f"jobs/ingest/{job_id}").json()["state"] == "Aborted"
    listed = api("GET", "jobs/ingest").json()
    assert [(j["id"], j["state"], j["jobType"]) for j in listed["records"]] == [
        (job_id, "Aborted", "V2Ingest")
    ]
    assert api("DELETE", f"jobs/ingest/{job_id}").status_code == 204
    assert api("GET", f"jobs/ingest/{job_id}").status_code == 404
    assert api("GET", "jobs/ingest").json()["records"] == []


def test_object_permissions_refuse_records_as_the_rest_api_does(
    sf: SalesforceClient, api: Api, mock_server: ThreadedMockServer, bare_org: BareOrg
) -> None:
    kept = sf.Account.create({"Name": "Kept"})["id"]
    permissions = mock_server.backend.permissions
    profile = permissions.create_profile(
        org_id=bare_org.org_id,
        name="Read Only Accounts",
        permissions={"ApiEnabled"},
        object_access={"Account": READ_ONLY},
    )
    permissions.set_user_profile(
        org_id=bare_org.org_id, user_id=bare_org.user_id, profile_id=profile.profile_id
    )
    [result] = sf.bulk2.Account.insert(records=[{"Name": "Nope"}], wait=0.05)
    [failed] = csv_rows(sf.bulk2.Account.get_failed_records(result["job_id"]))
    assert failed["sf__Error"].startswith("INSUFFICIENT_ACCESS_OR_READONLY:")
    # Hard delete needs the administrator's permission: the job is refused.
    refused = api("POST", "jobs/ingest", json={"object": "Account", "operation": "hardDelete"})
    assert refused.status_code == 400
    assert refused.json()[0]["errorCode"] == "FEATURENOTENABLED"
    # What the user may read, a query job returns.
    [page] = sf.bulk2.Account.query("SELECT Id, Name FROM Account", wait=0.05)
    assert csv_rows(page) == [{"Id": kept, "Name": "Kept"}]
