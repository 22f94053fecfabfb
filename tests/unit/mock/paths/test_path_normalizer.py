"""Which request paths are read as Salesforce's front end reads them (``//`` as ``/``, no
trailing slash) and which keep their exact spelling."""

from __future__ import annotations

import pytest

from mock_salesforce.paths import normalize_path


@pytest.mark.parametrize(
    ("given", "read_as"),
    [
        ("//services/data", "/services/data"),
        ("//services/data/v62.0/query", "/services/data/v62.0/query"),
        ("/services/data/v62.0//sobjects///Account/", "/services/data/v62.0/sobjects/Account"),
        ("/services/oauth2/userinfo/", "/services/oauth2/userinfo"),
        ("//services/oauth2/token", "/services/oauth2/token"),
        (
            "//id/00D5g0000000001EAA/0055g0000000001AAA/",
            "/id/00D5g0000000001EAA/0055g0000000001AAA",
        ),
        ("/services/data/v62.0/jobs/ingest/", "/services/data/v62.0/jobs/ingest"),
        ("/services/data/v62.0/query", "/services/data/v62.0/query"),
    ],
)
def test_api_and_identity_paths_are_normalized(given: str, read_as: str) -> None:
    assert normalize_path(given) == read_as


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/setup/",
        "//setup",
        "/mock-api/state/",
        "/secur/logout.jsp",
        "/servicesx//data",
        "/identity//x",
    ],
)
def test_other_paths_keep_their_spelling(path: str) -> None:
    assert normalize_path(path) == path
