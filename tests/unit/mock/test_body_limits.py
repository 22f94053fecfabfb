"""The per-path table of request body limits (issue 11.10): the most specific entry wins, and
another area can register its own limit."""

from __future__ import annotations

import pytest

from mock_salesforce import body_limits
from mock_salesforce.body_limits import MB, REST_MAX_BYTES, SMALL_MAX_BYTES, limit_for


@pytest.mark.parametrize(
    ("path", "max_bytes"),
    [
        ("/services/data/v60.0/sobjects/Account", REST_MAX_BYTES),
        ("/services/data/v60.0/composite/sobjects", REST_MAX_BYTES),
        ("/services/data/v60.0/jobs/ingest/7508d000001/batches", 150 * MB),
        ("/services/data/v60.0/jobs/ingest/7508d000001", REST_MAX_BYTES),
        ("/services/oauth2/token", SMALL_MAX_BYTES),
        ("/mock-api/reset", SMALL_MAX_BYTES),
        ("/setup/users", SMALL_MAX_BYTES),
    ],
)
def test_each_path_gets_its_limit(path: str, max_bytes: int) -> None:
    assert limit_for(path).max_bytes == max_bytes


def test_a_registered_limit_takes_precedence(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(body_limits, "_LIMITS", list(body_limits._LIMITS))
    body_limits.register(r"/services/data/v[0-9.]+/big/", 200 * MB)
    assert limit_for("/services/data/v60.0/big/thing").max_bytes == 200 * MB
    assert limit_for("/services/data/v60.0/small").max_bytes == REST_MAX_BYTES
