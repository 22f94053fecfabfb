"""``sf data export tree`` and ``sf data import tree`` against the mock org: Accounts with
their Contacts out to JSON files (one per object with a plan, or nested in one file), edited
as a developer would, and back in through ``/composite/tree``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from sf_cli_support import SalesforceCli

from tests.integration.mock.serve.mock_cli_process import MockProcess

EXPORT = (
    "SELECT Name, Phone, Industry, (SELECT LastName, FirstName, Phone FROM Contacts "
    "ORDER BY LastName) FROM Account WHERE Industry = 'Banking' ORDER BY Name LIMIT 2"
)


@pytest.fixture(scope="module")
def query(mock_org: MockProcess, api: requests.Session) -> Any:
    def run(soql: str) -> list[dict[str, Any]]:
        url = f"{mock_org.ready['instance_url']}/services/data/v62.0/query"
        records: list[dict[str, Any]] = api.get(url, params={"q": soql}).json()["records"]
        return records

    return run


def _strip(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k != "attributes"}


def test_export_with_a_plan_then_import_the_edited_files(
    sf: SalesforceCli, query: Any, tmp_path: Path
) -> None:
    exported = sf.run(
        "data", "export", "tree", "--query", EXPORT, "--plan", "--output-dir", "out", cwd=tmp_path
    )
    assert [(step["sobject"], step["files"]) for step in exported] == [
        ("Account", ["Account.json"]),
        ("Contact", ["Contact.json"]),
    ]
    out = tmp_path / "out"
    accounts = json.loads((out / "Account.json").read_text(encoding="utf-8"))["records"]
    contacts = json.loads((out / "Contact.json").read_text(encoding="utf-8"))["records"]
    originals = query(EXPORT)
    assert [a["Name"] for a in accounts] == [o["Name"] for o in originals]
    assert len(contacts) == sum(o["Contacts"]["totalSize"] for o in originals if o["Contacts"])
    assert {c["AccountId"] for c in contacts} <= {
        f"@{a['attributes']['referenceId']}" for a in accounts
    }

    for account in accounts:
        account["Name"] = f"複製 {account['Name']}"
    (out / "Account.json").write_text(
        json.dumps({"records": accounts}, ensure_ascii=False), encoding="utf-8"
    )
    imported = sf.run(
        "data", "import", "tree", "--plan", "out/Account-Contact-plan.json", cwd=tmp_path
    )

    ids = {row["refId"]: row["id"] for row in imported}
    assert len(ids) == len(accounts) + len(contacts)
    copies = query(
        "SELECT Id, Name, (SELECT LastName, FirstName, Phone FROM Contacts ORDER BY LastName) "
        "FROM Account WHERE Name LIKE '複製 %' ORDER BY Name"
    )
    assert [c["Name"] for c in copies] == [f"複製 {o['Name']}" for o in originals]
    for copy, original in zip(copies, originals, strict=True):
        assert copy["Id"] in ids.values()
        assert [_strip(c) for c in (copy["Contacts"] or {}).get("records", [])] == [
            _strip(c) for c in (original["Contacts"] or {}).get("records", [])
        ]


def test_export_nested_then_import_the_file(sf: SalesforceCli, query: Any, tmp_path: Path) -> None:
    sf.run("data", "export", "tree", "--query", EXPORT, "--output-dir", "nested", cwd=tmp_path)
    [path] = (tmp_path / "nested").iterdir()
    tree = json.loads(path.read_text(encoding="utf-8"))
    [first, *_] = tree["records"]
    assert first["attributes"]["type"] == "Account"
    assert first["Contacts"]["records"][0]["attributes"]["type"] == "Contact"

    tree["records"] = [first]
    first["Name"] = "入れ子 インポート株式会社"
    path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")
    imported = sf.run("data", "import", "tree", "--files", str(path), cwd=tmp_path)

    assert len(imported) == 1 + len(first["Contacts"]["records"])
    [account] = query(
        "SELECT Id, Industry, (SELECT LastName FROM Contacts ORDER BY LastName) FROM Account "
        "WHERE Name = '入れ子 インポート株式会社'"
    )
    assert account["Industry"] == "Banking"
    assert sorted(c["LastName"] for c in account["Contacts"]["records"]) == sorted(
        c["LastName"] for c in first["Contacts"]["records"]
    )


def test_a_bad_record_imports_nothing(sf: SalesforceCli, query: Any, tmp_path: Path) -> None:
    tree = {
        "records": [
            {"attributes": {"type": "Account", "referenceId": "Ok"}, "Name": "全部か無か商事"},
            {"attributes": {"type": "Account", "referenceId": "Bad"}, "Phone": "03-0000-0000"},
        ]
    }
    path = tmp_path / "Account.json"
    path.write_text(json.dumps(tree, ensure_ascii=False), encoding="utf-8")

    error = sf.fails("data", "import", "tree", "--files", str(path))

    assert "REQUIRED_FIELD_MISSING" in json.dumps(error, ensure_ascii=False)
    assert query("SELECT Id FROM Account WHERE Name = '全部か無か商事'") == []
