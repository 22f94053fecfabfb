"""REST GET by Id answers from a read cache: every write, by whichever path, is visible on the
very next GET (PATCH, upsert, delete, sObject Collections, composite, composite rollback,
control-plane reset). Each test reads first, so a stale cached row would be caught."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import requests
from rest_api_support import SalesforceClient, error_code
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import SalesforceResourceNotFound

from mock_salesforce import ThreadedMockServer
from mock_salesforce.control import TOKEN_HEADER, new_control_token
from mock_salesforce.scenarios import reset_world
from mock_salesforce.seed import SMALL_SIZE

V = "/services/data/v59.0"


def _name(sf: SalesforceClient, record_id: str) -> str:
    return str(sf.Account.get(record_id)["Name"])


def test_patch_is_visible_on_the_next_get(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Before"})["id"]
    assert _name(sf, record_id) == "Before"
    sf.Account.update(record_id, {"Name": "After"})
    assert _name(sf, record_id) == "After"
    assert sf.Account.get(record_id)["LastModifiedDate"] >= sf.Account.get(record_id)["CreatedDate"]


def test_fields_parameter_reads_stay_consistent(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Fields", "Industry": "Banking"})["id"]
    url = f"sobjects/Account/{record_id}"
    assert sf.restful(url, params={"fields": "Industry"})["Industry"] == "Banking"
    sf.Account.update(record_id, {"Industry": "Energy"})
    assert sf.restful(url, params={"fields": "Industry"})["Industry"] == "Energy"
    assert sf.restful(url)["Industry"] == "Energy"


def test_delete_is_visible_on_the_next_get(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Doomed"})["id"]
    assert _name(sf, record_id) == "Doomed"
    sf.Account.delete(record_id)
    with pytest.raises(SalesforceResourceNotFound) as caught:
        sf.Account.get(record_id)
    assert error_code(caught.value) == "ENTITY_IS_DELETED"


def test_upsert_by_id_is_visible(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Upsert me"})["id"]
    assert _name(sf, record_id) == "Upsert me"
    sf.Account.upsert(f"Id/{record_id}", {"Name": "Upserted"})
    assert _name(sf, record_id) == "Upserted"


def test_collections_update_is_visible(sf: SalesforceClient) -> None:
    ids = [sf.Account.create({"Name": f"Collection {i}"})["id"] for i in range(2)]
    assert [_name(sf, i) for i in ids] == ["Collection 0", "Collection 1"]
    sf.restful(
        "composite/sobjects",
        method="PATCH",
        json={
            "records": [
                {"attributes": {"type": "Account"}, "Id": i, "Name": f"Renamed {n}"}
                for n, i in enumerate(ids)
            ]
        },
    )
    assert [_name(sf, i) for i in ids] == ["Renamed 0", "Renamed 1"]


def test_composite_write_is_visible_and_its_rollback_too(sf: SalesforceClient) -> None:
    record_id = sf.Account.create({"Name": "Original"})["id"]
    assert _name(sf, record_id) == "Original"
    result = sf.restful(
        "composite",
        method="POST",
        json={
            "allOrNone": True,
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Account/{record_id}",
                    "referenceId": "rename",
                    "body": {"Name": "Inside the transaction"},
                },
                {
                    "method": "GET",
                    "url": f"{V}/sobjects/Account/{record_id}",
                    "referenceId": "readBack",
                },
                {
                    "method": "POST",
                    "url": f"{V}/sobjects/Account",
                    "referenceId": "fails",
                    "body": {"Name": "x" * 300},
                },
            ],
        },
    )
    assert result["compositeResponse"][2]["httpStatusCode"] == 400
    # The GET inside saw the uncommitted name; after the rollback nobody may.
    assert _name(sf, record_id) == "Original"
    sf.restful(
        "composite",
        method="POST",
        json={
            "compositeRequest": [
                {
                    "method": "PATCH",
                    "url": f"{V}/sobjects/Account/{record_id}",
                    "referenceId": "rename",
                    "body": {"Name": "Committed"},
                }
            ]
        },
    )
    assert _name(sf, record_id) == "Committed"


def test_composite_tree_children_are_visible_on_their_parent_query(sf: SalesforceClient) -> None:
    result = sf.restful(
        "composite/tree/Account",
        method="POST",
        json={"records": [{"attributes": {"type": "Account", "referenceId": "a"}, "Name": "T"}]},
    )
    account_id = result["results"][0]["id"]
    assert _name(sf, account_id) == "T"


@pytest.fixture
def controlled_server() -> Iterator[ThreadedMockServer]:
    with ThreadedMockServer(control_token=new_control_token()) as server:
        reset_world(server.backend, seed=42, scenario="default", size=SMALL_SIZE)
        yield server


def _client(server: ThreadedMockServer) -> Salesforce:
    org = server.backend.orgs.all()[0]
    admin = server.backend.store.execute(
        'SELECT "Id" FROM "sobj_user" WHERE _org_id = ? ORDER BY "CreatedDate", "Id" LIMIT 1',
        [org.org_id],
    )[0][0]
    token, _, _ = server.backend.sessions.issue(org_id=org.org_id, user_id=admin, app_name="t")
    session = requests.Session()
    session.trust_env = False
    session.verify = str(server.ca_bundle)
    return Salesforce(
        instance_url=server.https_url, session_id=token, session=session, version="59.0"
    )


def test_control_plane_reset_is_visible(controlled_server: ThreadedMockServer) -> None:
    sf: SalesforceClient = _client(controlled_server)
    first = sf.query("SELECT Id, Name FROM Account ORDER BY Id LIMIT 1")["records"][0]
    assert _name(sf, first["Id"]) == first["Name"]

    control = requests.Session()
    control.trust_env = False
    control.verify = str(controlled_server.ca_bundle)
    assert controlled_server.control_token is not None
    control.headers[TOKEN_HEADER] = controlled_server.control_token
    reset = control.post(f"{controlled_server.https_url}/mock-api/reset", json={"seed": 7})
    assert reset.status_code == 200
    control.close()

    sf = _client(controlled_server)
    now = sf.query(f"SELECT Id, Name FROM Account WHERE Id = '{first['Id']}'")["records"]
    # Ids restart after a reset: the same id may name another account now, or none.
    if now:
        assert _name(sf, first["Id"]) == now[0]["Name"]
        assert now[0]["Name"] != first["Name"]
    else:
        with pytest.raises(SalesforceResourceNotFound):
            sf.Account.get(first["Id"])


def test_concurrent_readers_never_see_a_write_older_than_a_confirmed_one(
    mock_server: ThreadedMockServer, sf: SalesforceClient
) -> None:
    record_id = sf.Account.create({"Name": "v0"})["id"]
    headers = dict(sf.headers)
    url = f"{mock_server.https_url}{V}/sobjects/Account/{record_id}"
    confirmed = [0]
    stale: list[tuple[int, int]] = []
    done = threading.Event()

    def session() -> requests.Session:
        s = requests.Session()
        s.trust_env = False
        s.verify = str(mock_server.ca_bundle)
        return s

    def write() -> None:
        with session() as s:
            for version in range(1, 60):
                s.patch(url, json={"Name": f"v{version}"}, headers=headers).raise_for_status()
                confirmed[0] = version
        done.set()

    def read() -> None:
        with session() as s:
            while not done.is_set():
                floor = confirmed[0]
                seen = int(s.get(url, headers=headers).json()["Name"][1:])
                if seen < floor:
                    stale.append((seen, floor))

    threads = [threading.Thread(target=write), *(threading.Thread(target=read) for _ in range(2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert stale == []
    assert _name(sf, record_id) == "v59"
