"""Any CSV an ingest job is given is answered record by record, never by a failed job or a
500: random values for every kind of field (text, number, datetime, picklist, reference,
external id)."""

from __future__ import annotations

import csv
import io

from bulk2_support import csv_rows, ingest_job, wait_until_finished
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_api_support import Api

COLUMNS = ["Name", "Call_Id__c", "Duration__c", "Direction__c", "Started_At__c", "Contact__c"]
_CELL = st.one_of(
    st.text(
        alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"),
        max_size=30,
    ),
    st.sampled_from(
        [
            "",
            "#N/A",
            "1e999",
            "-0",
            "2024-02-30",
            "2024-01-31T09:15:00Z",
            "Inbound",
            "inbound",
            "0035g0000000001AAA",
            "001000000000001",
            "NaN",
            "true",
        ]
    ),
)
_ROWS = st.lists(
    st.lists(_CELL, min_size=len(COLUMNS), max_size=len(COLUMNS)), min_size=1, max_size=8
)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    return out.getvalue()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=_ROWS, operation=st.sampled_from(["insert", "upsert"]))
def test_every_record_gets_an_outcome(api: Api, rows: list[list[str]], operation: str) -> None:
    body = {"object": "MiiTel_Call_Log__c", "operation": operation}
    if operation == "upsert":
        body["externalIdFieldName"] = "Call_Id__c"
    job_id = ingest_job(api, body, _csv(rows))
    info = wait_until_finished(api, "ingest", job_id)
    assert info["state"] == "JobComplete", info
    assert info["numberRecordsProcessed"] == len(rows)
    succeeded = csv_rows(api("GET", f"jobs/ingest/{job_id}/successfulResults").text)
    failed = csv_rows(api("GET", f"jobs/ingest/{job_id}/failedResults").text)
    assert len(succeeded) + len(failed) == len(rows)
    assert info["numberRecordsFailed"] == len(failed)
    for row in failed:
        code = row["sf__Error"].split(":", 1)[0]
        assert code.isupper() and row["sf__Error"].endswith(" --"), row
